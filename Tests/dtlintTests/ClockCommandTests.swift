import Foundation
import Testing
import _DTTestSupport

/// The kernel command line as an input of every command that runs the clock and power rules (HMPFacts §13):
/// `--bootargs`, `bootargs:` in `.dtlint.yaml`, the manifest's `linux.bootargs`, `/chosen/bootargs` and a kernel
/// log's "Kernel command line:"; and what `hmp generate` and `hmp fix` write for it.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built"))
struct ClockCommandTests {
  static let tree = """
    /dts-v1/;
    / {
    \t#address-cells = <1>;
    \t#size-cells = <1>;

    \tclk: clock-controller@30380000 {
    \t\tcompatible = "fsl,imx8mp-ccm";
    \t\treg = <0x30380000 0x10000>;
    \t\t#clock-cells = <1>;
    \t};

    \ti2c4: i2c@30a50000 {
    \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
    \t\treg = <0x30a50000 0x10000>;
    \t\tstatus = "disabled";
    \t};

    \timx8mp-cm7 {
    \t\tcompatible = "fsl,imx8mp-cm7";
    \t\tclocks = <&clk 85>;
    \t};
    };

    """

  static func setUp(manifest: String = "soc: imx8mp\nperipherals: [i2c4]\n") -> Scratch {
    let s = Scratch()
    s.write("board.dts", tree)
    s.write("m7.yaml", manifest)
    return s
  }

  static func clockFindings(_ r: CLI.Result) -> [[String: Any]] {
    CheckCommandTests.findings(r.stdout).filter { $0["rule"] as? String == "hmp_clock_gated" }
  }

  @Test func bootargsOptionSettlesTheFinding() throws {
    let s = Self.setUp()
    let base = ["check", "board.dts", "--no-cpp", "--m7", "m7.yaml", "--format", "json"]
    let without = try CLI.run(base, cwd: s.path)
    #expect(without.status == 1, "\(without.stderr)")
    let f = try #require(Self.clockFindings(without).first)
    #expect(f["severity"] as? String == "error")
    #expect(f["line"] as? Int == 15, "at i2c4's status")
    #expect((f["message"] as? String)?.contains("no kernel command line was given") == true)
    let with = try CLI.run(base + ["--bootargs", "console=ttymxc1 clk-imx8mp.mcore_booted=1"], cwd: s.path)
    #expect(with.status == 0, "\(with.stdout)")
    #expect(Self.clockFindings(with).isEmpty)
    let other = try CLI.run(base + ["--bootargs", "console=ttymxc1"], cwd: s.path)
    #expect((Self.clockFindings(other).first?["message"] as? String)?.contains("command line (--bootargs)") == true)
    #expect(s.files() == ["board.dts", "m7.yaml"], "nothing is left behind")
  }

  @Test func configurationAndManifestGiveTheCommandLine() throws {
    let s = Self.setUp(manifest: "soc: imx8mp\nperipherals: [i2c4]\nlinux: {bootargs: 'clk_ignore_unused'}\n")
    let base = ["check", "board.dts", "--no-cpp", "--m7", "m7.yaml", "--format", "json"]
    #expect(try CLI.run(base, cwd: s.path).status == 0, "the manifest's clk_ignore_unused skips the sweep")
    // The configuration wins over the manifest and is named with its line.
    s.write(".dtlint.yaml", "kernel: mainline\nbootargs: 'console=ttymxc1'\n")
    let r = try CLI.run(base, cwd: s.path)
    #expect(r.status == 1)
    let message = try #require(Self.clockFindings(r).first?["message"] as? String)
    #expect(message.contains("(bootargs: in .dtlint.yaml:2)"), "\(message)")
    // --bootargs wins over both.
    #expect(try CLI.run(base + ["--bootargs", "clk-imx8mp.mcore_booted"], cwd: s.path).status == 0)
    // A value that is not a string is a usage error naming file, line and key.
    s.write(".dtlint.yaml", "bootargs: [clk_ignore_unused]\n")
    let bad = try CLI.run(base, cwd: s.path)
    #expect(bad.status == 64)
    #expect(bad.stderr.contains(".dtlint.yaml:1:") && bad.stderr.contains("bootargs:"), "\(bad.stderr)")
  }

  @Test func configDumpShowsTheCommandLine() throws {
    let s = Self.setUp()
    let unset = try CLI.run(["config", "dump"], cwd: s.path)
    #expect(unset.stdout.contains("\nbootargs: null\n") && unset.stdout.contains("\n  bootargs: default\n"))
    let yaml = try CLI.run(["config", "dump", "--bootargs", "console=ttymxc1,115200 clk_ignore_unused"], cwd: s.path)
    #expect(yaml.status == 0)
    #expect(yaml.stdout.contains("\nbootargs: \"console=ttymxc1,115200 clk_ignore_unused\"\n"), "\(yaml.stdout)")
    #expect(yaml.stdout.contains("\n  bootargs: command line\n"))
    s.write(".dtlint.yaml", "bootargs: quiet\n")
    let json = try CLI.run(["config", "dump", "--format", "json"], cwd: s.path)
    let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    #expect(root["bootargs"] as? String == "quiet")
    #expect((root["from"] as? [String: String])?["bootargs"] == "config")
  }

  @Test func generateWritesWhatTheFlavorNeeds() throws {
    let s = Scratch()
    let mainline = try CLI.run(["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "-o", "a.dtso"], cwd: s.path)
    #expect(mainline.status == 0, "\(mainline.stderr)")
    let a = try String(contentsOfFile: s.path + "/a.dtso", encoding: .utf8)
    #expect(a.contains(" * setenv bootargs \"${bootargs} clk-imx8mp.mcore_booted=1\"; saveenv\n"))
    #expect(!a.contains("init-on-array"))
    let given = try CLI.run(
      [
        "hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--bootargs", "clk-imx8mp.mcore_booted=1", "-o",
        "b.dtso",
      ],
      cwd: s.path)
    #expect(given.status == 0)
    // The header's paragraphs are wrapped: read them as one line.
    let b = try String(contentsOfFile: s.path + "/b.dtso", encoding: .utf8).replacingOccurrences(of: "\n * ", with: " ")
    #expect(b.contains("--bootargs 'clk-imx8mp.mcore_booted=1'"), "the header names the command")
    #expect(b.contains("Kernel command line: nothing to add") && b.contains("(given: --bootargs)"))
    let nxp = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--kernel", "toradex-bsp6", "-o", "c.dtso"], cwd: s.path)
    #expect(nxp.status == 0)
    let c = try String(contentsOfFile: s.path + "/c.dtso", encoding: .utf8)
    #expect(c.contains("&clk {\n\tinit-on-array = <254>; /* IMX8MP_CLK_UART4_ROOT */\n};\n"))
    #expect(!c.contains("setenv"), "NXP 5.15 needs no command line when init-on-array lists the clock")
    #expect(s.files() == ["a.dtso", "b.dtso", "c.dtso"])
  }

  @Test func explainLogUsesTheLogsCommandLine() throws {
    let s = Self.setUp()
    s.write(
      "boot.log",
      "[    0.000000] Kernel command line: root=/dev/mmcblk2p2 clk-imx8mp.mcore_booted=1\n"
        + "[    2.701633] clk: Disabling unused clocks\n"
        + "[ 1520.220871] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)\n")
    let args = ["hmp", "explain-log", "boot.log", "board.dts", "--no-cpp", "--m7", "m7.yaml"]
    let r = try CLI.run(args + ["--format", "json"], cwd: s.path)
    #expect(r.status == 1, "the failed kick is a problem")
    let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect((root["bootargs"] as? [String: Any])?["source"] as? String == "the kernel log's command line (boot.log:1)")
    let findings = try #require(root["findings"] as? [[String: Any]])
    #expect(!findings.contains { $0["rule"] as? String == "hmp_clock_gated" }, "the log's kernel had mcore_booted")
    let kick = try #require(
      (root["messages"] as? [[String: Any]])?.first { $0["id"] as? String == "imx_rproc_kick_failed" })
    let cause = try #require(
      (kick["causes"] as? [[String: Any]])?.first {
        ($0["rules"] as? [String])?.contains("hmp_clock_gated") == true
      })
    let evidence = try #require(cause["evidence"] as? [[String: Any]])
    #expect(evidence.map { $0["id"] as? String } == ["kernel_command_line", "clk_disabling_unused"])
    #expect(evidence.map { $0["line"] as? Int } == [1, 2])
    // --bootargs says otherwise: the tree is judged under it.
    let text = try CLI.run(args + ["--bootargs", "quiet"], cwd: s.path, env: ["NO_COLOR": "1"])
    #expect(text.stdout.contains("checked under --bootargs"))
    #expect(text.stdout.contains("explained by board.dts:15:3: error: i2c4 (i2c@30a50000) belongs to the M7"))
    #expect(text.stdout.contains("log: boot.log:2: clk: Disabling unused clocks [clk_disabling_unused]"))
  }

  @Test func fixWritesTheCommandLineAsAComment() throws {
    let s = Self.setUp()
    let r = try CLI.run(
      ["hmp", "fix", "board.dts", "--no-cpp", "--m7", "m7.yaml", "-o", "fixed.dts"], cwd: s.path)
    #expect(r.status == 1, "the command line is still missing: \(r.stderr)")
    #expect(r.stderr.contains("fixed.dts:1:1: fixed [hmp_clock_gated] wrote the kernel command line"), "\(r.stderr)")
    let out = try String(contentsOfFile: s.path + "/fixed.dts", encoding: .utf8)
    #expect(out.hasPrefix("/*\n * Kernel command line (dtlint hmp fix, HMPFacts §13)"))
    #expect(out.hasSuffix(Self.tree))
    #expect(try String(contentsOfFile: s.path + "/board.dts", encoding: .utf8) == Self.tree, "the input is untouched")
    // With the command line given, there is nothing to fix.
    let ok = try CLI.run(
      ["hmp", "fix", "board.dts", "--no-cpp", "--m7", "m7.yaml", "--bootargs", "clk_ignore_unused", "-o", "ok.dts"],
      cwd: s.path)
    #expect(ok.status == 0)
    #expect(ok.stderr.contains("nothing to fix"))
  }

  /// The i.MX 8ULP (HMPFacts §18.11): no command-line word keeps the M33's LPI2C4 clock on (the PCC clock is
  /// cleared while the clock driver registers it), so `hmp fix` writes no comment, says why, and exits 0 (the
  /// finding is a warning); the scratch directory holds only what the test wrote and -o.
  @Test func fixSaysWhyNoCommandLineWordHelpsOnThe8ULP() throws {
    let tree = """
      /dts-v1/;
      / {
      \t#address-cells = <1>;
      \t#size-cells = <1>;

      \tpcc3: clock-controller@292d0000 {
      \t\tcompatible = "fsl,imx8ulp-pcc3";
      \t\treg = <0x292d0000 0x10000>;
      \t\t#clock-cells = <1>;
      \t};

      \tlpi2c4: i2c@29370000 {
      \t\tcompatible = "fsl,imx8ulp-lpi2c", "fsl,imx7ulp-lpi2c";
      \t\treg = <0x29370000 0x10000>;
      \t\tclocks = <&pcc3 7>;
      \t\tstatus = "disabled";
      \t};

      \tremoteproc-cm33 {
      \t\tcompatible = "fsl,imx8ulp-cm33";
      \t};
      };

      """
    let s = Scratch()
    s.write("board.dts", tree)
    s.write("m33.yaml", "soc: imx8ulp\nperipherals: [lpi2c4]\n")
    let r = try CLI.run(
      [
        "hmp", "fix", "board.dts", "--no-cpp", "--m7", "m33.yaml", "--kernel", "mainline", "--bootargs",
        "clk_ignore_unused", "-o", "out.dts",
      ],
      cwd: s.path, env: ["NO_COLOR": "1"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(
      r.stderr.contains(
        "board.dts: no kernel command-line word settles [hmp_clock_gated] /i2c@29370000: the clock driver of "
          + "kernel mainline clears the enable bit of the PCC clock while registering it, which no command-line word prevents "
          + "(clk_ignore_unused stops only the late-boot sweep) [verified: HMPFacts §18.11]"), "\(r.stderr)")
    #expect(r.stderr.contains("board.dts: nothing to fix"), "\(r.stderr)")
    #expect(r.stderr.contains("warning: lpi2c4 (i2c@29370000) belongs to the M33"), "\(r.stderr)")
    #expect(try String(contentsOfFile: s.path + "/out.dts", encoding: .utf8) == tree, "no comment written")
    #expect(s.files() == ["board.dts", "m33.yaml", "out.dts"])
  }
}
