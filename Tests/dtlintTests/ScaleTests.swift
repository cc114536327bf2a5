import Foundation
import Testing
import _DTTestSupport

#if canImport(Glibc)
  import Glibc
#endif

/// Work that grows with the input grows near-linearly, with bounded memory (issue 23): inputs generated here, each
/// run timed and its peak memory read from the kernel (`VmHWM` in /proc, sampled while it runs: `wait4`'s
/// `ru_maxrss` would count the test process's own memory, which the child shares until it execs). Bounds are
/// generous for a debug build on a loaded machine; the quadratic versions these guard against took minutes and
/// gigabytes on the same inputs.
@Suite(.serialized, .enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct ScaleTests {
  struct Run {
    var status: Int32
    var seconds: Double
    /// Peak resident memory of the process, in KiB (as last sampled).
    var maxRSS: Int
    var stdoutBytes: Int
    var stderr: String
  }

  /// Runs dtlint in `cwd` with its output in files, and measures it.
  static func run(_ args: [String], cwd: String) throws -> Run {
    guard let binary = CLI.binary else { throw CocoaError(.fileNoSuchFile) }
    return try spawn(binary, args, cwd: cwd)
  }

  private static func spawn(_ binary: String, _ args: [String], cwd: String) throws -> Run {
    let out = cwd + "/.stdout"
    let err = cwd + "/.stderr"
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    // The command runs in `cwd`: through `sh -c 'cd … && exec …'`, since posix_spawn has no working directory.
    let script = "cd \"$0\" && exec \"$@\""
    let argv = ["/bin/sh", "-c", script, cwd, binary] + args
    var cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    let start = ContinuousClock.now
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, &cargs, environ)
    guard rc == 0 else { throw CocoaError(.executableLoad) }
    var status: Int32 = 0
    var peak = 0
    while true {
      // VmHWM is the high-water mark of the process's current memory (after exec); gone once it has exited.
      if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
      {
        peak = max(peak, kib)
      }
      let done = waitpid(pid, &status, WNOHANG)
      if done == pid || (done < 0 && errno != EINTR) { break }
      usleep(2_000)
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
    let stderr = (FileManager.default.contents(atPath: err)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    try? FileManager.default.removeItem(atPath: out)
    try? FileManager.default.removeItem(atPath: err)
    return Run(status: exitStatus, seconds: seconds, maxRSS: peak, stdoutBytes: size, stderr: stderr)
  }

  @Test func explainLogOfManyDistinctProblemLines() throws {
    let s = Scratch()
    // 100 000 kicks, each on another notify id: distinct values, one message.
    var log = ""
    log.reserveCapacity(100_000 * 70)
    for i in 0..<100_000 {
      log += "[\(i / 1000).\(i % 1000)] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (\(i), err:-62)\n"
    }
    s.write("boot.log", log)
    let r = try Self.run(["hmp", "explain-log", "boot.log"], cwd: s.path)
    #expect(r.status == 1, "\(r.stderr)")
    // Three value sets explained (~5 KB each), the rest listed by line: was 4.9 KB of text per line.
    #expect(r.stdoutBytes < 64 << 10, "\(r.stdoutBytes) bytes of output")
    #expect(r.maxRSS > 0 && r.maxRSS < 256 << 10, "\(r.maxRSS) KiB")
    #expect(r.seconds < 60, "\(r.seconds) s")
  }

  @Test func generateWithManyManifestPeripherals() throws {
    let s = Scratch()
    // 20 000 peripherals no tree has: each one a fragment, each fragment refused by the self-check, nothing written.
    s.write("m7.yaml", "soc: imx8mp\nperipherals: [" + (0..<20_000).map { "u\($0)" }.joined(separator: ", ") + "]\n")
    let r = try Self.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--m7", "m7.yaml", "-o", "out.dtso"], cwd: s.path)
    #expect(r.status == 1, "\(r.stderr.suffix(500))")
    #expect(r.stderr.hasSuffix("error: the generated overlay does not pass its own check; nothing written\n"))
    #expect(!s.exists("out.dtso"))
    #expect(r.maxRSS < 768 << 10, "\(r.maxRSS) KiB")
    #expect(r.seconds < 60, "\(r.seconds) s")
  }

  /// A labelled base of `n` sibling nodes, each referencing the next, and a target that changes one of them.
  static func siblings(_ n: Int, in s: Scratch) throws {
    func tree(changed: Int?) -> String {
      var text = "/dts-v1/;\n/ {\n"
      for i in 0..<n { text += "\tl\(i): n\(i) { v = <\(i == changed ? 7 : i)>; r = <&l\((i + 1) % n)>; };\n" }
      return text + "};\n"
    }
    s.write("base\(n).dts", tree(changed: nil))
    s.write("target\(n).dts", tree(changed: n / 2))
    let r = try CLI.run(["compile", "-@", "--no-cpp", "base\(n).dts", "-o", "base\(n).dtb"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
  }

  @Test func overlayMakeAndDiffAgainstManySiblings() throws {
    let s = Scratch()
    let small = 12_500
    let large = 50_000
    try Self.siblings(small, in: s)
    try Self.siblings(large, in: s)
    for command in ["make", "diff"] {
      func run(_ n: Int) throws -> Run {
        let args =
          command == "make"
          ? ["overlay", "make", "--no-cpp", "base\(n).dtb", "target\(n).dts", "-o", "ov\(n).dtso"]
          : ["diff", "--no-cpp", "base\(n).dtb", "target\(n).dts"]
        let r = try Self.run(args, cwd: s.path)
        #expect(r.status == 1 || (command == "make" && r.status == 0), "\(command) \(n): \(r.stderr.suffix(500))")
        return r
      }
      let a = try run(small)
      let b = try run(large)
      // Four times the siblings: about four times the time (the quadratic lookups made it sixteen) and the memory.
      #expect(
        b.seconds < 8 * max(a.seconds, 0.5), "\(command): \(a.seconds) s for \(small), \(b.seconds) s for \(large)")
      #expect(b.seconds < 120, "\(command): \(b.seconds) s")
      #expect(b.maxRSS < 1 << 20, "\(command): \(b.maxRSS) KiB")
    }
    #expect(s.exists("ov\(large).dtso"))
  }

  /// `check` over many inputs holds the trees of a few of them at a time (issue 20): the same tree named 24 and 96
  /// times peaks at about the same memory (each tree is freed once its findings are made), and the findings of every
  /// input are reported, in order.
  @Test func checkOfManyInputsHoldsFewTrees() throws {
    let s = Scratch()
    var text = "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <0>;\n"
    for i in 0..<1_500 {
      text += "\tl\(i): n@\(i) { reg = <\(i)>; v = <\(i) 1 2 3>; s = \"node \(i)\"; r = <&l\((i + 1) % 1_500)>; };\n"
    }
    s.write("big.dts", text + "\tbad@1 { };\n};\n")
    func run(_ n: Int) throws -> Run {
      let r = try Self.run(["check", "--no-cpp"] + Array(repeating: "big.dts", count: n), cwd: s.path)
      #expect(r.status == 0, "\(n): \(r.stderr.suffix(500))")
      // Two warnings per input (about bad@1), each listed; the file is counted once.
      #expect(r.stderr.hasSuffix("\(2 * n) warnings in 1 file\n"), "\(r.stderr.suffix(300))")
      return r
    }
    let few = try run(24)
    let many = try run(96)
    // Four times the inputs: the same peak, within what one tree per core and the findings take (all trees kept
    // took four times the memory).
    #expect(many.maxRSS < few.maxRSS + (few.maxRSS / 4), "\(few.maxRSS) KiB for 24, \(many.maxRSS) KiB for 96")
    #expect(many.stdoutBytes == 4 * few.stdoutBytes)
  }

  @Test func rpmsgCountsHaveLimits() throws {
    let s = Scratch()
    let cases: [(key: String, value: String, mentions: String)] = [
      ("vdev-count", "0xffffffff", "m7.yaml:3:15: rpmsg.vdev-count: 4294967295 is over 16"),
      ("buffer-count", "65536", "m7.yaml:3:17: rpmsg.buffer-count: 65536 is over 32768"),
      ("link-id", "16", "m7.yaml:3:12: rpmsg.link-id: 16 is over RL_PLATFORM_HIGHEST_LINK_ID"),
    ]
    for c in cases {
      s.write("m7.yaml", "soc: imx8mp\nrpmsg:\n  \(c.key): \(c.value)\n")
      let r = try Self.run(
        ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--m7", "m7.yaml", "-o", "out.dtso"], cwd: s.path)
      #expect(r.status == 2, "\(c.key): \(r.stderr)")
      #expect(r.stderr.contains(c.mentions), "\(r.stderr)")
      #expect(r.seconds < 30 && r.maxRSS < 256 << 10, "\(c.key): \(r.seconds) s, \(r.maxRSS) KiB")
      #expect(!s.exists("out.dtso"))
    }
    // The most the firmware can have still generates: 16 vdevs, 32 regions.
    s.write("m7.yaml", "soc: imx8mp\nrpmsg:\n  vdev-count: 16\n")
    let r = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--m7", "m7.yaml", "-o", "-"], cwd: s.path)
    #expect(r.stdout.contains("vdev15vring1"), "\(r.stderr)")
  }
}
