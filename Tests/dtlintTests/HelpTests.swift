import DTRules
import Foundation
import Testing
import _DTTestSupport

@testable import dtlint

/// `--help`, shell completions and man pages, all from the argument parser's description of the commands
/// (`dtlint --experimental-dump-help`).
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct HelpTests {
  struct Command {
    var path: [String]
    var abstract: String
    var discussion: String
    var options: [[String]]  // each option's spellings: ["-I", "--include"]
    var undocumented: [String]
  }

  /// Every command users see (hidden ones and `help` excluded), with its options.
  static func commands() throws -> [Command] {
    let r = try CLI.run(["--experimental-dump-help"])
    #expect(r.status == 0)
    let root = try #require(
      (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["command"] as? [String: Any])
    var out: [Command] = []
    func visit(_ c: [String: Any], _ path: [String]) {
      guard c["shouldDisplay"] as? Bool != false else { return }
      var options: [[String]] = []
      var undocumented: [String] = []
      for a in c["arguments"] as? [[String: Any]] ?? [] where a["shouldDisplay"] as? Bool != false {
        let names = (a["names"] as? [[String: String]] ?? []).map { ($0["kind"] == "long" ? "--" : "-") + $0["name"]! }
        let abstract = (a["abstract"] as? String ?? "").trimmingCharacters(in: .whitespaces)
        if abstract.isEmpty { undocumented.append(names.first ?? (a["valueName"] as? String ?? "?")) }
        if a["kind"] as? String != "positional", !names.contains("--help"), !names.contains("--version") {
          options.append(names)
        }
      }
      out.append(
        Command(
          path: path, abstract: c["abstract"] as? String ?? "", discussion: c["discussion"] as? String ?? "",
          options: options, undocumented: undocumented))
      for s in c["subcommands"] as? [[String: Any]] ?? [] {
        let name = s["commandName"] as? String ?? ""
        if name != "help" { visit(s, path + [name]) }
      }
    }
    visit(root, ["dtlint"])
    return out
  }

  /// The lines under `Examples:` in a discussion.
  static func examples(_ discussion: String) -> [String] {
    guard let r = discussion.range(of: "Examples:\n") else { return [] }
    return discussion[r.upperBound...].split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { $0.hasPrefix("dtlint") }
  }

  @Test func everyCommandAndOptionHasHelpAndEveryOptionAnExample() throws {
    let commands = try Self.commands()
    #expect(
      Set(commands.map { $0.path.joined(separator: " ") })
        == [
          "dtlint", "dtlint check", "dtlint compile", "dtlint dump", "dtlint apply", "dtlint diff", "dtlint rules",
          "dtlint config", "dtlint config dump", "dtlint hmp", "dtlint hmp generate", "dtlint hmp fix",
          "dtlint hmp explain-log", "dtlint overlay", "dtlint overlay make", "dtlint lsp",
        ])
    for c in commands {
      let name = c.path.joined(separator: " ")
      #expect(!c.abstract.isEmpty, "\(name): no abstract")
      #expect(c.undocumented.isEmpty, "\(name): arguments without help: \(c.undocumented)")
      let examples = Self.examples(c.discussion)
      #expect(!examples.isEmpty, "\(name): no Examples: in its help")
      // `--help` wraps at 80 columns, after a two-space indent: a longer example would be split inside the command.
      for e in examples { #expect(e.count <= 78, "\(name): example wrapped in --help: \(e)") }
      #expect(examples.allSatisfy { $0.hasPrefix(name) || c.path.count == 1 }, "\(name): \(examples)")
      let words = Set(examples.flatMap { $0.split(separator: " ").map(String.init) })
      for spellings in c.options {
        #expect(
          spellings.contains { words.contains($0) }, "\(name): no example uses \(spellings.joined(separator: "/"))")
      }
    }
  }

  @Test func helpPrintsExamples() throws {
    for c in try Self.commands() {
      let r = try CLI.run(Array(c.path.dropFirst()) + ["--help"])
      #expect(r.status == 0)
      #expect(r.stdout.contains("Examples:"), "\(c.path): \(r.stdout)")
    }
  }

  @Test func completionScriptsForBashZshAndFish() throws {
    let s = Scratch()
    for shell in ["bash", "zsh", "fish"] {
      let r = try CLI.run(["--generate-completion-script", shell])
      #expect(r.status == 0)
      #expect(r.stdout.contains("dtlint"))
      // Rule IDs, kernel flavors and output formats complete by name.
      #expect(r.stdout.contains("unit_address_vs_reg"), "\(shell): rule IDs")
      #expect(r.stdout.contains("toradex-bsp6"), "\(shell): kernel flavors")
      #expect(r.stdout.contains("sarif"), "\(shell): formats")
      #expect(r.stdout.contains("generate-manual") == false, "\(shell): hidden commands stay hidden")
      let path = s.write("completion.\(shell)", r.stdout)
      // Syntax check with the shell itself when it is installed.
      let check: [String] =
        switch shell {
        case "bash": ["bash", "-n", path]
        case "zsh": ["zsh", "-n", path]
        default: ["fish", "--no-execute", path]
        }
      if let status = Self.runIfInstalled(check) { #expect(status == 0, "\(shell) -n rejects the script") }
    }
    // bash (with extglob, which bash-completion turns on) offers the subcommands, hidden ones excepted.
    let bash = try CLI.run(["--generate-completion-script", "bash"]).stdout
    let script = s.write("dtlint.bash", bash)
    let probe = """
      shopt -s extglob
      cd \(s.path)
      source \(script)
      COMP_WORDS=(dtlint c); COMP_CWORD=1; COMP_LINE="dtlint c"; COMP_POINT=${#COMP_LINE}
      _dtlint; printf '%s\\n' "${COMPREPLY[@]}"
      """
    let offered = Set(
      try Self.bash(probe, path: (CLI.binary! as NSString).deletingLastPathComponent).split(separator: "\n"))
    #expect(offered.isSuperset(of: ["check", "compile", "config"]), "\(offered)")
    #expect(!offered.contains("generate-manual"))
  }

  @Test func manPagesForEveryCommandAreValidRoff() throws {
    let s = Scratch()
    let r = try CLI.run(["generate-manual", "--output-directory", s.path + "/man1"])
    #expect(r.status == 0, "\(r.stderr)")
    let commands = try Self.commands()
    let pages = (try FileManager.default.contentsOfDirectory(atPath: s.path + "/man1")).sorted()
    #expect(pages == commands.map { $0.path.joined(separator: "-") + ".1" }.sorted())
    for c in commands {
      let page = try String(contentsOfFile: s.path + "/man1/" + c.path.joined(separator: "-") + ".1", encoding: .utf8)
      #expect(page.contains(".TH \"\(c.path.joined(separator: "-").uppercased())\" 1"))
      #expect(page.contains(".SH EXAMPLES"), "\(c.path)")
      for spellings in c.options {
        let roff = spellings.map { $0.replacingOccurrences(of: "-", with: "\\-") }
        #expect(roff.allSatisfy { page.contains($0) }, "\(c.path): \(spellings) missing from the page")
      }
      #expect(page.unicodeScalars.allSatisfy { $0.isASCII }, "non-ASCII is escaped (\\[uXXXX])")
      // groff's warnings (-ww) on a page are mistakes in the generator.
      if let warnings = Self.groffWarnings(s.path + "/man1/" + c.path.joined(separator: "-") + ".1") {
        #expect(warnings.isEmpty, "\(c.path): \(warnings)")
      }
    }
    // The same binary writes the same bytes (no date unless SOURCE_DATE_EPOCH).
    let again = try CLI.run(["generate-manual", "-o", s.path + "/again"])
    #expect(again.status == 0)
    for p in pages {
      #expect(
        FileManager.default.contents(atPath: s.path + "/man1/" + p)
          == FileManager.default.contents(atPath: s.path + "/again/" + p))
    }
    let dated = try CLI.run(["generate-manual", "-o", s.path + "/dated"], env: ["SOURCE_DATE_EPOCH": "1767225600"])
    #expect(dated.status == 0)
    let page = try String(contentsOfFile: s.path + "/dated/dtlint.1", encoding: .utf8)
    #expect(page.contains(".TH \"DTLINT\" 1 \"2026-01-01\""), "\(page.prefix(200))")
  }

  // MARK: - Helpers

  static func which(_ tool: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
      let p = "\(dir)/\(tool)"
      if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
  }

  static func runIfInstalled(_ argv: [String]) -> Int32? {
    guard let tool = which(argv[0]) else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = Array(argv.dropFirst())
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    p.waitUntilExit()
    return p.terminationStatus
  }

  static func groffWarnings(_ page: String) -> String? {
    guard let groff = which("groff") else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: groff)
    p.arguments = ["-man", "-Tutf8", "-ww", "-z", page]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    let data = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  static func bash(_ script: String, path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", script]
    var env = ProcessInfo.processInfo.environment
    env["PATH"] = path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  @Test func completedKernelFlavorsAreTheBundledOnes() {
    #expect(Set(Settings.kernelFlavorNames) == Set(Configuration.kernelFlavors))
  }
}
