import DTCore
import DTDoctor
import DTHMP
import Testing
import _DTTestSupport

@testable import DTRules

/// Issue 18: what `hmp fix` asks of the kernel command line follows what hmp_clock_gated decided for each finding
/// (``Diagnostic/commandLine``), not the SoC alone: the SoC's mcore_booted parameter for a root, clk_ignore_unused
/// for an i.MX 93 LPCG alone (HMPFacts §18.10), nothing for the i.MX 8ULP's PCC clocks, which the clock driver
/// clears while registering them (HMPFacts §18.11).
@Suite struct CommandLineAdviceTests {
  static func findings(_ tree: String, kernel: String, m7: String) throws -> (findings: [Diagnostic], hmp: HMPContext) {
    let hmp = try exampleHMPContext(["kernel": kernel, "m7": m7])
    let compilation = compileExample(tree)
    let all = Linter(hmp: hmp).lint(compilation.tree, frontEnd: compilation.diagnostics)
    return (all.filter { KernelCommandLineAdvice.rules.contains($0.rule) }, hmp)
  }

  /// The 93's LPCG alone: mcore_booted spares the root, not the LPCG, so the word is clk_ignore_unused, whether
  /// the root is spared by the command line (NXP 6.x) or the peripheral has no root (wdog3).
  @Test func imx93LPCGAloneAsksForClkIgnoreUnused() throws {
    let soc = ExampleSoC.imx93
    let spared = try Self.findings(
      ClockExamples.tree(i2c4Status: "disabled", marker: false, soc: soc), kernel: "nxp-6",
      m7: ClockExamples.manifest(bootargs: "clk-imx93.mcore_booted=1", soc: soc))
    #expect(spared.findings.count == 1, "\(spared.findings.map(\.message))")
    #expect(spared.findings.first?.message.contains("clk-imx93.mcore_booted=1 does not keep it") == true)
    #expect(spared.findings.first?.commandLine == .add(["clk_ignore_unused"]))
    #expect(KernelCommandLineAdvice.words(for: spared.findings, hmp: spared.hmp) == ["clk_ignore_unused"])

    for kernel in ["mainline", "nxp-6"] {
      let dog = try Self.findings(
        SoCFamilyExamplesTests.imx93Watchdog, kernel: kernel,
        m7: ClockExamples.manifest(peripherals: "[wdog3]", soc: soc))
      #expect(dog.findings.count == 1, "\(kernel): \(dog.findings.map(\.message))")
      #expect(KernelCommandLineAdvice.words(for: dog.findings, hmp: dog.hmp) == ["clk_ignore_unused"], "\(kernel)")
    }
  }

  /// The 93's root under NXP 6.x (the LPCG's fix there is init-on-array, which the fix-it writes): the profile's
  /// mcore_booted parameter; under mainline, which does not read init-on-array, the LPCG's clk_ignore_unused too.
  @Test func imx93RootAsksForTheProfilesParameter() throws {
    let soc = ExampleSoC.imx93
    let tree = ClockExamples.tree(i2c4Status: "disabled", marker: false, soc: soc)
    let nxp = try Self.findings(tree, kernel: "nxp-6", m7: ClockExamples.manifest(soc: soc))
    #expect(nxp.findings.count == 1, "\(nxp.findings.map(\.message))")
    #expect(nxp.findings.first?.message.contains("its clock root IMX93_CLK_LPI2C1") == true)
    #expect(KernelCommandLineAdvice.words(for: nxp.findings, hmp: nxp.hmp) == ["clk-imx93.mcore_booted=1"])
    let mainline = try Self.findings(tree, kernel: "mainline", m7: ClockExamples.manifest(soc: soc))
    #expect(
      KernelCommandLineAdvice.words(for: mainline.findings, hmp: mainline.hmp)
        == ["clk-imx93.mcore_booted=1", "clk_ignore_unused"])
  }

  /// The 8M Plus as before: mcore_booted for the slice, pd_ignore_unused for the audio domain, in that order, and
  /// nothing the command line already has.
  @Test func imx8mpUnchanged() throws {
    let slice = try Self.findings(
      ClockExamples.tree(i2c4Status: "disabled", marker: false), kernel: "mainline", m7: ClockExamples.manifest())
    #expect(slice.findings.first?.commandLine == .add(["clk-imx8mp.mcore_booted=1"]))
    #expect(KernelCommandLineAdvice.words(for: slice.findings, hmp: slice.hmp) == ["clk-imx8mp.mcore_booted=1"])
    let audio = try Self.findings(
      ClockExamples.audioTree(marker: false), kernel: "mainline", m7: ClockExamples.manifest(peripherals: "[sai3]"))
    #expect(Set(audio.findings.map(\.rule)) == ["hmp_clock_gated", "hmp_power_domain"], "\(audio.findings)")
    #expect(
      KernelCommandLineAdvice.words(for: audio.findings.reversed(), hmp: audio.hmp)
        == ["clk-imx8mp.mcore_booted=1", "pd_ignore_unused"])
    let given = try Self.findings(
      ClockExamples.audioTree(marker: false), kernel: "mainline",
      m7: ClockExamples.manifest(peripherals: "[sai3]", bootargs: "pd_ignore_unused"))
    #expect(KernelCommandLineAdvice.words(for: given.findings, hmp: given.hmp) == ["clk-imx8mp.mcore_booted=1"])
  }

  /// The 8ULP: no word settles the PCC clock (cleared while registered, whatever clk_ignore_unused says); the
  /// finding says why, and `hmp fix` writes no comment.
  @Test func imx8ulpHasNoCommandLineWord() throws {
    let soc = ExampleSoC.imx8ulp
    let tree = ClockExamples.tree(i2c4Status: "disabled", marker: false, soc: soc)
    for kernel in ["mainline", "nxp-6", "nxp-5.15"] {
      let r = try Self.findings(tree, kernel: kernel, m7: ClockExamples.manifest(soc: soc))
      #expect(r.findings.count == 1, "\(kernel): \(r.findings.map(\.message))")
      #expect(KernelCommandLineAdvice.words(for: r.findings, hmp: r.hmp).isEmpty, "\(kernel)")
      let unsettled = KernelCommandLineAdvice.unsettled(r.findings)
      #expect(unsettled.count == 1, "\(kernel)")
      let why = unsettled.first?.why ?? ""
      #expect(
        why.hasPrefix(
          "the clock driver of kernel \(kernel) clears the enable bit of the PCC clock while registering it, which no "
            + "command-line word prevents (clk_ignore_unused stops only the late-boot sweep) ["), "\(why)")
      #expect(why.hasSuffix(": HMPFacts §18.11]"), "\(why)")
    }

    let scratch = TestDirectory(prefix: "dtlint-advice-fix")
    let path = scratch.write("board.dts", tree)
    let m7 = scratch.write("m7.yaml", ClockExamples.manifest(soc: soc) + "\n")
    var options = FrontEndOptions()
    options.preprocess = false
    let fixed = try HMPFixer.fix(
      path: path, base: nil, frontEnd: options, hmp: try HMPContext.load(kernel: "mainline", board: nil, m7: m7))
    #expect(fixed.changes.isEmpty, "\(fixed.changes.map(\.fix))")
    #expect(fixed.output == Array(tree.utf8))
    #expect(KernelCommandLineAdvice.unsettled(fixed.remaining).map(\.finding.rule) == ["hmp_clock_gated"])
  }

  /// `hmp fix` on the 93's watchdog under mainline writes clk_ignore_unused, not the mcore_booted parameter.
  @Test func fixerWritesClkIgnoreUnusedForAnLPCG() throws {
    let scratch = TestDirectory(prefix: "dtlint-advice-fix")
    let path = scratch.write("board.dts", SoCFamilyExamplesTests.imx93Watchdog)
    let m7 = scratch.write("m7.yaml", ClockExamples.manifest(peripherals: "[wdog3]", soc: .imx93) + "\n")
    var options = FrontEndOptions()
    options.preprocess = false
    let hmp = try HMPContext.load(kernel: "mainline", board: nil, m7: m7)
    let r = try HMPFixer.fix(path: path, base: nil, frontEnd: options, hmp: hmp)
    #expect(r.changes.count == 1, "\(r.changes.map(\.fix))")
    let out = String(decoding: r.output, as: UTF8.self)
    #expect(
      out == KernelCommandLineAdvice.comment(["clk_ignore_unused"], hmp: hmp) + SoCFamilyExamplesTests.imx93Watchdog)
    #expect(out.contains("what the M33 owns on"))
    #expect(!out.contains("mcore_booted"))
  }
}
