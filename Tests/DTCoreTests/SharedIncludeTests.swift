import Foundation
import Testing

@testable import DTCore

/// Includes shared between the units of one run (SharedIncludes.swift): every unit's result must be exactly what
/// it is when nothing is shared, and sharing must happen where it is sound.
@Suite struct SharedIncludeTests {
  /// Files of one run, with boards preprocessed (and lexed) through one shared cache, in order.
  struct Run {
    let sources = SourceManager()
    var shared = PreprocessorCache(sharesIncludes: true)

    init(_ files: [(String, String)]) {
      for (path, text) in files { _ = sources.addVirtualFile(path: path, text: text) }
    }

    func file(_ path: String) -> SourceFile { sources.loaded(path: path)! }

    func preprocess(_ path: String, cache: PreprocessorCache, defines: [(name: String, value: String?)] = [])
      -> PreprocessedSource
    {
      var o = PreprocessorOptions(includePaths: ["inc"], defines: defines)
      o.defines.insert((name: "__DTS__", value: "1"), at: 0)
      return Preprocessor(sources: sources, options: o, cache: cache).preprocess(file(path))
    }

    func lex(_ text: PreprocessedSource) -> Lexer {
      var lexer = Lexer(sources: sources, searchPaths: ["inc"], limits: FrontEndLimits())
      lexer.run(text, directory: "")
      return lexer
    }

    /// Preprocesses and lexes `board` shared, and alone (a cache of its own, sharing off); expects both equal.
    /// Returns the shared lexer (for its reuse count).
    @discardableResult
    func expectSameAsAlone(_ board: String, defines: [(name: String, value: String?)] = []) -> Lexer {
      let got = preprocess(board, cache: shared, defines: defines)
      let alone = preprocess(board, cache: PreprocessorCache(sharesIncludes: false), defines: defines)
      #expect(alone.sharedRegions.isEmpty)
      #expect(String(decoding: got.bytes, as: UTF8.self) == String(decoding: alone.bytes, as: UTF8.self), "\(board)")
      #expect(got.segments == alone.segments, "\(board): segments")
      #expect(got.contexts == alone.contexts, "\(board): contexts")
      #expect(got.diagnostics == alone.diagnostics, "\(board): diagnostics")
      #expect(got.files == alone.files, "\(board): files")
      #expect(got.fatal == alone.fatal)
      let lexed = lex(got)
      let lexedAlone = lex(alone)
      #expect(lexedAlone.regionsReused == 0)
      #expect(lexed.tokens.count == lexedAlone.tokens.count, "\(board): tokens")
      for (a, b) in zip(lexed.tokens.tokens, lexedAlone.tokens.tokens) {
        #expect(
          sameToken(a, in: lexed.tokens, b, in: lexedAlone.tokens),
          "\(board): token \(lexed.tokens.display(a)) at \(a.range) vs \(lexedAlone.tokens.display(b)) at \(b.range)")
      }
      #expect(lexed.diagnostics == lexedAlone.diagnostics)
      return lexed
    }
  }

  static let bindings = """
    #ifndef _BINDINGS_H
    #define _BINDINGS_H
    #define IRQ_HIGH 4
    #define PAD(a, b) ((a) << 8 | (b))
    #endif
    """

  static let soc = """
    #include <bindings.h>
    #include "soc-pins.h"
    / {
    \t#address-cells = <1>;
    \tsoc: soc@0 {
    \t\tcompatible = "acme,soc";
    \t\tinterrupts = <IRQ_HIGH PAD(1, 2)>;
    \t\tpins = <PIN_A PIN_B>;
    \t};
    };
    """

  static let pins = """
    #pragma once
    #define PIN_A 0x10
    #define PIN_B PAD(3, 4)
    """

  static func board(_ n: Int, before: String = "") -> String {
    """
    // SPDX-License-Identifier: GPL-2.0
    /dts-v1/;
    \(before)
    #include "soc.dtsi"

    / {
    \tmodel = "board \(n)";
    };
    &soc { irq = <IRQ_HIGH PIN_A>; };
    """
  }

  @Test("An include read again by the next board is replayed, with the same text, map, tokens and macros")
  func sharingHappens() {
    let run = Run([
      ("inc/bindings.h", Self.bindings), ("inc/soc.dtsi", Self.soc), ("inc/soc-pins.h", Self.pins),
      ("b1.dts", Self.board(1)), ("b2.dts", Self.board(2)), ("b3.dts", Self.board(3)),
    ])
    run.expectSameAsAlone("b1.dts")
    #expect(run.shared.includesReplayed == 0)
    #expect(run.shared.includesRecorded == 3)
    let second = run.expectSameAsAlone("b2.dts")
    // soc.dtsi as a whole (its headers inside it are part of its record). The lexer keeps the tokens of a
    // replayed text (not of one only recorded) and reuses them from the next board on.
    #expect(run.shared.includesReplayed == 1)
    #expect(second.regionsReused == 0)
    let third = run.expectSameAsAlone("b3.dts")
    #expect(run.shared.includesReplayed == 2)
    #expect(third.regionsReused == 1)
  }

  @Test("A cache that records from the second unit on: one board alone records nothing")
  func recordingFromTheSecondUnit() {
    var run = Run([
      ("inc/bindings.h", Self.bindings), ("inc/soc.dtsi", Self.soc), ("inc/soc-pins.h", Self.pins),
      ("b1.dts", Self.board(1)), ("b2.dts", Self.board(2)), ("b3.dts", Self.board(3)),
    ])
    run.shared = PreprocessorCache(sharesIncludes: true, firstRecordingUnit: 2)
    run.expectSameAsAlone("b1.dts")
    #expect(run.shared.includesRecorded == 0)
    run.expectSameAsAlone("b2.dts")
    #expect(run.shared.includesRecorded == 3)
    #expect(run.shared.includesReplayed == 0)
    run.expectSameAsAlone("b3.dts")
    #expect(run.shared.includesReplayed == 1)
  }

  @Test("A macro the include uses, defined differently before it by two boards: each board gets its own result")
  func differentMacroBeforeTheInclude() {
    let run = Run([
      ("inc/bindings.h", Self.bindings), ("inc/soc.dtsi", Self.soc), ("inc/soc-pins.h", Self.pins),
      ("b1.dts", Self.board(1, before: "#define PIN_A 7")), ("b2.dts", Self.board(2, before: "#define PIN_A 8")),
      ("b3.dts", Self.board(3, before: "#define PIN_A 8")),
    ])
    run.expectSameAsAlone("b1.dts")
    run.expectSameAsAlone("b2.dts")
    // b2's PIN_A is another definition (in another file) than b1's: soc.dtsi, which reads it, is read again;
    // bindings.h does not depend on it and is replayed inside it.
    #expect(run.shared.includesReplayed == 1)
    run.expectSameAsAlone("b3.dts")
    #expect(run.shared.includesReplayed == 2)
    let b2 = run.preprocess("b2.dts", cache: PreprocessorCache(sharesIncludes: false))
    #expect(String(decoding: b2.bytes, as: UTF8.self).contains("pins = <0x10 ((3) << 8 | (4))>"))
  }

  @Test("An include that tests a board's macro with #ifdef is shared only with boards agreeing on it")
  func ifdefOnABoardMacro() {
    let dtsi = """
      #ifdef BOARD_HAS_WIFI
      wifi: wifi { status = "okay"; };
      #else
      / { no-wifi; };
      #endif
      """
    let run = Run([
      ("inc/radio.dtsi", dtsi),
      ("b1.dts", "/dts-v1/;\n#define BOARD_HAS_WIFI\n#include \"radio.dtsi\"\n"),
      ("b2.dts", "/dts-v1/;\n#include \"radio.dtsi\"\n"),
      ("b3.dts", "/dts-v1/;\n#include \"radio.dtsi\"\n"),
    ])
    run.expectSameAsAlone("b1.dts")
    run.expectSameAsAlone("b2.dts")
    #expect(run.shared.includesReplayed == 0)
    run.expectSameAsAlone("b3.dts")
    #expect(run.shared.includesReplayed == 1)
  }

  @Test("An include inside a node: the lexer reuses tokens only where it is in the state they were read in")
  func includeInsideANode() {
    let frag = "compatible = \"acme,frag\";\nreg = <0x10 0x20>;\n"
    let run = Run([
      ("inc/frag.dtsi", frag),
      ("b1.dts", "/dts-v1/;\n/ {\n\tnode {\n#include \"frag.dtsi\"\n\t};\n};\n"),
      ("b2.dts", "/dts-v1/;\n/ { p = <1\n#include \"frag.dtsi\"\n>; };\n"),
      ("b3.dts", "/dts-v1/;\n/ {\n\tnode {\n#include \"frag.dtsi\"\n\t};\n};\n"),
      ("b4.dts", "/dts-v1/;\n/ {\n\tnode {\n#include \"frag.dtsi\"\n\t};\n};\n"),
      ("b5.dts", "/dts-v1/;\n/ { p = <1\n#include \"frag.dtsi\"\n>; };\n"),
    ])
    run.expectSameAsAlone("b1.dts")
    // Inside a cell list the lexer is in another state than after '{': it lexes the text itself (the
    // preprocessor's part, which does not depend on where in the tree it is, is shared).
    // The lexer keeps tokens of replayed text, per state: b2 (in a cell list) and b3 (in a node) each lex it, b4
    // reuses b3's tokens and b5 b2's.
    let b2 = run.expectSameAsAlone("b2.dts")
    #expect(b2.regionsReused == 0)
    let b3 = run.expectSameAsAlone("b3.dts")
    #expect(b3.regionsReused == 0)
    let b4 = run.expectSameAsAlone("b4.dts")
    #expect(b4.regionsReused == 1)
    let b5 = run.expectSameAsAlone("b5.dts")
    #expect(b5.regionsReused == 1)
    #expect(run.shared.includesReplayed == 4)
  }

  @Test("__COUNTER__, __LINE__, __FILE__ and __INCLUDE_LEVEL__ in an include: never shared")
  func positionDependentBuiltins() {
    for builtin in ["__COUNTER__", "__LINE__", "__FILE__", "__INCLUDE_LEVEL__"] {
      let run = Run([
        ("inc/c.dtsi", "/ { id = <\(builtin)>; };\n"),
        ("b1.dts", "/dts-v1/;\n#include \"c.dtsi\"\n/ { x = <__COUNTER__>; };\n"),
        ("b2.dts", "/dts-v1/;\n/ { y = <__COUNTER__>; };\n\n#include \"c.dtsi\"\n"),
      ])
      run.expectSameAsAlone("b1.dts")
      run.expectSameAsAlone("b2.dts")
      #expect(run.shared.includesRecorded == 0, "\(builtin)")
      #expect(run.shared.includesReplayed == 0, "\(builtin)")
    }
  }

  @Test("Side effects are replayed: #undef, #pragma once, redefinition warnings, #warning, unterminated #if")
  func sideEffectsAndDiagnostics() {
    let h = """
      #pragma once
      #undef OLD
      #define NEW 5
      #define TWICE 1
      #warning "from the header"
      """
    let board = """
      /dts-v1/;
      #define OLD 1
      #define TWICE 2
      #include "h.h"
      #include "h.h"
      / { a = <NEW>; b = <OLD>; c = <TWICE>; };
      #include "open.dtsi"
      """
    let run = Run([
      ("inc/h.h", h), ("inc/open.dtsi", "#if 1\n/ { open; };\n"), ("b1.dts", board), ("b2.dts", board),
      ("b3.dts", "/dts-v1/;\n#include \"h.h\"\n/ { a = <NEW>; };\n"),
    ])
    run.expectSameAsAlone("b1.dts")
    run.expectSameAsAlone("b2.dts")
    // b2's OLD and TWICE are defined in b2.dts, not b1.dts: h.h is read again; open.dtsi is replayed.
    #expect(run.shared.includesReplayed == 1)
    run.expectSameAsAlone("b3.dts")
    #expect(run.shared.includesReplayed == 1)
    let b2 = run.preprocess("b2.dts", cache: run.shared)
    #expect(b2.diagnostics.contains { $0.message.contains("from the header") })
    #expect(b2.diagnostics.contains { $0.message.contains("unterminated #if") })
    #expect(String(decoding: b2.bytes, as: UTF8.self).contains("a = <5>; b = <OLD>; c = <1>;"))
  }

  @Test("The same board twice, and headers that write nothing, at the start of the output or after it")
  func writerStateAtTheBoundary() {
    let run = Run([
      ("inc/empty.h", "#define EMPTY\n"),
      ("inc/tail.dtsi", "/ { t = <1>; };\nEMPTY\n"),
      ("inc/first.dtsi", "/ { f; };\n"),
      ("b1.dts", "#include \"first.dtsi\"\n#include \"empty.h\"\n/dts-v1/;\n#include \"tail.dtsi\"\nEMPTY / { };\n"),
      ("b2.dts", "/dts-v1/;\n#include \"empty.h\"\n#include \"first.dtsi\"\n#include \"tail.dtsi\"\n/ { };\n"),
    ])
    for board in ["b1.dts", "b2.dts", "b1.dts", "b2.dts"] { run.expectSameAsAlone(board) }
    #expect(run.shared.includesReplayed >= 5)
  }

  @Test("-D macros the include reads are the same for every board of the run")
  func commandLineMacros() {
    let run = Run([
      ("inc/d.dtsi", "/ { v = <VALUE>; };\n#ifdef __DTS__\n/ { dts; };\n#endif\n"),
      ("b1.dts", "/dts-v1/;\n#include \"d.dtsi\"\n"), ("b2.dts", "/dts-v1/;\n#include \"d.dtsi\"\n"),
    ])
    run.expectSameAsAlone("b1.dts", defines: [("VALUE", "3")])
    run.expectSameAsAlone("b2.dts", defines: [("VALUE", "3")])
    #expect(run.shared.includesReplayed == 1)
    // Another value is another command line: not shared.
    run.expectSameAsAlone("b2.dts", defines: [("VALUE", "4")])
    #expect(run.shared.includesReplayed == 1)
  }

  @Test(
    "Every corpus file preprocesses and lexes exactly as alone when the run shares includes",
    .enabled(if: Corpus.available, "skipped: ../shared/corpus/linux-dts not found beside the package"))
  func corpusSharedIsAlone() throws {
    let base = Corpus.linuxDTS + "/"
    let list = try String(contentsOfFile: base + "expected/dtc-1.8.1.sha256", encoding: .utf8)
    let files = Set(list.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }).sorted()
    #expect(files.count == 341)
    let sources = SourceManager()
    var o = FrontEndOptions()
    o.includePaths = [base + "include", base + "src/arm64/freescale", base + "src"]
    let shared = SourceReader(sources: sources, options: o, cache: PreprocessorCache(sharesIncludes: true))
    var reused = 0
    for f in files {
      let got = try shared.parse(path: base + f)
      let alone = try SourceReader(sources: sources, options: o, cache: PreprocessorCache(sharesIncludes: false))
        .parse(path: base + f)
      let a = try #require(got.text)
      let b = try #require(alone.text)
      #expect(a.bytes == b.bytes && a.segments == b.segments && a.contexts == b.contexts, "\(f)")
      #expect(got.diagnostics == alone.diagnostics, "\(f)")
      #expect(got.files == alone.files, "\(f)")
      #expect(got.tokens.count == alone.tokens.count, "\(f)")
      let same = zip(got.tokens.tokens, alone.tokens.tokens).allSatisfy {
        sameToken($0, in: got.tokens, $1, in: alone.tokens)
      }
      #expect(same, "\(f): tokens")
      reused += a.sharedRegions.isEmpty ? 0 : 1
    }
    #expect(shared.cache.includesReplayed > files.count)
    #expect(reused > files.count / 2)
  }
}

/// The same token read from two lists: kind, place, text (or string bytes) and number alike.
func sameToken(_ a: Token, in la: TokenList, _ b: Token, in lb: TokenList) -> Bool {
  guard a.kind == b.kind, a.range == b.range, la.bytes(a) == lb.bytes(b) else { return false }
  return a.hasText || a.value == b.value
}

@Test func tokenListSuffixCarriesItsTextToAnotherList() {
  var list = TokenList()
  let r = SourceRange(file: FileID(0), start: 0, end: 1)
  list.append(.name, r, text: Array("first".utf8))
  list.append(Token(kind: .char, range: r, value: 0x7B))
  list.append(.label, r, text: Array("second".utf8))
  list.append(.string, r, text: Array("third".utf8) + [0])
  let tail = list.suffix(from: 1)
  #expect(tail.count == 3)
  #expect(tail.text(tail[1]) == "second")
  #expect(tail.bytes(tail[2]) == ArraySlice(Array("third".utf8) + [0]))
  var other = TokenList()
  other.append(.labelRef, r, text: Array("x".utf8))
  other.append(contentsOf: tail)
  #expect(other.text(other[0]) == "x")
  #expect(other.text(other[2]) == "second")
  #expect(other[1].value == 0x7B)
  #expect(other.display(other[3]) == "string")
  #expect(other.display(other[2]) == "label 'second:'")
}
