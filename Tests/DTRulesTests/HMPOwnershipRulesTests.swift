import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// The ownership and firmware rules beyond their examples: fix-its that compile, flavor differences, where the
/// M7's claims are said to come from, and which rule speaks when two could.
@Suite struct HMPOwnershipRulesTests {
  /// Lints `code` (no preprocessing) with only `rules` enabled and the HMP options of a rule example.
  static func lint(_ code: String, rules: [String], options: [String: String]) throws -> [Diagnostic] {
    var selection = RuleSelection()
    try selection.disable("all")
    for r in rules { try selection.enable(r) }
    let compilation = compileExample(code)
    return Linter(selection: selection, hmp: try exampleHMPContext(options))
      .lint(compilation.tree, frontEnd: compilation.diagnostics)
  }

  /// `code` with the first fix-it of `finding` applied.
  static func applying(_ finding: Diagnostic, to code: String) throws -> String {
    let edit = try #require(finding.fixes.first?.edits.first)
    var bytes = Array(code.utf8)
    bytes.replaceSubrange(
      Int(edit.range.start)..<Int(edit.range.end), with: Array(edit.replacement.utf8))
    return String(decoding: bytes, as: UTF8.self)
  }

  static let peripherals = """
    /dts-v1/;
    / {
    \t#address-cells = <1>;
    \t#size-cells = <1>;

    \ttimer@302d0000 {
    \t\tcompatible = "fsl,imx8mp-gpt", "fsl,imx6dl-gpt";
    \t\treg = <0x302d0000 0x10000>;
    \t};

    \ti2c4: i2c@30a50000 {
    \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
    \t\treg = <0x30a50000 0x10000>;
    \t\tstatus = "okay";
    \t};

    \tuart4: serial@30a60000 {
    \t\tcompatible = "fsl,imx8mp-uart", "fsl,imx6q-uart";
    \t\treg = <0x30a60000 0x10000>;
    \t\tstatus = "okay";
    \t};
    };
    """

  @Test func peripheralFixItsDisableTheNodesAndCompile() throws {
    let options = ["m7": "{soc: imx8mp, peripherals: ['@302d0000', i2c4]}"]
    var code = Self.peripherals
    let findings = try Self.lint(code, rules: ["hmp_peripheral_conflict"], options: options)
    #expect(findings.map(\.nodePath) == ["/timer@302d0000", "/i2c@30a50000"])
    #expect(findings.allSatisfy { $0.severity == .error })
    #expect(findings[0].message.contains("(no status property)"))
    #expect(findings[0].message.contains("as '@302d0000'"), "\(findings[0].message)")
    #expect(findings[1].message.contains("example-m7.yaml:1"), "\(findings[1].message)")
    // Applied back to front, so the first edit's offsets stay valid.
    for f in findings.reversed() { code = try Self.applying(f, to: code) }
    let compiled = compileExample(code)
    #expect(compiled.diagnostics.filter { $0.severity == .error }.isEmpty, "\(compiled.diagnostics.map(\.message))")
    for p in ["/timer@302d0000", "/i2c@30a50000"] {
      #expect(compiled.tree.node(atPath: p)?.property("status")?.value.strings == ["disabled"], "\(code)")
    }
    #expect(try Self.lint(code, rules: ["hmp_peripheral_conflict"], options: options).isEmpty)
  }

  @Test func debugUARTDefersToThePeripheralRuleWhenClaimed() throws {
    let code = Self.peripherals.replacingOccurrences(
      of: "\t#address-cells = <1>;\n",
      with:
        "\tcompatible = \"toradex,verdin-imx8mp-wifi\", \"toradex,verdin-imx8mp\", \"fsl,imx8mp\";\n\t#address-cells = <1>;\n"
    )
    let rules = ["hmp_peripheral_conflict", "hmp_debug_uart"]
    let unclaimed = try Self.lint(code, rules: rules, options: ["m7": "{soc: imx8mp}"])
    #expect(unclaimed.map(\.rule) == ["hmp_debug_uart"])
    #expect(unclaimed.first?.message.contains("Bluetooth") == true, "\(unclaimed.map(\.message))")
    #expect(unclaimed.first?.fixes.isEmpty == true, "disabling uart4 would drop Bluetooth: no mechanical fix")
    let claimed = try Self.lint(code, rules: rules, options: ["m7": "{soc: imx8mp, peripherals: [uart4]}"])
    #expect(claimed.map(\.rule) == ["hmp_peripheral_conflict"])
    // --board names the board when the root compatible does not.
    let plain = try Self.lint(
      Self.peripherals, rules: rules, options: ["m7": "{soc: imx8mp}", "board": "verdin-imx8mp"])
    #expect(plain.map(\.rule) == ["hmp_debug_uart"])
    #expect(try Self.lint(Self.peripherals, rules: rules, options: ["board": "verdin-imx8mp"]).isEmpty)
  }

  static let pads = """
    /dts-v1/;
    / {
    \t#address-cells = <1>;
    \t#size-cells = <1>;

    \tiomuxc: pinctrl@30330000 {
    \t\tcompatible = "fsl,imx8mp-iomuxc";
    \t\treg = <0x30330000 0x10000>;

    \t\tpinctrl_i2c4: i2c4grp {
    \t\t\tfsl,pins = <0x218 0x478 0x5bc 0x0 0x5 0x400001c6>,
    \t\t\t\t   <0x21c 0x47c 0x5c0 0x0 0x5 0x400001c6>;
    \t\t};
    \t};

    \ti2c4: i2c@30a50000 {
    \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
    \t\treg = <0x30a50000 0x10000>;
    \t\tpinctrl-names = "default", "gpio";
    \t\tpinctrl-0 = <&pinctrl_i2c4>;
    \t\tpinctrl-1 = <&pinctrl_i2c4>;
    \t};
    };
    """

  @Test func padsFromPinMuxCNameTheirLine() throws {
    let findings = try Self.lint(
      Self.pads, rules: ["hmp_pad_conflict"],
      options: ["m7": "{soc: imx8mp, pins: {pin-mux-c: pin_mux.c, iomuxc-header: fsl_iomuxc.h}}"])
    // One finding per pinctrl state that selects the group.
    #expect(findings.map(\.property) == ["pinctrl-0", "pinctrl-1"])
    let f = try #require(findings.first)
    #expect(f.message.contains("I2C4_SCL as I2C4_SCL, I2C4_SDA as I2C4_SDA"), "\(f.message)")
    #expect(f.message.contains("pinctrl-0 \"default\""))
    #expect(findings.last?.message.contains("pinctrl-1 \"gpio\"") == true)
    let pinMux = try String(contentsOfFile: exampleFirmwareDirectory + "/pin_mux.c", encoding: .utf8)
    let line = try #require(
      pinMux.split(separator: "\n", omittingEmptySubsequences: false).firstIndex {
        $0.contains("IOMUXC_SetPinMux(IOMUXC_I2C4_SCL_I2C4_SCL")
      })
    #expect(f.message.contains("pin_mux.c:\(line + 1)"), "\(f.message)")
    #expect(f.notes.contains { $0.message.contains("pinctrl_i2c4 is defined here") && $0.range != nil })
    // The node is the M7's own peripheral: the peripheral rule speaks for it, the pad rule does not.
    let owned = try Self.lint(
      Self.pads, rules: ["hmp_pad_conflict", "hmp_peripheral_conflict"],
      options: ["m7": "{soc: imx8mp, peripherals: [i2c4], pins: {pads: [I2C4_SCL]}}"])
    #expect(owned.map(\.rule) == ["hmp_peripheral_conflict"])
  }

  // MARK: - Firmware

  static let rproc = RuleRegistry.shared.rules.first { $0.description.id == "hmp_firmware_vring_mismatch" }!
    .description.nonTriggering[0].code
  static let firmware = "{soc: imx8mp, firmware: {elf: rpmsg-m7.elf}}"

  @Test func vringSizeIsCheckedWhenTheTableDisagreesWithTheManifest() throws {
    // 256 descriptors at align 0x1000 need 0x3000; the manifest says 16 (which fit 0x2000, so hmp_vring_size
    // would judge the region big enough): the firmware's own table is what Linux reads.
    let small = Self.rproc.replacingOccurrences(of: "0 0x55008000 0 0x8000", with: "0 0x55008000 0 0x2000")
    let rule = ["hmp_firmware_vring_mismatch"]
    let manifest = "{soc: imx8mp, firmware: {elf: rpmsg-m7.elf}, rpmsg: {buffer-count: 16}}"
    let f = try Self.lint(small, rules: rule, options: ["m7": manifest])
    #expect(f.count == 1 && f.first?.message.contains("needs 0x3000 bytes") == true, "\(f.map(\.message))")
    #expect(f.first?.nodePath == "/reserved-memory/vdev0vring1@55008000")
    // With the manifest agreeing with the table, the size is hmp_vring_size's to judge.
    #expect(try Self.lint(small, rules: rule, options: ["m7": Self.firmware]).isEmpty)
  }

  @Test func resourceTableFollowsTheKernelFlavor() throws {
    let rule = ["hmp_firmware_rsc_table"]
    let elsewhere = Self.rproc.replacingOccurrences(of: "0 0x550ff000 0 0x1000", with: "0 0x550f0000 0 0x1000")
    let mainline = try Self.lint(elsewhere, rules: rule, options: ["m7": Self.firmware])
    #expect(mainline.count == 1)
    #expect(mainline.first?.message.contains("copies its resource table to 0x550ff000") == true)
    #expect(mainline.first?.message.contains("the mainline kernel (assumed; set --kernel)") == true)
    // NXP 5.4 reads rsc-da; the SDK firmware keeps a copy at VDEV0_VRING_BASE for it.
    let legacy = Self.rproc.replacingOccurrences(
      of: "compatible = \"fsl,imx8mp-cm7\";", with: "compatible = \"fsl,imx8mp-cm7\";\n\t\trsc-da = <0x55000000>;")
    #expect(try Self.lint(legacy, rules: rule, options: ["m7": Self.firmware, "kernel": "toradex-bsp5"]).isEmpty)
    let wrongDA = legacy.replacingOccurrences(of: "rsc-da = <0x55000000>", with: "rsc-da = <0x56000000>")
    let f = try Self.lint(wrongDA, rules: rule, options: ["m7": Self.firmware, "kernel": "toradex-bsp5"])
    #expect(f.map(\.property) == ["rsc-da"])
    #expect(f.first?.message.contains("kernel toradex-bsp5 (nxp-5.4)") == true, "\(f.map(\.message))")
  }

  @Test func segmentMessageSaysWhoLoads() throws {
    let rule = ["hmp_firmware_segment_unreserved"]
    let uncovered = Self.rproc.replacingOccurrences(of: ", <&m7_reserved>;", with: ";")
    let attached = try Self.lint(uncovered, rules: rule, options: ["m7": Self.firmware])
    #expect(attached.count == 1)
    #expect(attached.first?.message.contains("0x80000000–0x80000100") == true, "\(attached.map(\.message))")
    #expect(attached.first?.message.contains("does not keep that DDR free") == true)
    let loaded = try Self.lint(
      uncovered, rules: rule, options: ["m7": "{soc: imx8mp, firmware: {elf: rpmsg-m7.elf, started-by: linux}}"])
    #expect(loaded.first?.message.contains("Linux cannot load it") == true, "\(loaded.map(\.message))")
    // A vdev-named region is never mapped by imx_rproc, even if it covers the segment.
    let vdev = Self.rproc.replacingOccurrences(of: "m7_reserved: m7@80000000", with: "m7_reserved: vdevfw@80000000")
    let f = try Self.lint(vdev, rules: rule, options: ["m7": Self.firmware])
    #expect(f.first?.message.contains("vdevfw@80000000, which imx_rproc never maps") == true, "\(f.map(\.message))")
  }

  @Test func firmwareRulesNeedTheELF() throws {
    let rules = ["hmp_firmware_vring_mismatch", "hmp_firmware_rsc_table", "hmp_firmware_segment_unreserved"]
    let broken = Self.rproc
      .replacingOccurrences(of: "0 0x55008000 0 0x8000", with: "0 0x55010000 0 0x8000")
      .replacingOccurrences(of: "0 0x550ff000 0 0x1000", with: "0 0x550f0000 0 0x1000")
      .replacingOccurrences(of: ", <&m7_reserved>;", with: ";")
    #expect(Set(try Self.lint(broken, rules: rules, options: ["m7": Self.firmware]).map(\.rule)) == Set(rules))
    #expect(try Self.lint(broken, rules: rules, options: ["m7": "{soc: imx8mp, peripherals: []}"]).isEmpty)
    #expect(try Self.lint(broken, rules: rules, options: [:]).isEmpty)
  }
}
