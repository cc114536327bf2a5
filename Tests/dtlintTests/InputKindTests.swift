import Foundation
import Testing
import _DTTestSupport

/// What an input is, decided by its content (issue 23): a blob with a damaged or byte-swapped magic number, or any
/// binary file, is "not a device tree" (exit 2, the file named, none of its bytes echoed); a UTF-8 byte order mark
/// is skipped where cpp skips it (the input and the files it #includes), with line 1's columns counted without it.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct InputKindTests {
  /// A small blob compiled by dtlint itself.
  static func blob(in s: Scratch) throws -> [UInt8] {
    s.write("t.dts", "/dts-v1/;\n/ { a = <1>; b { c; }; };\n")
    let r = try CLI.run(["compile", "t.dts", "-o", "t.dtb"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    return [UInt8](FileManager.default.contents(atPath: s.path + "/t.dtb") ?? Data())
  }

  /// No byte of a binary input may reach the terminal: nothing below 0x20 but newline and tab.
  static func expectPrintable(_ r: CLI.Result, sourceLocation: SourceLocation = #_sourceLocation) {
    let bytes = Array((r.stderr + r.stdout).utf8)
    let control = bytes.first { ($0 < 0x20 && $0 != 0x0A && $0 != 0x09) || $0 == 0x7F }
    #expect(control == nil, "a control byte was printed: \(r.stderr)", sourceLocation: sourceLocation)
    #expect(!r.stderr.contains("\u{FFFD}"), "binary bytes were printed: \(r.stderr)", sourceLocation: sourceLocation)
  }

  @Test func blobWithZeroMagicIsNotADeviceTree() throws {
    let s = Scratch()
    let b = try Self.blob(in: s)
    s.write("zero.dtb", bytes: [0, 0, 0, 0] + b.dropFirst(4))
    for command in [["dump", "zero.dtb"], ["compile", "zero.dtb", "-o", "out.dtb"], ["check", "zero.dtb"]] {
      let r = try CLI.run(command, cwd: s.path)
      #expect(r.status == 2, "\(command): \(r.stderr)")
      Self.expectPrintable(r)
      // (How `check` reports an input it could not read is the error path's business: exit 2 and no bytes here.)
      if command[0] == "check" { continue }
      #expect(r.stderr.contains("zero.dtb: not a device tree"), "\(r.stderr)")
      #expect(r.stderr.contains("magic number is 0x00000000, not 0xd00dfeed"), "\(r.stderr)")
      #expect(!r.stderr.contains("syntax error"), "\(r.stderr)")
    }
    #expect(!s.exists("out.dtb"))
  }

  @Test func byteSwappedBlobIsNamedAsOne() throws {
    let s = Scratch()
    let b = try Self.blob(in: s)
    s.write("le.dtb", bytes: [0xED, 0xFE, 0x0D, 0xD0] + b.dropFirst(4))
    let r = try CLI.run(["dump", "le.dtb"], cwd: s.path)
    #expect(r.status == 2)
    #expect(r.stderr.contains("le.dtb: not a device tree"), "\(r.stderr)")
    #expect(r.stderr.contains("a little-endian (byte-swapped) device tree blob?"), "\(r.stderr)")
    #expect(r.stdout.isEmpty)
    Self.expectPrintable(r)
  }

  @Test func binaryFilesAreNotSourcesWhereverTheyAreRead() throws {
    let s = Scratch()
    // Every byte value once: a NUL first, control characters, bytes that are not UTF-8.
    s.write("bin.dts", bytes: (0...255).map { UInt8($0) })
    s.write("png.dts", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    s.write("ctl.dts", bytes: Array("/dts-v1/;\n/ { a = <1>; };\n".utf8) + [0x7F, 0x45, 0x4C, 0x46])
    s.write("inc.dts", "/dts-v1/;\n#include \"bin.dts\"\n/ { };\n")
    s.write("incl.dts", "/dts-v1/;\n/include/ \"bin.dts\"\n/ { };\n")
    let cases: [(args: [String], mentions: [String])] = [
      (["dump", "bin.dts"], ["bin.dts: not a device tree: binary data (a NUL byte at offset 0)"]),
      (["check", "bin.dts"], []),
      (
        ["dump", "png.dts"],
        ["png.dts: not a device tree: binary data (byte 0x89, which is not UTF-8 text, at offset 0)"]
      ),
      (["dump", "ctl.dts"], ["ctl.dts: not a device tree: binary data (control character 0x7f at offset 26)"]),
      (["check", "inc.dts"], ["inc.dts:2:1:", "'bin.dts': not a device tree"]),
      (["compile", "incl.dts", "-o", "out.dtb"], ["incl.dts:2:1:", "'bin.dts': not a device tree"]),
    ]
    for c in cases {
      let r = try CLI.run(c.args, cwd: s.path)
      #expect(r.status == 2, "\(c.args): \(r.stderr)\(r.stdout)")
      for m in c.mentions { #expect((r.stderr + r.stdout).contains(m), "\(c.args): \(r.stderr)\(r.stdout)") }
      Self.expectPrintable(r)
    }
    #expect(!s.exists("out.dtb"))
  }

  /// Text that is not UTF-8 after the start of the file stays source: a Latin-1 byte in a name is a syntax finding
  /// at its line (HostileSourceTests.nonUTF8InANodeNameIsASyntaxFinding), in a comment or a string it is kept.
  @Test func textWithOddBytesInStringsAndCommentsIsStillSource() throws {
    let s = Scratch()
    // dtc's embedded_nul.dts has NUL bytes inside a string; old trees have Latin-1 names in comments.
    s.write(
      "odd.dts",
      bytes: Array("/dts-v1/;\n/* J".utf8) + [0xFC] + Array("rgen */\n/ {\n\tx = \"a".utf8) + [0]
        + Array("b\";\n};\n".utf8))
    let r = try CLI.run(["dump", "--no-cpp", "odd.dts"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("x = "), "\(r.stdout)")
  }

  @Test func snippetsShowControlCharactersEscaped() throws {
    let s = Scratch()
    // An escape sequence inside a string on a line with a syntax error: the line is shown, the byte is not.
    s.write("esc.dts", bytes: Array("/dts-v1/;\n/ { a = \"\u{1B}[31mred\" b; };\n".utf8))
    let r = try CLI.run(["check", "esc.dts"], cwd: s.path)
    #expect(r.status == 1, "\(r.stderr)\(r.stdout)")
    let out = r.stdout + r.stderr
    #expect(out.contains("\\x1b[31mred"), "\(out)")
    #expect(!out.contains("\u{1B}[31m"), "\(out)")
    // The caret stays under the token after the escaped byte (column 20 as written, 23 as shown).
    #expect(out.contains("esc.dts:2:20:"), "\(out)")
    let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if let i = lines.firstIndex(where: { $0.contains("\\x1b[31mred") }), i + 1 < lines.count {
      let shown = lines[i]
      let caret = lines[i + 1]
      let bar = shown.range(of: "| ")!.upperBound
      let bAt = shown.distance(from: bar, to: shown.range(of: "\" b")!.upperBound) - 1
      let caretAt = caret.distance(from: caret.range(of: "| ")!.upperBound, to: caret.firstIndex(of: "^")!)
      #expect(bAt == caretAt, "\(shown)\n\(caret)")
    } else {
      Issue.record("no snippet: \(out)")
    }
  }

  @Test func byteOrderMarkIsSkippedAsCppSkipsIt() throws {
    let s = Scratch()
    let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    s.write("plain.dts", "/dts-v1/;\n#include \"inc.dtsi\"\n/ { a = <1>; };\n")
    s.write("bom.dts", bytes: bom + Array("/dts-v1/;\n#include \"inc.dtsi\"\n/ { a = <1>; };\n".utf8))
    s.write("inc.dtsi", bytes: bom + Array("/ { b = <2>; };\n".utf8))
    let plain = try CLI.run(["dump", "plain.dts"], cwd: s.path)
    let marked = try CLI.run(["dump", "bom.dts"], cwd: s.path)
    #expect(marked.status == 0, "\(marked.stderr)")
    #expect(marked.stdout == plain.stdout)
    #expect(marked.stdout.contains("b = <0x02>"), "\(marked.stdout)")

    // Line 1's columns are counted without the mark, as cpp | dtc count them ("bom1.dts:1.23-24 syntax error").
    s.write("bom1.dts", bytes: bom + Array("/dts-v1/; / { a = <1> }; \n".utf8))
    let r = try CLI.run(["check", "bom1.dts"], cwd: s.path)
    #expect(r.status == 1)
    #expect(r.stdout.contains("bom1.dts:1:22: error: syntax error: missing ';'"), "\(r.stdout)")
    #expect(!r.stdout.contains("\u{FEFF}"), "the mark is not shown in the snippet: \(r.stdout)")

    // dtc alone (no cpp) refuses the mark: so does --no-cpp, saying what it is.
    let raw = try CLI.run(["check", "--no-cpp", "bom.dts"], cwd: s.path)
    #expect(raw.status == 1)
    #expect(
      raw.stdout.contains("bom.dts:1:1: error: a UTF-8 byte order mark (ef bb bf) opens the file"), "\(raw.stdout)")
  }
}
