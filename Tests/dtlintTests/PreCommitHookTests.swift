import Foundation
import Testing
import Yams
import _DTTestSupport

/// The hooks of `.pre-commit-hooks.yaml`, run the way pre-commit runs a `language: system` hook: the `entry`
/// split into words (the first found on PATH), followed by the names of the changed files that match `files`,
/// from the root of the repository.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct PreCommitHookTests {
  struct Hook {
    var id: String
    var entry: String
    var language: String
    var files: String
  }

  static func hooks() throws -> [Hook] {
    let text = try String(contentsOfFile: SharedCorpus.packageRoot + "/.pre-commit-hooks.yaml", encoding: .utf8)
    let list = try #require(try Yams.load(yaml: text) as? [[String: Any]])
    return list.map {
      Hook(
        id: $0["id"] as? String ?? "", entry: $0["entry"] as? String ?? "", language: $0["language"] as? String ?? "",
        files: $0["files"] as? String ?? "")
    }
  }

  /// Runs `hook` on the files of `changed` that its `files` pattern selects (Python's `re.search`, which
  /// NSRegularExpression's first match mirrors for these patterns).
  static func run(_ hook: Hook, changed: [String], in dir: String) throws -> (CLI.Result, [String]) {
    let pattern = try NSRegularExpression(pattern: hook.files)
    let selected = changed.filter {
      pattern.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) != nil
    }
    var words = hook.entry.split(separator: " ").map(String.init)
    #expect(words.first == "dtlint", "the hook runs dtlint from PATH")
    words.removeFirst()
    return (try CLI.run(words + selected, cwd: dir, env: ["NO_COLOR": "1"]), selected)
  }

  @Test func definitionsAreSystemHooksForDeviceTreeSources() throws {
    let hooks = try Self.hooks()
    #expect(hooks.map(\.id) == ["dtlint", "dtlint-overlay"])
    for h in hooks {
      #expect(h.language == "system")
      #expect(h.entry.hasPrefix("dtlint check"))
    }
    let regex = try NSRegularExpression(pattern: hooks[0].files)
    func matches(_ s: String) -> Bool { regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil }
    #expect(matches("a/board.dts") && matches("soc.dtsi") && matches("x/hmp.dtso"))
    #expect(!matches("board.dtb") && !matches("notes.dts.txt") && !matches("README.md"))
  }

  /// A repository: a board including a shared .dtsi, an overlay and its base, a .dtlint.yaml.
  static func repository(broken: Bool) -> Scratch {
    let s = Scratch()
    s.write(".dtlint.yaml", "include: [include]\nbase: base.dts\n")
    s.write(
      "include/soc.dtsi",
      "/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tuart0: serial@1000 {\n\t\treg = <0x1000 0x100>;\n\t};\n};\n"
    )
    s.write(
      "board.dts",
      broken
        ? "/dts-v1/;\n#include \"soc.dtsi\"\n/ {\n\tmodel = \"board\";\n\tgpio@2000 {\n\t\treg = <0x2000>;\n\t};\n};\n&uart0 {\n\tstatus = \"okay\"\n};\n"
        : "/dts-v1/;\n#include \"soc.dtsi\"\n/ {\n\tmodel = \"board\";\n};\n&uart0 {\n\tstatus = \"okay\";\n};\n")
    s.write("base.dts", "/dts-v1/;\n#include \"soc.dtsi\"\n/ {\n\tmodel = \"base\";\n};\n")
    s.write(
      "hmp.dtso",
      broken
        ? "/dts-v1/;\n/plugin/;\n&uart4 {\n\tstatus = \"disabled\";\n};\n"
        : "/dts-v1/;\n/plugin/;\n&uart0 {\n\tstatus = \"disabled\";\n};\n")
    s.write("README.md", "not a tree\n")
    return s
  }

  static let changed = ["board.dts", "include/soc.dtsi", "hmp.dtso", "README.md"]

  @Test func dtlintHookPassesOnAGoodTreeAndFiresOnABrokenOne() throws {
    let hook = try #require(try Self.hooks().first { $0.id == "dtlint" })
    let good = Self.repository(broken: false)
    let (ok, selected) = try Self.run(hook, changed: Self.changed, in: good.path)
    #expect(selected == ["board.dts", "include/soc.dtsi", "hmp.dtso"])
    #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
    #expect(ok.stderr.contains("include/soc.dtsi: checked through the trees that include it: base.dts, board.dts"))

    let bad = Self.repository(broken: true)
    let (fail, _) = try Self.run(hook, changed: Self.changed, in: bad.path)
    #expect(fail.status == 1, "\(fail.stdout)\(fail.stderr)")
    // The syntax error (missing ';'), the overlay's target the base lacks, and a dtc warning, each at its line.
    #expect(fail.stdout.contains("board.dts:10:17: error: syntax error: missing ';' after"), "\(fail.stdout)")
    #expect(fail.stdout.contains("[syntax]"))
    #expect(fail.stdout.contains("hmp.dtso:3:1: error: "), "\(fail.stdout)")
    #expect(fail.stdout.contains("[overlay_target_missing]"))
  }

  @Test func overlayHookChecksAgainstTheConfiguredBaseAndNeedsOne() throws {
    let hook = try #require(try Self.hooks().first { $0.id == "dtlint-overlay" })
    let good = Self.repository(broken: false)
    let (ok, selected) = try Self.run(hook, changed: Self.changed, in: good.path)
    #expect(selected == ["hmp.dtso"])
    #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")

    let bad = Self.repository(broken: true)
    let (fail, _) = try Self.run(hook, changed: Self.changed, in: bad.path)
    #expect(fail.status == 1)
    #expect(fail.stdout.contains("hmp.dtso:3:1: error: overlay target &uart4 is not in the base"), "\(fail.stdout)")

    good.write(".dtlint.yaml", "include: [include]\n")
    let (none, _) = try Self.run(hook, changed: Self.changed, in: good.path)
    #expect(none.status == 64, "no base: refuses to run")
    #expect(none.stderr.contains("set base: in .dtlint.yaml"), "\(none.stderr)")
  }

  @Test func exampleConfigurationUsesTheseHooks() throws {
    let root = SharedCorpus.packageRoot + "/Examples/pre-commit"
    let config = try String(contentsOfFile: root + "/.pre-commit-config.yaml", encoding: .utf8)
    let parsed = try #require(try Yams.load(yaml: config) as? [String: Any])
    let repos = try #require(parsed["repos"] as? [[String: Any]])
    let ids = repos.flatMap { ($0["hooks"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }
    let known = Set(try Self.hooks().map(\.id))
    #expect(!ids.isEmpty)
    #expect(ids.allSatisfy(known.contains), "\(ids)")
    // The example's .dtlint.yaml is valid (read from a copy next to the example board, as the guide does).
    let s = Scratch()
    try FileManager.default.copyItem(
      atPath: SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom", toPath: s.path + "/example")
    s.write("example/.dtlint.yaml", try String(contentsOfFile: root + "/.dtlint.yaml", encoding: .utf8))
    let dump = try CLI.run(["config", "dump"], cwd: s.path + "/example")
    #expect(dump.status == 0, "\(dump.stderr)")
  }
}
