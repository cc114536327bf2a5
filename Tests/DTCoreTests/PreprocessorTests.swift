import Foundation
import Testing

@testable import DTCore

// MARK: - Helpers

/// Preprocesses `main` (the first file) with the other virtual files available.
private func run(
  _ files: [(String, String)], includePaths: [String] = [], defines: [(name: String, value: String?)] = [],
  options: ((inout PreprocessorOptions) -> Void)? = nil, cache: PreprocessorCache? = nil
) -> (PreprocessedSource, SourceManager) {
  let sm = SourceManager()
  var first: SourceFile?
  for (path, text) in files {
    let f = sm.addVirtualFile(path: path, text: text)
    if first == nil { first = f }
  }
  var opts = PreprocessorOptions(includePaths: includePaths, defines: defines)
  options?(&opts)
  let r = Preprocessor(sources: sm, options: opts, cache: cache).preprocess(first!)
  return (r, sm)
}

private func pp(_ text: String, defines: [(name: String, value: String?)] = []) -> PreprocessedSource {
  run([("main.dts", text)], defines: defines).0
}

private func text(_ r: PreprocessedSource) -> String { String(decoding: r.bytes, as: UTF8.self) }

/// The output as whitespace-separated tokens.
private func words(_ r: PreprocessedSource) -> [String] {
  text(r).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
}

/// Non-empty output lines, trimmed.
private func lines(_ r: PreprocessedSource) -> [String] {
  text(r).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

private func errors(_ r: PreprocessedSource) -> [Diagnostic] { r.diagnostics.filter { $0.severity == .error } }

/// Output offset of the `n`th occurrence of `needle`.
private func offset(of needle: String, in r: PreprocessedSource, occurrence n: Int = 0) -> Int? {
  let hay = r.bytes
  let nd = Array(needle.utf8)
  var found = 0
  var i = 0
  while i + nd.count <= hay.count {
    if hay[i..<(i + nd.count)].elementsEqual(nd) {
      if found == n { return i }
      found += 1
    }
    i += 1
  }
  return nil
}

/// Checks the source map: segments are sorted and start at 0, and in verbatim segments every byte that is not
/// whitespace (inserted separators are) equals the original byte it maps to.
private func checkSourceMap(_ r: PreprocessedSource, _ sm: SourceManager) {
  guard !r.bytes.isEmpty else { return }
  #expect(r.segments.first?.outStart == 0)
  var bad = 0
  for (k, seg) in r.segments.enumerated() {
    let end = k + 1 < r.segments.count ? Int(r.segments[k + 1].outStart) : r.bytes.count
    #expect(Int(seg.outStart) <= end)
    #expect(seg.context >= 0 && Int(seg.context) < r.contexts.count)
    guard seg.verbatim else { continue }
    let src = sm[seg.file].bytes
    for i in Int(seg.outStart)..<end {
      let c = r.bytes[i]
      if c == 0x20 || c == 0x0A || c == 0x09 { continue }
      let j = Int(seg.srcStart) + i - Int(seg.outStart)
      if j >= src.count || src[j] != c { bad += 1 }
    }
  }
  #expect(bad == 0)
}

private func lc(_ sm: SourceManager, _ r: SourceRange) -> String {
  let f = sm[r.file]
  return "\(f.path):\(f.lineColumn(at: r.start))-\(f.lineColumn(at: r.end))"
}

// MARK: - Object-like and function-like macros

@Test func objectLikeMacros() {
  let r = pp("#define A 1\n#define B A + A\nx = B;\n")
  #expect(words(r) == ["x", "=", "1", "+", "1;"])
  #expect(r.diagnostics.isEmpty)
  #expect(!r.fatal)
}

@Test func functionLikeMacros() {
  let r = pp(
    """
    #define ADD(a, b) ((a) + (b))
    #define ID(x) x
    v = ADD(1, ADD(2, 3));
    w = ID( (1, 2) );
    e = ID();
    n = ID
    (
      spans
      lines
    );
    f = ADD;
    """)
  #expect(
    lines(r) == [
      "v = ((1) + (((2) + (3))));", "w = (1, 2);", "e = ;", "n = spans lines;", "f = ADD;",
    ])
}

@Test func functionLikeNameWithoutParenthesisIsNotExpanded() {
  let r = pp("#define f(x) [x]\nf /* comment */\n+ f\n(1)\n")
  #expect(words(r) == ["f", "+", "[1]"])
}

@Test func stringificationAndPasting() {
  let r = pp(
    """
    #define str(x) #x
    #define xstr(x) str(x)
    #define cat(a, b) a ## b
    #define V 42
    str(  a  +  "q\\n" ) xstr(V) str(V) cat(x, y) cat(1, 2) cat(, y) cat(x, ) cat(V, 1)
    """)
  #expect(words(r) == ["\"a", "+", "\\\"q\\\\n\\\"\"", "\"42\"", "\"V\"", "xy", "12", "y", "x", "V1"])
}

@Test func cStandardExampleThree() {
  let r = pp(
    """
    #define x 3
    #define f(a) f(x * (a))
    #undef x
    #define x 2
    #define g f
    #define z z[0]
    #define h g(~
    #define m(a) a(w)
    #define w 0,1
    #define t(a) a
    #define p() int
    #define q(x) x
    #define r(x,y) x ## y
    #define str(x) # x
    f(y+1) + f(f(z)) % t(t(g)(0) + t)(1);
    g(x+(3,4)-w) | h 5) & m
    (f)^m(m);
    p() i[q()] = { q(1), r(2,3), r(4,), r(,5), r(,) };
    char c[2][6] = { str(hello), str() };
    """)
  // Byte for byte what GCC prints (including its spacing).
  #expect(
    lines(r) == [
      "f(2 * (y+1)) + f(2 * (f(2 * (z[0])))) % f(2 * (0)) + t(1);",
      "f(2 * (2 +(3,4)-0,1)) | f(2 * (~ 5)) & f(2 * (0,1))^m(0,1);",
      "int i[] = { 1, 23, 4, 5, };",
      "char c[2][6] = { \"hello\", \"\" };",
    ])
}

@Test func cStandardExampleFour() {
  let r = pp(
    """
    #define str(s) # s
    #define xstr(s) str(s)
    #define debug(s, t) printf("x" # s "= %d, x" # t "= %s", \\
     x ## s, x ## t)
    #define INCFILE(n) vers ## n
    #define glue(a, b) a ## b
    #define xglue(a, b) glue(a, b)
    #define HIGHLOW "hello"
    #define LOW LOW ", world"
    debug(1, 2);
    fputs(str(strncmp("abc\\0d", "abc", '\\4') // this goes away
     == 0) str(: @\\n), s);
    xstr(INCFILE(2).h)
    glue(HIGH, LOW);
    xglue(HIGH, LOW)
    """)
  #expect(
    lines(r) == [
      "printf(\"x\" \"1\" \"= %d, x\" \"2\" \"= %s\", x1, x2);",
      "fputs(\"strncmp(\\\"abc\\\\0d\\\", \\\"abc\\\", '\\\\4') == 0\" \": @\\n\", s);",
      "\"vers2.h\"",
      "\"hello\";",
      "\"hello\" \", world\"",
    ])
}

@Test func recursionIsSuppressed() {
  let r = pp(
    """
    #define foo foo a
    #define bar(x) bar(x) x
    #define AA BB
    #define BB AA
    foo; bar(1); AA BB
    """)
  #expect(words(r) == ["foo", "a;", "bar(1)", "1;", "AA", "BB"])
}

@Test func variadicMacros() {
  let r = pp(
    """
    #define v(a, ...) <a,##__VA_ARGS__>
    #define w(...) <x,##__VA_ARGS__>
    #define n(a, args...) <a,##args>
    #define all(...) [__VA_ARGS__]
    #define vo(a, ...) f(a __VA_OPT__(,) __VA_ARGS__)
    v(1) v(1,) v(1,2,3) w() n(1) n(1,2) all(1, (2, 3), 4) vo(1) vo(1,2)
    """)
  #expect(
    words(r) == [
      "<1>", "<1,>", "<1,2,3>", "<x>", "<1>", "<1,2>", "[1,", "(2,", "3),", "4]", "f(1", ")", "f(1", ",", "2)",
    ])
}

@Test func wrongArgumentCountsAreErrors() {
  let r = pp("#define f(a, b) a b\nf(1) f(1, 2, 3) f(1\n")
  let msgs = errors(r).map(\.message)
  #expect(msgs.contains("macro \"f\" requires 2 arguments, but only 1 given"))
  #expect(msgs.contains("macro \"f\" passed 3 arguments, but takes just 2"))
  #expect(msgs.contains("unterminated argument list invoking macro \"f\""))
  #expect(!r.fatal)
}

@Test func redefinitionWarnsButSameBodyDoesNot() {
  let r = pp("#define A 1\n#define A 1\n#define A  1 \n#define A 2\nA\n")
  let w = r.diagnostics.filter { $0.severity == .warning }
  #expect(w.count == 1)
  #expect(w.first?.message == "\"A\" redefined")
  #expect(w.first?.notes.first?.range != nil)
  #expect(words(r) == ["2"])
}

@Test func predefinedAndBuiltinMacros() {
  let r = pp(
    """
    __ASSEMBLER__ __STDC__ __STDC_HOSTED__ linux unix __DTS__ X
    __LINE__ __FILE__ __COUNTER__ __COUNTER__ __INCLUDE_LEVEL__
    #line 100 "other.dts"
    __LINE__ __FILE__
    """, defines: [("__DTS__", nil), ("X", "a b")])
  #expect(
    words(r) == [
      "1", "1", "1", "linux", "unix", "1", "a", "b", "2", "\"main.dts\"", "0", "1", "0", "100", "\"other.dts\"",
    ])
}

// MARK: - Conditionals

@Test func conditionalsAndExpressions() {
  let r = pp(
    """
    #define ONE 1
    #define F(x) (x * 2)
    #if ONE && defined(ONE) && defined ONE && !defined(TWO)
    a
    #endif
    #if F(3) == 6 && (1 ? 2 : (1/0)) == 2 && -1 < 0 && !(-1 < 0u) && (0x10 | 1) == 17
    b
    #endif
    #if 'a' == 97 && '\\377' < 0 && '\\n' == 10 && (1 << 3) == 8 && (-16 >> 2) == -4 && 7 % 3 == 1
    c
    #endif
    #if UNDEFINED_NAME == 0 && 18446744073709551615u == -1 && 010 == 8 && 0b101 == 5
    d
    #endif
    #ifdef ONE
    e
    #elif 1
    no
    #else
    no
    #endif
    #ifndef ONE
    no
    #elif 0
    no
    #elif ONE + 1 == 2
    f
    #else
    no
    #endif
    #if 0
    #if 1
    no
    #else
    no
    #endif
    #error not reached
    #elif 1, 1
    g
    #endif
    #if __has_include("main.dts") && !__has_include(<nothing.h>)
    h
    #endif
    """)
  #expect(words(r) == ["a", "b", "c", "d", "e", "f", "g", "h"])
  #expect(errors(r).isEmpty)
}

@Test func expressionErrorsAreDiagnosed() {
  let r = pp(
    "#if 1 / 0\nx\n#endif\n#if (1\ny\n#endif\n#if\n#endif\n#if 1 +\n#endif\n#if 0 && 1/0\n#endif\n#if 1.0\n#endif\n")
  let msgs = errors(r).map(\.message)
  #expect(msgs.contains("division by zero in #if"))
  #expect(msgs.contains("missing ')' in expression"))
  #expect(msgs.contains("#if with no expression"))
  #expect(msgs.contains("floating constant in preprocessor expression"))
  #expect(msgs.count == 5)
  #expect(words(r).isEmpty)
}

@Test func unbalancedConditionalsNameTheOpeningLine() {
  let (r, sm) = run([("main.dts", "a\n#ifdef X\nb\n#else\nc\n")])
  let e = errors(r)
  #expect(e.count == 1)
  #expect(e.first?.message == "unterminated #else")
  // Reported at the directive that opened the conditional.
  if let range = e.first?.range { #expect(sm[range.file].lineColumn(at: range.start).line == 2) }
  let r2 = pp("#endif\n#else\n#if 1\n#endif\n")
  #expect(errors(r2).map(\.message) == ["#endif without #if", "#else without #if"])
  // A conditional left open in an included file is reported for that file.
  let (r3, sm3) = run([("main.dts", "#include \"h.h\"\nx\n"), ("h.h", "\n#if 1\n")])
  #expect(errors(r3).count == 1)
  if let range = errors(r3).first?.range {
    #expect(sm3[range.file].path == "h.h")
    #expect(sm3[range.file].lineColumn(at: range.start).line == 2)
  }
  #expect(words(r3) == ["x"])
}

@Test func skippedGroupsAreNotExpandedOrChecked() {
  let r = pp("#if 0\n#include \"missing.h\"\n#error no\n#define A 1\nA 'unterminated\n#endif\nA\n")
  #expect(!r.fatal)
  #expect(r.diagnostics.isEmpty)
  #expect(words(r) == ["A"])
}

// MARK: - Directives

@Test func errorIsFatalAndWarningIsNot() {
  let (r, sm) = run([("main.dts", "a\n#warning careful now\n  #error stop here\nb\n")])
  #expect(r.fatal)
  let e = errors(r)
  #expect(e.count == 1)
  #expect(e.first?.message == "#error stop here")
  #expect(e.first.map { $0.formatted(with: sm) }?.hasPrefix("main.dts:3:3: error: #error stop here") == true)
  #expect(r.diagnostics.contains { $0.severity == .warning && $0.message == "#warning careful now" })
}

@Test func pragmaIdentAndLineAreAccepted() {
  let r = pp("#pragma foo bar\n#ident \"x\"\n# 33 \"foo.c\"\n#line 7\n_Pragma(\"x\") y\n")
  #expect(r.diagnostics.isEmpty)
  // In assembler mode a GCC line marker is not a directive: it is text.
  #expect(words(r) == ["#", "33", "\"foo.c\"", "y"])
}

@Test func assemblerModeHashLinesPassThrough() {
  let r = pp(
    """
    #define size 3
    / {
    \t#address-cells = <1>;
    \t#size-cells = <0>;
    #gpio-cells
    \tx = 'unterminated "also;
    };
    """)
  #expect(r.diagnostics.isEmpty)
  #expect(
    lines(r) == [
      "/ {", "#address-cells = <1>;", "#3 -cells = <0>;", "#gpio-cells", "x = 'unterminated \"also;", "};",
    ])
  // Identifiers after the `#` are still macro-expanded, as cpp does.
  let r2 = pp("#define address 7\n#address-cells\n")
  #expect(words(r2) == ["#7", "-cells"])
}

@Test func commentsAndSplices() {
  let r = pp(
    """
    a/* one */b // rest
    c /* multi
    line */ d
    #define LONG 1 + \\
      2
    LONG e\\
    f "str /* not a comment */" g
    /\\
    * spliced comment *\\
    / h
    """)
  #expect(
    words(r) == ["a", "b", "c", "d", "1", "+", "2", "ef", "\"str", "/*", "not", "a", "comment", "*/\"", "g", "h"])
  #expect(text(r).contains("a b"))
}

// MARK: - Includes

@Test func includeSearchOrder() {
  let files = [
    ("dir/main.dts", "#include \"x.h\"\n#include <x.h>\n#include <y.h>\n#include \"sub/z.h\"\n"),
    ("dir/x.h", "quoted_local\n"),
    ("inc1/x.h", "angle_first\n"),
    ("inc2/x.h", "angle_second\n"),
    ("inc2/y.h", "only_in_second\n"),
    ("inc1/sub/z.h", "#include \"w.h\"\n"),
    ("inc1/sub/w.h", "next_to_includer\n"),
    ("inc2/w.h", "wrong\n"),
  ]
  let (r, sm) = run(files, includePaths: ["inc1", "inc2"])
  #expect(r.diagnostics.isEmpty)
  #expect(words(r) == ["quoted_local", "angle_first", "only_in_second", "next_to_includer"])
  #expect(
    r.files.map { sm[$0].path } == ["dir/main.dts", "dir/x.h", "inc1/x.h", "inc2/y.h", "inc1/sub/z.h", "inc1/sub/w.h"])
}

@Test func includeNextAndComputedIncludes() {
  let files = [
    ("main.dts", "#define HDR <a.h>\n#define Q \"b.h\"\n#include HDR\n#include Q\n"),
    ("i1/a.h", "first\n#include_next <a.h>\n"),
    ("i2/a.h", "second\n"),
    ("i1/b.h", "bee\n"),
  ]
  let (r, _) = run(files, includePaths: ["i1", "i2"])
  #expect(r.diagnostics.isEmpty)
  #expect(words(r) == ["first", "second", "bee"])
}

@Test func missingIncludeIsFatalWithLocation() {
  let (r, sm) = run([("main.dts", "a\n\n  #include \"nope.h\"\nb\n")], includePaths: ["d1", "d2"])
  #expect(r.fatal)
  let e = errors(r)
  #expect(e.count == 1)
  #expect(e.first?.message == "'nope.h' not found (searched: ., d1, d2); add the directory that holds it with -I DIR")
  #expect(e.first.map { $0.formatted(with: sm) }?.hasPrefix("main.dts:3:3: error: 'nope.h' not found") == true)
  #expect(!words(r).contains("b"))
}

@Test func includeCycleHitsTheDepthLimit() {
  let (r, sm) = run(
    [("main.dts", "#include \"a.h\"\n"), ("a.h", "#include \"b.h\"\n"), ("b.h", "x\n#include \"a.h\"\n")],
    options: { $0.maxIncludeDepth = 20 })
  #expect(r.fatal)
  let e = errors(r)
  #expect(e.count == 1)
  #expect(e.first?.message.contains("exceeds maximum of 20") == true)
  if let range = e.first?.range {
    #expect(sm[range.file].path == "a.h" || sm[range.file].path == "b.h")
  }
  // Guarded headers are fine.
  let (r2, _) = run([
    ("main.dts", "#include \"g.h\"\n#include \"g.h\"\n#include \"o.h\"\n#include \"o.h\"\n"),
    ("g.h", "#ifndef G\n#define G\nguarded\n#include \"g.h\"\n#endif\n"),
    ("o.h", "#pragma once\nonce\n"),
  ])
  #expect(!r2.fatal)
  #expect(words(r2) == ["guarded", "once"])
}

// MARK: - Spacing

@Test func spacingFollowsTheSource() {
  let r = pp(
    """
    #define ADDR 30860000
    #define CLK 42
    #define NEG -1
    #define E
    #define f(x) x
    serial@ADDR {
    \tclocks = <&clk CLK>, <&clk   CLK>;
    \ta = -NEG; b = NEG-1; c = f(-)f(-); d = x E y; e = a-E-b; g = CLK+CLK;
    \tpinctrl-0 = <&pinctrl_uart1>;
    };
    """)
  let t = text(r)
  #expect(t.contains("serial@30860000 {"))
  #expect(t.contains("clocks = <&clk 42>, <&clk 42>;"))
  #expect(t.contains("a = - -1;"))
  #expect(t.contains("b = -1 -1;"))
  #expect(t.contains("c = - -;"))
  #expect(t.contains("d = x y;"))
  #expect(t.contains("e = a- -b;"))
  #expect(t.contains("g = 42 +42;"))
  #expect(t.contains("\tpinctrl-0 = <&pinctrl_uart1>;"))
}

@Test func nonUTF8BytesPassThrough() {
  let sm = SourceManager()
  let f = sm.addVirtualFile(
    path: "main.dts", bytes: Array("a = \"".utf8) + [0xFF, 0xC3, 0x28] + Array("\"; \u{7}b\n".utf8))
  let r = Preprocessor(sources: sm, options: PreprocessorOptions()).preprocess(f)
  #expect(r.bytes == f.bytes)
}

// MARK: - Source map

@Test func fileWithoutMacrosIsOneSegment() {
  let src = "/dts-v1/;\n\n/ {\n\tmodel = \"x\";\n\n\tnode@0 {\n\t\treg = <0 1>;\n\t};\n};\n"
  let r = pp(src)
  #expect(text(r) == src)
  #expect(r.segments.count == 1)
  #expect(r.segments.first?.verbatim == true)
  #expect(
    r.originalRange(start: 0, end: r.bytes.count) == SourceRange(file: FileID(0), start: 0, end: UInt32(src.utf8.count))
  )
}

@Test func sourceMapPositions() {
  let files = [
    ("main.dts", "#include \"a.h\"\n/ {\n\tserial@ADDR { reg = <F(5, 7)>; };\n\tplain = <1>;\n};\n"),
    ("a.h", "#define ADDR 30860000\n#define F(x, y) (x + y)\nfrom_header;\n"),
  ]
  let (r, sm) = run(files)
  #expect(r.diagnostics.isEmpty)
  #expect(
    words(r) == [
      "from_header;", "/", "{", "serial@30860000", "{", "reg", "=", "<(5", "+", "7)>;", "};", "plain", "=", "<1>;",
      "};",
    ])
  let main = FileID(Int32(r.files[0].raw))
  #expect(sm[main].path == "main.dts")
  #expect(r.files.map { sm[$0].path } == ["main.dts", "a.h"])

  // A token copied from the main file.
  let p = offset(of: "plain", in: r)!
  let pr = r.originalRange(start: p, end: p + 5)!
  #expect(lc(sm, pr) == "main.dts:4:2-4:7")
  #expect(r.contextChain(at: p).count == 1)

  // A token from a macro body maps to the invocation.
  let a = offset(of: "30860000", in: r)!
  let ar = r.originalRange(start: a, end: a + 8)!
  #expect(lc(sm, ar) == "main.dts:3:9-3:13")
  let chain = r.contextChain(at: a)
  #expect(chain.count == 2)
  if case .macro(let name, let inv, let def) = chain[0].kind {
    #expect(name == "ADDR")
    #expect(lc(sm, inv) == "main.dts:3:9-3:13")
    #expect(def.map { lc(sm, $0) } == "a.h:1:9-1:13")
  } else {
    Issue.record("expected a macro context")
  }

  // A token from an argument maps to where the argument was written.
  let five = offset(of: "5", in: r, occurrence: 0)!
  let fr = r.originalRange(start: five, end: five + 1)!
  #expect(lc(sm, fr) == "main.dts:3:25-3:26")
  if case .macro(let name, let inv, _) = r.contextChain(at: five)[0].kind {
    #expect(name == "F")
    #expect(lc(sm, inv) == "main.dts:3:23-3:30")
  } else {
    Issue.record("expected a macro context for the argument")
  }
  // And one from the body of F maps to the whole call.
  let plus = offset(of: "+", in: r)!
  #expect(lc(sm, r.originalRange(start: plus, end: plus + 1)!) == "main.dts:3:23-3:30")

  // Text from an included file: its own file context, whose parent is the includer.
  let h = offset(of: "from_header", in: r)!
  #expect(lc(sm, r.originalRange(start: h, end: h + 11)!) == "a.h:3:1-3:12")
  let hc = r.contextChain(at: h)
  #expect(hc.count == 2)
  if case .file(let id, let at) = hc[0].kind {
    #expect(sm[id].path == "a.h")
    #expect(at.map { lc(sm, $0) } == "main.dts:1:1-1:15")
  } else {
    Issue.record("expected a file context")
  }
  if case .file(let id, let at) = hc[1].kind {
    #expect(id == main)
    #expect(at == nil)
  } else {
    Issue.record("expected the main file context")
  }

  checkSourceMap(r, sm)
  // Every output byte is covered.
  #expect(r.segments.first?.outStart == 0)
  for i in 0..<r.bytes.count { #expect(r.originalRange(start: i, end: i + 1) != nil) }
}

@Test func nestedExpansionContextsChain() {
  let (r, sm) = run([("main.dts", "#define IN(x) <x>\n#define OUT(y) IN(y)\nv = OUT(abc);\n")])
  #expect(words(r) == ["v", "=", "<abc>;"])
  let a = offset(of: "abc", in: r)!
  #expect(lc(sm, r.originalRange(start: a, end: a + 3)!) == "main.dts:3:9-3:12")
  let names: [String] = r.contextChain(at: a).compactMap {
    if case .macro(let n, _, _) = $0.kind { return n }
    return nil
  }
  #expect(names == ["IN", "OUT"])
}

// MARK: - Limits and robustness

@Test func macroBombStops() {
  var src = "#define A0 x x x x x x x x x x\n"
  for i in 1...12 { src += "#define A\(i) A\(i - 1) A\(i - 1) A\(i - 1) A\(i - 1)\n" }
  src += "A12\n"
  let (r, _) = run([("main.dts", src)], options: { $0.maxOutputBytes = 1 << 20 })
  #expect(r.fatal)
  #expect(r.bytes.count <= (1 << 20) + 64)
}

@Test func deepNestingIsLimited() {
  let depth = 3000
  let src =
    "#define f(x) x\n" + String(repeating: "f(", count: depth) + "1" + String(repeating: ")", count: depth) + "\n"
  let r = pp(src)
  #expect(r.fatal)
  let src2 = "#if " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + "\n#endif\n"
  let r2 = pp(src2)
  #expect(!errors(r2).isEmpty)
}

/// A small deterministic generator, so a failing input can be reproduced.
private struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Test func garbageNeverCrashes() {
  var rng = SplitMix(state: 20_261_124)
  let alphabet = Array("#define if elif else endif include ( ) , ## # \\\n\"'<>/*//AB x 0x1 __VA_ARGS__ ... ?:-+".utf8)
  for _ in 0..<600 {
    let n = Int.random(in: 0..<400, using: &rng)
    var bytes: [UInt8] = []
    for _ in 0..<n {
      if Int.random(in: 0..<10, using: &rng) == 0 {
        bytes.append(UInt8.random(in: 0...255, using: &rng))
      } else {
        bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)])
      }
    }
    let sm = SourceManager()
    let f = sm.addVirtualFile(path: "fuzz.dts", bytes: bytes)
    let r = Preprocessor(sources: sm, options: PreprocessorOptions()).preprocess(f)
    checkSourceMap(r, sm)
  }
}

@Test func cacheIsSharedAcrossThreads() async {
  let sm = SourceManager()
  var header = ""
  for i in 0..<500 { header += "#define PIN_\(i) 0x\(String(i, radix: 16)) 0x\(String(i * 4, radix: 16))\n" }
  sm.addVirtualFile(path: "inc/pins.h", text: header)
  var mains: [SourceFile] = []
  for b in 0..<8 {
    mains.append(sm.addVirtualFile(path: "board\(b).dts", text: "#include <pins.h>\npins = <PIN_\(b) PIN_\(b * 7)>;\n"))
  }
  let cache = PreprocessorCache()
  let opts = PreprocessorOptions(includePaths: ["inc"])
  let results = await withTaskGroup(of: (Int, [UInt8]).self) { group in
    for (i, m) in mains.enumerated() {
      group.addTask { (i, Preprocessor(sources: sm, options: opts, cache: cache).preprocess(m).bytes) }
    }
    var r = [Int: [UInt8]]()
    for await (i, b) in group { r[i] = b }
    return r
  }
  // The header, the eight boards and the predefined-macro text: each lexed once.
  #expect(cache.filesLexed == 10)
  for b in 0..<8 {
    let out = String(decoding: results[b] ?? [], as: UTF8.self)
    #expect(
      out.contains(
        "pins = <0x\(String(b, radix: 16)) 0x\(String(b * 4, radix: 16)) 0x\(String(b * 7, radix: 16)) 0x\(String(b * 28, radix: 16))>;"
      ))
  }
}

// MARK: - Differential test against GCC's cpp

private let corpusRoot: String = {
  // Tests/DTCoreTests/PreprocessorTests.swift -> package root -> ../shared/corpus/linux-dts
  let here = URL(fileURLWithPath: #filePath)
  let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  return root.deletingLastPathComponent().appendingPathComponent("shared/corpus/linux-dts").path
}()

private let cppPath = "/usr/bin/cpp"
private let canCompareWithCpp =
  FileManager.default.fileExists(atPath: corpusRoot + "/src/arm64/freescale")
  && FileManager.default.isExecutableFile(atPath: cppPath)

private func cppTokens(_ output: [UInt8]) -> [String] {
  var r: [String] = []
  for line in String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
    // Line markers (`# 12 "file" 1`).
    if line.hasPrefix("# "), let c = line.dropFirst(2).first, c.isNumber { continue }
    r.append(contentsOf: line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
  }
  return r
}

@Test(
  "Token-for-token agreement with cpp on real boards",
  .enabled(if: canCompareWithCpp, "needs ../shared/corpus/linux-dts and /usr/bin/cpp"),
  arguments: [
    "src/arm64/freescale/imx8mp-verdin-nonwifi-dev.dts",
    "src/arm64/freescale/imx8mm-evk.dts",
    "src/arm64/freescale/fsl-ls1028a-rdb.dts",
  ])
func matchesCpp(board: String) throws {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: cppPath)
  p.currentDirectoryURL = URL(fileURLWithPath: corpusRoot)
  p.arguments = [
    "-nostdinc", "-Iinclude", "-Isrc/arm64/freescale", "-Isrc", "-undef", "-D__DTS__", "-x", "assembler-with-cpp",
    board,
  ]
  let pipe = Pipe()
  p.standardOutput = pipe
  p.standardError = FileHandle.nullDevice
  try p.run()
  let expected = pipe.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  #expect(p.terminationStatus == 0)

  let sm = SourceManager()
  let file = try sm.load(path: corpusRoot + "/" + board)
  let inc = ["include", "src/arm64/freescale", "src"].map { corpusRoot + "/" + $0 }
  let r = Preprocessor(sources: sm, options: PreprocessorOptions(includePaths: inc, defines: [("__DTS__", nil)]))
    .preprocess(file)
  #expect(!r.fatal)
  #expect(r.diagnostics.filter { $0.severity == .error }.isEmpty)
  let ours = cppTokens(r.bytes)
  let theirs = cppTokens(Array(expected))
  #expect(ours.count == theirs.count)
  if let i = (0..<min(ours.count, theirs.count)).first(where: { ours[$0] != theirs[$0] }) {
    Issue.record("first difference at token \(i): ours \(ours[i]) vs cpp \(theirs[i])")
  }
  checkSourceMap(r, sm)
  // Segments stay few: long verbatim runs, one per macro use.
  #expect(r.segments.count < r.bytes.count / 8)
}
