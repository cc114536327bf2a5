import Testing

@testable import DTCore

/// The front end's limits, through the library (issue 8): each ends in an input failure with one error that names
/// the line that hit it. Tests/dtlintTests/HostileInputTests.swift checks the same through the command line.
@Suite struct HostileLimitTests {
  private func failure(_ text: String, name: String = "t.dts", dir: TempDir? = nil) -> (
    message: String, line: Int, inputFailure: Bool
  ) {
    let (c, sm) = compileText(text, name: name, dir: dir)
    let errors = c.diagnostics.filter { $0.severity == .error }
    #expect(errors.count == 1, "\(errors.map { $0.formatted(with: sm) })")
    guard let e = errors.first else { return ("", 0, c.inputFailure) }
    let line = e.range.map { sm[$0.file].lineColumn(at: $0.start).line } ?? 0
    return (e.message, line, c.inputFailure)
  }

  @Test(arguments: [
    ("parentheses", String(repeating: "(", count: 50_000) + "1" + String(repeating: ")", count: 50_000)),
    ("unary", "(" + String(repeating: "-", count: 50_000) + "1)"),
    (
      "conditional",
      "(" + String(repeating: "1 ? ", count: 20_000) + "1" + String(repeating: " : 1", count: 20_000) + ")"
    ),
  ])
  func deepCellExpressionsAreRefusedNotOverflowed(kind: String, cell: String) {
    // Before the limit, each of these overflowed the parser's stack (SIGSEGV).
    let r = failure("/dts-v1/;\n/ {\n\tp = <\(cell)>;\n};\n")
    #expect(r.message == "expression nested more than 1000 levels deep", "\(kind)")
    #expect(r.line == 3)
    #expect(r.inputFailure)
  }

  @Test func expressionsJustInsideTheLimitCompile() {
    let cell = String(repeating: "(", count: 999) + "~0" + String(repeating: ")", count: 999)
    let (c, _) = compileText("/dts-v1/;\n/ { p = <\(cell)>; };\n")
    #expect(!c.refused)
    #expect(c.tree.root.property("p")?.value.bytes == [0xFF, 0xFF, 0xFF, 0xFF])
  }

  @Test func slashIncludeCycleIsNamedAtOnce() {
    let d = TempDir()
    d.write("b.dtsi", "/include/ \"c.dtsi\"\n")
    d.write("c.dtsi", "\n/include/ \"b.dtsi\"\n")
    let r = failure("/dts-v1/;\n/include/ \"b.dtsi\"\n/ { };\n", dir: d)
    #expect(r.message == "/include/ cycle: \(d.path)/b.dtsi -> \(d.path)/c.dtsi -> \(d.path)/b.dtsi")
    #expect(r.line == 2)
    #expect(r.inputFailure)
  }

  @Test func slashIncludeOfTheSameFileTwiceInARowIsNoCycle() {
    let d = TempDir()
    d.write("part.dtsi", "/ { n { }; };\n")
    let (c, _) = compileText("/dts-v1/;\n/include/ \"part.dtsi\"\n/include/ \"part.dtsi\"\n", dir: d)
    #expect(!c.refused && !c.inputFailure)
  }

  @Test func hashIncludeCycleNamesTheLoop() {
    let d = TempDir()
    d.write("b.dtsi", "#include \"c.dtsi\"\n")
    d.write("c.dtsi", "#include \"b.dtsi\"\n")
    let r = failure("/dts-v1/;\n#include \"b.dtsi\"\n/ { };\n", dir: d)
    #expect(r.message.hasPrefix("#include nested depth 200 exceeds maximum of 200"), "\(r.message)")
    #expect(
      r.message.contains("include cycle: \(d.path)/c.dtsi -> \(d.path)/b.dtsi -> \(d.path)/c.dtsi"), "\(r.message)")
    #expect(r.inputFailure)
  }

  @Test func guardedRecursiveIncludeIsNoCycle() {
    let d = TempDir()
    d.write("self.dtsi", "#ifndef SELF\n#define SELF\n#include \"self.dtsi\"\n/ { n { }; };\n#endif\n")
    let (c, _) = compileText("/dts-v1/;\n#include \"self.dtsi\"\n", dir: d)
    #expect(!c.refused && !c.inputFailure)
  }

  @Test func doublingMacroStopsQuicklyAndSmall() {
    var src = "/dts-v1/;\n#define M0 0x1\n"
    for i in 1...40 { src += "#define M\(i) M\(i - 1) M\(i - 1)\n" }
    src += "/ { p = <M40>; };\n"
    let clock = ContinuousClock()
    let start = clock.now
    let r = failure(src)
    #expect(clock.now - start < .seconds(30))
    #expect(r.message == "macro expansion produced more than 1048576 tokens (macro explosion?)")
    #expect(r.line == 43)
    #expect(r.inputFailure)
  }
}
