import DTCore
import DTYAML
import Foundation
import Testing

@testable import DTHMP

/// The M7's Zephyr device tree as `--m7` input (issue 19): detection, compiling, what it claims, errors.
@Suite struct ZephyrTreeTests {
  static let dir = Package.fixture("zephyr")
  static let board = dir + "/board.dts"

  @Test func detectsTreesByExtensionAndContent() throws {
    let t = try TempDir()
    #expect(ZephyrTree.looksLikeDeviceTree(path: Self.board))
    #expect(ZephyrTree.looksLikeDeviceTree(path: "app.overlay"))
    #expect(!ZephyrTree.looksLikeDeviceTree(path: "m7.yaml"))
    let merged = try t.write("zephyr-merged", "/* generated */\n// by a build\n\n/dts-v1/;\n/ { };\n")
    #expect(ZephyrTree.looksLikeDeviceTree(path: merged))
    let yaml = try t.write("m7-manifest", "soc: imx8mp\n# /dts-v1/ in a comment\n")
    #expect(!ZephyrTree.looksLikeDeviceTree(path: yaml))
    let blob = try t.write("firmware-tree", bytes: [0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 0])
    #expect(ZephyrTree.looksLikeDeviceTree(path: blob))
  }

  @Test func boardTreeAloneIsAManifest() throws {
    let m = try M7Manifest.load(path: Self.board)
    #expect(m.soc.name == "imx8mp")
    let z = try #require(m.zephyr)
    // Enabled devices only; the GPIO controller, the clock and pin controllers, memories and the NVIC are not claims.
    #expect(z.devices.map(\.name) == ["uart4", "i2c3"])
    #expect(z.devices.map(\.address) == [0x30a6_0000, 0x30a4_0000])
    #expect(m.peripherals.map(\.ref) == [.unitAddress(0x30a6_0000), .unitAddress(0x30a4_0000)])
    #expect(m.peripherals.map(\.text) == ["uart4 (zephyr,console)", "i2c3"])
    // Each claim names the Zephyr file and line where the firmware enables the node.
    let uartLine = try lineNumber(of: "status = \"okay\";", in: Self.board, after: "&uart4 {")
    #expect(m.peripherals[0].source?.hasSuffix("board.dts:\(uartLine)") == true)
    #expect(z.console?.path == "/soc/uart@30a60000")
    #expect(z.ipc == nil && z.ipcShm == nil)
    // Pads: the pinctrl groups of enabled nodes, decoded from absolute IOMUXC addresses through the pad table.
    #expect(z.pads.map(\.pad) == ["UART4_RXD", "UART4_TXD", "I2C3_SCL", "I2C3_SDA"])
    #expect(z.pads.map(\.function) == ["UART4_DCE_RX", "UART4_DCE_TX", "I2C3_SCL", "I2C3_SDA"])
    #expect(z.pads[0].user == "uart4")
    // GPIO lines: from the `gpios` user, not from the controller's list; the pad is the one with that function.
    #expect(z.gpios.count == 1)
    #expect(
      z.gpios.first.map { ($0.bank, $0.pin, $0.pad, $0.function) } ?? (0, 0, nil, "") == (
        5, 20, "I2C4_SCL", "GPIO5_IO20"
      ))
    let ledLine = try lineNumber(of: "gpios = <&gpio5 20 0>;", in: Self.board)
    #expect(z.gpios.first?.location.line == ledLine)
    // Without a .config the vring numbers are not the firmware's; Linux places the vrings.
    #expect(!m.vringNumbersKnown && !m.firmwarePlacesVrings)
    #expect(m.rpmsg.vringAlign == 16)
    let inputs = try m.loadInputs()
    #expect(inputs.pads.map(\.name) == ["UART4_RXD", "UART4_TXD", "I2C3_SCL", "I2C3_SDA", "I2C4_SCL"])
    #expect(inputs.pads.last?.origin == .zephyr(location: z.gpios[0].location.description))
  }

  @Test func manifestNamesTreeOverlaysAndConfig() throws {
    let t = try TempDir()
    let manifest = try t.write(
      "m7.yaml",
      """
      soc: imx8mp
      peripherals: [uart4]
      zephyr:
        dts: \(Self.board)
        overlays: [\(Self.dir)/rpmsg.overlay]
        config: \(Self.dir)/zephyr.config
      """)
    let m = try M7Manifest.load(path: manifest)
    let z = try #require(m.zephyr)
    #expect(z.ipc?.address == 0x30ab_0000 && z.ipc?.compatible == ["nxp,imx-mu"])
    #expect(z.ipcShm?.address == 0x5500_0000 && z.ipcShm?.size == 0x50_0000)
    #expect(z.ipcShm?.chosenAt?.file.hasSuffix("rpmsg.overlay") == true)
    // The MU is checked against Linux's mboxes, not claimed as a peripheral; uart4 is listed once (by label).
    #expect(m.peripherals.map(\.text) == ["uart4", "uart4 (zephyr,console)", "i2c3"])
    #expect(m.zephyrConfig?.bufferCount == 8 && m.zephyrConfig?.ipmRxID == 1 && m.zephyrConfig?.ipmTxID == 0)
    #expect(m.rpmsg.bufferCount == 8 && m.rpmsg.vringAlign == 16 && m.vringNumbersKnown)
    #expect(z.files.contains { $0.hasSuffix("rpmsg.overlay") } && z.files.contains { $0.hasSuffix("m7-soc.dtsi") })
  }

  @Test func manifestRPMsgOverridesWinOverTheConfig() throws {
    let t = try TempDir()
    let m = try M7Manifest.parse(
      "soc: imx8mp\nzephyr: {dts: \(Self.board), config: \(Self.dir)/zephyr.config}\nrpmsg: {buffer-count: 64}\n",
      path: t.url.appendingPathComponent("m7.yaml").path)
    #expect(m.rpmsg.bufferCount == 64 && m.vringNumbersKnown)
  }

  @Test func treeErrorsNameTheFileAndLine() throws {
    let t = try TempDir()
    _ = try t.write("soc.dtsi", "/ {\n\tsoc {\n\t\tbroken = <1 2;\n\t};\n};\n")
    let bad = try t.write("bad.dts", "/dts-v1/;\n#include \"soc.dtsi\"\n")
    let e1 = #expect(throws: InputError.self) { try M7Manifest.load(path: bad) }
    #expect(e1?.path.hasSuffix("soc.dtsi") == true && e1?.line == 3)
    #expect(e1?.message.hasPrefix("Zephyr device tree does not compile") == true)

    let missing = try t.write("missing.dts", "/dts-v1/;\n#include <nxp/imx/nxp_imx8ml_m7.dtsi>\n/ { };\n")
    let e2 = #expect(throws: InputError.self) { try M7Manifest.load(path: missing) }
    #expect(e2?.path.hasSuffix("missing.dts") == true && e2?.line == 2)
    #expect(e2?.message.contains("nxp/imx/nxp_imx8ml_m7.dtsi") == true)

    let noMU = try t.write("nomu.dts", "/dts-v1/;\n/ { soc { }; };\n")
    let e3 = #expect(throws: InputError.self) { try M7Manifest.load(path: noMU) }
    #expect(e3?.message.contains("cannot tell the SoC") == true)
    #expect(e3?.message.contains("soc: imx8mp") == true)
  }

  @Test func manifestZephyrKeyErrorsNameTheManifestLine() throws {
    let t = try TempDir()
    let m1 = try t.write("a.yaml", "soc: imx8mp\nzephyr: build/zephyr/zephyr.dts\n")
    let e1 = #expect(throws: InputError.self) { try M7Manifest.load(path: m1) }
    #expect(e1?.path == m1 && e1?.line == 2 && e1?.key == "zephyr")
    #expect(e1?.message.contains("no such file 'build/zephyr/zephyr.dts'") == true)

    let m2 = try t.write("b.yaml", "soc: imx8mp\nzephyr:\n  dts: \(Self.board)\n  include: [no-such-dir]\n")
    let e2 = #expect(throws: InputError.self) { try M7Manifest.load(path: m2) }
    #expect(e2?.line == 4 && e2?.key == "zephyr.include[0]" && e2?.message.contains("no such directory") == true)

    let m3 = try t.write("c.yaml", "soc: imx8mp\nzephyr: {board: x.dts}\n")
    let e3 = #expect(throws: InputError.self) { try M7Manifest.load(path: m3) }
    #expect(e3?.key == "zephyr.board" && e3?.message.contains("unknown key") == true)

    let config = try t.write("bad.config", "CONFIG_OPENAMP=y\nCONFIG_OPENAMP_RSC_TABLE_NUM_RPMSG_BUFF=eight\n")
    let m4 = try t.write("d.yaml", "soc: imx8mp\nzephyr: {dts: \(Self.board), config: bad.config}\n")
    let e4 = #expect(throws: InputError.self) { try M7Manifest.load(path: m4) }
    #expect(e4?.path == config && e4?.line == 2 && e4?.message.contains("expected a number, found 'eight'") == true)
  }

  @Test func configParsing() throws {
    let c = try ZephyrConfig.parse(
      "# comment\nCONFIG_OPENAMP_RSC_TABLE=y\nCONFIG_OPENAMP_RSC_TABLE_NUM_RPMSG_BUFF=0x10\n", path: "x")
    #expect(c.resourceTable && c.bufferCount == 16 && c.bufferCountLine == 3 && c.ipmRxID == nil)
    #expect(throws: InputError.self) { try ZephyrConfig.parse("soc: imx8mp\n", path: "x") }
    #expect(throws: InputError.self) { try ZephyrConfig.parse("# only comments\n", path: "x") }
  }

  func lineNumber(of text: String, in path: String, after: String? = nil) throws -> Int {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    let start = try after.map { a in try #require(lines.firstIndex { $0.contains(a) }) } ?? 0
    return try #require(lines[start...].firstIndex { $0.contains(text) }) + 1
  }
}

/// The real Zephyr board trees of the corpus (`../shared/corpus/zephyr`), compiled as its README says.
@Suite(.enabled(if: ZephyrCorpus.available, "skipped: ../shared/corpus/zephyr is missing"))
struct ZephyrCorpusTreeTests {
  @Test func verdinBoardClaims() throws {
    let (z, soc) = try ZephyrTree.load(ZephyrCorpus.verdin(), soc: nil)
    #expect(soc.name == "imx8mp")
    // README: enabled uart4, pwm1, pwm2 (+ gpio3, mailbox0, iomuxc, which are not claims); uart1 stays disabled.
    #expect(z.devices.map(\.name) == ["uart4", "pwm1", "pwm2"])
    #expect(z.console?.path == "/soc/uart@30a60000")
    #expect(Set(z.pads.map(\.pad)) == ["UART4_RXD", "UART4_TXD", "SPDIF_EXT_CLK", "GPIO1_IO11"])
    #expect(z.pads.first { $0.pad == "GPIO1_IO11" }?.function == "PWM2_OUT")
    #expect(z.gpios.isEmpty && z.ipc == nil && z.ipcShm == nil)
    // uart4 is enabled in the board file; its node is the SoC dtsi's.
    #expect(z.devices[0].location.file.hasSuffix("verdin_imx8mp_mimx8ml8_m7.dts"))
  }

  @Test func evkWithTheOpenAMPOverlay() throws {
    let (z, _) = try ZephyrTree.load(ZephyrCorpus.evk(overlay: true), soc: nil)
    #expect(z.devices.map(\.name) == ["uart4"])
    #expect(z.ipc?.path == "/soc/mailbox@30ab0000" && z.ipc?.address == 0x30ab_0000)
    #expect(z.ipcShm?.path == "/memory@55000000" && z.ipcShm?.size == 0x50_0000)
    #expect(z.ipcShm?.location.file.hasSuffix("imx8mp_evk_mimx8ml8_m7.overlay") == true)
    #expect(Set(z.pads.map(\.pad)) == ["UART4_RXD", "UART4_TXD"])
  }

  @Test func expectedMergedTreeReadsTheSame() throws {
    let (merged, _) = try ZephyrTree.load(
      ZephyrTree.Sources(dts: ZephyrCorpus.root + "/expected/imx8mp_evk_mimx8ml8_m7.dts"), soc: nil)
    let (compiled, _) = try ZephyrTree.load(ZephyrCorpus.evk(overlay: true), soc: nil)
    #expect(merged.devices.map(\.address) == compiled.devices.map(\.address))
    #expect(merged.pads.map(\.pad) == compiled.pads.map(\.pad))
    #expect(merged.ipc?.address == compiled.ipc?.address && merged.ipcShm?.size == compiled.ipcShm?.size)
    #expect(merged.console?.path == compiled.console?.path)
  }
}

/// Paths and flags of the corpus README's commands.
enum ZephyrCorpus {
  static let root = Package.root.deletingLastPathComponent().appendingPathComponent("shared/corpus/zephyr").path
  static var available: Bool { FileManager.default.fileExists(atPath: root + "/README.md") }
  static var includes: [String] {
    ["zephyr/include", "zephyr/dts", "zephyr/dts/common", "zephyr/dts/arm", "hal_nxp/dts"].map { root + "/" + $0 }
  }
  /// The README's stand-ins for the PWMn clock macros its imx_ccm.h lacks.
  static let defines = (1...4).map { "IMX_CCM_PWM\($0)_CLK=IMX_CCM_PWM_CLK" }

  static func verdin() -> ZephyrTree.Sources {
    ZephyrTree.Sources(
      dts: root + "/zephyr/boards/toradex/verdin_imx8mp/verdin_imx8mp_mimx8ml8_m7.dts", includePaths: includes,
      defines: defines)
  }

  static func evk(overlay: Bool) -> ZephyrTree.Sources {
    ZephyrTree.Sources(
      dts: root + "/zephyr/boards/nxp/imx8mp_evk/imx8mp_evk_mimx8ml8_m7.dts",
      overlays: overlay
        ? [root + "/zephyr/samples/subsys/ipc/openamp_rsc_table/boards/imx8mp_evk_mimx8ml8_m7.overlay"] : [],
      includePaths: includes + [root + "/shim"], defines: defines)
  }
}
