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
    ).replacingOccurrences(of: "\t\tclocks = <&clk \(soc.coreClock)>;\n", with: "")
    let findings = try Self.lint(withoutClock, rules: ["hmp_rproc_clocks"])
    #expect(findings.count == 1, "\(name): \(findings.map(\.message))")
    #expect(findings.first?.message.contains("the \(soc.coreName) clock") == true)
    #expect(findings.first?.message.contains("expected clocks = <&clk \(soc.coreClockMacro)>") == true)
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
  /// name the slice mainline switches off; the 93 has no clock table, so nothing is said.
  @Test(arguments: socs.map(\.name)) func clockFamily(_ name: String) throws {
    let soc = try #require(Self.socs.first { $0.name == name })
    let code = ClockExamples.tree(i2c4Status: "disabled", soc: soc)
    let findings = try Self.lint(code, ["m7": ClockExamples.manifest(soc: soc)], rules: ["hmp_clock_gated"])
    if name == "imx93" {
      #expect(findings.isEmpty, "\(findings.map(\.message))")
    } else {
      let slice = soc.i2c.rootClockMacro.replacingOccurrences(of: "_ROOT", with: "")
      #expect(findings.count == 1, "\(name): \(findings.map(\.message))")
      #expect(findings.first?.message.contains("\(slice) (clk + 0xae80") == true, "\(findings.map(\.message))")
      #expect(findings.first?.message.contains("belongs to the \(soc.coreName)") == true)
    }
  }
}
