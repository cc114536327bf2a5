import Foundation
import Testing
import _DTTestSupport

/// `--m7` given the M7's Zephyr device tree (issue 19), as users run the commands.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct ZephyrCommandTests {
  static let fixtures = SharedCorpus.packageRoot + "/Tests/DTHMPTests/Fixtures/zephyr"

  /// A Linux tree that enables I2C3 (which the Zephyr fixture's firmware enables too) and leaves UART4 disabled.
  static let linux = """
    /dts-v1/;
    / {
    \tcompatible = "acme,imx8mp-board", "fsl,imx8mp";
    \t#address-cells = <1>;
    \t#size-cells = <1>;

    \tbus@30800000 {
    \t\tcompatible = "simple-bus";
    \t\treg = <0x30800000 0x400000>;
    \t\t#address-cells = <1>;
    \t\t#size-cells = <1>;
    \t\tranges;

    \t\ti2c3: i2c@30a40000 {
    \t\t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
    \t\t\treg = <0x30a40000 0x10000>;
    \t\t\tstatus = "okay";
    \t\t};

    \t\tuart4: serial@30a60000 {
    \t\t\tcompatible = "fsl,imx8mp-uart", "fsl,imx6q-uart";
    \t\t\treg = <0x30a60000 0x10000>;
    \t\t\tstatus = "disabled";
    \t\t};
    \t};
    };

    """

  static func line(of needle: String, in path: String, after: String? = nil) throws -> Int {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    let start = try after.map { a in try #require(lines.firstIndex { $0.contains(a) }) } ?? 0
    return try #require(lines[start...].firstIndex { $0.contains(needle) }) + 1
  }

  @Test func checkTakesABoardTreeAndNamesBothTrees() throws {
    let dir = TestDirectory()
    dir.write("linux.dts", Self.linux)
    let before = dir.files()
    let r = try CLI.run(
      ["check", "linux.dts", "--m7", Self.fixtures + "/board.dts", "--disable", "hmp_clock_gated"], cwd: dir.path)
    #expect(r.status == 1, "\(r.stderr)")
    let linuxLine = try Self.line(of: "status = \"okay\";", in: dir.path + "/linux.dts")
    let zephyrLine = try Self.line(of: "status = \"okay\";", in: Self.fixtures + "/board.dts", after: "&i2c3 {")
    let finding = try #require(r.stdout.split(separator: "\n").first { $0.contains("[hmp_peripheral_conflict]") })
    #expect(finding.hasPrefix("linux.dts:\(linuxLine):"))
    #expect(finding.contains("zephyr/board.dts:\(zephyrLine)"))
    #expect(dir.files() == before, "nothing is left behind")
  }

  @Test func aTreeThatDoesNotCompileExits2NamingItsLine() throws {
    let dir = TestDirectory()
    dir.write("linux.dts", Self.linux)
    dir.write("zephyr.dts", "/dts-v1/;\n/ {\n\tx = <1;\n};\n")
    let r = try CLI.run(["check", "linux.dts", "--m7", "zephyr.dts"], cwd: dir.path)
    #expect(r.status == 2)
    #expect(r.stderr.contains("zephyr.dts:3: Zephyr device tree does not compile"))
    #expect(r.stderr.contains("--m7"))
    #expect(r.stdout.isEmpty)
    // A board tree whose include is not on the -I path.
    dir.write("board.dts", "/dts-v1/;\n#include <nxp/imx/nxp_imx8ml_m7.dtsi>\n")
    let missing = try CLI.run(["check", "linux.dts", "--m7", "board.dts"], cwd: dir.path)
    #expect(missing.status == 2)
    #expect(missing.stderr.contains("board.dts:2") && missing.stderr.contains("nxp/imx/nxp_imx8ml_m7.dtsi"))
    #expect(dir.files() == ["board.dts", "linux.dts", "zephyr.dts"])
  }

  @Test func mergedTreeDetectedByContent() throws {
    let dir = TestDirectory()
    dir.write("linux.dts", Self.linux)
    // A merged tree under a name without a device-tree extension (as copied out of build/zephyr).
    let compiled = try CLI.run(["compile", Self.fixtures + "/board.dts", "-O", "dts", "-o", dir.path + "/zephyr-m7"])
    #expect(compiled.status == 0, "\(compiled.stderr)")
    let r = try CLI.run(["check", "linux.dts", "--m7", "zephyr-m7", "--disable", "hmp_clock_gated"], cwd: dir.path)
    #expect(r.status == 1)
    #expect(r.stdout.contains("the M7 firmware owns it (zephyr-m7:"))
  }

  @Test func diffScopeAndGenerateFollowTheTree() throws {
    let dir = TestDirectory()
    dir.write("linux.dts", Self.linux)
    dir.write("linux2.dts", Self.linux.replacingOccurrences(of: "status = \"okay\"", with: "status = \"disabled\""))
    let d = try CLI.run(["diff", "linux.dts", "linux2.dts", "--m7", Self.fixtures + "/board.dts"], cwd: dir.path)
    #expect(d.status == 1, "\(d.stderr)")
    #expect(d.stdout.contains("i2c@30a40000"))

    let g = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--m7", Self.fixtures + "/board.dts", "-o", "hmp.dtso"],
      cwd: dir.path)
    #expect(g.status == 0 || g.status == 1, "\(g.stderr)")
    let text = try String(contentsOfFile: dir.path + "/hmp.dtso", encoding: .utf8)
    #expect(text.contains("&i2c3 {") && text.contains("&uart4 {"))
  }

  @Test func manifestNamesTreeWithOverlaysAndConfig() throws {
    let dir = TestDirectory()
    dir.write("linux.dts", Self.linux)
    dir.write(
      "m7.yaml",
      """
      soc: imx8mp
      zephyr:
        dts: \(Self.fixtures)/board.dts
        overlays: [\(Self.fixtures)/rpmsg.overlay]
        config: \(Self.fixtures)/zephyr.config

      """)
    let dump = try CLI.run(["config", "dump", "--m7", "m7.yaml"], cwd: dir.path)
    #expect(dump.status == 0, "\(dump.stderr)")
    dir.write("m7-bad.yaml", "soc: imx8mp\nzephyr: {dts: nowhere.dts}\n")
    let bad = try CLI.run(["check", "linux.dts", "--m7", "m7-bad.yaml"], cwd: dir.path)
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("m7-bad.yaml:2") && bad.stderr.contains("zephyr.dts: no such file 'nowhere.dts'"))
  }

  /// The guide's section 8: the story's firmware on Zephyr (Examples/verdin-imx8mp-custom/zephyr, m7-zephyr.yaml).
  @Test func exampleZephyrStoryNamesBothTrees() throws {
    let example = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom"
    let r = try CLI.run(
      [
        "check", "board.dts", "-I", "include", "--m7", "m7-zephyr.yaml", "--kernel", "toradex-bsp6", "--disable",
        "hmp_clock_gated", "--format", "json",
      ], cwd: example)
    #expect(r.status == 1, "\(r.stderr)")
    let findings = CheckCommandTests.findings(r.stdout)
    func at(_ rule: String) -> [String: Any]? { findings.first { $0["rule"] as? String == rule } }
    let i2c4 = try Self.line(of: "status = \"okay\";", in: example + "/board.dts", after: "&i2c4 {")
    let zi2c4 = try Self.line(of: "status = \"okay\";", in: example + "/zephyr/board.dts", after: "&i2c4 {")
    let conflict = try #require(at("hmp_peripheral_conflict"))
    #expect(conflict["line"] as? Int == i2c4)
    #expect((conflict["message"] as? String)?.contains("(zephyr/board.dts:\(zi2c4))") == true)
    let buffer = try Self.line(of: "reg = <0 0x55400000", in: example + "/board.dts")
    let shm = try Self.line(of: "zephyr,ipc_shm = &shram;", in: example + "/zephyr/rpmsg.overlay")
    let outside = try #require(
      findings.first { $0["rule"] as? String == "hmp_ipc_shm" && $0["severity"] as? String == "error" })
    #expect(outside["line"] as? Int == buffer)
    #expect((outside["message"] as? String)?.contains("at zephyr/rpmsg.overlay:\(shm)") == true)
    // The MU pairing is right (zephyr,ipc = mailbox0 at 0x30ab0000, Linux's mboxes at mu 0x30aa0000).
    #expect(at("hmp_mbox_controller") == nil)
    #expect(at("hmp_vring_size") == nil)
  }

  /// `hmp generate` with a Zephyr tree: vrings at the start of zephyr,ipc_shm, described as Linux-placed; a window
  /// too small for the buffer pool fails the generator's own check and nothing is written.
  @Test func generateForZephyrFirmware() throws {
    let m7 = SharedCorpus.packageRoot + "/Tests/Fixtures/hmp/m7"
    let dir = TestDirectory()
    dir.write("m7.yaml", "soc: imx8mp\nzephyr: {dts: \(m7)/zephyr-rpmsg.dts, config: \(m7)/zephyr.config}\n")
    let g = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--m7", "m7.yaml", "-o", "hmp.dtso"], cwd: dir.path)
    #expect(g.status == 0, "\(g.stderr)")
    let text = try String(contentsOfFile: dir.path + "/hmp.dtso", encoding: .utf8)
    #expect(text.contains("Linux allocates the Zephyr firmware's vring here"))
    #expect(text.contains("4 KiB needed for 8 buffers."))
    #expect(text.contains("vdev0vring0@55000000") && text.contains("vdevbuffer@55400000"))

    dir.write("small.yaml", "soc: imx8mp\nzephyr: \(m7)/zephyr-small-shm.dts\n")
    let small = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--m7", "small.yaml", "-o", "small.dtso"], cwd: dir.path)
    #expect(small.status == 1)
    #expect(small.stderr.contains("[hmp_ipc_shm]") && small.stderr.contains("does not pass its own check"))
    #expect(!dir.exists("small.dtso"))
    #expect(text.contains("(assumed: the Zephyr build's count is not given") == false)
  }

  /// `hmp fix` and `hmp explain-log` take the tree too: the fixer disables what the Zephyr firmware enables, the
  /// explainer ties the log to the Zephyr cross-checks.
  @Test func fixAndExplainLogTakeTheTree() throws {
    let dir = TestDirectory()
    dir.write("linux.dts", Self.linux)
    let fix = try CLI.run(
      [
        "hmp", "fix", "linux.dts", "--m7", Self.fixtures + "/board.dts", "--disable", "hmp_clock_gated", "-o",
        "fixed.dts",
      ],
      cwd: dir.path)
    #expect(fix.status == 0 || fix.status == 1, "\(fix.stderr)")
    let fixed = try String(contentsOfFile: dir.path + "/fixed.dts", encoding: .utf8)
    #expect(fixed.contains("reg = <0x30a40000 0x10000>;\n\t\t\tstatus = \"disabled\";"))
    #expect(fix.stderr.contains("[hmp_peripheral_conflict]") && fix.stderr.contains("zephyr/board.dts:"))

    let example = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom"
    let log = try CLI.run(
      [
        "hmp", "explain-log", "boot.log", "board.dts", "-I", "include", "--m7", "m7-zephyr.yaml", "--kernel",
        "toradex-bsp6",
      ], cwd: example)
    #expect(log.status == 1, "\(log.stderr)")
    #expect(log.stdout.contains("[hmp_ipc_shm]") && log.stdout.contains("zephyr/rpmsg.overlay:"))
  }
}
