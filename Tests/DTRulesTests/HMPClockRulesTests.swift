import DTCore
import DTDoctor
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// hmp_clock_gated and hmp_power_domain: verdicts per kernel flavor, command line and tree (HMPFacts §13), their
/// severities, the init-on-array fix-it, the fixer's command-line comment and the generator's protection.
@Suite struct HMPClockRulesTests {
  /// Lints `code` with only the clock and power rules, under `kernel`, the manifest `m7` (flow YAML) and `bootargs`
  /// (as --bootargs).
  static func lint(
    _ code: String, kernel: String = "mainline", m7: String? = ClockExamples.manifest(), bootargs: String? = nil,
    severity: RuleLevel? = nil
  ) throws -> [Diagnostic] {
    var options: [String: String] = ["kernel": kernel]
    if let m7 { options["m7"] = m7 }
    var hmp = try exampleHMPContext(options)
    if let bootargs { hmp = hmp.with(bootargs: KernelCommandLine(bootargs, source: .option)) }
    var selection = RuleSelection()
    try selection.disable("all")
    for id in ["hmp_clock_gated", "hmp_power_domain"] {
      if let severity { try selection.set(id, severity: severity.severity) } else { try selection.enable(id) }
    }
    let compilation = compileExample(stripMarkers(code).code)
    return Linter(selection: selection, hmp: hmp).lint(compilation.tree, frontEnd: compilation.diagnostics)
      .filter { $0.rule.hasPrefix("hmp_") }
  }

  /// `nodes` (tab-indented children of the root) between the clock controller and the remoteproc node.
  static func soc(_ nodes: String) -> String {
    "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tclk: clock-controller@30380000 {\n"
      + "\t\tcompatible = \"fsl,imx8mp-ccm\";\n\t\treg = <0x30380000 0x10000>;\n\t\t#clock-cells = <1>;\n\t};\n"
      + nodes + "\timx8mp-cm7 {\n\t\tcompatible = \"fsl,imx8mp-cm7\";\n\t\tclocks = <&clk 85>;\n\t};\n};\n"
  }

  static let disabled = ClockExamples.tree(i2c4Status: "disabled", marker: false)
  static let enabled = ClockExamples.tree(i2c4Status: "okay", marker: false)

  // MARK: - hmp_clock_gated

  @Test func mainlineGatesAnUnusedSliceForCertain() throws {
    let f = try Self.lint(Self.disabled)
    #expect(f.count == 1)
    let d = try #require(f.first)
    #expect(d.rule == "hmp_clock_gated" && d.severity == .error)
    #expect(d.nodePath == "/i2c@30a50000" && d.property == "status")
    #expect(d.message.contains("IMX8MP_CLK_I2C4 (clk + 0xae80, enable bit 28)"))
    #expect(d.message.contains("[verified: HMPFacts §13.2, §13.4]"))
    #expect(d.message.contains("(imx_rproc_kick -62) [inference: HMPFacts §13.9]"), "the -62 link is inferred")
    #expect(d.message.contains("no kernel command line was given"))
    #expect(d.message.contains("setenv bootargs \"${bootargs} clk-imx8mp.mcore_booted=1\""))
    #expect(d.message.contains("(mainline ≥ 5.19)"))
    #expect(d.fixes.isEmpty, "mainline reads no init-on-array: only the command line fixes it")
  }

  /// Every source of the command line, and which one wins.
  @Test func commandLineSources() throws {
    #expect(try Self.lint(Self.disabled, bootargs: "clk-imx8mp.mcore_booted=1").isEmpty)
    #expect(try Self.lint(Self.disabled, m7: ClockExamples.manifest(bootargs: "clk_imx8mp.mcore-booted")).isEmpty)
    let tree = ClockExamples.tree(i2c4Status: "disabled", bootargs: "clk-imx8mp.mcore_booted=1", marker: false)
    #expect(try Self.lint(tree).isEmpty)
    // --bootargs wins over the manifest, the manifest over the tree; messages name the one used.
    let option = try Self.lint(
      tree, m7: ClockExamples.manifest(bootargs: "clk-imx8mp.mcore_booted=1"), bootargs: "console=ttymxc1")
    #expect(option.first?.message.contains("the kernel command line (--bootargs) does not set") == true)
    let manifest = try Self.lint(tree, m7: ClockExamples.manifest(bootargs: "console=ttymxc1"))
    #expect(manifest.first?.message.contains("(linux.bootargs of the M7 manifest (") == true)
    let fromTree = try Self.lint(ClockExamples.tree(i2c4Status: "disabled", bootargs: "quiet", marker: false))
    #expect(fromTree.first?.message.contains("the tree's /chosen/bootargs (U-Boot usually replaces it") == true)
    // An explicit =0 is no protection.
    #expect(try Self.lint(Self.disabled, bootargs: "clk-imx8mp.mcore_booted=0").count == 1)
  }

  @Test func clkIgnoreUnusedCoversOnlyTheBootTimeSweep() throws {
    #expect(try Self.lint(Self.disabled, bootargs: "clk_ignore_unused").isEmpty)
    let live = try Self.lint(Self.enabled, bootargs: "clk_ignore_unused")
    #expect(live.count == 1 && live.first?.severity == .warning)
    #expect(live.first?.message.contains("which clk_ignore_unused does not stop") == true)
    // NXP's variant clears slices while registering them, whatever clk_ignore_unused says.
    let nxp = try Self.lint(Self.disabled, kernel: "nxp-6", bootargs: "clk_ignore_unused")
    #expect(nxp.count == 1 && nxp.first?.severity == .error)
    #expect(nxp.first?.message.contains("whatever clk_ignore_unused says") == true)
  }

  @Test func enabledForLinuxIsAWarning() throws {
    let f = try Self.lint(Self.enabled)
    #expect(f.count == 1)
    #expect(f.first?.severity == .warning, "the driver's runtime PM is inferred")
    #expect(f.first?.message.contains("runtime PM) [inference: HMPFacts §13.2]") == true)
    // mcore_booted protects the slice even from Linux's own driver.
    #expect(try Self.lint(Self.enabled, bootargs: "clk-imx8mp.mcore_booted=1").isEmpty)
  }

  @Test func nxp515DependsOnTFA() throws {
    let f = try Self.lint(Self.disabled, kernel: "toradex-bsp6")
    #expect(f.count == 1 && f.first?.severity == .warning)
    let m = try #require(f.first?.message)
    #expect(m.contains("FSL_SIP_SRC_M4_STARTED") && m.contains("whether your TF-A answers is not"))
    #expect(m.contains("; or list IMX8MP_CLK_I2C4_ROOT (208) in init-on-array of &clk"))
    let fix = try #require(f.first?.fixes.first)
    #expect(fix.edits.first?.replacement.contains("init-on-array = <208>; /* IMX8MP_CLK_I2C4_ROOT */") == true)
    // Either protection settles it; Linux starting the M7 itself does too.
    #expect(try Self.lint(Self.disabled, kernel: "toradex-bsp6", bootargs: "clk-imx8mp.mcore_booted=1").isEmpty)
    let listed = ClockExamples.tree(i2c4Status: "disabled", initOnArray: "208", marker: false)
    #expect(try Self.lint(listed, kernel: "toradex-bsp6").isEmpty)
    #expect(try Self.lint(Self.disabled, kernel: "nxp-5.15", m7: ClockExamples.manifest(startedBy: "linux")).isEmpty)
    // Unsaid who starts the M7: assumed before Linux, and said so.
    let assumed = try Self.lint(Self.disabled, kernel: "nxp-5.15", m7: ClockExamples.manifest(startedBy: nil))
    #expect(assumed.first?.message.contains("assumed: the M7 runs before Linux") == true)
  }

  @Test func nxp6NeedsMcoreBootedAndInitOnArrayOutsideNXPsList() throws {
    let f = try Self.lint(Self.disabled, kernel: "nxp-6")
    #expect(f.count == 1 && f.first?.severity == .error)
    #expect(f.first?.message.contains("; and list IMX8MP_CLK_I2C4_ROOT") == true)
    // With mcore_booted, i2c4 is not on NXP's CONFIG_CLK_POWER_SAVE list: a not-verified warning.
    let outside = try Self.lint(Self.disabled, kernel: "nxp-6", bootargs: "clk-imx8mp.mcore_booted=1")
    #expect(outside.count == 1 && outside.first?.severity == .warning)
    #expect(outside.first?.message.contains("CONFIG_CLK_POWER_SAVE") == true)
    let listed = ClockExamples.tree(i2c4Status: "disabled", initOnArray: "208", marker: false)
    #expect(try Self.lint(listed, kernel: "nxp-6", bootargs: "clk-imx8mp.mcore_booted=1").isEmpty)
    // init-on-array alone: the slice is cleared while registering it, until init-on-array enables it again.
    let glitch = try Self.lint(listed, kernel: "nxp-6")
    #expect(glitch.count == 1 && glitch.first?.severity == .warning)
    #expect(glitch.first?.message.contains("pauses while Linux boots") == true)
    #expect(glitch.first?.fixes.isEmpty == true)
  }

  @Test func nxp54IsNotVerified() throws {
    let f = try Self.lint(Self.disabled, kernel: "toradex-bsp5")
    #expect(f.count == 1 && f.first?.severity == .warning)
    #expect(f.first?.message.contains("[not-verified: this flavor's clock driver was not read") == true)
    #expect(f.first?.message.contains("(whether this kernel honours it was not read)") == true)
  }

  @Test func configuredLevelIsACeilingTheCapNeverRaises() throws {
    #expect(try Self.lint(Self.disabled, severity: .warning).first?.severity == .warning)
    #expect(try Self.lint(Self.enabled, severity: .note).first?.severity == .note)
  }

  /// Silent without a remoteproc node or a manifest, for slices another Linux device takes, and for peripherals
  /// without a slice of their own.
  @Test func speaksOnlyWhenItKnows() throws {
    #expect(try Self.lint(ClockExamples.tree(i2c4Status: "disabled", rproc: false, marker: false)).isEmpty)
    #expect(try Self.lint(Self.disabled, m7: nil).isEmpty)
    #expect(try Self.lint(Self.disabled, m7: ClockExamples.manifest(peripherals: "[]")).isEmpty)
    let shared = Self.soc(
      """
      \twdog1: watchdog@30280000 {
      \t\treg = <0x30280000 0x10000>;
      \t\tclocks = <&clk 259>;
      \t};
      \twdog3: watchdog@302a0000 {
      \t\treg = <0x302a0000 0x10000>;
      \t\tclocks = <&clk 261>;
      \t\tstatus = "disabled";
      \t};
      \tgpio3: gpio@30220000 {
      \t\treg = <0x30220000 0x10000>;
      \t\tstatus = "disabled";
      \t};
      """)
    // wdog1 (Linux) keeps the shared WDOG slice on; gpio3 has only a CCGR gate.
    #expect(try Self.lint(shared, m7: ClockExamples.manifest(peripherals: "[wdog3, gpio3]")).isEmpty)
    let alone = shared.replacingOccurrences(of: "\t\tclocks = <&clk 259>;\n", with: "\t\tstatus = \"disabled\";\n")
    #expect(try Self.lint(alone, m7: ClockExamples.manifest(peripherals: "[wdog3]")).count == 1)
  }

  // MARK: - hmp_power_domain

  @Test func powerDomainThroughTheBus() throws {
    let f = try Self.lint(ClockExamples.audioTree(marker: false), m7: ClockExamples.manifest(peripherals: "[sai3]"))
      .filter { $0.rule == "hmp_power_domain" }
    #expect(f.count == 1)
    let d = try #require(f.first)
    #expect(d.severity == .warning)
    #expect(d.message.contains("pgc_audio (power-domain@5, the audio mix (AUDIOMIX) power domain)"))
    #expect(d.message.contains("through the power-domains of aips5 (bus@30df0000)"))
    #expect(d.message.contains("its Linux devices here: aips5 (bus@30df0000)"))
    #expect(d.message.contains("[verified: drivers/pmdomain/core.c, HMPFacts §13.7]"))
    #expect(d.message.contains("can lose power [inference: HMPFacts §13.7]"))
    #expect(d.message.contains("setenv bootargs \"${bootargs} pd_ignore_unused\""))
    // pd_ignore_unused does not help while a Linux device of the domain can suspend.
    let still = try Self.lint(
      ClockExamples.audioTree(marker: false, linuxUser: true), m7: ClockExamples.manifest(peripherals: "[sai3]"),
      bootargs: "pd_ignore_unused"
    ).filter { $0.rule == "hmp_power_domain" }
    #expect(still.count == 1)
    #expect(still.first?.message.contains("audio_blk_ctrl (clock-controller@30e20000)") == true)
    #expect(still.first?.message.contains("stops only the late-boot power-off") == true)
    #expect(still.first?.message.contains("setenv") == false, "pd_ignore_unused is there already")
  }

  /// MU2's node is outside the audio bus, but its clock provider is in the domain (HMPFacts §13.7).
  @Test func powerDomainThroughTheClockProvider() throws {
    let tree = Self.soc(
      """
      \tpgc_audio: power-domain@5 {
      \t\treg = <5>;
      \t\t#power-domain-cells = <0>;
      \t};
      \taudio_blk_ctrl: clock-controller@30e20000 {
      \t\treg = <0x30e20000 0x10000>;
      \t\t#clock-cells = <1>;
      \t\tpower-domains = <&pgc_audio>;
      \t};
      \tmu2: mailbox@30e60000 {
      \t\treg = <0x30e60000 0x10000>;
      \t\tclocks = <&audio_blk_ctrl 32>;
      \t\tstatus = "disabled";
      \t};
      """)
    let f = try Self.lint(tree, m7: ClockExamples.manifest(peripherals: "[mu2]"))
    #expect(f.map(\.rule) == ["hmp_power_domain"])
    #expect(f.first?.message.contains("through its clock provider audio_blk_ctrl (clock-controller@30e20000)") == true)
    #expect(try Self.lint(Self.disabled).allSatisfy { $0.rule != "hmp_power_domain" }, "i2c4 is in no domain")
  }

  // MARK: - Fixing

  static func fix(_ text: String, kernel: String, m7: String = ClockExamples.manifest()) throws -> HMPFixer.Result {
    let scratch = TestDirectory(prefix: "dtlint-clock-fix")
    let path = scratch.write("board.dts", text)
    let manifest = scratch.write("m7.yaml", m7 + "\n")
    var options = FrontEndOptions()
    options.preprocess = false
    return try HMPFixer.fix(
      path: path, base: nil, frontEnd: options, hmp: try HMPContext.load(kernel: kernel, board: nil, m7: manifest))
  }

  @Test func fixerListsTheClocksInInitOnArray() throws {
    let r = try Self.fix(Self.disabled, kernel: "toradex-bsp6")
    #expect(r.changes.map(\.rule) == ["hmp_clock_gated"])
    #expect(!r.remaining.contains { $0.rule == "hmp_clock_gated" }, "\(r.remaining.map(\.message))")
    let out = String(decoding: r.output, as: UTF8.self)
    #expect(out.hasPrefix(Self.disabled))
    #expect(out.hasSuffix("&clk {\n\tinit-on-array = <208>; /* IMX8MP_CLK_I2C4_ROOT */\n};\n"))
    // A list the file already writes is extended in place, its entries kept.
    let listed = ClockExamples.tree(i2c4Status: "disabled", initOnArray: "85", marker: false)
    let r2 = try Self.fix(listed, kernel: "toradex-bsp6")
    let out2 = String(decoding: r2.output, as: UTF8.self)
    #expect(
      out2.contains("init-on-array = <85 208>; /* IMX8MP_CLK_I2C4_ROOT */\n"), "the file's comment stays: \(out2)")
    #expect(!out2.contains("&clk {"))
  }

  @Test func fixerWritesTheCommandLineOnce() throws {
    let r = try Self.fix(Self.disabled, kernel: "mainline")
    #expect(r.changes.count == 1)
    let out = String(decoding: r.output, as: UTF8.self)
    let comment = KernelCommandLineAdvice.comment(["clk-imx8mp.mcore_booted=1"])
    #expect(out == comment + Self.disabled, "the comment goes above /dts-v1/")
    #expect(out.contains("setenv bootargs \"${bootargs} clk-imx8mp.mcore_booted=1\"; saveenv"))
    // The finding remains (a tree cannot set the command line), at its line in the output.
    let left = try #require(r.remaining.first { $0.rule == "hmp_clock_gated" })
    #expect(left.severity == .error)
    // Fixing the output again changes nothing.
    let again = try Self.fix(out, kernel: "mainline")
    #expect(again.changes.isEmpty)
    #expect(again.output == r.output)
  }

  // MARK: - Generating

  static func plan(_ kernel: String, owned: [String] = ["i2c4", "sai3"], given: String? = nil) throws
    -> ClockProtectionPlan
  {
    ClockProtectionPlan.make(
      soc: try SoCProfile.load(name: "imx8mp"), flavor: try KernelFlavor.load(name: kernel), owned: owned,
      given: given.map { KernelCommandLine($0, source: .option) })
  }

  @Test func planPerFlavor() throws {
    let mainline = try Self.plan("mainline")
    #expect(mainline.commandLine == ["clk-imx8mp.mcore_booted=1", "pd_ignore_unused"])
    #expect(mainline.initOnArray.isEmpty)
    #expect(mainline.slices == ["i2c4", "sai3"] && mainline.powerDomains == ["pgc_audio"])
    #expect(mainline.ubootLine == "setenv bootargs \"${bootargs} clk-imx8mp.mcore_booted=1 pd_ignore_unused\"; saveenv")
    let bsp6 = try Self.plan("toradex-bsp6", owned: ["i2c4", "gpio3"])
    #expect(bsp6.commandLine.isEmpty, "init-on-array suffices")
    #expect(bsp6.initOnArray.map(\.id) == [208])
    let nxp6 = try Self.plan("nxp-6", owned: ["uart4"])
    #expect(nxp6.commandLine == ["clk-imx8mp.mcore_booted=1"] && nxp6.initOnArray.map(\.id) == [254])
    let bsp5 = try Self.plan("toradex-bsp5", owned: ["uart4"])
    #expect(bsp5.commandLine == ["clk-imx8mp.mcore_booted=1"] && bsp5.initOnArray.map(\.id) == [254])
    // What the given command line has is not prescribed again.
    #expect(try Self.plan("mainline", given: "clk_imx8mp.mcore_booted=1").commandLine == ["pd_ignore_unused"])
    #expect(try Self.plan("mainline", owned: ["gpio3"]).isEmpty)
  }

  /// i.MX 93 (HMPFacts §18.10): the boot-time sweep closes an unused LPCG on its own, and mcore_booted spares only
  /// the root. Where the flavor reads init-on-array the LPCG is listed there; elsewhere the plan adds
  /// clk_ignore_unused, as hmp_clock_gated's gate verdict asks (a watchdog has an LPCG and no root).
  @Test func planKeepsTheIMX93LPCGs() throws {
    func plan(_ kernel: String, _ owned: [String]) throws -> ClockProtectionPlan {
      ClockProtectionPlan.make(
        soc: try SoCProfile.load(name: "imx93"), flavor: try KernelFlavor.load(name: kernel), owned: owned, given: nil)
    }
    let mainline = try plan("mainline", ["lpuart2"])
    #expect(mainline.commandLine == ["clk-imx93.mcore_booted=1", "clk_ignore_unused"])
    #expect(mainline.initOnArray.isEmpty)
    #expect(try plan("mainline", ["wdog3"]).commandLine == ["clk_ignore_unused"])
    let nxp6 = try plan("nxp-6", ["lpuart2", "wdog3"])
    #expect(nxp6.commandLine.isEmpty, "init-on-array keeps root and LPCGs: \(nxp6.commandLine)")
    let gates = try SoCProfile.load(name: "imx93").clocks.map { c in
      ["lpuart2", "wdog3"].compactMap { c.peripheral(label: $0)?.gate?.id }
    }
    #expect(nxp6.initOnArray.map(\.id) == gates && gates?.count == 2)
    #expect(try plan("mainline", ["lpuart2"]).ubootLine?.contains("clk_ignore_unused") == true)
  }

  @Test func generatorWritesHeaderAndInitOnArrayKeepingTheBasesEntries() throws {
    let (profile, sku) = try HMPBoardName.resolve(board: "verdin-imx8mp-nonwifi", sku: nil, manifestBoard: nil)
    func generate(_ kernel: String, base: DeviceTree? = nil, bootargs: String? = nil) throws -> GeneratedOverlay {
      try HMPGenerator.generate(
        HMPGenerateRequest(
          board: profile, sku: sku, kernel: try KernelFlavor.load(name: kernel), kernelName: kernel, manifest: nil,
          inputs: nil, base: base, commandLine: "test",
          bootargs: bootargs.map { KernelCommandLine($0, source: .option) }))
    }
    let mainline = try generate("mainline")
    #expect(mainline.text.contains(" * setenv bootargs \"${bootargs} clk-imx8mp.mcore_booted=1\"; saveenv\n"))
    #expect(!mainline.text.contains("init-on-array"))
    let given = try generate("mainline", bootargs: "clk-imx8mp.mcore_booted=1")
    #expect(given.text.contains("Kernel command line: nothing to add"))
    #expect(given.protection.commandLine.isEmpty)
    let bsp6 = try generate("toradex-bsp6")
    #expect(bsp6.text.contains("&clk {\n\tinit-on-array = <254>; /* IMX8MP_CLK_UART4_ROOT */\n};\n"))
    #expect(bsp6.text.contains("give --base to keep the base's entries"))
    // With a base that lists clocks already, the overlay's list keeps them.
    let request = HMPGenerateRequest(
      board: profile, sku: sku, kernel: try KernelFlavor.load(name: "toradex-bsp6"), kernelName: "toradex-bsp6",
      manifest: nil, inputs: nil, base: nil, commandLine: "test")
    let shape = HMPSelfCheck.shapeText(request).replacingOccurrences(
      of: "#clock-cells = <1>;", with: "#clock-cells = <1>;\n\t\t\t\tinit-on-array = <85>;")
    let base = compileExample(shape).tree
    let merged = try generate("toradex-bsp6", base: base)
    #expect(merged.text.contains("init-on-array = <85 254>; /* IMX8MP_CLK_M7_DIV IMX8MP_CLK_UART4_ROOT */"))
    #expect(merged.text.contains("the base's own entries are kept"))
  }
}

/// The clock and power rules on real trees: the corpus's Verdin boards with the story's overlay, and NXP's own
/// lf-5.15.71 RPMsg tree, whose error-level findings under its own kernel would need lf-5.15 code evidence.
@Suite(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts is missing"))
struct HMPClockCorpusTests {
  @Test func correctOverlayNeedsTheCommandLineOnMainline() throws {
    let board = "imx8mp-verdin-nonwifi-dev"
    let none = try HMPSystemTests.check(board: board, manifest: HMPSystemTests.ownedByFirmware, bootargs: nil)
    let gated = none.findings.filter { $0.rule == "hmp_clock_gated" }
    #expect(
      Set(gated.compactMap(\.nodePath)) == [
        "/soc@0/bus@30800000/i2c@30a40000", "/soc@0/bus@30800000/serial@30a60000", "/soc@0/bus@30400000/pwm@30690000",
      ])
    #expect(gated.allSatisfy { $0.severity == .error }, "\(none.summary)")
    let bsp6 = try HMPSystemTests.check(
      board: board, manifest: HMPSystemTests.ownedByFirmware, kernel: "toradex-bsp6", bootargs: nil)
    let warned = bsp6.findings.filter { $0.rule == "hmp_clock_gated" }
    #expect(warned.count == 3 && warned.allSatisfy { $0.severity == .warning }, "\(bsp6.summary)")
    #expect(warned.allSatisfy { $0.fixes.first?.message.contains("init-on-array") == true })
  }

  static let vendor = SharedCorpus.root + "/vendor/nxp-lf5.15.71"

  @Test(.enabled(if: FileManager.default.fileExists(atPath: vendor), "skipped: the vendor corpus is missing"))
  func nxpRPMsgTreeUnderItsOwnKernelHasNoErrors() throws {
    let scratch = TestDirectory(prefix: "dtlint-clock-vendor")
    let m7 = scratch.write(
      "m7.yaml",
      "soc: imx8mp\nperipherals: [uart4, sai3, sdma3, pwm4, ecspi2, flexcan1]\nfirmware: {started-by: bootloader}\n")
    var options = FrontEndOptions()
    options.includePaths = [Self.vendor + "/include"]
    let reader = SourceReader(sources: SourceManager(), options: options)
    let tree = try reader.load(path: Self.vendor + "/arch/arm64/boot/dts/freescale/imx8mp-evk-rpmsg.dts")
    func findings(_ kernel: String, bootargs: String? = nil) throws -> [Diagnostic] {
      let hmp = try HMPContext.load(
        kernel: kernel, board: nil, m7: m7, bootargs: bootargs.map { KernelCommandLine($0, source: .option) })
      return Linter(hmp: hmp).lint(tree.tree, frontEnd: tree.diagnostics).filter {
        $0.rule == "hmp_clock_gated" || $0.rule == "hmp_power_domain"
      }
    }
    let own = try findings("nxp-5.15")
    #expect(own.allSatisfy { $0.severity == .warning }, "\(own.map(\.message))")
    // The SAI3 slice is reached through audio_blk_ctrl, whose clocks NXP's rpmsg_audio node takes: not judged.
    #expect(!own.contains { $0.rule == "hmp_clock_gated" && $0.nodePath?.hasSuffix("sai@30c30000") == true })
    #expect(own.filter { $0.rule == "hmp_clock_gated" }.count == 4, "uart4, pwm4, ecspi2, flexcan1")
    // SAI3 and SDMA3 sit in NXP's audiomix_pd, which Linux's rpmsg audio devices use.
    #expect(own.filter { $0.rule == "hmp_power_domain" }.count == 2)
    // With mcore_booted, NXP 5.15 leaves every slice alone; NXP 6.x's variant spares only its list.
    #expect(
      try findings("nxp-5.15", bootargs: "clk-imx8mp.mcore_booted=1").allSatisfy { $0.rule == "hmp_power_domain" })
    let nxp6 = try findings("nxp-6", bootargs: "clk-imx8mp.mcore_booted=1").filter { $0.rule == "hmp_clock_gated" }
    #expect(
      Set(nxp6.compactMap { $0.nodePath?.split(separator: "/").last.map(String.init) }) == [
        "pwm@30690000", "can@308c0000",
      ])
  }
}
