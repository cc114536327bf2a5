import DTYAML
import Foundation
import Testing

@testable import DTHMP

@Suite struct PinMuxTests {
  static func header() throws -> IOMUXCHeader { try IOMUXCHeader.read(path: Package.fixture("fsl_iomuxc.h")) }

  @Test func headerMacros() throws {
    let h = try Self.header()
    #expect(h.macros.count == 9)
    let rx = try #require(h.macros["IOMUXC_UART4_RXD_UART4_RX"])
    #expect(rx.muxRegister == 0x3033_0238 && rx.muxMode == 0 && rx.inputRegister == 0x3033_0600)
    #expect(rx.inputDaisy == 8 && rx.configRegister == 0x3033_0498)
    // Spliced over two lines; tabs and a comment inside.
    #expect(h.macros["IOMUXC_UART4_TXD_UART4_TX"]?.configRegister == 0x3033_049C)
    #expect(h.macros["IOMUXC_ECSPI2_SCLK_UART4_RX"]?.muxMode == 1)
    #expect(h.macros["IOMUXC_DEBUG_UART_RX"]?.muxRegister == 0x3033_0238)
    #expect(h.macros["IOMUXC_SW_PAD_CTL_PAD_DSE"] == nil)
    #expect(h.macros["IOMUXC_SW_PAD_CTL_PAD_DSE_MASK"] == nil)
  }

  /// The fixture's values are the pad table's (base + offset), as HMPFacts §9 maps them.
  @Test func headerAgreesWithThePadTable() throws {
    let soc = try SoCProfile.load(name: "imx8mp")
    for m in try Self.header().macros.values {
      let pad = try #require(soc.pads.pad(muxReg: UInt32(m.muxRegister - soc.iomuxcBase)), "\(m.name)")
      #expect(UInt64(pad.confReg) + soc.iomuxcBase == m.configRegister, "\(m.name)")
      #expect(!pad.functions(mode: m.muxMode).isEmpty, "\(m.name)")
    }
  }

  @Test func pinMuxCalls() throws {
    let soc = try SoCProfile.load(name: "imx8mp")
    let path = Package.fixture("pin_mux.c")
    let f = try PinMuxFile.read(path: path, header: try Self.header(), soc: soc)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(
      f.calls.map(\.kind) == [.setPinMux, .setPinConfig, .setPinMux, .setPinConfig, .setPinMux, .setPinMux, .setPinMux])
    #expect(f.muxedPads == ["UART4_RXD", "UART4_TXD", "I2C4_SCL", "I2C4_SDA", "GPIO1_IO15"])
    #expect(f.touchedPads == f.muxedPads)
    #expect(f.calls[0].functions.map(\.name) == ["UART4_DCE_RX"])
    #expect(f.calls[0].line == line(of: "IOMUXC_SetPinMux(IOMUXC_UART4_RXD_UART4_RX", in: text))
    #expect(f.calls[1].argument == "IOMUXC_SW_PAD_CTL_PAD_DSE(6U) | IOMUXC_SW_PAD_CTL_PAD_FSEL(2U)")
    #expect(f.calls[2].line == f.calls[3].line)  // two calls on one line
    #expect(f.calls[3].argument == "0x16U")
    #expect(f.calls[4].functions.map(\.name) == ["I2C4_SCL"] && f.calls[4].argument == "1U")
    #expect(f.calls[5].line == line(of: "IOMUXC_SetPinMux(\n        IOMUXC_I2C4_SDA", in: text))
    #expect(f.calls[6].macro == nil && f.calls[6].pad.name == "GPIO1_IO15")
  }

  @Test func errorsNameTheLine() throws {
    let soc = try SoCProfile.load(name: "imx8mp")
    let h = try Self.header()
    func error(_ c: String) -> InputError? {
      inputError { try PinMuxFile.parse(Array(c.utf8), path: "pin_mux.c", header: h, soc: soc) }
    }
    var e = try #require(error("void f(void) {\n  IOMUXC_SetPinMux(IOMUXC_UART4_RXD_UART9_RX, 0U);\n}\n"))
    #expect(e.line == 2 && e.key == "IOMUXC_UART4_RXD_UART9_RX")
    #expect(e.description.hasPrefix("pin_mux.c:2: error: IOMUXC_UART4_RXD_UART9_RX: not a pin function macro"))
    e = try #require(error("IOMUXC_SetPinMux(0x30330238U, 0x0U, 0x30330600U, 0x8U, 0x30330450U, 0U);"))
    #expect(e.message.contains("pad control register"))
    e = try #require(error("IOMUXC_SetPinMux(0x20330238U, 0x0U, 0x0U, 0x0U, 0x20330498U, 0U);"))
    #expect(e.message.contains("not IOMUXC registers"))
    e = try #require(error("\n\nIOMUXC_SetPinMux(IOMUXC_UART4_RXD_UART4_RX, 0U"))
    #expect(e.line == 3 && e.message.contains("closing parenthesis"))
    e = try #require(error("IOMUXC_SetPinMux(IOMUXC_UART4_RXD_UART4_RX);"))
    #expect(e.message.contains("one argument after"))
    // Declarations are not calls.
    #expect(error("void IOMUXC_SetPinMux(uint32_t a, uint32_t b);\n") == nil)
  }

  @Test func scannerEdges() throws {
    let s = CScanner(
      Array(
        "#if 1\nA\n#else\nB\n#endif\n#ifdef X\nC\n#else\nD\n#endif\n#if (0)\nE\n#if 1\nF\n#endif\n#endif\n'\"' G \"H\\\"I\" /* J\nK */ L\n"
          .utf8))
    #expect(s.tokens.filter { $0.kind == .identifier }.map(\.text) == ["A", "C", "D", "G", "L"])
    #expect(s.tokens.last?.line == 18)
    #expect(CScanner.integer("0x30330238U") == 0x3033_0238)
    #expect(CScanner.integer("010") == 8)
    #expect(CScanner.integer("1UL") == 1)
    #expect(CScanner.integer("0x") == nil)
  }
}
