import DTCore
import DTHMP
import Testing

@testable import DTRules

/// The example builders' SoC profiles agree with what the rules know of the SoC (`schemas/soc/*.yaml`): an example
/// written for a SoC is judged against that SoC's facts.
@Suite struct ExampleSoCTests {
  static let profiles: [ExampleSoC] = [.imx8mp, .imx8mm, .imx8mn, .imx93, .imx8ulp]

  @Test(arguments: profiles.map(\.name))
  func exampleProfileMatchesTheSoCSchema(_ name: String) throws {
    let example = try #require(Self.profiles.first { $0.name == name })
    let soc = try SoCProfile.load(name: name)
    #expect(example.rootCompatible == soc.rootCompatible)
    #expect(example.coreName == soc.coreName)
    #expect(soc.remoteproc.compatible(example.remoteprocCompatible) != nil)
    #expect(example.coreClock.map(UInt32.init) == soc.remoteproc.clockID)
    #expect(soc.mailboxes.forMCore?.node.unitAddress == UInt64(example.muAddress))
    let controller = soc.systemNodes.first { $0.label == example.clockControllerLabel }
    #expect(controller?.unitAddress == UInt64(example.clockControllerAddress))
    #expect(controller?.compatible.contains(example.clockControllerCompatible) == true)
    let i2c = try #require(soc.peripheral(label: example.i2c.label))
    #expect(i2c.unitAddress == UInt64(example.i2c.address))
    // The example I2C's clock is the one the SoC's clock table names for it, at the same controller.
    let clocks = try #require(soc.clocks?.peripheral(label: example.i2c.label))
    #expect(soc.clocks?.provider(of: clocks) == example.clockControllerLabel)
    #expect([clocks.gate?.id, clocks.slice?.id].contains(UInt32(example.i2c.rootClock)))
    #expect(soc.rpmsgDefaults.vringBase == example.vring0.address)
    #expect(soc.rpmsgDefaults.vringAddress(1) == example.vring1.address)
    #expect(soc.rpmsgDefaults.resourceTable == example.resourceTable.address)
  }

  @Test func regionsRenderAsTheVendorTreesWriteThem() {
    let soc = ExampleSoC.imx8mp
    #expect(soc.vring0.line == "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x8000>; no-map; };")
    #expect(
      soc.bufferPool.block(indent: 1)
        == "\tvdevbuffer: vdevbuffer@55400000 {\n\t\tcompatible = \"shared-dma-pool\";\n\t\treg = <0 0x55400000 0 0x100000>;\n\t\tno-map;\n\t};\n"
    )
    let high = ExampleSoC.Region(label: "r", name: "r", address: 0x1_2000_0000, size: 0x1000)
    #expect(high.line == "r: r@20000000 { reg = <0x1 0x20000000 0 0x1000>; no-map; };")
  }

  /// Messages name the remote core after the SoC: `cortex-m7` → M7, `cortex-m33` → M33, `cortex-m4` → M4.
  @Test func theCoreNameComesFromTheProfile() throws {
    var soc = try SoCProfile.load(name: "imx8mp")
    #expect(soc.coreName == "M7")
    soc.mCore = "cortex-m33"
    #expect(soc.coreName == "M33")
    soc.mCore = "cortex-m4"
    #expect(soc.coreName == "M4")
  }

  /// A tree built for the SoC names the core the SoC's way in findings (the clock rule's message, with a manifest).
  @Test func findingsNameTheCoreOfTheSoC() throws {
    let code = stripMarkers(ClockExamples.tree(i2c4Status: "okay", marker: false)).code
    let compilation = compileExample(code)
    var selection = RuleSelection()
    try selection.disable("all")
    try selection.enable("hmp_peripheral_conflict")
    let hmp = try exampleHMPContext(["m7": ClockExamples.manifest()])
    let findings = Linter(selection: selection, hmp: hmp).lint(compilation.tree, frontEnd: compilation.diagnostics)
      .filter { $0.rule == "hmp_peripheral_conflict" }
    #expect(findings.count == 1)
    #expect(findings.first?.message.contains("but the M7 firmware owns it") == true, "\(findings.map(\.message))")
  }
}
