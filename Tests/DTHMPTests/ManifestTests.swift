import DTCore
import DTYAML
import Foundation
import Testing

@testable import DTHMP

@Suite struct ManifestTests {
  @Test func exampleLoads() throws {
    let m = try M7Manifest.load(path: Package.root.appendingPathComponent("Examples/verdin-imx8mp-custom/m7.yaml").path)
    #expect(m.soc.name == "imx8mp")
    #expect(m.peripherals.map(\.ref) == [.label("i2c4"), .label("uart4")])
    // The example's pads come from its pin_mux.c; its firmware ELF is read too.
    #expect(m.pads.isEmpty)
    let inputs = try m.loadInputs()
    #expect(inputs.pads.map(\.name) == ["I2C4_SCL", "I2C4_SDA", "UART4_RXD", "UART4_TXD"])
    #expect(inputs.firmware?.resourceTable?.vdevs.count == 1)
    #expect(m.startedBy == .bootloader)
    #expect(m.rpmsg == m.soc.rpmsgDefaults)
    #expect(m.rpmsgOverrides == ["vring-base", "buffer-count", "mu-channel"])
  }

  @Test func everyKey() throws {
    let path = Package.fixture("manifests/good.yaml")
    let m = try M7Manifest.load(path: path)
    #expect(
      m.peripherals.map(\.ref) == [
        .label("i2c4"), .label("uart4"), .path("/soc@0/bus@30000000/timer@302d0000"), .unitAddress(0x3024_0000),
      ])
    #expect(m.peripherals[0].line == 3)
    #expect(m.pinMuxC == Package.fixture("pin_mux.c"))
    #expect(m.iomuxcHeader == Package.fixture("fsl_iomuxc.h"))
    #expect(m.startedBy == .bootloader && m.startedBy?.linuxAttaches == true)
    #expect(m.firmwareELF == nil)
    let inputs = try m.loadInputs()
    #expect(inputs.pads.map(\.name) == ["UART4_RXD", "UART4_TXD", "I2C4_SCL", "I2C4_SDA", "GPIO1_IO15"])
    #expect(inputs.pads[0].origin == .manifest(line: 5))
    if case .pinMuxC(let l) = inputs.pads[2].origin { #expect(l > 0) } else { Issue.record("origin") }
    #expect(inputs.pinMux?.calls.count == 7)
  }

  @Test func firmwareAndOverrides() throws {
    let dir = try TempDir()
    _ = try dir.write("build/app.elf", bytes: ELFTests.firmware(wide: false, bigEndian: false).build().bytes)
    let p = try dir.write(
      "m7.yaml",
      """
      soc: imx8mp
      firmware: { elf: build/app.elf, started-by: linux }
      rpmsg:
        vring-base: 0x56000000
        buffer-count: 64
        mu-channel: 0
        resource-table: 0x560ff000
      """)
    let m = try M7Manifest.load(path: p)
    #expect(m.rpmsg.vringBase == 0x5600_0000 && m.rpmsg.bufferCount == 64 && m.rpmsg.muChannel == 0)
    #expect(m.rpmsg.vringSize == 0x8000)
    #expect(m.startedBy?.linuxAttaches == false)
    let fw = try #require(try m.loadInputs().firmware)
    #expect(fw.resourceTable?.vdevs.first?.vrings.count == 2)
  }

  func error(_ yaml: String) throws -> InputError? {
    let dir = try TempDir()
    let p = try dir.write("m7.yaml", yaml)
    return inputError { try M7Manifest.load(path: p) }
  }

  @Test func errorsNameFileLineAndKey() throws {
    var e = try #require(inputError { try M7Manifest.load(path: Package.fixture("manifests/bad-pad.yaml")) })
    #expect(e.path == Package.fixture("manifests/bad-pad.yaml"))
    #expect(e.line == 6 && e.column == 7 && e.key == "pins.pads[1]")
    #expect(e.message == "no pad 'UART4_RX' on imx8mp (did you mean UART4_RXD?)")
    e = try #require(inputError { try M7Manifest.load(path: Package.fixture("manifests/bad-rpmsg.yaml")) })
    #expect(e.line == 4 && e.key == "rpmsg.buffer-count" && e.message.contains("power of two"))
    e = try #require(inputError { try M7Manifest.load(path: Package.fixture("manifests/bad-key.yaml")) })
    #expect(
      e.line == 2 && e.key == "peripheral" && e.message.hasPrefix("unknown key (expected soc, board, peripherals"))
    e = try #require(inputError { try M7Manifest.load(path: Package.fixture("manifests/bad-type.yaml")) })
    #expect(e.line == 3 && e.key == "firmware.elf" && e.message == "expected a string, found a list")
    e = try #require(inputError { try M7Manifest.load(path: Package.fixture("manifests/missing-soc.yaml")) })
    #expect(e.line == 1 && e.key == "soc" && e.message == "missing key 'soc'")

    e = try #require(try error("soc: imx9\n"))
    #expect(e.line == 1 && e.column == 6 && e.key == "soc" && e.message.hasPrefix("unknown SoC 'imx9'"))
    e = try #require(try error("soc: imx8mp\npins:\n  pin-mux-c: pin_mux.c\n"))
    #expect(e.key == "pins.pin-mux-c" && e.message.hasPrefix("no such file 'pin_mux.c'"))
    e = try #require(try error("soc: imx8mp\nfirmware:\n  started-by: uboot\n"))
    #expect(
      e.key == "firmware.started-by" && e.message == "unknown value 'uboot' (expected bootloader, debugger or linux)")
    e = try #require(try error("soc: imx8mp\nrpmsg: { mu-channel: 4 }\n"))
    #expect(e.key == "rpmsg.mu-channel" && e.line == 2)
    e = try #require(try error("soc: imx8mp\nrpmsg: { vring-bse: 0x55000000 }\n"))
    #expect(e.key == "rpmsg.vring-bse")
    e = try #require(try error("soc: imx8mp\nrpmsg: { vring-base: '0x55000000' }\n"))
    #expect(e.key == "rpmsg.vring-base" && e.message.hasPrefix("expected a number"))
    e = try #require(try error("soc: imx8mp\nperipherals: [i2c4, 'i2c 5']\n"))
    #expect(e.key == "peripherals[1]" && e.message.contains("not a label"))
    e = try #require(try error("soc: imx8mp\nperipherals: [i2c4, i2c4]\n"))
    #expect(e.key == "peripherals[1]" && e.message.contains("twice"))
    e = try #require(try error("soc: imx8mp\npins: [UART4_RXD]\n"))
    #expect(e.key == "pins" && e.message == "expected a mapping, found a list")
    e = try #require(try error(""))
    #expect(e.message.hasPrefix("empty manifest"))
    e = try #require(try error("soc: imx8mp\nsoc: imx8mp\n"))
    #expect(e.key == "soc" && e.message == "key given more than once")
  }

  @Test func pinMuxNeedsTheHeader() throws {
    let dir = try TempDir()
    _ = try dir.write("pin_mux.c", "")
    let p = try dir.write("m7.yaml", "soc: imx8mp\npins:\n  pin-mux-c: pin_mux.c\n")
    let e = try #require(inputError { try M7Manifest.load(path: p) })
    #expect(e.key == "pins.iomuxc-header" && e.line == 3)
  }

  @Test func peripheralsResolveInATree() throws {
    let sources = SourceManager()
    let file = sources.addVirtualFile(
      path: "t.dts",
      text: """
        /dts-v1/;
        / {
          #address-cells = <1>; #size-cells = <1>;
          soc@0 { #address-cells = <1>; #size-cells = <1>; ranges;
            bus@30800000 { #address-cells = <1>; #size-cells = <1>; ranges;
              my_i2c: i2c@30a50000 { reg = <0x30a50000 0x10000>; };
              serial@30a60000 { reg = <0x30a60000 0x10000>; };
            };
            bus@30000000 { #address-cells = <1>; #size-cells = <1>; ranges;
              timer@302d0000 { reg = <0x302d0000 0x10000>; };
            };
            other@40000000 { #address-cells = <1>; #size-cells = <1>; ranges;
              a@50000000 { reg = <0x50000000 4>; };
              b@50000000 { reg = <0x50000000 4>; };
            };
          };
        };
        """)
    let parsed = SourceReader(sources: sources, options: FrontEndOptions()).parse(file: file)
    #expect(!parsed.hasErrors)
    let m = try M7Manifest.parse(
      "soc: imx8mp\nperipherals: [my_i2c, uart4, /soc@0/bus@30000000/timer@302d0000, '@30a50000', 0x50000000, i2c3, nolabel, /nope]\n",
      path: "m7.yaml")
    let r = m.resolvePeripherals(in: parsed.tree)
    #expect(r[0].nodePath == "/soc@0/bus@30800000/i2c@30a50000" && r[0].socPeripheral?.label == "i2c4")
    #expect(r[1].nodePath == "/soc@0/bus@30800000/serial@30a60000" && r[1].socPeripheral?.label == "uart4")
    #expect(r[2].socPeripheral?.label == "gpt1")
    #expect(r[3].nodePath == r[0].nodePath)
    #expect(r[4].nodePath == nil && r[4].problem?.contains("2 nodes have unit address 0x50000000") == true)
    #expect(r[5].nodePath == nil && r[5].problem?.contains("no node at /soc@0/bus@30800000/i2c@30a40000") == true)
    #expect(r[6].problem == "no label 'nolabel' in the tree or the imx8mp profile")
    #expect(r[7].problem == "no node at /nope")
  }
}
