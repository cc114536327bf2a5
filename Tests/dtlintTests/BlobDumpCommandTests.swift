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

  /// A board of `count` nodes with labels (some 100 bytes of text a node), as DTS.
  static func largeSource(_ count: Int) -> String {
    var text = "/dts-v1/;\n/memreserve/ 0x80000000 0x1000;\n/ {\n\tmodel = \"large\";\n\tbus {\n"
    for i in 0..<count {
      text += "\t\tl\(i): node@\(String(i, radix: 16)) { reg = <\(i) 0x100>; compatible = \"acme,part\", \"acme,base\";"
      text += " mac = [01 02 03]; next = <&l\((i + 1) % count)>; };\n"
    }
    return text + "\t};\n};\n"
  }

  /// A large blob's text (several times the chunk `dump` writes at a time, more than a pipe holds) is the same
  /// bytes through the shortcut, the command, standard input and `compile -O dts`, and the text of the library's
  /// whole-text path; a reader that goes away mid-stream ends it quietly (141), a standard output that cannot be
  /// written ends it with exit 2 naming standard output, as with the whole text before.
  @Test func largeBlobStreamsTheSameBytes() throws {
    let s = Scratch()
    s.write("big.dts", Self.largeSource(3_000))
    #expect(try CLI.run(["compile", "big.dts", "-@", "-o", "big.dtb"], cwd: s.path).status == 0)
    let blob = try [UInt8](Data(contentsOf: URL(fileURLWithPath: s.path + "/big.dtb")))
    let whole = try #require(BlobDump.text(blob))
    #expect(whole.count > 8 * (32 << 10), "\(whole.count) bytes")
    let short = try CLI.run(["dump", "big.dtb"], cwd: s.path)
    let long = try CLI.run(["dump", "big.dtb", "--no-cache"], cwd: s.path)
    let compile = try CLI.run(["compile", "big.dtb", "-O", "dts"], cwd: s.path)
    for (name, r) in [("dump", short), ("dump --no-cache", long), ("compile -O dts", compile)] {
      #expect(r.status == 0 && r.stderr.isEmpty, "\(name): \(r.stderr)")
      #expect(r.stdoutBytes == whole, "\(name): \(r.stdoutBytes.count) bytes, \(whole.count) expected")
    }
    let piped = try Shell.run("\"$0\" dump - < big.dtb", cwd: s.path)
    #expect(piped.status == 0 && piped.stdout == String(decoding: whole, as: UTF8.self), "\(piped.stderr)")
    #expect(short.stdout.contains("\t\tl2999: node@bb7 {"))

    for args in ["dump big.dtb", "dump big.dtb --no-cache", "dump - < big.dtb"] {
      // The reader leaves after more than one chunk: the pipe breaks in the middle of the text.
      let broken = try Shell.run("( \"$0\" \(args); echo \"status $?\" >&2 ) | head -c 100000 > /dev/null", cwd: s.path)
      #expect(broken.stderr == "status 141\n", "\(args): \(broken.stderr)")
      for (redirect, reason) in [(">&-", "Bad file descriptor"), ("> /dev/full", "No space left on device")] {
        let r = try Shell.run("exec \"$0\" \(args) \(redirect)", cwd: s.path)
        #expect(!r.signalled && r.status == 2, "\(args) \(redirect): \(r.status) \(r.stderr)")
        #expect(r.stderr == "error: standard output: cannot write: \(reason)\n", "\(args) \(redirect): \(r.stderr)")
      }
    }
    #expect(s.files() == ["big.dtb", "big.dts"])
  }

  /// A blob whose very last property has a name DTS cannot write is refused before any text is written (the check
  /// is in the first walk): `dump` prints what the tree path prints, the property left out with its warning, and
  /// nothing twice.
  @Test func lateUnwritableNameFallsBackBeforeAnyText() throws {
    let s = Scratch()
    let bus = Node(name: "bus")
    for i in 0..<2_000 {
      let n = Node(name: "node@\(String(i, radix: 16))")
      n.properties = [
        Property(name: "reg", value: .cells([UInt32(i), 0x100])), Property(name: "status", value: .string("okay")),
      ]
      if i == 1_999 { n.properties.append(Property(name: "bad name", value: .string("x"))) }
      bus.addChild(n)
    }
    let root = Node(name: "")
    root.addChild(bus)
    s.write("late.dtb", bytes: DTBWriter.blob(of: DeviceTree(root: root)))
    let dump = try CLI.run(["dump", "late.dtb"], cwd: s.path)
    let compile = try CLI.run(["compile", "late.dtb", "-O", "dts"], cwd: s.path)
    #expect(dump.status == 0 && compile.status == 0)
    #expect(dump.stdoutBytes.count > 3 * (32 << 10), "\(dump.stdoutBytes.count) bytes")
    #expect(dump.stdoutBytes == compile.stdoutBytes)
    #expect(dump.stdout.components(separatedBy: "/dts-v1/;").count == 2, "the text once")
    #expect(dump.stdout.contains("/* property \"bad name\""), "\(dump.stdout.suffix(300))")
    #expect(dump.stderr.hasPrefix("warning: late.dtb: /bus/node@7cf: property \"bad name\""), "\(dump.stderr)")
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
