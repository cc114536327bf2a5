import Foundation
import Testing
import _DTTestSupport

/// Every input problem is said, in every format, with the exit code of the README's "Exit status" (issue 14).
extension CLI {
  /// Runs the binary with `input` on its standard input.
  static func run(_ args: [String], cwd: String, input: [UInt8]) throws -> Result {
    guard let binary else { throw CocoaError(.fileNoSuchFile) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: cwd)
    let inPipe = Pipe()
    let out = Pipe()
    let err = Pipe()
    p.standardInput = inPipe
    p.standardOutput = out
    p.standardError = err
    try p.run()
    inPipe.fileHandleForWriting.write(Data(input))
    try inPipe.fileHandleForWriting.close()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Result(
      status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
      stderr: String(decoding: e, as: UTF8.self), stdoutBytes: [UInt8](o))
  }
}

@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built"))
struct NeverSilentTests {
  static let board =
    "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tlabel: node@1000 {\n\t\treg = <0x1000 0x10>;\n\t};\n};\n"
  static let overlay = "/dts-v1/;\n/plugin/;\n&label {\n\tstatus = \"okay\";\n};\n"

  enum Format: String, CaseIterable { case text, json, sarif, github }

  /// What each format must carry for an input that could not be checked: the file named on stderr exactly once
  /// (never `error: error:`), and inside the report for json, sarif and github.
  private func expectUnchecked(
    _ args: [String], in s: Scratch, file: String, at position: String = "", mentions: [String], format: Format,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let r = try CLI.run(args + ["--format", format.rawValue], cwd: s.path)
    #expect(r.status == 2, "\(format): \(r.stderr)", sourceLocation: sourceLocation)
    #expect(!r.stderr.contains("error: error:"), "\(format): \(r.stderr)", sourceLocation: sourceLocation)
    let line = r.stderr.split(separator: "\n").first { $0.hasPrefix("error: \(file)\(position): ") }
    #expect(line != nil, "\(format): stderr must name \(file): \(r.stderr)", sourceLocation: sourceLocation)
    for m in mentions {
      #expect(r.stderr.contains(m), "\(format): '\(m)' missing from \(r.stderr)", sourceLocation: sourceLocation)
    }
    #expect(!r.stderr.contains("no findings in 1 file"), "\(format): \(r.stderr)", sourceLocation: sourceLocation)
    switch format {
    case .text:
      #expect(r.stderr.contains("could not be checked"), "\(r.stderr)", sourceLocation: sourceLocation)
    case .github:
      #expect(r.stdout.contains("::error file=\(file)"), "\(r.stdout)", sourceLocation: sourceLocation)
      #expect(r.stdout.contains("title=input::"), "\(r.stdout)", sourceLocation: sourceLocation)
    case .json:
      let doc = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
      let errors = try #require(doc["errors"] as? [[String: Any]])
      #expect(errors.contains { ($0["file"] as? String) == file }, "\(errors)", sourceLocation: sourceLocation)
      #expect(errors.allSatisfy { ($0["severity"] as? String) == "error" }, sourceLocation: sourceLocation)
    case .sarif:
      let doc = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
      let run = try #require((doc["runs"] as? [[String: Any]])?.first)
      let invocation = try #require((run["invocations"] as? [[String: Any]])?.first)
      #expect(invocation["executionSuccessful"] as? Bool == false, sourceLocation: sourceLocation)
      let notes = try #require(invocation["toolExecutionNotifications"] as? [[String: Any]])
      #expect(!notes.isEmpty, sourceLocation: sourceLocation)
    }
  }

  @Test(arguments: Format.allCases) func misspelledFileIsNamedWithASuggestion(format: Format) throws {
    let s = Scratch()
    s.write("board.dts", Self.board)
    try expectUnchecked(
      ["check", "bord.dts"], in: s, file: "bord.dts", mentions: ["no such file", "did you mean 'board.dts'?"],
      format: format)
  }

  @Test(arguments: Format.allCases) func directoryIsNotAFile(format: Format) throws {
    let s = Scratch()
    s.write("boards/a.dts", Self.board)
    try expectUnchecked(["check", "boards"], in: s, file: "boards", mentions: ["is a directory"], format: format)
  }

  @Test(arguments: Format.allCases) func damagedBlobIsNotADeviceTree(format: Format) throws {
    let s = Scratch()
    // The magic, then a header whose totalsize promises far more than the file holds.
    s.write("board.dtb", bytes: [0xd0, 0x0d, 0xfe, 0xed, 0x00, 0x10, 0x00, 0x00] + Array(repeating: 0x5a, count: 60))
    try expectUnchecked(
      ["check", "board.dtb"], in: s, file: "board.dtb", mentions: ["not a valid device tree blob"], format: format)
  }

  @Test(arguments: Format.allCases) func missingBaseIsNamed(format: Format) throws {
    let s = Scratch()
    s.write("hmp.dtso", Self.overlay)
    try expectUnchecked(
      ["check", "hmp.dtso", "--base", "missing.dts"], in: s, file: "missing.dts",
      mentions: ["no such file", "the base given for hmp.dtso"], format: format)
  }

  @Test(arguments: Format.allCases) func baseThatDoesNotCompileIsAnErrorOfTheRun(format: Format) throws {
    let s = Scratch()
    s.write("hmp.dtso", Self.overlay)
    s.write("broken.dts", "/dts-v1/;\n/ {\n\ta = <1> b;\n};\n")
    try expectUnchecked(
      ["check", "hmp.dtso", "--base", "broken.dts"], in: s, file: "broken.dts", at: ":3:10",
      mentions: ["the base tree does not compile", "hmp.dtso was not checked against it"], format: format)
    // The base's own diagnostics are shown, not filtered out as "not in the overlay".
    let r = try CLI.run(["check", "hmp.dtso", "--base", "broken.dts"], cwd: s.path)
    #expect(r.stdout.contains("broken.dts:3:10: error: syntax error"), "\(r.stdout)")
  }

  @Test(arguments: Format.allCases) func missingIncludeIsNotACleanRun(format: Format) throws {
    let s = Scratch()
    s.write("board.dts", "/dts-v1/;\n#include \"carrier.dtsi\"\n/ { };\n")
    try expectUnchecked(
      ["check", "board.dts"], in: s, file: "board.dts", at: ":2:1", mentions: ["not checked", "-I DIR"], format: format)
  }

  @Test func standardInputIsReadAsStdin() throws {
    let s = Scratch()
    let clean = try CLI.run(["check", "-"], cwd: s.path, input: Array(Self.board.utf8))
    #expect(clean.status == 0, "\(clean.stderr)")
    #expect(clean.stderr == "no findings in 1 file\n")
    let bad = try CLI.run(["check", "-"], cwd: s.path, input: Array("/dts-v1/;\n/ { a = <1> };\n".utf8))
    #expect(bad.status == 1)
    #expect(bad.stdout.contains("<stdin>:2:12: error: syntax error: missing ';' after property 'a'"), "\(bad.stdout)")
    let dump = try CLI.run(["dump", "-"], cwd: s.path, input: Array(Self.board.utf8))
    #expect(dump.status == 0)
    #expect(dump.stdout.contains("label: node@1000 {"), "\(dump.stdout)")
    let compile = try CLI.run(["compile", "-", "-o", "out.dtb"], cwd: s.path, input: Array(Self.board.utf8))
    #expect(compile.status == 0, "\(compile.stderr)")
    #expect(s.files() == ["out.dtb"])
    let diff = try CLI.run(["diff", "-", "out.dtb"], cwd: s.path, input: Array(Self.board.utf8))
    #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
  }

  @Test func quietPrintsOnlyFindingsAndErrors() throws {
    let s = Scratch()
    s.write("board.dts", Self.board)
    s.write("hmp.dtso", Self.overlay)
    let clean = try CLI.run(["check", "--quiet", "board.dts"], cwd: s.path)
    #expect(clean.status == 0)
    #expect(clean.stderr.isEmpty && clean.stdout.isEmpty, "\(clean.stderr)")
    // The note about an overlay checked without a base, and the summary, are gone; an error is not.
    let overlay = try CLI.run(["check", "-q", "hmp.dtso"], cwd: s.path)
    #expect(overlay.stderr.isEmpty, "\(overlay.stderr)")
    let missing = try CLI.run(["check", "-q", "nope.dts"], cwd: s.path)
    #expect(missing.status == 2)
    #expect(missing.stderr == "error: nope.dts: no such file\n")
  }

  @Test func overlayWithoutBaseGetsOneNote() throws {
    let s = Scratch()
    s.write("a.dtso", Self.overlay)
    s.write("b.dtso", Self.overlay)
    let r = try CLI.run(["check", "a.dtso", "b.dtso"], cwd: s.path)
    let notes = r.stderr.split(separator: "\n").filter { $0.hasPrefix("note:") }
    #expect(notes.count == 1, "\(r.stderr)")
    #expect(notes.first?.contains("a.dtso (and 1 more) is an overlay checked without a base") == true)
    #expect(notes.first?.contains("--base BASE") == true)
  }

  @Test func unknownFlavorOrBoardIsAUsageError() throws {
    let s = Scratch()
    s.write("board.dts", Self.board)
    let kernel = try CLI.run(["check", "board.dts", "--kernel", "linux"], cwd: s.path)
    #expect(kernel.status == 64)
    #expect(kernel.stderr.hasPrefix("error: --kernel: unknown kernel flavor 'linux' (expected mainline"))
    let board = try CLI.run(["check", "board.dts", "--board", "foo"], cwd: s.path)
    #expect(board.status == 64)
    #expect(board.stderr.hasPrefix("error: --board: unknown board 'foo'"))
    let manifest = try CLI.run(["check", "board.dts", "--m7", "m7.yaml"], cwd: s.path)
    #expect(manifest.status == 2)
    #expect(manifest.stderr.contains("m7.yaml"), "\(manifest.stderr)")
    #expect(manifest.stderr.contains("(the M7 manifest given by --m7)"), "\(manifest.stderr)")
  }

  @Test func missingVersionTagIsASyntaxFinding() throws {
    let s = Scratch()
    s.write("board.dts", "/ { a = <1>; };\n")
    s.write("carrier.dtsi", "&uart1 { status = \"okay\"; };\n")
    let dts = try CLI.run(["check", "board.dts"], cwd: s.path)
    #expect(dts.status == 1)
    #expect(dts.stdout.contains("board.dts:1:1: error: syntax error: expected '/dts-v1/;'"), "\(dts.stdout)")
    #expect(dts.stdout.contains("fix-it: add '/dts-v1/;' as the first line"), "\(dts.stdout)")
    let dtsi = try CLI.run(["check", "carrier.dtsi"], cwd: s.path)
    #expect(dtsi.status == 1)
    #expect(dtsi.stdout.contains("--dtsi includers"), "\(dtsi.stdout)")
  }

  @Test func explainLogSaysWhenTheTreeCouldNotBeChecked() throws {
    let s = Scratch()
    s.write("boot.log", "[    2.5] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)\n")
    let r = try CLI.run(["hmp", "explain-log", "boot.log", "bord.dts"], cwd: s.path)
    #expect(r.status == 2)
    #expect(r.stderr.contains("error: bord.dts: no such file"), "\(r.stderr)")
    #expect(r.stdout.contains("1 file could not be checked"), "\(r.stdout)")
    #expect(!r.stdout.contains("0 findings"), "\(r.stdout)")
    let json = try CLI.run(["hmp", "explain-log", "boot.log", "bord.dts", "--format", "json"], cwd: s.path)
    let doc = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let errors = try #require(doc["errors"] as? [[String: Any]])
    #expect(errors.first?["file"] as? String == "bord.dts")
  }

  @Test func missingSemicolonIsReportedAfterTheProperty() throws {
    let s = Scratch()
    s.write("board.dts", "/dts-v1/;\n/ {\n\ta = <1>\n\tb = <2>;\n};\n")
    let r = try CLI.run(["check", "board.dts"], cwd: s.path)
    #expect(r.status == 1)
    #expect(r.stdout.contains("board.dts:3:9: error: syntax error: missing ';' after property 'a'"), "\(r.stdout)")
    #expect(r.stdout.contains("fix-it: insert ';'"))
    // One error: the next property is read normally.
    #expect(r.stderr.contains("1 error in 1 file"), "\(r.stderr)")
  }

  @Test func errorInAMacroPointsAtItsDefinition() throws {
    let s = Scratch()
    s.write("board.dts", "/dts-v1/;\n#define REG(x) <x 0x10 junk>\n/ {\n\ta = REG(1);\n};\n")
    let r = try CLI.run(["check", "board.dts"], cwd: s.path)
    #expect(r.status == 1)
    #expect(r.stdout.contains("board.dts:4:6: error: syntax error"), "\(r.stdout)")
    #expect(r.stdout.contains("board.dts:2:9: note: in the expansion of macro 'REG', defined here"), "\(r.stdout)")
  }

  @Test func applyNamesTheFailingFragmentAndItsLine() throws {
    let s = Scratch()
    s.write("base.dts", Self.board)
    s.write("ov.dtso", "/dts-v1/;\n/plugin/;\n&label {\n\ta;\n};\n&nolabel {\n\tb;\n};\n")
    let r = try CLI.run(["apply", "base.dts", "ov.dtso", "-o", "out.dtb"], cwd: s.path)
    #expect(r.status == 1)
    #expect(r.stderr.contains("error: ov.dtso: cannot apply overlay to base.dts: fragment@1: target &nolabel"))
    #expect(!r.stderr.contains("fragment@0"), "\(r.stderr)")
    #expect(r.stderr.contains("ov.dtso:6:1: note: fragment@1 (&nolabel) is written here"), "\(r.stderr)")
    #expect(s.files() == ["base.dts", "ov.dtso"], "nothing written")
  }

  @Test func generateReadsTheConfiguration() throws {
    let s = Scratch()
    s.write(".dtlint.yaml", "board: verdin-imx8mp-nonwifi\nkernel: toradex-bsp6\n")
    let r = try CLI.run(["hmp", "generate"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("dtlint hmp generate --board verdin-imx8mp-nonwifi --kernel toradex-bsp6"))
    let empty = Scratch()
    let none = try CLI.run(["hmp", "generate"], cwd: empty.path)
    #expect(none.status == 64)
    #expect(none.stderr.hasPrefix("error: --board: no board given"), "\(none.stderr)")
  }

  /// `hmp generate` resolves .dtlint.yaml through the same settings as `check`: a configuration that cannot be used
  /// is reported in the same words, the bootargs: line is cited, and the command line still wins.
  @Test func generateResolvesTheConfigurationAsCheckDoes() throws {
    let s = Scratch()
    s.write("board.dts", "/dts-v1/;\n/ {\n};\n")
    s.write(".dtlint.yaml", "board: verdin-imx8mp-nonwifi\nkernal: nxp-6\n")
    let generate = try CLI.run(["hmp", "generate"], cwd: s.path)
    let check = try CLI.run(["check", "board.dts"], cwd: s.path)
    #expect(generate.status == 64)
    #expect(generate.stderr.contains(".dtlint.yaml:2:1: error: kernal: unknown key"), "\(generate.stderr)")
    #expect(generate.stderr == check.stderr, "the same message as check")
    #expect(generate.stdout.isEmpty)

    s.write(".dtlint.yaml", "board: verdin-imx8mp-nonwifi\nkernel: nxp-6\nbootargs: clk_ignore_unused\n")
    let configured = try CLI.run(["hmp", "generate", "--kernel", "toradex-bsp6"], cwd: s.path)
    #expect(configured.status == 0, "\(configured.stderr)")
    #expect(configured.stdout.contains("--board verdin-imx8mp-nonwifi --kernel toradex-bsp6"), "the option wins")
    #expect(configured.stdout.contains(".dtlint.yaml"), "the bootargs: line is cited: \(configured.stdout)")
    #expect(s.files() == [".dtlint.yaml", "board.dts"], "nothing written")
  }
}
