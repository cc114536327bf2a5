import Foundation
import Testing

/// `dtlint check` end to end: positions in original files through includes and macros, formats, exit codes,
/// rule selection, suppressions and overlays against a base.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct CheckCommandTests {
  static func findings(_ json: String) -> [[String: Any]] {
    guard let data = json.data(using: .utf8),
      let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let list = obj["findings"] as? [[String: Any]]
    else { return [] }
    return list
  }

  /// A board whose findings sit in an included file and inside macro expansions.
  static func fixture() -> Scratch {
    let s = Scratch()
    s.write(
      "inc/soc.dtsi",
      """
      / {
      \t#address-cells = <1>;
      \t#size-cells = <1>;

      \tserial@1000 {
      \t\tcompatible = "acme,uart";
      \t};
      };

      """)
    s.write(
      "board.dts",
      """
      /dts-v1/;
      #include "soc.dtsi"
      #define THREE_CELLS <0x2000 0x10 0x1>
      #define DEVICE(name) name { compatible = "acme,dev"; }

      / {
      \tmodel = "acme";
      \tbad@2000 {
      \t\treg = THREE_CELLS;
      \t};
      \tDEVICE(gadget@3000);
      };

      """)
    return s
  }

  @Test func positionsPointIntoOriginalFilesThroughIncludesAndMacros() throws {
    let s = Self.fixture()
    let r = try CLI.run(["check", "board.dts", "-I", "inc", "--format", "json"], cwd: s.path)
    #expect(r.status == 0, "warnings only: \(r.stderr)")
    let f = Self.findings(r.stdout)
    func find(_ rule: String, _ path: String) -> [String: Any]? {
      f.first { $0["rule"] as? String == rule && $0["nodePath"] as? String == path }
    }
    // In the included file, at the node name.
    let inc = find("unit_address_vs_reg", "/serial@1000")
    #expect(inc?["file"] as? String == "inc/soc.dtsi")
    #expect(inc?["line"] as? Int == 5)
    #expect(inc?["column"] as? Int == 2)
    // A property whose value comes from an object-like macro: the property as written in board.dts.
    let reg = find("reg_format", "/bad@2000")
    #expect(reg?["file"] as? String == "board.dts")
    #expect(reg?["line"] as? Int == 9)
    #expect(reg?["column"] as? Int == 3)
    #expect(reg?["property"] as? String == "reg")
    // A node whose name was a macro argument: at the argument in board.dts.
    let dev = find("unit_address_vs_reg", "/gadget@3000")
    #expect(dev?["file"] as? String == "board.dts")
    #expect(dev?["line"] as? Int == 11)
    #expect(dev?["column"] as? Int == 9)
  }

  @Test func textOutputIsCompilerStyleWithSnippet() throws {
    let s = Self.fixture()
    let r = try CLI.run(["check", "board.dts", "-I", "inc"], cwd: s.path, env: ["NO_COLOR": "1"])
    #expect(r.stdout.contains("inc/soc.dtsi:5:2: warning: "), "\(r.stdout)")
    #expect(r.stdout.contains("[unit_address_vs_reg]"))
    #expect(r.stdout.contains("board.dts:9:3: warning: "))
    #expect(!r.stdout.contains("\u{1B}["), "no colour when not a terminal")
    #expect(r.stderr.contains("warning"), "summary on stderr: \(r.stderr)")
  }

  @Test func werrorAndSelection() throws {
    let s = Self.fixture()
    let w = try CLI.run(["check", "board.dts", "-I", "inc", "--werror", "--format", "json"], cwd: s.path)
    #expect(w.status == 1)
    #expect(Self.findings(w.stdout).allSatisfy { $0["severity"] as? String == "error" })
    let d = try CLI.run(
      ["check", "board.dts", "-I", "inc", "--disable", "reg_format", "--format", "json"], cwd: s.path)
    #expect(!Self.findings(d.stdout).contains { $0["rule"] as? String == "reg_format" })
    let none = try CLI.run(["check", "board.dts", "-I", "inc", "--disable", "all", "--format", "json"], cwd: s.path)
    #expect(Self.findings(none.stdout).isEmpty)
    let only = try CLI.run(
      ["check", "board.dts", "-I", "inc", "--enable", "reg_format", "--disable", "all", "--format", "json"],
      cwd: s.path)
    #expect(Set(Self.findings(only.stdout).compactMap { $0["rule"] as? String }) == ["reg_format"])
    let bad = try CLI.run(["check", "board.dts", "--enable", "no_such_rule"], cwd: s.path)
    #expect(bad.status == 64)
  }

  @Test func configurationFileSetsIncludesAndSeverities() throws {
    let s = Self.fixture()
    s.write(".dtlint.yaml", "include: [inc]\nrules:\n  reg_format: error\n")
    let r = try CLI.run(["check", "board.dts", "--format", "json"], cwd: s.path)
    #expect(r.status == 1, "\(r.stderr)")
    let reg = Self.findings(r.stdout).first { $0["rule"] as? String == "reg_format" }
    #expect(reg?["severity"] as? String == "error")
  }

  @Test func suppressionCommentsSilenceFindings() throws {
    let s = Self.fixture()
    let board = try String(contentsOfFile: s.path + "/board.dts", encoding: .utf8)
    s.write(
      "board.dts",
      board.replacingOccurrences(
        of: "\t\treg = THREE_CELLS;",
        with: "\t\t/* dtlint-disable-next-line reg_format -- known */\n\t\treg = THREE_CELLS;"))
    let r = try CLI.run(["check", "board.dts", "-I", "inc", "--format", "json"], cwd: s.path)
    #expect(!Self.findings(r.stdout).contains { $0["rule"] as? String == "reg_format" })
  }

  @Test func syntaxErrorsAreFindingsNotInputErrors() throws {
    let s = Scratch()
    s.write("bad.dts", "/dts-v1/;\n/ {\n\ta = <1;\n\tb = [zz];\n};\n")
    let r = try CLI.run(["check", "bad.dts", "--format", "json"], cwd: s.path)
    #expect(r.status == 1)
    let f = Self.findings(r.stdout)
    #expect(f.count >= 2)
    #expect(f.allSatisfy { $0["rule"] as? String == "syntax" })
  }

  @Test func unreadableInputsExitTwo() throws {
    let s = Scratch()
    s.write("b.dts", "/dts-v1/;\n#include \"missing.dtsi\"\n/ { };\n")
    let r = try CLI.run(["check", "b.dts"], cwd: s.path)
    #expect(r.status == 2)
    #expect(r.stdout.contains("b.dts:2:") || r.stderr.contains("b.dts:2:"))
    let m = try CLI.run(["check", "nothere.dts"], cwd: s.path)
    #expect(m.status == 2)
  }

  @Test func overlayAgainstBaseReportsOnlyOverlayFindings() throws {
    let s = Scratch()
    s.write(
      "base.dts",
      """
      /dts-v1/;
      / {
      \tcompatible = "acme,board";
      \t#address-cells = <1>;
      \t#size-cells = <1>;
      \ti2c1: i2c@1000 {
      \t\t#address-cells = <1>;
      \t\t#size-cells = <0>;
      \t\treg = <0x1000 0x100>;
      \t};
      \tstray@5 { };
      };

      """)
    s.write(
      "ov.dtso",
      """
      /dts-v1/;
      /plugin/;
      &i2c1 {
      \tsensor@48 {
      \t\treg = <0x48>;
      \t};
      };
      &i2c7 {
      \tstatus = "okay";
      };

      """)
    let r = try CLI.run(["check", "ov.dtso", "--base", "base.dts", "--format", "json"], cwd: s.path)
    #expect(r.status == 1)
    let f = Self.findings(r.stdout)
    #expect(f.map { $0["rule"] as? String } == ["overlay_target_missing"], "\(f)")
    #expect(f.first?["file"] as? String == "ov.dtso")
    #expect(f.first?["line"] as? Int == 8)
    // The same overlay compiled alone gets dtc's false positives; against its base it gets none of them.
    let alone = try CLI.run(["check", "ov.dtso", "--format", "json"], cwd: s.path)
    #expect(Self.findings(alone.stdout).contains { $0["rule"] as? String == "reg_format" })
  }

  @Test func formatsAreWellFormed() throws {
    let s = Self.fixture()
    let sarif = try CLI.run(["check", "board.dts", "-I", "inc", "--format", "sarif"], cwd: s.path)
    let obj = try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any]
    #expect(obj?["version"] as? String == "2.1.0")
    let gh = try CLI.run(["check", "board.dts", "-I", "inc", "--format", "github"], cwd: s.path)
    #expect(gh.stdout.contains("::warning file=inc/soc.dtsi,line=5,col=2"), "\(gh.stdout)")
  }

  @Test func hostileNestingEndsQuicklyWithOneError() throws {
    let s = Scratch()
    let n = 100_000
    s.write(
      "deep.dts",
      "/dts-v1/;\n/ {" + String(repeating: "a {", count: n) + String(repeating: "};", count: n) + "};\n")
    let start = Date()
    let r = try CLI.run(["check", "deep.dts", "--no-cpp"], cwd: s.path, env: ["NO_COLOR": "1"])
    #expect(Date().timeIntervalSince(start) < 10)
    #expect(r.status == 2)
    #expect(r.stdout.components(separatedBy: "error:").count - 1 == 1, "one error, no cascade")
    #expect(r.stdout.contains("deep.dts:2:"))
    // The snippet of a 600 KB line is a window around the finding, not the whole line.
    #expect(r.stdout.count < 2_000)
  }

  @Test func syntaxErrorsStopAfterAHundred() throws {
    let s = Scratch()
    s.write("many.dts", "/dts-v1/;\n/ {\n" + String(repeating: "x = <1;\n", count: 5000) + "};\n")
    let r = try CLI.run(["check", "many.dts", "--format", "json"], cwd: s.path)
    #expect(r.status == 1)
    let f = Self.findings(r.stdout)
    #expect(f.count == 101)
    #expect((f.last?["message"] as? String)?.contains("too many errors") == true)
  }

  @Test func severalOverlaysShareOneBase() throws {
    let s = Scratch()
    s.write(
      "base.dts",
      "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tl1: a@1 {\n\t\treg = <1 1>;\n\t};\n};\n")
    for name in ["one", "two", "three"] {
      s.write("\(name).dtso", "/dts-v1/;\n/plugin/;\n&l1 {\n\tstatus = \"okay\";\n};\n&missing_\(name) {\n\tx;\n};\n")
    }
    let r = try CLI.run(
      ["check", "one.dtso", "two.dtso", "three.dtso", "--base", "base.dts", "--format", "json"], cwd: s.path)
    #expect(r.status == 1)
    let f = Self.findings(r.stdout).filter { $0["rule"] as? String == "overlay_target_missing" }
    #expect(f.compactMap { $0["file"] as? String }.sorted() == ["one.dtso", "three.dtso", "two.dtso"])
    #expect(f.allSatisfy { $0["line"] as? Int == 6 })
  }
}
