import Foundation
import Testing
import _DTTestSupport

/// `dtlint check` with an M7 manifest, as users run it: the README's example (the story the README tells) and a
/// corpus Verdin board with the HMP overlay applied.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct HMPCheckCommandTests {
  static let example = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom"
  /// The README's main command (Scripts/example runs it).
  static let exampleArguments = ["check", "board.dts", "-I", "include", "--m7", "m7.yaml", "--kernel", "mainline"]

  /// Whether a rule is registered (the region rules land separately).
  static func registered(_ rule: String) throws -> Bool {
    try CLI.run(["rules", rule]).status == 0
  }

  /// The 1-based line and column of the first occurrence of `needle` in `text` (after `after`, when given).
  static func position(of needle: String, in text: String, after: String? = nil) -> (line: Int, column: Int)? {
    var from = text.startIndex
    if let after, let a = text.range(of: after) { from = a.upperBound }
    guard let r = text.range(of: needle, range: from..<text.endIndex) else { return nil }
    let before = text[..<r.lowerBound]
    let line = before.filter { $0 == "\n" }.count + 1
    let lineStart = before.lastIndex(of: "\n").map { before.index(after: $0) } ?? text.startIndex
    // Columns count bytes as dtlint does (tabs are one column).
    return (line, text[lineStart..<r.lowerBound].utf8.count + 1)
  }

  /// The story's findings, each at its line of board.dts: I2C4 still enabled for Linux while the M7 owns it,
  /// `rsc_table` naming on a mainline kernel, the two-cell `reg` under two/two cells (dtc's warning, and the
  /// region rules' error when they are registered).
  @Test func exampleShowsTheStorysFindingsInTextAndJSON() throws {
    let board = try String(contentsOfFile: Self.example + "/board.dts", encoding: .utf8)
    let i2c4Status = try #require(Self.position(of: "status = \"okay\";", in: board, after: "&i2c4 {"))
    let rscReg = try #require(Self.position(of: "reg = <0x550ff000 0x1000>;", in: board))
    let rscNode = try #require(Self.position(of: "rsc_table@550ff000", in: board))

    let rproc = try #require(Self.position(of: "imx8mp-cm7 {", in: board))
    var expected: [(rule: String, severity: String, line: Int)] = [
      ("reg_format", "warning", rscReg.line),
      ("hmp_peripheral_conflict", "error", i2c4Status.line),
      // Mainline gates the root slices of UART4 (only in the .dtsi: reported at the remoteproc node) and, once it
      // is disabled for Linux, of I2C4; while I2C4 is enabled for Linux the runtime-PM path is inferred: a warning.
      ("hmp_clock_gated", "error", rproc.line),
      ("hmp_clock_gated", "warning", i2c4Status.line),
    ]
    // The region rules land separately: the name on a mainline kernel, and the kernel's view of the short reg.
    if try Self.registered("hmp_rsc_table_name") {
      expected.append(("hmp_rsc_table_name", "error", rscNode.line))
    }
    if try Self.registered("hmp_reserved_memory_format") {
      expected.append(("hmp_reserved_memory_format", "error", rscReg.line))
    }

    let json = try CLI.run(Self.exampleArguments + ["--format", "json"], cwd: Self.example)
    #expect(json.status == 1, "an error-severity finding exits 1: \(json.stderr)")
    let findings = CheckCommandTests.findings(json.stdout)
    let got = findings.map { f in
      "\(f["rule"] as? String ?? "") \(f["severity"] as? String ?? "") \(f["file"] as? String ?? ""):\(f["line"] as? Int ?? 0)"
    }.sorted()
    let want = expected.map { "\($0.rule) \($0.severity) board.dts:\($0.line)" }.sorted()
    #expect(got == want)

    let conflict = try #require(findings.first { $0["rule"] as? String == "hmp_peripheral_conflict" })
    #expect(conflict["nodePath"] as? String == "/soc@0/bus@30800000/i2c@30a50000")
    #expect(conflict["column"] as? Int == i2c4Status.column)
    #expect((conflict["message"] as? String)?.contains("m7.yaml:3") == true)
    let fix = (conflict["fixes"] as? [[String: Any]])?.first?["edits"] as? [[String: Any]]
    #expect(fix?.first?["replacement"] as? String == "status = \"disabled\";")

    let text = try CLI.run(Self.exampleArguments, cwd: Self.example, env: ["NO_COLOR": "1"])
    #expect(text.status == 1)
    for e in expected {
      #expect(
        text.stdout.contains("board.dts:\(e.line):") && text.stdout.contains("[\(e.rule)]"),
        "\(e.rule) at line \(e.line) missing from:\n\(text.stdout)")
    }
    #expect(text.stdout.contains("board.dts:\(i2c4Status.line):\(i2c4Status.column): error: i2c4 (i2c@30a50000)"))
  }

  /// The README shows exactly what the example command prints.
  @Test func readmeShowsTheExamplesOutput() throws {
    let readme = try String(contentsOfFile: SharedCorpus.packageRoot + "/README.md", encoding: .utf8)
    let intro = try #require(
      readme.range(of: "each finding is shown at its line:"), "README lost its example section")
    let open = try #require(readme.range(of: "```\n", range: intro.upperBound..<readme.endIndex))
    let close = try #require(readme.range(of: "\n```", range: open.upperBound..<readme.endIndex))
    let shown = String(readme[open.upperBound..<close.lowerBound])
    let text = try CLI.run(Self.exampleArguments, cwd: Self.example, env: ["NO_COLOR": "1"])
    let summary = text.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(
      shown == text.stdout + summary,
      "README example block is out of date; the command prints:\n\(text.stdout)\(summary)")
  }

  // MARK: - A corpus board with the HMP overlay

  static let overlay = SharedCorpus.packageRoot + "/Tests/Fixtures/hmp/verdin-hmp.dtso"

  static func corpusArguments(_ board: String, manifest: String) -> [String] {
    let linux = SharedCorpus.linuxDTS
    return [
      "check", linux + "/src/arm64/freescale/\(board).dts", "-I", linux + "/include", "-I",
      linux + "/src/arm64/freescale", "-I", linux + "/src", "--overlay", overlay, "--m7", manifest, "--kernel",
      "mainline", "--format", "json",
    ]
  }

  /// A scratch manifest beside the test firmware.
  static func manifest(_ text: String, in s: Scratch) -> String {
    let elf = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom/firmware/app.elf"
    if let data = FileManager.default.contents(atPath: elf) { s.write("rpmsg-m7.elf", bytes: [UInt8](data)) }
    return s.write("m7.yaml", text)
  }

  @Test(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts is missing"))
  func corpusBoardWithOverlayAndManifest() throws {
    let s = Scratch()
    // The overlay disables what this manifest claims: no HMP finding, exit 0 (the base's own warning remains).
    let clean = Self.manifest(
      "soc: imx8mp\nperipherals: [i2c3, uart4, pwm4]\nfirmware: {elf: rpmsg-m7.elf, started-by: bootloader}\n", in: s)
    let ok = try CLI.run(
      Self.corpusArguments("imx8mp-verdin-wifi-dev", manifest: clean) + ["--bootargs", "clk-imx8mp.mcore_booted=1"])
    #expect(ok.status == 0, "\(ok.stderr)")
    let okRules = CheckCommandTests.findings(ok.stdout).compactMap { $0["rule"] as? String }
    #expect(!okRules.contains { $0.hasPrefix("hmp_") || $0.hasPrefix("overlay_") }, "\(okRules)")

    // Claiming i2c4 (left enabled) and the UART_4 pads (hogged on the Wi-Fi SKU).
    let claims = Self.manifest(
      "soc: imx8mp\nperipherals: [i2c3, uart4, pwm4, i2c4]\npins: {pads: [UART4_RXD, UART4_TXD]}\n", in: s)
    let bad = try CLI.run(Self.corpusArguments("imx8mp-verdin-wifi-dev", manifest: claims))
    #expect(bad.status == 1, "\(bad.stderr)")
    let findings = CheckCommandTests.findings(bad.stdout)
    let conflict = findings.first { $0["rule"] as? String == "hmp_peripheral_conflict" }
    #expect(conflict?["nodePath"] as? String == "/soc@0/bus@30800000/i2c@30a50000")
    #expect((conflict?["file"] as? String)?.hasSuffix("imx8mp-verdin-dev.dtsi") == true)
    let pad = findings.first { $0["rule"] as? String == "hmp_pad_conflict" }
    #expect(pad?["nodePath"] as? String == "/soc@0/bus@30000000/pinctrl@30330000")
    #expect((pad?["file"] as? String)?.hasSuffix("imx8mp-verdin-wifi.dtsi") == true)
  }

  /// The clock rule on the binary for the i.MX 8ULP (HMPFacts §18.11): an M33 manifest claiming LPSPI4 on the
  /// mainline EVK gives one hmp_clock_gated warning naming its PCC3 clock, exit 0 (warnings only); the M33's own
  /// LPUART1 gives nothing; the scratch directory holds only what the test wrote.
  @Test(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts is missing"))
  func imx8ulpClockWarningOnTheBinary() throws {
    let s = Scratch()
    let linux = SharedCorpus.linuxDTS
    func run(_ manifest: String) throws -> CLI.Result {
      let m33 = s.write("m33.yaml", manifest)
      return try CLI.run(
        [
          "check", linux + "/src/arm64/freescale/imx8ulp-evk.dts", "-I", linux + "/include", "-I",
          linux + "/src/arm64/freescale", "--m7", m33, "--kernel", "nxp-6", "--disable", "all", "--enable",
          "hmp_clock_gated",
        ], env: ["NO_COLOR": "1"])
    }
    let r = try run("soc: imx8ulp\nperipherals: [lpspi4, lpuart1]\n")
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("imx8ulp.dtsi:"), "\(r.stdout)")
    #expect(r.stdout.contains("warning: lpspi4 (spi@293b0000) belongs to the M33"), "\(r.stdout)")
    #expect(r.stdout.contains("IMX8ULP_CLK_LPSPI4 (pcc3 + 0xec, enable bit 30)"), "\(r.stdout)")
    #expect(r.stdout.components(separatedBy: "[hmp_clock_gated]").count == 2, "\(r.stdout)")
    #expect(r.stderr.contains("1 warning in 1 file"), "\(r.stderr)")
    let rtd = try run("soc: imx8ulp\nperipherals: [lpuart1]\n")
    #expect(rtd.status == 0 && !rtd.stdout.contains("hmp_clock_gated"), "\(rtd.stdout)")
    #expect(s.files() == ["m33.yaml"])
  }
}
