import Foundation
import Testing
import _DTTestSupport

/// Scripts/install into a temporary PREFIX, with the already-built binary (DTLINT_BINARY) so the test does not
/// run a release build: the files land where users and packagers expect them, and --uninstall removes them.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct InstallTests {
  static func install(_ args: [String], env: [String: String]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: SharedCorpus.packageRoot + "/Scripts/install")
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    environment["DTLINT_BINARY"] = CLI.binary!
    p.environment = environment
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  static let expected = [
    "bin/dtlint",
    "share/bash-completion/completions/dtlint",
    "share/zsh/site-functions/_dtlint",
    "share/fish/vendor_completions.d/dtlint.fish",
    "share/doc/dtlint/Architecture.md",
    "share/doc/dtlint/CI.md",
    "share/doc/dtlint/Comparing.md",
    "share/doc/dtlint/Configuration.md",
    "share/doc/dtlint/Editors.md",
    "share/doc/dtlint/ExplainLog.md",
    "share/doc/dtlint/Fuzzing.md",
    "share/doc/dtlint/HMPFacts.md",
    "share/doc/dtlint/HMPOverlays.md",
    "share/doc/dtlint/PreCommit.md",
    "share/doc/dtlint/Report.md",
    "share/doc/dtlint/Rules.md",
    "share/doc/dtlint/Suppressions.md",
    "share/man/man1/dtlint.1",
    "share/man/man1/dtlint-check.1",
    "share/man/man1/dtlint-compile.1",
    "share/man/man1/dtlint-dump.1",
    "share/man/man1/dtlint-apply.1",
    "share/man/man1/dtlint-diff.1",
    "share/man/man1/dtlint-rules.1",
    "share/man/man1/dtlint-config.1",
    "share/man/man1/dtlint-config-dump.1",
    "share/man/man1/dtlint-hmp.1",
    "share/man/man1/dtlint-hmp-generate.1",
    "share/man/man1/dtlint-hmp-fix.1",
    "share/man/man1/dtlint-hmp-explain-log.1",
    "share/man/man1/dtlint-overlay.1",
    "share/man/man1/dtlint-overlay-make.1",
    "share/man/man1/dtlint-lsp.1",
  ]

  static func files(under root: String) -> [String] {
    let e = FileManager.default.enumerator(atPath: root)
    var out: [String] = []
    while let f = e?.nextObject() as? String {
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: root + "/" + f, isDirectory: &isDir), !isDir.boolValue {
        out.append(f)
      }
    }
    return out.sorted()
  }

  @Test func installsBinaryCompletionsAndManPagesUnderPrefix() throws {
    let s = Scratch()
    let prefix = s.path + "/prefix with space"
    let (status, output) = try Self.install([], env: ["PREFIX": prefix])
    #expect(status == 0, "\(output)")
    #expect(Self.files(under: prefix) == Self.expected.sorted(), "\(Self.files(under: prefix))")
    #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/dtlint"))
    #expect(output.contains("is not on your PATH"), "says how to reach it: \(output)")
    // Installed stripped: no symbol table left (`.symtab` is the section strip removes).
    let installed = [UInt8](FileManager.default.contents(atPath: prefix + "/bin/dtlint") ?? Data())
    let built = try FileManager.default.attributesOfItem(atPath: CLI.binary!)[.size] as? Int ?? 0
    #expect(!installed.isEmpty && installed.count < built)
    #expect(Data(installed).range(of: Data(".symtab".utf8)) == nil, "the installed binary still has a symbol table")

    let version = try Process.capture(prefix + "/bin/dtlint", ["--version"])
    #expect(version.0 == 0)
    #expect(version.1.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    // man finds the pages through MANPATH.
    if HelpTests.which("man") != nil {
      let page = try Process.capture(
        "/bin/sh", ["-c", "MANPATH=\"$1\" MANWIDTH=80 man dtlint-check 2>&1", "sh", prefix + "/share/man"])
      #expect(page.1.contains("dtlint-check"), "\(page.1.prefix(400))")
      #expect(page.1.contains("--require-base"))
      #expect(page.1.contains("EXAMPLES"))
    }
    // bash loads the completion and registers it for dtlint.
    let bash = try Process.capture(
      "/bin/bash",
      ["-c", "source \"$1\" && complete -p dtlint", "bash", prefix + "/share/bash-completion/completions/dtlint"])
    #expect(bash.0 == 0)
    #expect(bash.1.contains("dtlint"))

    let (un, unOutput) = try Self.install(["--uninstall"], env: ["PREFIX": prefix])
    #expect(un == 0, "\(unOutput)")
    #expect(Self.files(under: prefix).isEmpty, "\(Self.files(under: prefix))")
  }

  @Test func destdirStagesUnderThePrefix() throws {
    let s = Scratch()
    let (status, output) = try Self.install([], env: ["PREFIX": "/usr", "DESTDIR": s.path + "/stage"])
    #expect(status == 0, "\(output)")
    #expect(Self.files(under: s.path + "/stage/usr") == Self.expected.sorted())
  }

  @Test func unknownArgumentsPrintUsage() throws {
    let (status, output) = try Self.install(["--prefix=/x"], env: ["PREFIX": "/nonexistent-dtlint-test"])
    #expect(status == 64)
    #expect(output.contains("PREFIX"), "\(output)")
  }
}

extension Process {
  /// Runs a program and returns its status and standard output.
  static func capture(_ path: String, _ args: [String]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
