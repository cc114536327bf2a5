import Foundation
import Synchronization
import Testing
import _DTTestSupport

/// Whether this process may make device nodes (root with CAP_MKNOD): tried once in a scratch directory.
let canMakeDevices: Bool = {
  let s = Scratch()
  return mknod(s.path + "/probe", S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0
}()

private func mode(_ path: String) -> mode_t? {
  var st = stat()
  return stat(path, &st) == 0 ? st.st_mode : nil
}

private func linkMode(_ path: String) -> mode_t? {
  var st = stat()
  return lstat(path, &st) == 0 ? st.st_mode : nil
}

private func bytes(_ path: String) -> [UInt8]? {
  FileManager.default.contents(atPath: path).map { [UInt8]($0) }
}

/// Names of leftover temporary files (`.NAME.dtlint-XXXXXX`) in `directory`.
private func temporaries(_ directory: String) -> [String] {
  ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".dtlint-") }
}

@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct OutputSafetyTests {
  static let a = "/dts-v1/;\n/ { a = <1>; };\n"
  static let b = "/dts-v1/;\n/ { b = <2>; };\n"

  /// The blob of `text`, compiled by the binary.
  private func blob(_ text: String, in s: Scratch) throws -> [UInt8] {
    s.write("expected-src.dts", text)
    let r = try CLI.run(["compile", "expected-src.dts", "-o", "-"], cwd: s.path)
    try #require(r.status == 0)
    try FileManager.default.removeItem(atPath: s.path + "/expected-src.dts")
    return r.stdoutBytes
  }

  // MARK: - Devices and FIFOs are written, not replaced

  @Test(.enabled(if: canMakeDevices, "skipped: mknod needs root (CAP_MKNOD)"))
  func characterDeviceOutputIsWrittenNotReplaced() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    // Made like /dev/null: major 1, minor 3.
    try #require(mknod(s.path + "/nul", S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)
    let r = try CLI.run(["compile", "a.dts", "-o", "nul"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(linkMode(s.path + "/nul").map { $0 & S_IFMT } == S_IFCHR, "the device must stay a device")
    #expect(s.files() == ["a.dts", "nul"])
  }

  @Test func fifoOutputIsWrittenForItsReader() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    let expected = try blob(Self.a, in: s)
    try #require(mkfifo(s.path + "/out.dtb", 0o600) == 0)
    let fifo = s.path + "/out.dtb"
    let received = Mutex<[UInt8]>([])
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      let fd = open(fifo, O_RDONLY)
      var all: [UInt8] = []
      var chunk = [UInt8](repeating: 0, count: 4096)
      while fd >= 0 {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        all += chunk[0..<n]
      }
      if fd >= 0 { close(fd) }
      received.withLock { $0 = all }
      done.signal()
    }
    let r = try CLI.run(["compile", "a.dts", "-o", "out.dtb"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(done.wait(timeout: .now() + 30) == .success)
    let same = received.withLock { $0 } == expected
    #expect(same, "the reader got the blob")
    #expect(linkMode(fifo).map { $0 & S_IFMT } == S_IFIFO, "the FIFO must stay a FIFO")
    #expect(s.files() == ["a.dts", "out.dtb"])
  }

  @Test func fullDeviceIsAnErrorNamingThePath() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    let r = try CLI.run(["compile", "a.dts", "-o", "/dev/full"], cwd: s.path)
    #expect(r.status == 2)
    #expect(r.stderr.contains("error: /dev/full: cannot write: No space left on device"), "\(r.stderr)")
    // Through a link: the message names the path given, the device stays.
    try FileManager.default.createSymbolicLink(atPath: s.path + "/full", withDestinationPath: "/dev/full")
    let c = try CLI.run(["compile", "a.dts", "-o", "full"], cwd: s.path)
    #expect(c.status == 2)
    #expect(c.stderr.contains("error: full: cannot write: No space left on device"), "\(c.stderr)")
    #expect(linkMode(s.path + "/full").map { $0 & S_IFMT } == S_IFLNK)
    #expect(linkMode("/dev/full").map { $0 & S_IFMT } == S_IFCHR)
    #expect(s.files() == ["a.dts", "full"])
  }

  @Test func socketOutputIsRefused() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let path = s.path + "/sock"
    try #require(path.utf8.count < MemoryLayout.size(ofValue: address.sun_path))
    withUnsafeMutableBytes(of: &address.sun_path) { p in
      for (i, c) in path.utf8.enumerated() { p[i] = c }
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    try #require(bound == 0)
    let r = try CLI.run(["compile", "a.dts", "-o", "sock"], cwd: s.path)
    #expect(r.status == 2)
    #expect(r.stderr.contains("error: sock: is a socket: dtlint writes files, FIFOs and devices"), "\(r.stderr)")
    #expect(linkMode(path).map { $0 & S_IFMT } == S_IFSOCK)
    #expect(s.files() == ["a.dts", "sock"])
  }

  // MARK: - Symbolic links are followed

  @Test func symlinkChainIsFollowedAndTheLinksStay() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    s.write("b.dts", Self.b)
    let expected = try blob(Self.b, in: s)
    s.write("deploy/real.dtb", "old")
    let fm = FileManager.default
    // sub/l2 -> ../link.dtb -> deploy/real.dtb (relative links, resolved from each link's own directory).
    try fm.createSymbolicLink(atPath: s.path + "/link.dtb", withDestinationPath: "deploy/real.dtb")
    try fm.createDirectory(atPath: s.path + "/sub", withIntermediateDirectories: true)
    try fm.createSymbolicLink(atPath: s.path + "/sub/l2", withDestinationPath: "../link.dtb")
    let r = try CLI.run(["compile", "b.dts", "-o", "sub/l2"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    let replaced = bytes(s.path + "/deploy/real.dtb") == expected
    #expect(replaced)
    #expect(try fm.destinationOfSymbolicLink(atPath: s.path + "/link.dtb") == "deploy/real.dtb")
    #expect(try fm.destinationOfSymbolicLink(atPath: s.path + "/sub/l2") == "../link.dtb")
    #expect(temporaries(s.path + "/deploy").isEmpty && temporaries(s.path + "/sub").isEmpty)
    #expect(temporaries(s.path).isEmpty)

    // An absolute link, and a dangling one: the file it names is created.
    try fm.createSymbolicLink(atPath: s.path + "/abs.dtb", withDestinationPath: s.path + "/deploy/real.dtb")
    let abs = try CLI.run(["compile", "a.dts", "-o", "abs.dtb"], cwd: s.path)
    #expect(abs.status == 0, "\(abs.stderr)")
    let viaAbsolute = bytes(s.path + "/deploy/real.dtb") == (try blob(Self.a, in: s))
    #expect(viaAbsolute)
    try fm.createSymbolicLink(atPath: s.path + "/dangling.dtb", withDestinationPath: "deploy/new.dtb")
    let dangling = try CLI.run(["compile", "a.dts", "-o", "dangling.dtb"], cwd: s.path)
    #expect(dangling.status == 0, "\(dangling.stderr)")
    #expect(linkMode(s.path + "/dangling.dtb").map { $0 & S_IFMT } == S_IFLNK)
    #expect(linkMode(s.path + "/deploy/new.dtb").map { $0 & S_IFMT } == S_IFREG)
    #expect(s.files() == ["a.dts", "abs.dtb", "b.dts", "dangling.dtb", "deploy", "link.dtb", "sub"])
    #expect(try fm.contentsOfDirectory(atPath: s.path + "/deploy").sorted() == ["new.dtb", "real.dtb"])
  }

  @Test func symlinkLoopIsAnError() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    try FileManager.default.createSymbolicLink(atPath: s.path + "/x", withDestinationPath: "y")
    try FileManager.default.createSymbolicLink(atPath: s.path + "/y", withDestinationPath: "x")
    let r = try CLI.run(["compile", "a.dts", "-o", "x"], cwd: s.path)
    #expect(r.status == 2)
    #expect(r.stderr.contains("error: x: too many levels of symbolic links"), "\(r.stderr)")
    #expect(s.files() == ["a.dts", "x", "y"])
  }

  // MARK: - Mode and owner

  @Test func existingModeAndOwnerAreKept() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    let out = s.write("out.dtb", "old")
    try #require(chmod(out, 0o600) == 0)
    let root = geteuid() == 0
    if root { try #require(chown(out, 65534, 65534) == 0) }
    let r = try CLI.run(["compile", "a.dts", "-o", "out.dtb"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    var st = stat()
    try #require(stat(out, &st) == 0)
    #expect(st.st_mode & 0o7777 == 0o600)
    if root { #expect(st.st_uid == 65534 && st.st_gid == 65534, "owner and group kept when permitted") }
    let written = bytes(out) == (try blob(Self.a, in: s))
    #expect(written)
    #expect(s.files() == ["a.dts", "out.dtb"])
  }

  @Test func newOutputModeFollowsTheUmask() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    let r = try Shell.run("umask 027; exec \"$0\" compile a.dts -o new.dtb", cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(mode(s.path + "/new.dtb").map { $0 & 0o7777 } == 0o640)
    #expect(s.files() == ["a.dts", "new.dtb"])
  }

  // MARK: - Concurrency and signals

  @Test func twentyConcurrentWritersLeaveOneCompleteResult() throws {
    let s = Scratch()
    var expected: [[UInt8]] = []
    for i in 0..<20 {
      // Different sizes too, so that a mix of two would show.
      let text = "/dts-v1/;\n/ { w = <\(i)>; pad = [\(String(repeating: "ab ", count: 1000 * (i + 1)))]; };\n"
      expected.append(try blob(text, in: s))
      s.write("w\(i).dts", text)
    }
    guard let binary = CLI.binary else { return }
    var processes: [Process] = []
    for i in 0..<20 {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: binary)
      p.arguments = ["compile", "w\(i).dts", "-o", "out.dtb"]
      p.currentDirectoryURL = URL(fileURLWithPath: s.path)
      processes.append(p)
    }
    for p in processes { try p.run() }
    for p in processes { p.waitUntilExit() }
    #expect(processes.allSatisfy { $0.terminationStatus == 0 })
    let result = try #require(bytes(s.path + "/out.dtb"))
    let complete = expected.contains(result)
    #expect(complete, "the output must be exactly one writer's blob (\(result.count) bytes)")
    #expect(temporaries(s.path).isEmpty, "\(s.files())")
    #expect(s.files().count == 21)
  }

  @Test func sigtermWhileWritingLeavesNoTemporaryFileAndTheOldOutput() throws {
    let s = Scratch()
    // A 48 MiB blob (six 8 MiB /incbin/ windows; a property may not exceed 16 MiB): the temporary file lives long
    // enough (written and synced) to be caught.
    let big = s.path + "/big.bin"
    let fd = open(big, O_WRONLY | O_CREAT, 0o644)
    try #require(fd >= 0)
    var block = [UInt8](repeating: 0x5A, count: 1 << 20)
    for i in 0..<9 {
      block[0] = UInt8(i)
      _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
    close(fd)
    let windows = (0..<6).map { "\td\($0) = /incbin/(\"big.bin\", \($0), 0x800000);\n" }.joined()
    s.write("big.dts", "/dts-v1/;\n/ {\n\(windows)};\n")
    s.write("out.dtb", "old")
    guard let binary = CLI.binary else { return }
    var caught: [Int32] = []
    for signal in [SIGTERM, SIGINT, SIGHUP] {
      for _ in 0..<10 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["compile", "big.dts", "-o", "out.dtb"]
        p.currentDirectoryURL = URL(fileURLWithPath: s.path)
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Poll for the temporary file; freeze the process the moment it is seen.
        var seen = false
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline {
          if !temporaries(s.path).isEmpty {
            kill(p.processIdentifier, SIGSTOP)
            seen = !temporaries(s.path).isEmpty
            break
          }
        }
        kill(p.processIdentifier, signal)
        kill(p.processIdentifier, SIGCONT)
        p.waitUntilExit()
        #expect(temporaries(s.path).isEmpty, "signal \(signal) left \(temporaries(s.path))")
        if seen {
          #expect(p.terminationReason == .uncaughtSignal && p.terminationStatus == signal, "\(p.terminationStatus)")
          let intact = bytes(s.path + "/out.dtb") == Array("old".utf8)
          #expect(intact, "the old output stays whole")
          caught.append(signal)
          break
        }
        // The run finished (or had not yet begun writing) when the signal came: put the old output back, again.
        s.write("out.dtb", "old")
      }
    }
    #expect(caught == [SIGTERM, SIGINT, SIGHUP], "the temporary file was not caught in the act for every signal")
    #expect(s.files() == ["big.bin", "big.dts", "out.dtb"])
  }

  // MARK: - Inputs are never outputs

  @Test func anInputIsNeverWrittenThroughAnyName() throws {
    let s = Scratch()
    s.write("a.dts", "/dts-v1/;\n/include/ \"part.dtsi\"\n")
    s.write("part.dtsi", "/ { a = <1>; };\n")
    try FileManager.default.linkItem(atPath: s.path + "/a.dts", toPath: s.path + "/hard.dts")
    try FileManager.default.createSymbolicLink(atPath: s.path + "/soft.dts", withDestinationPath: "a.dts")
    for (out, message) in [
      ("a.dts", "error: a.dts: is an input of this command (read as 'a.dts')"),
      ("hard.dts", "error: hard.dts: is an input of this command (read as 'a.dts')"),
      ("soft.dts", "error: soft.dts: is an input of this command (read as 'a.dts')"),
      ("part.dtsi", "error: part.dtsi: is an input of this command (read as 'part.dtsi')"),
    ] {
      let r = try CLI.run(["compile", "a.dts", "-o", out], cwd: s.path)
      #expect(r.status == 64, "\(out): \(r.status) \(r.stderr)")
      #expect(r.stderr.contains(message), "\(out): \(r.stderr)")
    }
    #expect(try String(contentsOfFile: s.path + "/a.dts", encoding: .utf8).hasPrefix("/dts-v1/;\n/include/"))
    #expect(try String(contentsOfFile: s.path + "/part.dtsi", encoding: .utf8) == "/ { a = <1>; };\n")
    // apply and overlay make too.
    s.write("ov.dtso", "/dts-v1/;\n/plugin/;\n&{/} { b = <2>; };\n")
    let apply = try CLI.run(["apply", "a.dts", "ov.dtso", "-o", "hard.dts"], cwd: s.path)
    #expect(apply.status == 64, "\(apply.stderr)")
    #expect(apply.stderr.contains("error: hard.dts: is an input of this command (read as 'a.dts')"), "\(apply.stderr)")
    let make = try CLI.run(["overlay", "make", "a.dts", "a.dts", "-o", "soft.dts"], cwd: s.path)
    #expect(make.status == 64, "\(make.stderr)")
    #expect(temporaries(s.path).isEmpty)
    #expect(s.files() == ["a.dts", "hard.dts", "ov.dtso", "part.dtsi", "soft.dts"])
  }

  @Test func fixInPlaceMayWriteItsInputButNoOther() throws {
    let s = Scratch()
    let gen = try CLI.run(["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "-o", "good.dtso"], cwd: s.path)
    try #require(gen.status == 0)
    let good = try String(contentsOfFile: s.path + "/good.dtso", encoding: .utf8)
    s.write("base.dts", HMPDoctorCommandTests.base)
    let broken = good.replacingOccurrences(of: "rsc-table@550ff000 {", with: "rsc_table@550ff000 {")
    s.write("broken.dtso", broken)
    try FileManager.default.linkItem(atPath: s.path + "/base.dts", toPath: s.path + "/base-link.dts")
    // -o a hard link of the base: refused, nothing reported as fixed.
    let other = try CLI.run(["hmp", "fix", "broken.dtso", "--base", "base.dts", "-o", "base-link.dts"], cwd: s.path)
    #expect(other.status == 64, "\(other.stderr)")
    #expect(
      other.stderr.contains("error: base-link.dts: is an input of this command (read as 'base.dts')"), "\(other.stderr)"
    )
    #expect(!other.stderr.contains("fixed ["), "\(other.stderr)")
    let inPlace = try CLI.run(["hmp", "fix", "broken.dtso", "--base", "base.dts", "--in-place"], cwd: s.path)
    #expect(inPlace.status == 0, "\(inPlace.stderr)")
    #expect(try String(contentsOfFile: s.path + "/broken.dtso", encoding: .utf8) == good)
    #expect(try String(contentsOfFile: s.path + "/base.dts", encoding: .utf8) == HMPDoctorCommandTests.base)
    #expect(s.files() == ["base-link.dts", "base.dts", "broken.dtso", "good.dtso"])
  }

  @Test func fixPrintsNothingFixedWhenTheWriteFails() throws {
    let s = Scratch()
    let gen = try CLI.run(["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "-o", "good.dtso"], cwd: s.path)
    try #require(gen.status == 0)
    let good = try String(contentsOfFile: s.path + "/good.dtso", encoding: .utf8)
    s.write("base.dts", HMPDoctorCommandTests.base)
    s.write("broken.dtso", good.replacingOccurrences(of: "rsc-table@550ff000 {", with: "rsc_table@550ff000 {"))
    let r = try CLI.run(["hmp", "fix", "broken.dtso", "--base", "base.dts", "-o", "nodir/x.dtso"], cwd: s.path)
    #expect(r.status == 2, "\(r.stderr)")
    #expect(r.stderr.contains("error: nodir/x.dtso: cannot create a temporary file in 'nodir'"), "\(r.stderr)")
    #expect(!r.stderr.contains("fixed"), "\(r.stderr)")
    #expect(s.files() == ["base.dts", "broken.dtso", "good.dtso"])
  }

  // MARK: - Usage errors

  @Test func emptyOutputNameIsAUsageErrorNamingTheOption() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    for (args, option) in [
      (["compile", "a.dts", "-o", ""], "-o"),
      (["apply", "a.dts", "a.dts", "-o", ""], "-o"),
      (["overlay", "make", "a.dts", "a.dts", "-o", ""], "-o"),
      (["hmp", "fix", "a.dts", "-o", ""], "-o"),
      (["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--dtbo", ""], "--dtbo"),
      (["generate-manual", "-o", ""], "--output-directory"),
    ] {
      let r = try CLI.run(args, cwd: s.path)
      #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
      #expect(r.stderr.contains("\(option) needs a"), "\(args): \(r.stderr)")
      #expect(!r.stderr.contains("cannot rename"))
    }
    #expect(s.files() == ["a.dts"])
  }

  @Test func directoryOutputIsAnErrorNamingIt() throws {
    let s = Scratch()
    s.write("a.dts", Self.a)
    try FileManager.default.createDirectory(atPath: s.path + "/d", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: s.path + "/ld", withDestinationPath: "d")
    for out in ["d", "ld"] {
      let r = try CLI.run(["compile", "a.dts", "-o", out], cwd: s.path)
      #expect(r.status == 2)
      #expect(r.stderr.contains("error: \(out): is a directory, not a file"), "\(r.stderr)")
    }
    #expect(s.files() == ["a.dts", "d", "ld"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: s.path + "/d").isEmpty)
  }

  @Test func generateRefusesOneFileForBothOutputs() throws {
    let s = Scratch()
    let same = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "-o", "x", "--dtbo", "./x"], cwd: s.path)
    #expect(same.status == 64, "\(same.stderr)")
    #expect(same.stderr.contains("-o 'x' and --dtbo './x' name the same file"), "\(same.stderr)")
    s.write("x", "old")
    try FileManager.default.createSymbolicLink(atPath: s.path + "/lx", withDestinationPath: "x")
    let linked = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "-o", "x", "--dtbo", "lx"], cwd: s.path)
    #expect(linked.status == 64, "\(linked.stderr)")
    #expect(linked.stderr.contains("-o 'x' and --dtbo 'lx' name the same file"), "\(linked.stderr)")
    #expect(try String(contentsOfFile: s.path + "/x", encoding: .utf8) == "old")
    #expect(s.files() == ["lx", "x"])
  }
}
