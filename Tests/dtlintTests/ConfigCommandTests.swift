import Foundation
import Testing
import Yams
import _DTTestSupport

/// `dtlint config dump`, and the settings `check` takes from `.dtlint.yaml`: the base tree for overlays,
/// `--require-base`, and `.dtsi` files checked through the trees that include them.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct ConfigCommandTests {
  /// `config dump`'s keys; the YAML and the JSON must decode to the same value.
  struct Dump: Decodable, Equatable {
    struct Rule: Decodable, Equatable {
      var enabled: Bool
      var severity: String
      var from: String
    }
    var version: Int
    var file: String?
    var include: [String]
    var kernel: String
    var board: String?
    var m7: String?
    var base: String?
    var werror: Bool
    var from: [String: String]
    var rules: [String: Rule]
  }

  static func dump(_ args: [String], cwd: String) throws -> (json: Dump, yaml: Dump) {
    let j = try CLI.run(["config", "dump", "--format", "json"] + args, cwd: cwd)
    #expect(j.status == 0, "\(j.stderr)")
    let y = try CLI.run(["config", "dump"] + args, cwd: cwd)
    #expect(y.status == 0, "\(y.stderr)")
    let json = try JSONDecoder().decode(Dump.self, from: Data(j.stdout.utf8))
    let yaml = try YAMLDecoder().decode(Dump.self, from: y.stdout)
    return (json, yaml)
  }

  @Test func dumpsTheFileAndWhereEachValueCameFrom() throws {
    let s = Scratch()
    s.write(
      "proj/.dtlint.yaml",
      """
      include: [include, "dir with: colon"]
      kernel: toradex-bsp6
      board: verdin-imx8mp-wifi
      base: build/base.dtb
      rules:
        unit_address_vs_reg: error
        avoid_default_addr_size: off

      """)
    s.write("proj/sub/.keep", "")
    let (d, yaml) = try Self.dump([], cwd: s.path + "/proj/sub")
    #expect(d == yaml, "YAML and JSON say the same")
    let root = URL(fileURLWithPath: s.path).standardizedFileURL.path
    #expect(d.version == 1)
    #expect(d.file?.hasSuffix("/proj/.dtlint.yaml") == true)
    #expect(d.include.count == 2)
    #expect(d.include.allSatisfy { $0.hasPrefix("/") })
    #expect(d.include.last?.hasSuffix("/proj/dir with: colon") == true)
    #expect(d.kernel == "toradex-bsp6")
    #expect(d.board == "verdin-imx8mp-wifi")
    #expect(d.base?.hasSuffix("/proj/build/base.dtb") == true, "relative to the file, not to the working directory")
    #expect(d.m7 == nil)
    #expect(d.werror == false)
    #expect(d.from["kernel"] == "config")
    #expect(d.from["m7"] == "default")
    #expect(d.from["werror"] == "default")
    #expect(d.rules["unit_address_vs_reg"] == Dump.Rule(enabled: true, severity: "error", from: "config"))
    #expect(d.rules["avoid_default_addr_size"]?.enabled == false)
    #expect(
      d.rules["avoid_unnecessary_addr_size"] == Dump.Rule(enabled: false, severity: "warning", from: "config"),
      "disabled with the rule it depends on")
    #expect(d.rules["reg_format"]?.from == "default")
    #expect(d.rules.count > 80, "every rule")
    _ = root
  }

  @Test func commandLineSwitchesComeLast() throws {
    let s = Scratch()
    s.write(".dtlint.yaml", "kernel: nxp-6\ninclude: [a]\nrules:\n  avoid_default_addr_size: off\n")
    let (d, yaml) = try Self.dump(
      [
        "--kernel", "mainline", "-I", "b", "--enable", "avoid_default_addr_size", "--disable", "reg_format",
        "--werror", "--base", "x.dtb",
      ],
      cwd: s.path)
    #expect(d == yaml)
    #expect(d.kernel == "mainline")
    #expect(d.from["kernel"] == "command line")
    #expect(d.include.map { URL(fileURLWithPath: $0).lastPathComponent } == ["a", "b"], "-I after include:")
    #expect(d.from["include"] == "command line")
    #expect(d.base?.hasSuffix("/x.dtb") == true)
    #expect(d.from["base"] == "command line")
    #expect(d.werror)
    #expect(d.rules.values.filter(\.enabled).allSatisfy { $0.severity == "error" }, "--werror: every finding an error")
    #expect(d.rules["avoid_default_addr_size"]?.enabled == true)
    #expect(d.rules["avoid_default_addr_size"]?.from == "command line")
    #expect(d.rules["reg_format"] == Dump.Rule(enabled: false, severity: "error", from: "command line"))
  }

  @Test func withoutAFileEverythingIsDefault() throws {
    let s = Scratch()
    let (d, yaml) = try Self.dump([], cwd: s.path)
    #expect(d == yaml)
    #expect(d.file == nil)
    #expect(d.kernel == "mainline")
    #expect(d.from.values.allSatisfy { $0 == "default" })
    #expect(d.rules.values.allSatisfy { $0.from == "default" })
    // `dtlint config` alone is `dtlint config dump`.
    let bare = try CLI.run(["config"], cwd: s.path)
    #expect(bare.status == 0)
    #expect(bare.stdout.contains("file: null"))
  }

  @Test func anInvalidFileIsAUsageErrorNamingFileLineAndKey() throws {
    let s = Scratch()
    s.write(".dtlint.yaml", "kernel: nxp-6\nincludes: [a]\n")
    let r = try CLI.run(["config", "dump"], cwd: s.path)
    #expect(r.status == 64)
    #expect(r.stderr.contains(".dtlint.yaml:2:1: error: includes: unknown key"), "\(r.stderr)")
    let clean = Scratch()
    let rule = try CLI.run(["config", "dump", "--enable", "no_such_rule"], cwd: clean.path)
    #expect(rule.status == 64)
    #expect(rule.stderr.contains("unknown rule 'no_such_rule'"), "\(rule.stderr)")
    #expect(!rule.stderr.contains("Usage:"), "a clear message, not the usage text: \(rule.stderr)")
  }

  // MARK: - check and base:

  /// A base with a label, a good overlay, and overlays that target a label the base lacks.
  static func overlayProject() -> Scratch {
    let s = Scratch()
    s.write(
      "base.dts",
      "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tl: node@10 {\n\t\treg = <0x10 0x10>;\n\t};\n};\n"
    )
    s.write("good.dtso", "/dts-v1/;\n/plugin/;\n&l {\n\tstatus = \"okay\";\n};\n")
    s.write("bad.dtso", "/dts-v1/;\n/plugin/;\n&nolabel {\n\tstatus = \"okay\";\n};\n")
    // A vendor-style overlay named .dts: an overlay by its /plugin/; directive.
    s.write(
      "bad-overlay.dts", "// /plugin/ in a comment does not count\n/dts-v1/;\n/plugin/;\n&nolabel {\n\tx = <1>;\n};\n")
    s.write("plain.dts", "/dts-v1/;\n/ {\n\tmodel = \"plain\";\n};\n")
    return s
  }

  static func rules(_ json: String) -> [String] {
    CheckCommandTests.findings(json).compactMap { $0["rule"] as? String }
  }

  @Test func checkUsesTheConfiguredBaseForOverlaysOnly() throws {
    let s = Self.overlayProject()
    // Without a base, an overlay is checked as written: its targets cannot be known.
    let alone = try CLI.run(["check", "bad.dtso", "--format", "json"], cwd: s.path)
    #expect(!Self.rules(alone.stdout).contains("overlay_target_missing"), "\(alone.stdout)")

    s.write(".dtlint.yaml", "base: base.dts\n")
    let r = try CLI.run(
      ["check", "good.dtso", "bad.dtso", "bad-overlay.dts", "plain.dts", "--format", "json"], cwd: s.path)
    #expect(r.status == 1, "\(r.stderr)")
    let findings = CheckCommandTests.findings(r.stdout)
    let missing = findings.filter { $0["rule"] as? String == "overlay_target_missing" }
    #expect(Set(missing.compactMap { $0["file"] as? String }) == ["bad.dtso", "bad-overlay.dts"], "\(r.stdout)")
    #expect(!findings.contains { $0["file"] as? String == "good.dtso" })

    // --base on the command line wins over base:.
    s.write("other.dts", "/dts-v1/;\n/ {\n\tnolabel: n {\n\t};\n};\n")
    let other = try CLI.run(["check", "bad.dtso", "--base", "other.dts", "--format", "json"], cwd: s.path)
    #expect(other.status == 0, "\(other.stdout)")
  }

  @Test func requireBaseRefusesToRunWithoutOne() throws {
    let s = Self.overlayProject()
    let none = try CLI.run(["check", "--require-base", "good.dtso"], cwd: s.path)
    #expect(none.status == 64)
    #expect(none.stderr.contains("--require-base: no base tree"), "\(none.stderr)")
    s.write(".dtlint.yaml", "base: base.dts\n")
    let good = try CLI.run(["check", "--require-base", "good.dtso"], cwd: s.path)
    #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
    let bad = try CLI.run(["check", "--require-base", "bad.dtso", "--format", "json"], cwd: s.path)
    #expect(bad.status == 1)
    #expect(Self.rules(bad.stdout).contains("overlay_target_missing"))
  }

  /// The M7 manifest describes the system with the overlays applied: the configured base, checked on its own, is
  /// checked without it (the example's vendor base enables I2C4, which its HMP overlay gives to the M7).
  @Test func theConfiguredBaseAloneIsCheckedWithoutTheManifest() throws {
    let s = Scratch()
    try FileManager.default.copyItem(
      atPath: SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom", toPath: s.path + "/example")
    let dir = s.path + "/example"
    s.write("example/.dtlint.yaml", "include: [include]\nkernel: toradex-bsp6\nm7: m7.yaml\nbase: vendor/base.dts\n")
    let base = try CLI.run(["check", "vendor/base.dts", "--format", "json"], cwd: dir)
    #expect(base.status == 0, "\(base.stdout)")
    #expect(base.stderr.contains("note: vendor/base.dts is the configured base: checked without the M7 manifest"))
    let overlay = try CLI.run(["check", "vendor/hmp.dtso", "--format", "json"], cwd: dir)
    #expect(overlay.status == 0, "base + overlay are clean with the manifest: \(overlay.stdout)")
    let board = try CLI.run(["check", "board.dts", "--format", "json"], cwd: dir)
    #expect(Self.rules(board.stdout).contains("hmp_peripheral_conflict"), "other trees keep the manifest")
    // Without base:, the same tree is just a tree, checked with the manifest.
    s.write("example/.dtlint.yaml", "include: [include]\nkernel: toradex-bsp6\nm7: m7.yaml\n")
    let alone = try CLI.run(["check", "vendor/base.dts", "--format", "json"], cwd: dir)
    #expect(Self.rules(alone.stdout).contains("hmp_peripheral_conflict"))
  }

  // MARK: - check --dtsi includers

  static func includerProject() -> Scratch {
    let s = Scratch()
    s.write(".dtlint.yaml", "include: [inc]\n")
    // The shared file has a finding of its own (a unit address without reg).
    s.write("inc/soc.dtsi", "/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tuart@1000 {\n\t};\n};\n")
    s.write("inc/mid.dtsi", "#include <soc.dtsi>\n")
    s.write("boards/a.dts", "/dts-v1/;\n#include \"soc.dtsi\"\n/ {\n\tmodel = \"a\";\n};\n")
    s.write("boards/b.dts", "/dts-v1/;\n#include <mid.dtsi>\n/ {\n\tmodel = \"b\";\n};\n")
    s.write("boards/c.dts", "/dts-v1/;\n/ {\n\tmodel = \"c\";\n};\n")
    s.write("inc/orphan.dtsi", "/ { x = <1>; };\n")
    s.write(".build/stale.dts", "/dts-v1/;\n#include \"soc.dtsi\"\n/ { };\n")
    return s
  }

  @Test func dtsiIsCheckedThroughTheTreesThatIncludeIt() throws {
    let s = Self.includerProject()
    let r = try CLI.run(["check", "--dtsi", "includers", "inc/soc.dtsi", "--format", "json"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(
      r.stderr.contains("note: inc/soc.dtsi: checked through the trees that include it: boards/a.dts, boards/b.dts"),
      "directly and through mid.dtsi; c.dts and .build/ not: \(r.stderr)")
    let f = CheckCommandTests.findings(r.stdout)
    #expect(f.filter { $0["rule"] as? String == "unit_address_vs_reg" }.count == 2, "one per tree: \(r.stdout)")
    #expect(f.allSatisfy { $0["file"] as? String == "inc/soc.dtsi" })

    // A tree given as well as through a .dtsi is checked once.
    let both = try CLI.run(
      ["check", "--dtsi", "includers", "boards/a.dts", "inc/mid.dtsi", "--format", "json"], cwd: s.path)
    #expect(CheckCommandTests.findings(both.stdout).count == 2, "a.dts and b.dts once each: \(both.stdout)")

    let orphan = try CLI.run(["check", "--dtsi", "includers", "inc/orphan.dtsi"], cwd: s.path)
    #expect(orphan.status == 0)
    #expect(
      orphan.stderr.contains("inc/orphan.dtsi: no .dts or .dtso under . includes it; not checked"), "\(orphan.stderr)")

    // Alone (the default), a .dtsi is a tree without /dts-v1/;.
    let alone = try CLI.run(["check", "inc/soc.dtsi", "--format", "json"], cwd: s.path)
    #expect(Self.rules(alone.stdout).contains("syntax"))
  }
}
