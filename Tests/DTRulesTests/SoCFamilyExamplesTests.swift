import DTCore
import DTHMP
import Testing

@testable import DTRules

/// Issue 18, item E: each rule family's example trees, built for each SoC with an example profile (the i.MX 8M
/// Plus, 8M Nano and 93), get the same verdicts, with the SoC's own facts in the messages: core name, clock, MU,
/// address window and clock table.
@Suite struct SoCFamilyExamplesTests {
  static let socs: [ExampleSoC] = [.imx8mp, .imx8mn, .imx93]

  static func lint(_ code: String, _ options: [String: String] = [:], rules: Set<String>? = nil) throws
    -> [Diagnostic]
  {
    let compilation = compileExample(stripMarkers(code).code)
    let findings = Linter(hmp: try exampleHMPContext(options)).lint(
      compilation.tree, frontEnd: compilation.diagnostics)
    return findings.filter { f in f.rule.hasPrefix("hmp_") && (rules?.contains(f.rule) ?? true) }
  }

  /// Region family: the vendor layout is clean on every SoC; a buffer pool at 0x10000000 is outside the M core's
  /// window on every SoC, judged by its own table (da = pa on the 8M, reachability on the 93).
  @Test(arguments: socs.map(\.name)) func regionFamily(_ name: String) throws {
    let soc = try #require(Self.socs.first { $0.name == name })
    let clean = RegionExamples.tree(RegionExamples.regions(soc), refs: RegionExamples.refs(soc), soc: soc)
    let cleanFindings = try Self.lint(clean)
    #expect(cleanFindings.isEmpty, "\(name): \(cleanFindings.map(\.message))")
    let far = ExampleSoC.Region(
      label: "vdevbuffer", name: "vdevbuffer", address: 0x1000_0000, size: 0x10_0000, compatible: "shared-dma-pool")
    let moved = RegionExamples.tree(
      RegionExamples.regions(soc).map { $0 == soc.bufferPool.line ? far.line : $0 }, refs: RegionExamples.refs(soc),
      soc: soc)
    let findings = try Self.lint(moved)
    #expect(findings.map(\.rule) == ["hmp_region_window"], "\(name): \(findings.map(\.message))")
    let phrase = name == "imx93" ? "outside what the M33 reaches" : "outside the \(soc.coreName)'s address window"
    #expect(findings.first?.message.contains(phrase) == true, "\(findings.map(\.message))")
  }

  /// Remoteproc family: without `clocks`, mainline's configuration of every SoC here enables the clock
  /// (IMX_RPROC_NEED_CLKS): the finding names the SoC's own core clock.
  @Test(arguments: socs.map(\.name)) func remoteprocClocks(_ name: String) throws {
    let soc = try #require(Self.socs.first { $0.name == name })
    let withoutClock = RegionExamples.tree(
      RegionExamples.regions(soc), refs: RegionExamples.refs(soc), soc: soc
    ).replacingOccurrences(of: "\t\tclocks = <&clk \(try #require(soc.coreClock))>;\n", with: "")
    let findings = try Self.lint(withoutClock, rules: ["hmp_rproc_clocks"])
    #expect(findings.count == 1, "\(name): \(findings.map(\.message))")
    #expect(findings.first?.message.contains("the \(soc.coreName) clock") == true)
    #expect(findings.first?.message.contains("expected clocks = <&clk \(soc.coreClockMacro ?? "")>") == true)
  }

  /// Mailbox family: the M core's MU disabled is an error on every SoC, naming that SoC's MU.
  @Test(arguments: socs.map(\.name)) func mailboxDisabled(_ name: String) throws {
    let soc = try #require(Self.socs.first { $0.name == name })
    let code = rprocExample(
      "mbox-names = \"tx\", \"rx\", \"rxdb\";\nmboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;", muStatus: "disabled",
      soc: soc)
    let findings = try Self.lint(code, rules: ["hmp_mbox_controller"])
    #expect(findings.count == 1 && findings.first?.severity == .error, "\(name): \(findings.map(\.message))")
    #expect(findings.first?.message.contains("mailbox@\(String(soc.muAddress, radix: 16))") == true)
  }

  /// Clock family: with a manifest claiming the SoC's example I2C and no command line, the 8M SoCs' clock tables
  /// name the slice mainline switches off; on the 93 the root's OFF bit, and only a warning, because whether
  /// Linux holds a gate on the root is decided by its access-control register at run time (HMPFacts §18.10).
  @Test(arguments: socs.map(\.name)) func clockFamily(_ name: String) throws {
    let soc = try #require(Self.socs.first { $0.name == name })
    let code = ClockExamples.tree(i2c4Status: "disabled", soc: soc)
    let findings = try Self.lint(code, ["m7": ClockExamples.manifest(soc: soc)], rules: ["hmp_clock_gated"])
    if name == "imx93" {
      #expect(findings.count == 1 && findings.first?.severity == .warning, "\(findings.map(\.message))")
      let message = findings.first?.message ?? ""
      #expect(message.contains("IMX93_CLK_LPI2C1 (clk + 0x1080, off bit 24)"), "\(message)")
      #expect(message.contains("sets the off bit at late boot"), "\(message)")
      #expect(message.contains("AUTHEN"), "\(message)")
      #expect(message.contains("add clk-imx93.mcore_booted=1") && message.contains("not read"), "\(message)")
    } else {
      let slice = soc.i2c.rootClockMacro.replacingOccurrences(of: "_ROOT", with: "")
      #expect(findings.count == 1, "\(name): \(findings.map(\.message))")
      #expect(findings.first?.message.contains("\(slice) (clk + 0xae80") == true, "\(findings.map(\.message))")
      #expect(findings.first?.message.contains("belongs to the \(soc.coreName)") == true)
    }
  }

  /// The 93 under NXP 6.x: its root composite skips the disable when mcore_booted is set, and the driver enables
  /// what init-on-array lists (HMPFacts §18.10); without either the finding stays a warning and names both fixes.
  @Test func imx93UnderNXP6() throws {
    let soc = ExampleSoC.imx93
    func findings(_ tree: String, bootargs: String? = nil) throws -> [Diagnostic] {
      try Self.lint(
        tree, ["kernel": "nxp-6", "m7": ClockExamples.manifest(bootargs: bootargs, soc: soc)],
        rules: ["hmp_clock_gated"])
    }
    let plain = try findings(ClockExamples.tree(i2c4Status: "disabled", soc: soc))
    #expect(plain.count == 1 && plain.first?.severity == .warning, "\(plain.map(\.message))")
    #expect(plain.first?.message.contains("list IMX93_CLK_LPI2C1_GATE (142) in init-on-array") == true)
    // mcore_booted spares the root, not the LPCG: the LPCG alone is reported, with init-on-array and
    // clk_ignore_unused as its fixes (HMPFacts §18.10).
    let spared = try findings(
      ClockExamples.tree(i2c4Status: "disabled", soc: soc), bootargs: "clk-imx93.mcore_booted=1")
    #expect(spared.count == 1 && spared.first?.severity == .warning, "\(spared.map(\.message))")
    let lpcg = spared.first?.message ?? ""
    #expect(lpcg.contains("nothing keeps its LPCG IMX93_CLK_LPI2C1_GATE (clk + 0x8f00) open"), "\(lpcg)")
    #expect(lpcg.contains("clk-imx93.mcore_booted=1 does not keep it"), "\(lpcg)")
    #expect(lpcg.contains("Linux leaves its clock root IMX93_CLK_LPI2C1 alone here"), "\(lpcg)")
    #expect(lpcg.contains("list IMX93_CLK_LPI2C1_GATE (142) in init-on-array of &clk"), "\(lpcg)")
    #expect(lpcg.contains("or add clk_ignore_unused"), "\(lpcg)")
    #expect(spared.first?.fixes.first?.edits.first?.replacement.contains("(HMPFacts §18.10)") == true)
    #expect(
      try findings(
        ClockExamples.tree(i2c4Status: "disabled", initOnArray: "142", soc: soc), bootargs: "clk-imx93.mcore_booted=1"
      ).isEmpty)
    #expect(try findings(ClockExamples.tree(i2c4Status: "disabled", initOnArray: "142", soc: soc)).isEmpty)
    // NXP 5.15 was not read for the 93: the profile's kernel-protection does not list it.
    let old = try Self.lint(
      ClockExamples.tree(i2c4Status: "disabled", soc: soc),
      ["kernel": "nxp-5.15", "m7": ClockExamples.manifest(soc: soc)], rules: ["hmp_clock_gated"])
    #expect(old.count == 1 && old.first?.severity == .warning, "\(old.map(\.message))")
    #expect(old.first?.message.contains("TF-A") == false, "\(old.map(\.message))")
  }

  /// An i.MX 93 tree whose only M33 peripheral, wdog3, has an LPCG and no root of its own (on osc_24m, HMPFacts
  /// §18.10).
  static let imx93Watchdog = """
    /dts-v1/;
    / {
    \t#address-cells = <1>;
    \t#size-cells = <1>;
    \tclk: clock-controller@44450000 {
    \t\tcompatible = "fsl,imx93-ccm";
    \t\treg = <0x44450000 0x10000>;
    \t\t#clock-cells = <1>;
    \t};
    \twdog3: watchdog@42490000 {
    \t\tcompatible = "fsl,imx93-wdt";
    \t\treg = <0x42490000 0x10000>;
    \t\tclocks = <&clk 106>;
    \t\tstatus = "disabled";
    \t};
    \(ExampleSoC.imx93.remoteprocOpening(comment: true))\t};
    };

    """

  /// The 93's root and LPCG in one finding when both close (mainline, no command line); clk_ignore_unused keeps
  /// both; a Linux device taking the LPCG keeps it; the watchdog, which has only an LPCG, is judged by it alone
  /// (HMPFacts §18.10).
  @Test func imx93LPCG() throws {
    let soc = ExampleSoC.imx93
    func findings(_ tree: String, kernel: String = "mainline", peripherals: String? = nil, bootargs: String? = nil)
      throws -> [Diagnostic]
    {
      try Self.lint(
        tree,
        ["kernel": kernel, "m7": ClockExamples.manifest(peripherals: peripherals, bootargs: bootargs, soc: soc)],
        rules: ["hmp_clock_gated"])
    }
    let both = try findings(ClockExamples.tree(i2c4Status: "disabled", soc: soc))
    #expect(both.count == 1 && both.first?.severity == .warning, "\(both.map(\.message))")
    let message = both.first?.message ?? ""
    #expect(message.contains("its clock root IMX93_CLK_LPI2C1 (clk + 0x1080, off bit 24)"), "\(message)")
    #expect(message.contains("; and nothing keeps its LPCG IMX93_CLK_LPI2C1_GATE (clk + 0x8f00) open"), "\(message)")
    #expect(message.contains("for IMX93_CLK_LPI2C1_GATE, add clk_ignore_unused"), "\(message)")
    #expect(try findings(ClockExamples.tree(i2c4Status: "disabled", soc: soc), bootargs: "clk_ignore_unused").isEmpty)

    // A Linux device that takes the LPCG keeps it open, and its parent root with it; one that takes only the root
    // leaves the LPCG to the sweep.
    func user(_ id: Int) -> String {
      ClockExamples.tree(i2c4Status: "disabled", soc: soc).replacingOccurrences(
        of: "\n\tremoteproc-cm33", with: "\n\tuser {\n\t\tclocks = <&clk \(id)>;\n\t};\n\n\tremoteproc-cm33")
    }
    #expect(try findings(user(142)).isEmpty)
    let rootHeld = try findings(user(43))
    #expect(rootHeld.count == 1, "\(rootHeld.map(\.message))")
    #expect(
      rootHeld.first?.message.contains("Linux leaves its clock root IMX93_CLK_LPI2C1 alone here, not the LPCG") == true,
      "\(rootHeld.map(\.message))")

    // wdog3 has only an LPCG (on osc_24m): judged alone, named with the flavor's fixes.
    let wdog = Self.imx93Watchdog
    let dog = try findings(wdog, kernel: "nxp-6", peripherals: "[wdog3]")
    #expect(dog.count == 1 && dog.first?.severity == .warning, "\(dog.map(\.message))")
    let d = dog.first?.message ?? ""
    #expect(d.contains("nothing keeps its LPCG IMX93_CLK_WDOG3_GATE (clk + 0x8380) open"), "\(d)")
    #expect(d.contains("no init-on-array entry on &clk"), "\(d)")
    #expect(!d.contains("clock root"), "\(d)")
    #expect(try findings(wdog, kernel: "nxp-6", peripherals: "[wdog3]", bootargs: "clk_ignore_unused").isEmpty)
    // Linux starting the M33 after the sweep: the firmware enables its clocks itself.
    let late = try Self.lint(
      wdog, ["m7": ClockExamples.manifest(peripherals: "[wdog3]", startedBy: "linux", soc: soc)],
      rules: ["hmp_clock_gated"])
    #expect(late.isEmpty, "\(late.map(\.message))")
    // A flavor not read for the 93 says so.
    let old = try findings(wdog, kernel: "nxp-5.15", peripherals: "[wdog3]")
    #expect(
      old.count == 1
        && old.first?.message.contains("not-verified: this flavor's clock driver was not read for the imx93") == true,
      "\(old.map(\.message))")
  }

  /// The 8ULP (HMPFacts §18.11): LPI2C4's PCC3 clock is gated while the clock driver registers it, under every
  /// flavor read, whatever clk_ignore_unused says; a warning (the INUSE bit), whose fix is a real-time-domain
  /// instance; NXP's PR-bit bypass is named under NXP kernels; the M33's own real-time peripherals are silent.
  @Test func imx8ulpPCC() throws {
    let soc = ExampleSoC.imx8ulp
    func findings(_ kernel: String, bootargs: String? = nil, peripherals: String? = nil, status: String = "disabled")
      throws -> [Diagnostic]
    {
      try Self.lint(
        ClockExamples.tree(i2c4Status: status, soc: soc),
        ["kernel": kernel, "m7": ClockExamples.manifest(peripherals: peripherals, bootargs: bootargs, soc: soc)],
        rules: ["hmp_clock_gated"])
    }
    let mainline = try findings("mainline")
    #expect(mainline.count == 1 && mainline.first?.severity == .warning, "\(mainline.map(\.message))")
    let m = mainline.first?.message ?? ""
    #expect(m.contains("lpi2c4 (i2c@29370000) belongs to the M33"), "\(m)")
    #expect(m.contains("its PCC clock IMX8ULP_CLK_LPI2C4 (pcc3 + 0xdc, enable bit 30)"), "\(m)")
    #expect(
      m.contains(
        "its clock driver clears the enable bit while registering the clock, before any driver can hold it, with no "
          + "mcore_booted or init-on-array exception [verified: HMPFacts §18.11 (torvalds/linux clk-composite-7ulp.c"),
      "\(m)")
    #expect(m.contains("INUSE"), "\(m)")
    #expect(
      m.contains(
        "No device-tree or command-line fix is known for kernel mainline: give the M33 an instance of its own real-time domain"
      ), "\(m)")
    #expect(!m.contains("mcore_booted=1"), "\(m)")
    // clk_ignore_unused does not help: the clock is gated at registration.
    let ignored = try findings("mainline", bootargs: "clk_ignore_unused")
    #expect(ignored.count == 1 && ignored.first?.message.contains("whatever clk_ignore_unused says") == true)
    // NXP kernels: the same, plus the PR-bit bypass, not verified.
    let nxp = try findings("nxp-6")
    #expect(nxp.count == 1 && nxp.first?.severity == .warning, "\(nxp.map(\.message))")
    #expect(nxp.first?.message.contains("PR (bit 31) = 0") == true, "\(nxp.map(\.message))")
    #expect(
      nxp.first?.message.contains("[inference: HMPFacts §18.11 (nxp-imx/linux-imx clk-composite-7ulp.c @27245ec5")
        == true)
    #expect(try findings("nxp-5.15").count == 1)
    // nxp-5.4 does not know the 8ULP: not read, still a warning.
    let old = try findings("nxp-5.4")
    #expect(old.count == 1 && old.first?.severity == .warning, "\(old.map(\.message))")
    let o = old.first?.message ?? ""
    #expect(
      o.contains("so nothing sets clk_ignore_unused: clk_disable_unused clears the enable bit at late boot"), "\(o)")
    #expect(o.contains("this flavor's clock driver was not read") && !o.contains("mcore_booted=1"), "\(o)")
    // Enabled for Linux too: still gated at registration, and hmp_peripheral_conflict's business besides.
    let live = try findings("mainline", status: "okay")
    #expect(live.count == 1 && live.first?.message.contains("turns it on again only when it probes") == true)
    // The M33's real-time-domain UART is not in Linux's tree: nothing to judge, nothing reported.
    #expect(try findings("mainline", peripherals: "[lpuart1]").isEmpty)
    #expect(try findings("nxp-6", peripherals: "[lpuart1]").isEmpty)
  }

  /// Power family on the 8M Mini: the GPC's HSIO mix domain of an M4-owned USB controller is named with the
  /// profile's title; I2C4 is in no domain (HMPFacts §18.9).
  @Test func imx8mmPowerDomains() throws {
    let soc = try SoCProfile.load(name: "imx8mm")
    let domains = try #require(soc.clocks?.powerDomains)
    #expect(domains.count == 12)
    #expect(
      soc.clocks?.powerDomain(label: "pgc_hsiomix")?.path == "/soc@0/bus@30000000/gpc@303a0000/pgc/power-domain@0")
    let nano = try SoCProfile.load(name: "imx8mn")
    #expect(
      nano.clocks?.powerDomains.map(\.label) == ["pgc_hsiomix", "pgc_otg1", "pgc_gpumix", "pgc_dispmix", "pgc_mipi"])
    let shared = try Self.lint(
      ClockExamples.hsioTree(linuxUser: true),
      ["m7": ClockExamples.manifest(peripherals: "[usbotg1]", soc: .imx8mm)], rules: ["hmp_power_domain"])
    #expect(shared.count == 1 && shared.first?.severity == .warning, "\(shared.map(\.message))")
    let message = shared.first?.message ?? ""
    #expect(message.contains("belongs to the M4"), "\(message)")
    #expect(message.contains("(power-domain@0, the HSIO mix power domain)"), "\(message)")
    #expect(message.contains("its Linux devices here: usbotg2"), "\(message)")
    let alone = try Self.lint(
      ClockExamples.hsioTree(),
      ["m7": ClockExamples.manifest(peripherals: "[usbotg1]", bootargs: "pd_ignore_unused", soc: .imx8mm)],
      rules: ["hmp_power_domain"])
    #expect(alone.isEmpty, "\(alone.map(\.message))")
    let i2c = try Self.lint(
      ClockExamples.tree(i2c4Status: "disabled", soc: .imx8mm), ["m7": ClockExamples.manifest(soc: .imx8mm)],
      rules: ["hmp_power_domain"])
    #expect(i2c.isEmpty, "\(i2c.map(\.message))")
  }
}
