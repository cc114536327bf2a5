/// The small trees and manifests of the clock and power rules' examples (Rules.md shows them).
enum ClockExamples {
  /// An M7 manifest (flow style) claiming `peripherals`, with who starts the M7 and the command line.
  static func manifest(
    peripherals: String = "[i2c4]", startedBy: String? = "bootloader", bootargs: String? = nil
  ) -> String {
    var parts = ["soc: imx8mp", "peripherals: \(peripherals)"]
    if let startedBy { parts.append("firmware: {started-by: \(startedBy)}") }
    if let bootargs { parts.append("linux: {bootargs: '\(bootargs)'}") }
    return "{" + parts.joined(separator: ", ") + "}"
  }

  /// The clock controller, I2C4 and the remoteproc node; `↓` at I2C4's status when `marker`.
  static func tree(
    i2c4Status: String, bootargs: String? = nil, initOnArray: String? = nil, rproc: Bool = true, marker: Bool = true
  ) -> String {
    var s = "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n"
    if let bootargs { s += "\n\tchosen {\n\t\tbootargs = \"\(bootargs)\";\n\t};\n" }
    s += "\n\tclk: clock-controller@30380000 {\n\t\tcompatible = \"fsl,imx8mp-ccm\";\n"
    s += "\t\treg = <0x30380000 0x10000>;\n\t\t#clock-cells = <1>;\n"
    if let initOnArray { s += "\t\tinit-on-array = <\(initOnArray)>; /* IMX8MP_CLK_I2C4_ROOT */\n" }
    s += "\t};\n"
    s += "\n\ti2c4: i2c@30a50000 {\n\t\tcompatible = \"fsl,imx8mp-i2c\", \"fsl,imx21-i2c\";\n"
    s += "\t\treg = <0x30a50000 0x10000>;\n\t\tclocks = <&clk 208>; /* IMX8MP_CLK_I2C4_ROOT */\n"
    s += "\t\t\(marker ? "↓" : "")status = \"\(i2c4Status)\";\n\t};\n"
    if rproc {
      s +=
        "\n\timx8mp-cm7 {\n\t\tcompatible = \"fsl,imx8mp-cm7\";\n\t\tclocks = <&clk 85>; /* IMX8MP_CLK_M7_DIV */\n\t};\n"
    }
    return s + "};\n"
  }

  /// The audio bus in `pgc_audio` with SAI3 (disabled for Linux) under it; `linuxUser` adds a Linux device attached
  /// to the domain; `onNode` puts `power-domains` on SAI3 itself (as NXP's trees do) instead of on the bus.
  static func audioTree(
    marker: Bool = true, linuxUser: Bool = false, domainEnabled: Bool = true, onNode: Bool = false
  ) -> String {
    var s = "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n"
    s += "\n\tclk: clock-controller@30380000 {\n\t\tcompatible = \"fsl,imx8mp-ccm\";\n"
    s += "\t\treg = <0x30380000 0x10000>;\n\t\t#clock-cells = <1>;\n\t};\n"
    s += "\n\tpgc_audio: power-domain@5 {\n\t\treg = <5>;\n\t\t#power-domain-cells = <0>;\n"
    if !domainEnabled { s += "\t\tstatus = \"disabled\";\n" }
    s += "\t};\n"
    s += "\n\taips5: bus@30df0000 {\n\t\tcompatible = \"simple-bus\";\n\t\treg = <0x30df0000 0x10000>;\n"
    s +=
      "\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges;\n"
      + (onNode ? "" : "\t\tpower-domains = <&pgc_audio>;\n")
    s += "\n\t\tsai3: sai@30c30000 {\n\t\t\tcompatible = \"fsl,imx8mp-sai\", \"fsl,imx8mq-sai\";\n"
    s += "\t\t\treg = <0x30c30000 0x10000>;\n" + (onNode ? "\t\t\tpower-domains = <&pgc_audio>;\n" : "")
    s += "\t\t\t\(marker ? "↓" : "")status = \"disabled\";\n\t\t};\n"
    if linuxUser {
      s += "\n\t\taudio_blk_ctrl: clock-controller@30e20000 {\n\t\t\tcompatible = \"fsl,imx8mp-audio-blk-ctrl\";\n"
      s += "\t\t\treg = <0x30e20000 0x10000>;\n\t\t\t#clock-cells = <1>;\n\t\t\tpower-domains = <&pgc_audio>;\n\t\t};\n"
    }
    s += "\t};\n"
    s +=
      "\n\timx8mp-cm7 {\n\t\tcompatible = \"fsl,imx8mp-cm7\";\n\t\tclocks = <&clk 85>; /* IMX8MP_CLK_M7_DIV */\n\t};\n"
    return s + "};\n"
  }
}
