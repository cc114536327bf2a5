/// The opening of an example tree whose root has one address and one size cell: `/dts-v1/;`, `/ {` and the two
/// cell counts, each on its line.
let cellsExampleOpening = "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n"

/// An example tree: ``cellsExampleOpening``, then `body` (the root's nodes, each line starting with a tab, a blank
/// line allowed first), then the root's closing `};`.
func cellsExample(_ body: String) -> String { cellsExampleOpening + body + "\n};" }

/// What the HMP rules' example trees take from a SoC: the remoteproc node, the clock controller and the M core's
/// clock, the MUs, the RPMsg reserved-memory layout and one I2C controller, as the SoC's `.dtsi` and the vendor
/// trees write them. The example builders (``RegionExamples``, ``ClockExamples``, `firmwareTree`, `rprocExample`)
/// take one, `.imx8mp` unless told; a new SoC's examples start with a new profile here. The values are example
/// text, not knowledge: the rules read `schemas/soc/*.yaml` (`ExampleSoCTests` checks that the two agree).
struct ExampleSoC: Sendable {
  /// A `/reserved-memory` child with two address and two size cells.
  struct Region: Sendable {
    var label: String
    var name: String
    var address: UInt64
    var size: UInt64
    var compatible: String? = nil

    private var reg: String { "<\(Self.high(address)) 0x\(Self.low(address)) \(Self.high(size)) 0x\(Self.low(size))>" }
    private static func high(_ v: UInt64) -> String { v >> 32 == 0 ? "0" : "0x" + String(v >> 32, radix: 16) }
    private static func low(_ v: UInt64) -> String { String(v & 0xFFFF_FFFF, radix: 16) }
    private var compatibleProperty: String? { compatible.map { "compatible = \"\($0)\";" } }

    /// `label: name@addr { compatible…; reg = <…>; no-map; };` on one line.
    var line: String {
      let body = [compatibleProperty, "reg = \(reg);", "no-map;"].compactMap { $0 }.joined(separator: " ")
      return "\(label): \(name)@\(Self.low(address)) { \(body) };"
    }

    /// The node over several lines, indented by `indent` tabs, ending in a newline.
    func block(indent: Int) -> String {
      let tabs = String(repeating: "\t", count: indent)
      var s = "\(tabs)\(label): \(name)@\(Self.low(address)) {\n"
      for p in [compatibleProperty, "reg = \(reg);", "no-map;"].compactMap({ $0 }) { s += "\(tabs)\t\(p)\n" }
      return s + "\(tabs)};\n"
    }
  }

  /// A peripheral the M core may own, with its clock root slice.
  struct Peripheral: Sendable {
    var label: String
    var name: String
    var address: UInt32
    var compatibles: String
    var rootClock: Int
    var rootClockMacro: String
  }

  /// The manifest's `soc:` and the schema's name.
  var name: String
  /// The SoC's root `compatible`.
  var rootCompatible: String
  /// How messages and examples name the M core.
  var coreName: String
  /// The remoteproc node's name and `compatible`.
  var remoteproc: String
  var remoteprocCompatible: String
  /// The M core's clock at the clock controller (`clocks = <&clk 85>`), and its binding macro; nil where the
  /// remoteproc node takes none (the i.MX 8ULP's).
  var coreClock: Int?
  var coreClockMacro: String?
  var clockControllerAddress: UInt32
  var clockControllerCompatible: String
  /// The label of the clock controller the example peripheral's clock comes from (`clk`; `pcc3` on the 8ULP).
  var clockControllerLabel: String = "clk"
  /// The MU the M core's RPMsg uses, and a second one the examples leave disabled.
  var muAddress: UInt32
  var secondMUAddress: UInt32
  var muCompatibles: String
  /// The RPMsg layout of the vendor trees (HMPFacts §7.1, §8).
  var vring0: Region
  var vring1: Region
  var resourceTable: Region
  var bufferPool: Region
  /// The region the firmware runs from in DDR.
  var firmware: Region
  /// The peripheral the clock and power examples give the M core.
  var i2c: Peripheral

  /// The i.MX 8M Plus (imx8mp.dtsi; NXP's imx8mp-evk-rpmsg.dts and Toradex's overlays).
  static let imx8mp = ExampleSoC(
    name: "imx8mp", rootCompatible: "fsl,imx8mp", coreName: "M7", remoteproc: "imx8mp-cm7",
    remoteprocCompatible: "fsl,imx8mp-cm7", coreClock: 85, coreClockMacro: "IMX8MP_CLK_M7_DIV",
    clockControllerAddress: 0x3038_0000, clockControllerCompatible: "fsl,imx8mp-ccm", muAddress: 0x30aa_0000,
    secondMUAddress: 0x30e6_0000, muCompatibles: "\"fsl,imx8mp-mu\", \"fsl,imx6sx-mu\"",
    vring0: Region(label: "vdev0vring0", name: "vdev0vring0", address: 0x5500_0000, size: 0x8000),
    vring1: Region(label: "vdev0vring1", name: "vdev0vring1", address: 0x5500_8000, size: 0x8000),
    resourceTable: Region(label: "rsc_table", name: "rsc-table", address: 0x550f_f000, size: 0x1000),
    bufferPool: Region(
      label: "vdevbuffer", name: "vdevbuffer", address: 0x5540_0000, size: 0x10_0000, compatible: "shared-dma-pool"),
    firmware: Region(label: "m7_reserved", name: "m7", address: 0x8000_0000, size: 0x100_0000),
    i2c: Peripheral(
      label: "i2c4", name: "i2c", address: 0x30a5_0000, compatibles: "\"fsl,imx8mp-i2c\", \"fsl,imx21-i2c\"",
      rootClock: 208, rootClockMacro: "IMX8MP_CLK_I2C4_ROOT"))

  /// The i.MX 8M Mini (imx8mm.dtsi; NXP's imx8mm-evk-rpmsg.dts, HMPFacts §7.2, §18): the M4 through MMIO and the
  /// SRC, one MU (`secondMUAddress` 0), the header's M4 clock, the vrings at 0xb8000000.
  static let imx8mm = ExampleSoC(
    name: "imx8mm", rootCompatible: "fsl,imx8mm", coreName: "M4", remoteproc: "imx8mm-cm4",
    remoteprocCompatible: "fsl,imx8mm-cm4", coreClock: 77, coreClockMacro: "IMX8MM_CLK_M4_DIV",
    clockControllerAddress: 0x3038_0000, clockControllerCompatible: "fsl,imx8mm-ccm", muAddress: 0x30aa_0000,
    secondMUAddress: 0, muCompatibles: "\"fsl,imx8mm-mu\", \"fsl,imx6sx-mu\"",
    vring0: Region(label: "vdev0vring0", name: "vdev0vring0", address: 0xb800_0000, size: 0x8000),
    vring1: Region(label: "vdev0vring1", name: "vdev0vring1", address: 0xb800_8000, size: 0x8000),
    resourceTable: Region(label: "rsc_table", name: "rsc-table", address: 0xb80f_f000, size: 0x1000),
    bufferPool: Region(
      label: "vdevbuffer", name: "vdevbuffer", address: 0xb840_0000, size: 0x10_0000, compatible: "shared-dma-pool"),
    firmware: Region(label: "m4_reserved", name: "m4", address: 0x8000_0000, size: 0x100_0000),
    i2c: Peripheral(
      label: "i2c4", name: "i2c", address: 0x30a5_0000, compatibles: "\"fsl,imx8mm-i2c\", \"fsl,imx21-i2c\"",
      rootClock: 167, rootClockMacro: "IMX8MM_CLK_I2C4_ROOT"))

  /// The i.MX 8M Nano (imx8mn.dtsi; NXP's imx8mn-evk-rpmsg.dts, HMPFacts §7.2, §18): SMC method, one MU
  /// (`secondMUAddress` 0: examples with a second MU are the i.MX 8M Plus's), the header's M7 core clock.
  static let imx8mn = ExampleSoC(
    name: "imx8mn", rootCompatible: "fsl,imx8mn", coreName: "M7", remoteproc: "imx8mn-cm7",
    remoteprocCompatible: "fsl,imx8mn-cm7", coreClock: 221, coreClockMacro: "IMX8MN_CLK_M7_CORE",
    clockControllerAddress: 0x3038_0000, clockControllerCompatible: "fsl,imx8mn-ccm", muAddress: 0x30aa_0000,
    secondMUAddress: 0, muCompatibles: "\"fsl,imx8mn-mu\", \"fsl,imx6sx-mu\"",
    vring0: Region(label: "vdev0vring0", name: "vdev0vring0", address: 0xb800_0000, size: 0x8000),
    vring1: Region(label: "vdev0vring1", name: "vdev0vring1", address: 0xb800_8000, size: 0x8000),
    resourceTable: Region(label: "rsc_table", name: "rsc-table", address: 0xb80f_f000, size: 0x1000),
    bufferPool: Region(
      label: "vdevbuffer", name: "vdevbuffer", address: 0xb840_0000, size: 0x10_0000, compatible: "shared-dma-pool"),
    firmware: Region(label: "m_core_reserved", name: "m_core", address: 0x8000_0000, size: 0x100_0000),
    i2c: Peripheral(
      label: "i2c4", name: "i2c", address: 0x30a5_0000, compatibles: "\"fsl,imx8mn-i2c\", \"fsl,imx21-i2c\"",
      rootClock: 148, rootClockMacro: "IMX8MN_CLK_I2C4_ROOT"))

  /// The i.MX 93 (imx93.dtsi, imx93-11x11-evk-common.dtsi; HMPFacts §7.3, §18): the M33 on MU1, the resource
  /// table in the M33's TCM, the vrings outside the translation table's DDR rows (judged by reachability); the
  /// I2C is LPI2C1 with its LPCG gate (HMPFacts §18.10).
  static let imx93 = ExampleSoC(
    name: "imx93", rootCompatible: "fsl,imx93", coreName: "M33", remoteproc: "remoteproc-cm33",
    remoteprocCompatible: "fsl,imx93-cm33", coreClock: 102, coreClockMacro: "IMX93_CLK_CM33_GATE",
    clockControllerAddress: 0x4445_0000, clockControllerCompatible: "fsl,imx93-ccm", muAddress: 0x4423_0000,
    secondMUAddress: 0x4244_0000, muCompatibles: "\"fsl,imx93-mu\", \"fsl,imx8ulp-mu\"",
    vring0: Region(label: "vdev0vring0", name: "vdev0vring0", address: 0xa400_0000, size: 0x8000),
    vring1: Region(label: "vdev0vring1", name: "vdev0vring1", address: 0xa400_8000, size: 0x8000),
    resourceTable: Region(label: "rsc_table", name: "rsc-table", address: 0x2021_e000, size: 0x1000),
    bufferPool: Region(
      label: "vdevbuffer", name: "vdevbuffer", address: 0xa402_0000, size: 0x10_0000, compatible: "shared-dma-pool"),
    firmware: Region(label: "m33_reserved", name: "m33", address: 0xa500_0000, size: 0x100_0000),
    i2c: Peripheral(
      label: "lpi2c1", name: "i2c", address: 0x4434_0000,
      compatibles: "\"fsl,imx93-lpi2c\", \"fsl,imx7ulp-lpi2c\"", rootClock: 142,
      rootClockMacro: "IMX93_CLK_LPI2C1_GATE"))

  /// The i.MX 8ULP (imx8ulp.dtsi, imx8ulp-evk.dts; HMPFacts §18): the M33 attached, never started or clocked by
  /// Linux (no `clocks`), on MU0's A side; the I2C is LPI2C4 with its PCC3 clock (HMPFacts §18.11).
  static let imx8ulp = ExampleSoC(
    name: "imx8ulp", rootCompatible: "fsl,imx8ulp", coreName: "M33", remoteproc: "remoteproc-cm33",
    remoteprocCompatible: "fsl,imx8ulp-cm33", coreClock: nil, coreClockMacro: nil,
    clockControllerAddress: 0x292d_0000, clockControllerCompatible: "fsl,imx8ulp-pcc3", clockControllerLabel: "pcc3",
    muAddress: 0x2922_0000, secondMUAddress: 0x2923_0000, muCompatibles: "\"fsl,imx8ulp-mu\"",
    vring0: Region(label: "vdev0vring0", name: "vdev0vring0", address: 0xaff0_0000, size: 0x8000),
    vring1: Region(label: "vdev0vring1", name: "vdev0vring1", address: 0xaff0_8000, size: 0x8000),
    resourceTable: Region(label: "rsc_table", name: "rsc-table", address: 0x1fff_8000, size: 0x1000),
    bufferPool: Region(
      label: "vdevbuffer", name: "vdevbuffer", address: 0xa840_0000, size: 0x10_0000, compatible: "shared-dma-pool"),
    firmware: Region(label: "m33_reserved", name: "noncacheable-section", address: 0xa860_0000, size: 0x100_0000),
    i2c: Peripheral(
      label: "lpi2c4", name: "i2c", address: 0x2937_0000,
      compatibles: "\"fsl,imx8ulp-lpi2c\", \"fsl,imx7ulp-lpi2c\"", rootClock: 7, rootClockMacro: "IMX8ULP_CLK_LPI2C4"))

  /// `0x30380000`.
  static func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }

  /// The remoteproc node's first lines, `indent` tabs deep: name, `compatible`, and `clocks` when `clocks` says
  /// (`comment`: the binding macro after it); ends in a newline, without the closing brace.
  func remoteprocOpening(indent: Int = 1, clocks: Bool = true, comment: Bool = false) -> String {
    let tabs = String(repeating: "\t", count: indent)
    var s = "\(tabs)\(remoteproc) {\n\(tabs)\t" + "compatible = \"\(remoteprocCompatible)\";\n"
    if clocks, let coreClock {
      s += "\(tabs)\tclocks = <&clk \(coreClock)>;" + (comment ? " /* \(coreClockMacro ?? "") */" : "") + "\n"
    }
    return s
  }

  /// The RPMsg MU as one line (`mu: mailbox@… { compatible…; reg…; #mbox-cells = <2>; };`), 2+2 cells.
  var muLine: String {
    "mu: mailbox@\(String(muAddress, radix: 16)) { compatible = \(muCompatibles); "
      + "reg = <0 \(Self.hex(muAddress)) 0 0x10000>; #mbox-cells = <2>; };"
  }

  /// The clock controller as one line, 2+2 cells.
  var clockControllerLine: String {
    "clk: clock-controller@\(String(clockControllerAddress, radix: 16)) { "
      + "reg = <0 \(Self.hex(clockControllerAddress)) 0 0x10000>; #clock-cells = <1>; };"
  }

  /// The RPMsg regions in the order of NXP's `memory-region` lists' regions (vrings, table, buffer pool).
  var rpmsgRegions: [Region] { [vring0, vring1, resourceTable, bufferPool] }
}
