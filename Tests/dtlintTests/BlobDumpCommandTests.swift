import DTCore
import Foundation
import Testing
import _DTTestSupport

/// `dtlint dump` of a blob (issue 20): printed straight from its bytes where it can be, else read into a tree; either
/// way the text and the warnings are those of `compile -O dts`, which always reads the tree.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct BlobDumpCommandTests {
  /// Blobs the direct path prints (a board with labels and memory reservations) and one it declines (an overlay
  /// with fixups), from a file and from standard input: the same bytes and stderr as `compile -O dts`.
  @Test func dumpPrintsWhatCompileToDTSPrints() throws {
    let s = Scratch()
    s.write(
      "board.dts",
      """
      /dts-v1/;
      /memreserve/ 0x1000 0x10;
      / { model = "m"; l: node@1 { reg = <1>; s = "a", "b"; b = [01 02 03]; r = <&l>; e; }; m: x { }; };
      """)
    s.write("overlay.dtso", "/dts-v1/;\n/plugin/;\n&l { x = <&l>; y: sub { z = <&y>; }; };\n")
    #expect(try CLI.run(["compile", "board.dts", "-@", "-o", "board.dtb"], cwd: s.path).status == 0)
    #expect(try CLI.run(["compile", "overlay.dtso", "-@", "-o", "overlay.dtbo"], cwd: s.path).status == 0)
    let board = try [UInt8](Data(contentsOf: URL(fileURLWithPath: s.path + "/board.dtb")))
    let overlay = try [UInt8](Data(contentsOf: URL(fileURLWithPath: s.path + "/overlay.dtbo")))
    #expect(BlobDump.text(board) != nil, "the board takes the direct path")
    #expect(BlobDump.text(overlay) == nil, "the overlay (fixups) takes the general path")
    for name in ["board.dtb", "overlay.dtbo"] {
      let dump = try CLI.run(["dump", name], cwd: s.path)
      let compile = try CLI.run(["compile", name, "-O", "dts"], cwd: s.path)
      #expect(dump.status == 0 && compile.status == 0, "\(name): \(dump.stderr) \(compile.stderr)")
      #expect(dump.stdoutBytes == compile.stdoutBytes, "\(name)")
      #expect(dump.stderr.isEmpty && compile.stderr.isEmpty, "\(name)")
      let piped = try Shell.run("\"$0\" dump - < \(name)", cwd: s.path)
      #expect(piped.status == 0 && piped.stdout == dump.stdout, "\(name) from standard input: \(piped.stderr)")
    }
    #expect(try CLI.run(["dump", "board.dtb"], cwd: s.path).stdout.contains("l: node@1 {"))
    #expect(s.files() == ["board.dtb", "board.dts", "overlay.dtbo", "overlay.dtso"])
  }

  /// `dump FILE` alone takes the shortest way (no command value is built); with an option it goes through the
  /// command: the same bytes, and a full standard output is the same error (exit 2) either way.
  @Test func dumpWithoutOptionsPrintsWhatTheCommandPrints() throws {
    let s = Scratch()
    s.write("b.dts", "/dts-v1/;\n/ { l: n@1 { reg = <1>; p = <&l>; }; };\n")
    #expect(try CLI.run(["compile", "b.dts", "-@", "-o", "b.dtb"], cwd: s.path).status == 0)
    let short = try CLI.run(["dump", "b.dtb"], cwd: s.path)
    let long = try CLI.run(["dump", "b.dtb", "--no-cache"], cwd: s.path)
    #expect(short.status == 0 && long.status == 0)
    #expect(short.stdoutBytes == long.stdoutBytes && short.stderr == long.stderr)
    #expect(short.stdout.contains("l: n@1 {"))
    for args in [["dump", "b.dtb"], ["dump", "b.dtb", "--no-cache"]] {
      let full = try Shell.run("\"$0\" \(args.joined(separator: " ")) > /dev/full", cwd: s.path)
      #expect(full.status == 2, "\(args): \(full.stderr)")
      #expect(full.stderr.contains("standard output"), "\(args): \(full.stderr)")
    }
  }

  /// A `/__symbols__` label that is not a DTS label takes the general path: left out with a comment and a warning
  /// naming the file, as before.
  @Test func labelDTSCannotWriteWarns() throws {
    let s = Scratch()
    s.write("odd.dts", "/dts-v1/;\n/ { a { }; __symbols__ { 9bad = \"/a\"; }; };\n")
    #expect(try CLI.run(["compile", "odd.dts", "-o", "odd.dtb"], cwd: s.path).status == 0)
    let dump = try CLI.run(["dump", "odd.dtb"], cwd: s.path)
    let compile = try CLI.run(["compile", "odd.dtb", "-O", "dts"], cwd: s.path)
    #expect(dump.status == 0)
    #expect(dump.stdoutBytes == compile.stdoutBytes)
    #expect(dump.stdout.contains("/* label \"9bad\" of this node: not a DTS label"), "\(dump.stdout)")
    #expect(dump.stderr.hasPrefix("warning: odd.dtb: /a: label \"9bad\""), "\(dump.stderr)")
    #expect(dump.stderr == compile.stderr)
  }

  /// Inputs that are not readable blobs fail as before: exit 2, the file named.
  @Test func unreadableInputsFailNamingTheFile() throws {
    let s = Scratch()
    let missing = try CLI.run(["dump", "nosuch.dtb"], cwd: s.path)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("nosuch.dtb: no such file"), "\(missing.stderr)")
    #expect(missing.stdout.isEmpty)
    s.write("cut.dtb", bytes: [0xD0, 0x0D, 0xFE, 0xED, 0, 0, 0, 0x50] + [UInt8](repeating: 0, count: 32))
    let cut = try CLI.run(["dump", "cut.dtb"], cwd: s.path)
    #expect(cut.status == 2)
    #expect(cut.stderr.contains("cut.dtb: "), "\(cut.stderr)")
    #expect(cut.stdout.isEmpty)
    s.write("dir/x", "")
    let directory = try CLI.run(["dump", "dir"], cwd: s.path)
    #expect(directory.status == 2)
    #expect(directory.stderr.contains("dir: is a directory"), "\(directory.stderr)")
  }
}
