import Foundation
import Testing
import _DTTestSupport

/// Runs the built binary through `/bin/sh -c SCRIPT` (the binary is `$0` in the script), so that a test can close
/// or redirect standard streams and pass file names that are not UTF-8 (`"$(printf '\377.dts')"`).
enum Shell {
  struct Result {
    var status: Int32
    /// Killed by a signal (then `status` is the signal number).
    var signalled: Bool
    var stdout: String
    var stderr: String
    var seconds: Double
  }

  static func run(_ script: String, cwd: String, stdin: FileHandle? = nil) throws -> Result {
    guard let binary = CLI.binary else { throw CocoaError(.fileNoSuchFile) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", script, binary]
    p.currentDirectoryURL = URL(fileURLWithPath: cwd)
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    if let stdin { p.standardInput = stdin }
    let start = Date()
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Result(
      status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal,
      stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self),
      seconds: Date().timeIntervalSince(start))
  }
}

/// A small tree, and a large one (about 1.5 MB of DTS) for writes that must outlast a pipe's buffer.
enum StreamFixtures {
  static let small = "/dts-v1/;\n/ { compatible = \"test\"; a = <1>; };\n"
  static var large: String {
    var s = "/dts-v1/;\n/ {\n"
    for i in 0..<20_000 { s += "\tnode\(i) { reg = <\(i)>; label = \"node number \(i) of many\"; };\n" }
    return s + "};\n"
  }
  static let syntaxError = "/dts-v1/;\n/ { a = <1> };\n"
}

@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct StreamTests {
  // MARK: - Standard output

  @Test func stdoutToDevFullExitsTwoNamingStandardOutput() throws {
    let s = Scratch()
    s.write("a.dts", StreamFixtures.small)
    s.write("boot.log", "[    1.0] remoteproc remoteproc0: imx-rproc is available\n")
    for command in [
      "dump a.dts", "check a.dts --format json", "rules", "compile a.dts -O dts", "config dump",
      "hmp explain-log boot.log", "overlay make a.dts a.dts",
    ] {
      let r = try Shell.run("exec \"$0\" \(command) > /dev/full", cwd: s.path)
      #expect(!r.signalled && r.status == 2, "\(command): \(r.status) \(r.stderr)")
      #expect(
        r.stderr.contains("error: standard output: cannot write: No space left on device"), "\(command): \(r.stderr)")
      #expect(!r.stderr.contains("Fatal error"))
    }
    #expect(s.files() == ["a.dts", "boot.log"])
  }

  @Test func closedStdoutExitsTwoNamingStandardOutput() throws {
    let s = Scratch()
    s.write("a.dts", StreamFixtures.small)
    s.write("b.dts", StreamFixtures.small.replacingOccurrences(of: "<1>", with: "<2>"))
    for command in [
      "dump a.dts", "diff a.dts b.dts", "check a.dts --format sarif", "hmp generate --board verdin-imx8mp-nonwifi",
    ] {
      let r = try Shell.run("exec \"$0\" \(command) >&-", cwd: s.path)
      #expect(!r.signalled && r.status == 2, "\(command): \(r.status) \(r.stderr)")
      #expect(r.stderr.contains("error: standard output: cannot write: Bad file descriptor"), "\(command): \(r.stderr)")
    }
    #expect(s.files() == ["a.dts", "b.dts"])
  }

  @Test func brokenPipeEndsQuietlyAsSIGPIPE() throws {
    let s = Scratch()
    s.write("big.dts", StreamFixtures.large)
    guard let binary = CLI.binary else { return }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = ["dump", "big.dts"]
    p.currentDirectoryURL = URL(fileURLWithPath: s.path)
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // The reader goes away after the first bytes; the rest (far more than a pipe holds) meets a broken pipe.
    _ = out.fileHandleForReading.readData(ofLength: 10)
    try out.fileHandleForReading.close()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGPIPE, "\(p.terminationStatus)")
    #expect(e.isEmpty, "a broken pipe is not an error to report: \(String(decoding: e, as: UTF8.self))")
  }

  @Test func brokenPipeThroughTheShellIs141() throws {
    let s = Scratch()
    s.write("big.dts", StreamFixtures.large)
    let r = try Shell.run("\"$0\" dump big.dts | head -c 1 > /dev/null; exit 0", cwd: s.path)
    #expect(r.status == 0)
    // bash's PIPESTATUS is not in sh: ask for the status the way a script would.
    let status = try Shell.run(
      "( \"$0\" dump big.dts; echo \"status $?\" >&2 ) | head -c 1 > /dev/null", cwd: s.path)
    #expect(status.stderr.contains("status 141"), "\(status.stderr)")
    #expect(!status.stderr.contains("error"), "\(status.stderr)")
  }

  // MARK: - Standard error

  @Test func failingStderrNeverTraps() throws {
    let s = Scratch()
    s.write("bad.dts", StreamFixtures.syntaxError)
    for redirect in ["2>/dev/full", "2>&-"] {
      let r = try Shell.run("exec \"$0\" compile bad.dts -o out.dtb \(redirect)", cwd: s.path)
      #expect(!r.signalled && r.status == 1, "\(redirect): \(r.status) \(r.stdout)")
    }
    #expect(s.files() == ["bad.dts"])
  }

  // MARK: - Standard input

  @Test func closedStdinIsAnErrorNotATrap() throws {
    let s = Scratch()
    let r = try Shell.run("exec \"$0\" hmp explain-log - <&-", cwd: s.path)
    #expect(!r.signalled && r.status == 2, "\(r.status) \(r.stderr)")
    #expect(r.stderr.contains("error: <stdin>: cannot read: Bad file descriptor"), "\(r.stderr)")
  }

  @Test func endlessStdinStopsAtTheLimit() throws {
    let s = Scratch()
    let r = try Shell.run("exec \"$0\" hmp explain-log - < /dev/zero", cwd: s.path)
    #expect(!r.signalled && r.status == 2, "\(r.status) \(r.stderr)")
    #expect(
      r.stderr.contains("error: <stdin>: more than 268435456 bytes (the limit for this input); stopped reading"),
      "\(r.stderr)")
    #expect(r.seconds < 60, "took \(r.seconds) s")
  }

  @Test func logFromAPipeIsRead() throws {
    let s = Scratch()
    let r = try Shell.run(
      "printf '[    1.0] remoteproc remoteproc0: imx-rproc is available\\n' | exec \"$0\" hmp explain-log -",
      cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("<stdin>: 1 line"), "\(r.stdout)")
  }

  // MARK: - Inputs that would wait

  @Test func fifoInputWithoutWriterIsRefusedAtOnce() throws {
    let s = Scratch()
    try #require(mkfifo(s.path + "/in.dts", 0o600) == 0)
    let r = try Shell.run("exec \"$0\" compile in.dts -o out.dtb", cwd: s.path)
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.stderr.contains("error: in.dts: a FIFO that gave no data (nothing was writing to it)"), "\(r.stderr)")
    #expect(r.seconds < 10, "took \(r.seconds) s")
    #expect(s.files() == ["in.dts"])
  }

  @Test func processSubstitutionInputIsRead() throws {
    let s = Scratch()
    s.write("a.dts", StreamFixtures.small)
    // What `dtlint dump <(cpp …)` gives: a pipe with its writer attached.
    let r = try Shell.run("cat a.dts | exec \"$0\" dump /dev/stdin", cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("a = <0x01>"), "\(r.stdout)")
  }

  @Test func includeOfAFifoIsRefusedNamingTheLine() throws {
    let s = Scratch()
    try #require(mkfifo(s.path + "/wait.dtsi", 0o600) == 0)
    s.write("dtc.dts", "/dts-v1/;\n/include/ \"wait.dtsi\"\n/ { };\n")
    s.write("cpp.dts", "/dts-v1/;\n#include \"wait.dtsi\"\n/ { };\n")
    s.write("bin.dts", "/dts-v1/;\n/ { a = /incbin/(\"wait.dtsi\"); };\n")
    for (file, message) in [
      ("dtc.dts", "dtc.dts:2:1: error: cannot read /include/ file 'wait.dtsi': not a regular file (a FIFO)"),
      ("cpp.dts", "cpp.dts:2:1: error: wait.dtsi: not a regular file (a FIFO)"),
      ("bin.dts", "bin.dts:2:9: error: cannot read /incbin/ file 'wait.dtsi': not a regular file (a FIFO)"),
    ] {
      let r = try Shell.run("exec \"$0\" compile \(file) -o out.dtb", cwd: s.path)
      #expect(r.status == 2 || r.status == 1, "\(file): \(r.status) \(r.stderr)")
      #expect(r.stderr.contains(message), "\(file): \(r.stderr)")
      #expect(r.seconds < 10, "\(file) took \(r.seconds) s")
    }
    #expect(s.files() == ["bin.dts", "cpp.dts", "dtc.dts", "wait.dtsi"])
  }

  @Test func includeOfADirectorySaysSo() throws {
    let s = Scratch()
    try FileManager.default.createDirectory(atPath: s.path + "/dir", withIntermediateDirectories: true)
    s.write("cpp.dts", "/dts-v1/;\n#include \"dir\"\n/ { };\n")
    s.write("dtc.dts", "/dts-v1/;\n/include/ \"dir\"\n/ { };\n")
    let cpp = try Shell.run("exec \"$0\" compile cpp.dts -o out.dtb", cwd: s.path)
    #expect(cpp.status == 2, "\(cpp.stderr)")
    #expect(cpp.stderr.contains("cpp.dts:2:1: error: 'dir' is a directory (dir), not a file"), "\(cpp.stderr)")
    #expect(!cpp.stderr.contains("not found"))
    let dtc = try Shell.run("exec \"$0\" compile dtc.dts -o out.dtb", cwd: s.path)
    #expect(dtc.status == 2, "\(dtc.stderr)")
    #expect(
      dtc.stderr.contains("dtc.dts:2:1: error: /include/ file 'dir' is a directory (dir), not a file"), "\(dtc.stderr)")
    #expect(s.files() == ["cpp.dts", "dir", "dtc.dts"])
  }

  @Test func manifestFilesThatAreFifosAreRefused() throws {
    let s = Scratch()
    try #require(mkfifo(s.path + "/fw.elf", 0o600) == 0)
    try #require(mkfifo(s.path + "/pin_mux.c", 0o600) == 0)
    s.write("elf.yaml", "soc: imx8mp\nfirmware:\n  elf: fw.elf\n")
    s.write("fsl_iomuxc.h", "")
    s.write("pins.yaml", "soc: imx8mp\npins:\n  pin-mux-c: pin_mux.c\n  iomuxc-header: fsl_iomuxc.h\n")
    for (manifest, file) in [("elf.yaml", "fw.elf"), ("pins.yaml", "pin_mux.c")] {
      let r = try Shell.run(
        "exec \"$0\" hmp generate --board verdin-imx8mp-nonwifi --m7 \(manifest) -o out.dtso", cwd: s.path)
      #expect(r.status == 2, "\(manifest): \(r.status) \(r.stderr)")
      #expect(r.stderr.contains("/\(file): not a regular file (a FIFO)"), "\(manifest): \(r.stderr)")
      #expect(r.stderr.contains("(named by the M7 manifest \(manifest), given by --m7)"), "\(r.stderr)")
      #expect(r.seconds < 20, "\(manifest) took \(r.seconds) s")
    }
    #expect(s.files() == ["elf.yaml", "fsl_iomuxc.h", "fw.elf", "pin_mux.c", "pins.yaml"])
  }

  @Test func configurationFifoInAParentDirectoryIsRefused() throws {
    let s = Scratch()
    try FileManager.default.createDirectory(atPath: s.path + "/sub", withIntermediateDirectories: true)
    try #require(mkfifo(s.path + "/.dtlint.yaml", 0o600) == 0)
    s.write("sub/a.dts", StreamFixtures.small)
    let r = try Shell.run("exec \"$0\" check a.dts", cwd: s.path + "/sub")
    // A configuration that cannot be used is a usage error (Settings.resolve: exit 64).
    #expect(r.status == 64, "\(r.status) \(r.stderr)")
    #expect(r.stderr.contains("/.dtlint.yaml: error: not a regular file (a FIFO)"), "\(r.stderr)")
    #expect(r.seconds < 10, "took \(r.seconds) s")
  }

  // MARK: - /incbin/ windows

  @Test func incbinWindowOfALargeSparseFileReadsOnlyTheWindow() throws {
    let s = Scratch()
    let big = s.path + "/big.bin"
    let fd = open(big, O_WRONLY | O_CREAT, 0o644)
    try #require(fd >= 0)
    // 8 GiB, sparse but for four bytes at 6 GiB.
    #expect(ftruncate(fd, 8 << 30) == 0)
    let marker: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF]
    _ = marker.withUnsafeBytes { pwrite(fd, $0.baseAddress, 4, off_t(6 << 30)) }
    close(fd)
    s.write(
      "w.dts", "/dts-v1/;\n/ { w = /incbin/(\"big.bin\", 0x180000000, 4); z = /incbin/(\"/dev/zero\", 0, 3); };\n")
    let r = try Shell.run("exec \"$0\" compile w.dts -O dts", cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("w = [de ad be ef];"), "\(r.stdout)")
    #expect(r.stdout.contains("z = [00 00 00];"), "\(r.stdout)")
    #expect(r.seconds < 20)
    // Without a length the whole file is meant, and the limit applies.
    s.write("all.dts", "/dts-v1/;\n/ { w = /incbin/(\"big.bin\"); };\n")
    let all = try Shell.run("exec \"$0\" compile all.dts -o out.dtb", cwd: s.path)
    #expect(all.status == 2, "\(all.stderr)")
    #expect(
      all.stderr.contains(
        "all.dts:2:9: error: cannot read /incbin/ file 'big.bin': file is 8589934592 bytes, larger than the limit"),
      "\(all.stderr)")
    // A window past the end is an error naming the file.
    s.write("past.dts", "/dts-v1/;\n/ { w = /incbin/(\"big.bin\", 0x1fffffffe, 4); };\n")
    let past = try Shell.run("exec \"$0\" compile past.dts -o out.dtb", cwd: s.path)
    #expect(past.status == 2, "\(past.stderr)")
    #expect(past.stderr.contains("'big.bin': has fewer than 4 bytes after offset 8589934590"), "\(past.stderr)")
    #expect(s.files() == ["all.dts", "big.bin", "past.dts", "w.dts"])
  }

  // MARK: - File names that are not UTF-8

  @Test func nonUTF8InputAndOutputNamesAreUsedByTheirBytes() throws {
    let s = Scratch()
    s.write("src.dts", StreamFixtures.small)
    // Renamed by the shell to the byte 0xFF: Foundation cannot name it.
    let r0 = try Shell.run("mv src.dts \"$(printf '\\377.dts')\"", cwd: s.path)
    #expect(r0.status == 0)
    // Foundation cannot remove what it cannot name: the shell does.
    defer { _ = try? Shell.run("rm -f -- \"$(printf '\\377.dts')\" \"$(printf 'o-\\377.dtb')\"", cwd: s.path) }
    let r = try Shell.run(
      "exec \"$0\" compile \"$(printf '\\377.dts')\" -o \"$(printf 'o-\\377.dtb')\"", cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: s.path)
    #expect(names.count == 2, "\(names)")
    // Listed by bytes: the output has exactly the bytes given, not U+FFFD.
    let listing = try Shell.run("ls | od -An -c | tr -s ' '", cwd: s.path)
    #expect(listing.stdout.contains("o - 377 . d t b"), "\(listing.stdout)")
    #expect(!listing.stdout.contains("357 277 275"), "U+FFFD written: \(listing.stdout)")
    // A missing name is reported faithfully.
    let missing = try Shell.run("exec \"$0\" dump \"$(printf '\\376.dts')\"", cwd: s.path)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("\\xfe.dts: no such file"), "\(missing.stderr)")
    // An include by a non-UTF-8 name.
    let inc = try Shell.run(
      "printf '/dts-v1/;\\n/include/ \"\\377.dts\"\\n' > inc.dts && exec \"$0\" dump inc.dts", cwd: s.path)
    #expect(inc.status == 0, "\(inc.stderr)")
    #expect(inc.stdout.contains("a = <0x01>"), "\(inc.stdout)")
  }
}
