import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// The ownership rules fed by the M7's Zephyr device tree (issue 19, item 2): peripherals by physical address,
/// pads from pinctrl groups, GPIO lines from `*-gpios` users, the console as the debug UART.
@Suite struct HMPZephyrOwnershipTests {
  static let fixtures = SharedCorpus.packageRoot + "/Tests/DTHMPTests/Fixtures/zephyr"

  static func context(_ path: String = fixtures + "/board.dts") throws -> HMPContext {
    let m = try M7Manifest.load(path: path)
    return HMPContext(kernel: nil, kernelGiven: nil, board: nil, manifest: m, inputs: try m.loadInputs())
  }

  static func lint(_ code: String, rules: [String], hmp: HMPContext) throws -> [Diagnostic] {
    var selection = RuleSelection()
    try selection.disable("all")
    for r in rules { try selection.enable(r) }
    let c = compileExample(code)
    return Linter(selection: selection, hmp: hmp).lint(c.tree, frontEnd: c.diagnostics)
  }

  static func zephyrLine(_ needle: String, after: String? = nil) throws -> Int {
    let lines = try String(contentsOfFile: fixtures + "/board.dts", encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: false)
    let start = try after.map { a in try #require(lines.firstIndex { $0.contains(a) }) } ?? 0
    return try #require(lines[start...].firstIndex { $0.contains(needle) }) + 1
  }

  /// Linux names and compatibles differ from Zephyr's; the address decides.
  static let linux = """
    /dts-v1/;
    / {
    \tcompatible = "toradex,verdin-imx8mp-wifi", "toradex,verdin-imx8mp", "fsl,imx8mp";
    \t#address-cells = <1>;
    \t#size-cells = <1>;

    \tgpio5: gpio@30240000 {
    \t\tcompatible = "fsl,imx8mp-gpio", "fsl,imx35-gpio";
    \t\treg = <0x30240000 0x10000>;
    \t\tgpio-controller;
    \t\t#gpio-cells = <2>;
    \t};

    \tuart4: serial@30a60000 {
    \t\tcompatible = "fsl,imx8mp-uart", "fsl,imx6q-uart";
    \t\treg = <0x30a60000 0x10000>;
    \t\tstatus = "okay";
    \t};

    \ti2c@30a40000 {
    \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
    \t\treg = <0x30a40000 0x10000>;
    \t\tstatus = "disabled";
    \t};

    \ti2c4: i2c@30a50000 {
    \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
    \t\treg = <0x30a50000 0x10000>;
    \t\tpinctrl-names = "default";
    \t\tpinctrl-0 = <&pinctrl_i2c4>;
    \t};

    \tpinctrl@30330000 {
    \t\tcompatible = "fsl,imx8mp-iomuxc";
    \t\treg = <0x30330000 0x10000>;

    \t\tpinctrl_i2c4: i2c4grp {
    \t\t\tfsl,pins = <0x218 0x478 0x5b0 0x0 0x5 0x400001c2>,
    \t\t\t\t   <0x21c 0x47c 0x5ac 0x0 0x5 0x400001c2>;
    \t\t};
    \t};
    };
    """

  @Test func consoleUARTIsAClaimByAddressAndTheBoardGuessIsSilent() throws {
    let hmp = try Self.context()
    let findings = try Self.lint(Self.linux, rules: ["hmp_peripheral_conflict", "hmp_debug_uart"], hmp: hmp)
    // Linux's serial@30a60000 is Zephyr's uart@30a60000: matched by address, not by name or compatible.
    #expect(findings.map(\.rule) == ["hmp_peripheral_conflict"])
    let line = try Self.zephyrLine("status = \"okay\";", after: "&uart4 {")
    #expect(findings.first?.message.contains("board.dts:\(line) as 'uart4 (zephyr,console)'") == true)
    #expect(findings.first?.nodePath == "/serial@30a60000")
    // The same tree without a Zephyr tree, on the Wi-Fi SKU: the board's guess speaks.
    let scratch = TestDirectory()
    let yaml = scratch.write("m7.yaml", "soc: imx8mp\n")
    let m = try M7Manifest.load(path: yaml)
    let guess = try Self.lint(
      Self.linux, rules: ["hmp_peripheral_conflict", "hmp_debug_uart"],
      hmp: HMPContext(kernel: nil, kernelGiven: nil, board: nil, manifest: m, inputs: nil))
    #expect(guess.map(\.rule) == ["hmp_debug_uart"])
  }

  @Test func gpioUsersShareTheBank() throws {
    let findings = try Self.lint(Self.linux, rules: ["hmp_gpio_bank_shared"], hmp: try Self.context())
    #expect(findings.count == 1)
    let line = try Self.zephyrLine("gpios = <&gpio5 20 0>;")
    #expect(findings.first?.message.contains("GPIO5_IO20 (") == true)
    #expect(findings.first?.message.contains("board.dts:\(line))") == true)
  }

  @Test func padOfAGPIOUserConflictsWithLinuxsGroup() throws {
    let findings = try Self.lint(Self.linux, rules: ["hmp_pad_conflict"], hmp: try Self.context())
    #expect(findings.count == 1)
    let line = try Self.zephyrLine("gpios = <&gpio5 20 0>;")
    #expect(findings.first?.message.contains("muxes I2C4_SCL as ") == true, "\(findings.map(\.message))")
    #expect(findings.first?.message.contains("board.dts:\(line)") == true)
    // I2C4_SDA is not the firmware's: only the pad its GPIO user drives is named.
    #expect(findings.first?.message.contains("I2C4_SDA") == false)
  }

  @Test func disabledOnBothSidesOrUnclaimedIsQuiet() throws {
    // Linux disables what Zephyr enables, and Zephyr's i2c4 is disabled while Linux's is enabled: no conflict.
    let quiet = Self.linux.replacingOccurrences(of: "status = \"okay\"", with: "status = \"disabled\"")
    let findings = try Self.lint(quiet, rules: ["hmp_peripheral_conflict"], hmp: try Self.context())
    #expect(findings.isEmpty)
  }
}
