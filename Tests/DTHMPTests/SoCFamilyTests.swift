import DTCore
import DTYAML
import Foundation
import Testing

@testable import DTHMP

/// Issue 18: the SoC profiles beyond the i.MX 8M Plus (HMPFacts §18), read from the bundled files.
@Suite struct SoCFamilyTests {
  static let socs = ["imx8mm", "imx8mn", "imx93", "imx8ulp", "imx95"]

  /// Every profile loads, is found by its root compatible and names its M core.
  @Test func everyProfileLoads() throws {
    #expect(Set(SoCProfile.knownNames) == Set(Self.socs + ["imx8mp"]))
    let cores = ["imx8mm": "M4", "imx8mn": "M7", "imx93": "M33", "imx8ulp": "M33", "imx95": "M7", "imx8mp": "M7"]
    for name in Self.socs + ["imx8mp"] {
      let soc = try SoCProfile.load(name: name)
      #expect(soc.rootCompatible == "fsl,\(name)")
      #expect(soc.coreName == cores[name], "\(name)")
      #expect(soc.mailboxes.forMCore != nil, "\(name)")
      #expect(soc.peripherals.count > 15, "\(name): \(soc.peripherals.count)")
      #expect(soc.pads.pads.count > 80, "\(name)")
    }
    #expect(try SoCProfile.load(name: "imx8mp").chipName == "i.MX 8M Plus")
    #expect(try SoCProfile.load(name: "imx93").chipName == "i.MX 93")
  }

  /// The driver method per compatible (HMPFacts §1.1, §18.1): MMIO without GPR on the 8M Mini, SMC on the 93,
  /// none on the 8ULP, the System Manager on the 95; no clock where the node takes none.
  @Test func remoteprocMethods() throws {
    let mm = try SoCProfile.load(name: "imx8mm").remoteproc
    #expect(mm.preferred?.compatible == "fsl,imx8mm-cm4" && mm.preferred?.method == .mmio)
    #expect(mm.preferred?.driverConfig == "imx_rproc_cfg_imx8mq" && mm.preferred?.needs == ["syscon"])
    #expect(mm.srcLabel == "src" && mm.gprLabel == nil && mm.smcFunction == nil)
    #expect(mm.clock?.name == "IMX8MM_CLK_M4_DIV" && mm.clock?.id == 77)
    let mn = try SoCProfile.load(name: "imx8mn").remoteproc
    #expect(mn.compatible("fsl,imx8mn-cm7")?.method == .smc && mn.compatible("fsl,imx8mn-cm7-mmio")?.method == .mmio)
    #expect(mn.gpr22Offset == 0x58 && mn.smcFunction == 0xC200_0005)
    #expect(mn.clock?.provenance.status == .inference)
    let m93 = try SoCProfile.load(name: "imx93").remoteproc
    #expect(m93.preferred?.method == .smc && m93.clock?.name == "IMX93_CLK_CM33_GATE" && m93.clock?.id == 102)
    let ulp = try SoCProfile.load(name: "imx8ulp").remoteproc
    #expect(ulp.preferred?.method == Optional(RprocCompatible.Method.none) && ulp.clock == nil && ulp.srcLabel == nil)
    let m95 = try SoCProfile.load(name: "imx95")
    #expect(m95.remoteproc.preferred?.method == .sm && m95.remoteproc.clock == nil)
    #expect(m95.remoteproc.systemManager?.note?.contains("fsl,cpu-id") == true)
    #expect(m95.clockControl?.owner == .systemManager && m95.clocks == nil)
  }

  /// Which MU the M core uses and its side (rpmsg-lite platform headers, HMPFacts §18.2).
  @Test func mCoreMailboxes() throws {
    let m93 = try #require(try SoCProfile.load(name: "imx93").mailboxes.forMCore)
    #expect(m93.label == "mu1" && m93.node.unitAddress == 0x4423_0000 && m93.mSide?.instance == "MU1_MUA")
    #expect(m93.mSide?.base == nil && m93.defaultStatus == "disabled")
    let m95 = try #require(try SoCProfile.load(name: "imx95").mailboxes.forMCore)
    #expect(m95.label == "mu7" && m95.mSide?.instance == "MU7_MUB" && m95.mSide?.irqName == "MU7_B_IRQn")
    #expect(try SoCProfile.load(name: "imx8ulp").mailboxes.forMCore?.label == "mu")
    #expect(try SoCProfile.load(name: "imx8mm").mailboxes.forMCore?.mSide?.irqName == "MU_M4_IRQn")
  }

  /// The address tables (ML-RPROC imx_rproc_att_imx8mq/imx93/imx8ulp, NXP-NEW imx_rproc_att_imx95_m7).
  @Test func addressTranslation() throws {
    let mm = try SoCProfile.load(name: "imx8mm").addressTranslation
    #expect(mm.rows.count == 11 && mm.systemAddress(da: 0x1FFE_0000, length: 0x100) == 0x7E_0000)
    #expect(mm.systemAddress(da: 0xB800_0000, length: 0x8000) == 0xB800_0000 && mm.windowCheck == .attIdentity)
    let m93 = try SoCProfile.load(name: "imx93").addressTranslation
    #expect(m93.systemAddress(da: 0x2001_E000, length: 0x1000) == 0x2021_E000)  // TCM SYS
    #expect(m93.systemAddress(da: 0xA400_0000, length: 0x8000) == nil)  // the EVK's vrings: outside every row
    #expect(m93.windowCheck == .reachable)
    let ulp = try SoCProfile.load(name: "imx8ulp").addressTranslation
    #expect(ulp.systemAddress(da: 0x1FFF_8000, length: 0x1000) == 0x1FFF_8000)
    let m95 = try SoCProfile.load(name: "imx95").addressTranslation
    #expect(m95.systemAddress(da: 0x8800_0000, length: 0x8000) == 0x8800_0000 && m95.rows.count == 3)
  }

  /// SDK defaults: 8MM/8MN vrings at 0xb8000000, 93 at 0xa4000000 with two vdevs and the table in M33 TCM.
  @Test func rpmsgDefaults() throws {
    for name in ["imx8mm", "imx8mn"] {
      let d = try SoCProfile.load(name: name).rpmsgDefaults
      #expect(d.vringBase == 0xB800_0000 && d.resourceTable == 0xB80F_F000 && d.vdevCount == 1, "\(name)")
      #expect(d.highestLinkID == 15 && d.muChannel == 1)
    }
    let d = try SoCProfile.load(name: "imx93").rpmsgDefaults
    #expect(d.vringBase == 0xA400_0000 && d.vdevCount == 2 && d.vringAddress(2) == 0xA401_0000)
    #expect(d.resourceTable == 0x2021_E000 && d.highestLinkID == 1 && d.linkID == 1)
    #expect(try SoCProfile.load(name: "imx8ulp").rpmsgDefaults.highestLinkID == 9)
    #expect(try SoCProfile.load(name: "imx95").rpmsgDefaults.vringBase == 0x8800_0000)
  }

  /// A vdev count beyond the SoC's RL_PLATFORM_HIGHEST_LINK_ID is refused, naming the SoC.
  @Test func vdevCountBoundedPerSoC() throws {
    let text = try #require(KnowledgeBundle.text("soc/imx93.yaml")).replacingOccurrences(
      of: "  vdev-count: 2\n", with: "  vdev-count: 3\n")
    let node = try #require(try YAMLReader.compose(text, path: "imx93.yaml"))
    let e = inputError { try SoCProfile.parse(node, path: "imx93.yaml") }
    #expect(e?.key == "rpmsg-defaults.vdev-count")
    #expect(e?.message.contains("RL_PLATFORM_HIGHEST_LINK_ID (1 on the i.MX 93") == true, "\(String(describing: e))")
  }

  /// A method's section must be there when a compatible uses it, and only then.
  @Test func methodSectionsMatchTheCompatibles() throws {
    let base = try #require(KnowledgeBundle.text("soc/imx8mm.yaml"))
    let noMMIO = base.replacingOccurrences(
      of: "  mmio:\n    src-label: src\n    src-scr-offset: 0x0C\n    source: HMPFacts §1.1 (IMX7D_SRC_SCR)\n", with: ""
    )
    #expect(noMMIO != base)
    let e1 = inputError {
      try SoCProfile.parse(try #require(try YAMLReader.compose(noMMIO, path: "x.yaml")), path: "x.yaml")
    }
    #expect(
      e1?.message.contains("uses method mmio but remoteproc.mmio is missing") == true, "\(String(describing: e1))")
    let extraSMC = base.replacingOccurrences(of: "  mmio:\n", with: "  smc:\n    sip-function: 1\n  mmio:\n")
    let e2 = inputError {
      try SoCProfile.parse(try #require(try YAMLReader.compose(extraSMC, path: "x.yaml")), path: "x.yaml")
    }
    #expect(e2?.message.contains("no compatible uses method smc") == true, "\(String(describing: e2))")
  }

  /// The i.MX 8M Mini's clock table (clk-imx8mm.c, HMPFacts §18.7); the 95 has none (System Manager).
  @Test func imx8mmClocks() throws {
    let c = try #require(try SoCProfile.load(name: "imx8mm").clocks)
    #expect(c.mcoreBootedParameter == "clk-imx8mm.mcore_booted" && c.rootEnableBit == 28)
    let uart4 = try #require(c.peripheral(label: "uart4"))
    #expect(uart4.gate?.name == "IMX8MM_CLK_UART4_ROOT" && uart4.gate?.offset == 0x44C0)
    #expect(
      uart4.slice?.name == "IMX8MM_CLK_UART4" && uart4.slice?.offset == 0xB080 && uart4.slice?.driverName == "uart4")
    let wdog = try #require(c.peripheral(label: "wdog2")?.slice)
    #expect(c.sharing(slice: wdog).map(\.label) == ["wdog1", "wdog2", "wdog3"])
    #expect(c.peripheral(label: "gpio3")?.slice == nil && c.powerDomains.count == 12)
    // No peripheral of the table sits in a GPC domain (HMPFacts §18.9).
    #expect(c.peripherals.allSatisfy { $0.powerDomain == nil })
    let mn = try #require(try SoCProfile.load(name: "imx8mn").clocks)
    #expect(mn.mcoreBootedParameter == "clk-imx8mn.mcore_booted")
    #expect(
      mn.peripheral(label: "sai7")?.gate?.offset == 0x4650 && mn.peripheral(label: "sai7")?.slice?.offset == 0xC300)
    #expect(try SoCProfile.load(name: "imx95").clocks == nil)
    // The 93 (HMPFacts §18.10): OFF bit 24, the access-control note, protection per flavor.
    let n93 = try #require(try SoCProfile.load(name: "imx93").clocks)
    #expect(n93.rootBitSense == .off && n93.rootEnableBit == 24 && n93.rootBitPhrase == "off bit 24")
    #expect(n93.gateAccess?.text.contains("AUTHEN") == true)
    let lpuart2 = try #require(n93.peripheral(label: "lpuart2"))
    #expect(lpuart2.gate?.offset == 0x8D40 && lpuart2.slice?.offset == 0x0D00 && lpuart2.slice?.id == 36)
    #expect(n93.kernelProtection?["nxp-6"]?.mcoreBooted.effect == .rootGateNeverDisables)
    #expect(n93.kernelProtection?["mainline"]?.mcoreBooted.effect == .unknown)
    #expect(n93.kernelProtection?["nxp-6"]?.initOnArray.read == true)
    #expect(c.kernelProtection == nil && c.rootBitSense == .enable)
    // The 93's LPCGs are judged alone (HMPFacts §18.10): mcore_booted spares none of them, in the code read.
    #expect(n93.gateNoun == "LPCG" && n93.sliceNoun == "clock root" && n93.gateSweep?.provenance.status == .inference)
    #expect(n93.kernelProtection?["mainline"]?.gateMcoreBooted?.effect == KernelFlavor.ClockProtection.Effect.none)
    #expect(n93.kernelProtection?["mainline"]?.gateMcoreBooted?.provenance.status == .verified)
    #expect(n93.kernelProtection?["nxp-6"]?.gateMcoreBooted?.provenance.status == .inference)
    // The 8M's CCGR gates are not judged alone (per-domain fields, HMPFacts §13.3).
    #expect(c.gateSweep == nil && c.sliceNoun == "clock root slice")
  }

  /// The i.MX 8ULP's table (HMPFacts §18.11): PCC3/PCC4/PCC5 clocks, cleared at registration by every driver read,
  /// no mcore_booted parameter, warnings only (the INUSE bit), the real-time domain as the fix.
  @Test func imx8ulpClocks() throws {
    let c = try #require(try SoCProfile.load(name: "imx8ulp").clocks)
    #expect(c.mcoreBootedParameter == nil && c.rootEnableBit == 30 && c.providers == ["pcc3", "pcc4", "pcc5"])
    let lpi2c4 = try #require(c.peripheral(label: "lpi2c4"))
    #expect(c.provider(of: lpi2c4) == "pcc3" && lpi2c4.slice?.id == 7 && lpi2c4.slice?.offset == 0xDC)
    #expect(c.clock(id: 7)?.1.label == "lpi2c4")
    // The same ID at another PCC is another clock.
    #expect(c.clock(id: 7, provider: "pcc4")?.1.label == "sai4")
    #expect(c.peripheral(label: "gpioe")?.gate?.offset == 0x78 && c.peripheral(label: "gpioe")?.slice == nil)
    #expect(c.gateAccess?.provenance.status == .notVerified && c.fixHint?.contains("real-time domain") == true)
    for flavor in ["mainline", "nxp-6", "nxp-5.15"] {
      let p = try #require(c.kernelProtection?[flavor], "\(flavor)")
      #expect(p.clearedAtRegistration?.always == true && p.mcoreBooted.effect == .none && !p.initOnArray.read)
      #expect((p.clearedAtRegistration?.bypass != nil) == flavor.hasPrefix("nxp"), "\(flavor)")
    }
    #expect(c.kernelProtection?["mainline"]?.provenance.status == .verified)
    #expect(c.kernelProtection?["nxp-6"]?.provenance.status == .inference)
    #expect(c.kernelProtection?["nxp-5.4"] == nil)
  }

  /// Every 8ULP table entry is the header's ID and the `.dtsi`'s clock of that node (corpus copies).
  @Test(.enabled(if: Package.corpusAvailable)) func imx8ulpClocksMatchTheHeaderAndTheDtsi() throws {
    let header = try String(
      contentsOf: Package.corpus.appendingPathComponent("include/dt-bindings/clock/imx8ulp-clock.h"), encoding: .utf8)
    var ids: [String: UInt32] = [:]
    for m in header.matches(of: /#define\s+(IMX8ULP_CLK_\w+)\s+(\d+)/) { ids[String(m.1)] = UInt32(m.2) }
    let dtsi = try String(
      contentsOf: Package.corpus.appendingPathComponent("src/arm64/freescale/imx8ulp.dtsi"), encoding: .utf8)
    let soc = try SoCProfile.load(name: "imx8ulp")
    let c = try #require(soc.clocks)
    #expect(c.peripherals.count == 20)
    for p in c.peripherals {
      let clock = try #require(p.slice ?? p.gate)
      #expect(ids[clock.name] == clock.id, "\(p.label): \(clock.name)")
      // The node's block in the .dtsi names this clock of this PCC first.
      let node = try #require(soc.peripheral(label: p.label))
      let start = try #require(dtsi.range(of: "\t\(p.label): ")?.upperBound, "\(p.label)")
      let block = dtsi[start...].prefix { $0 != "}" }
      #expect(block.contains("clocks = <&\(c.provider(of: p)) \(clock.name)>"), "\(p.label) at \(node.node.path)")
    }
  }

  /// The 8M Mini header has one underscore between pad and function; the 8ULP's entries have five cells.
  @Test func padTables() throws {
    let mm = try SoCProfile.load(name: "imx8mm").pads
    let rx = try #require(mm.pad(named: "UART4_RXD"))
    // MX8MM_IOMUXC_UART4_RXD_UART4_DCE_RX 0x24C 0x4B4 0x50C 0x0 0x2
    #expect(rx.muxReg == 0x24C && rx.confReg == 0x4B4 && rx.function("UART4_DCE_RX")?.inputReg == 0x50C)
    let m93 = try SoCProfile.load(name: "imx93").pads
    // MX93_PAD_DAP_TDI__JTAG_MUX_TDI 0x0000 0x01B0 0x03D8 0x0 0x0: a pad whose mux register is at offset 0.
    let tdi = try #require(m93.decode(fslPins: [0, 0x1B0, 0x3D8, 0, 0, 0x31e][...]))
    #expect(tdi.pad.name == "DAP_TDI" && tdi.functions.map(\.name) == ["JTAG_MUX_TDI"])
    let ulp = try SoCProfile.load(name: "imx8ulp").pads
    #expect(ulp.pinCells == 5 && mm.pinCells == 6)
    let ptf = try #require(ulp.pads.first { $0.name == "PTF1" })
    #expect(ptf.confReg == ptf.muxReg)
    let fn = try #require(ptf.functions.first)
    let decoded = ulp.decode(fslPins: [ptf.muxReg, fn.inputReg, fn.mode, fn.inputVal, 0x20])
    #expect(decoded.count == 1 && decoded[0]?.pad.name == "PTF1" && decoded[0]?.config == 0x20)
  }

  /// Each pad table is what Scripts/gen-pad-table.py makes of the SoC's header (corpus copy).
  @Test(.enabled(if: Package.corpusAvailable), arguments: socs) func padTableIsGenerated(soc: String) {
    let header = Package.corpus.appendingPathComponent("src/arm64/freescale/\(soc)-pinfunc.h").path
    let r = Package.run(["python3", "Scripts/gen-pad-table.py", header, "--soc", soc, "--check"])
    #expect(r.status == 0, "\(r.output)")
  }
}

/// Issue 18, item B: the new board profiles, detected from the root compatible.
@Suite struct BoardFamilyTests {
  @Test(arguments: [
    (
      ["toradex,verdin-imx8mm-wifi-dev", "toradex,verdin-imx8mm-wifi", "toradex,verdin-imx8mm", "fsl,imx8mm"],
      "verdin-imx8mm", "wifi"
    ),
    (
      ["toradex,verdin-imx8mm-nonwifi-ivy", "toradex,verdin-imx8mm-nonwifi", "toradex,verdin-imx8mm", "fsl,imx8mm"],
      "verdin-imx8mm", "nonwifi"
    ),
    (
      ["toradex,verdin-imx95-wifi-dev", "toradex,verdin-imx95-wifi", "toradex,verdin-imx95", "fsl,imx95"],
      "verdin-imx95", "wifi"
    ),
    (["fsl,imx8mm-evk", "fsl,imx8mm"], "imx8mm-evk", "evk"), (["fsl,imx8mn-evk", "fsl,imx8mn"], "imx8mn-evk", "evk"),
    (["fsl,imx93-11x11-evk", "fsl,imx93"], "imx93-11x11-evk", "evk"),
    (["fsl,imx8ulp-evk", "fsl,imx8ulp"], "imx8ulp-evk", "evk"),
  ]) func detectedFromTheRootCompatible(root: [String], board: String, sku: String) throws {
    let b = try #require(BoardProfile.detect(rootCompatible: root))
    #expect(b.name == board)
    #expect(b.sku(rootCompatible: root)?.name == sku)
  }

  /// The M-core debug UARTs (HMPFacts §18.8): verified where an SDK board.h or the tree says so.
  @Test func debugUARTs() throws {
    let mm = try BoardProfile.load(name: "verdin-imx8mm")
    #expect(mm.m7DebugUART?.label == "uart4" && mm.m7DebugUART?.pads == ["UART4_RXD", "UART4_TXD"])
    #expect(mm.m7DebugUART?.provenance.status == .verified && mm.interfaceFamily == "Verdin")
    #expect(
      mm.sku(named: "wifi")?.hogs.map(\.group) == ["pinctrl_gpio_hog1", "pinctrl_gpio_hog2", "pinctrl_gpio_hog3"])
    #expect(mm.label(forInterface: "UART_3") == "uart1")
    let m95 = try BoardProfile.load(name: "verdin-imx95")
    #expect(m95.m7DebugUART?.label == "lpuart2" && m95.m7DebugUART?.provenance.status == .inference)
    #expect(m95.sku(named: "wifi")?.enables.map(\.label) == ["lpuart6"])
    #expect(try BoardProfile.load(name: "imx93-11x11-evk").m7DebugUART?.provenance.status == .inference)
    #expect(try BoardProfile.load(name: "imx8ulp-evk").m7DebugUART == nil)
    #expect(try BoardProfile.load(name: "imx8mm-evk").baseHasReservedMemory == false)
    #expect(try BoardProfile.load(name: "imx93-11x11-evk").baseHasReservedMemory)
  }
}
