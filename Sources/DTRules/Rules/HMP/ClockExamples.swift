/// The small trees and manifests of the clock and power rules' examples (Rules.md shows them), for any
/// ``ExampleSoC`` (the i.MX 8M Plus unless told).
enum ClockExamples {
  /// An M7 manifest (flow style) claiming `peripherals` (the SoC's example I2C controller when nil), with who
  /// starts the M core and the command line.
  static func manifest(
    peripherals: String? = nil, startedBy: String? = "bootloader", bootargs: String? = nil, soc: ExampleSoC = .imx8mp
  ) -> String {
    var parts = ["soc: \(soc.name)", "peripherals: \(peripherals ?? "[\(soc.i2c.label)]")"]
    if let startedBy { parts.append("firmware: {started-by: \(startedBy)}") }
    if let bootargs { parts.append("linux: {bootargs: '\(bootargs)'}") }
    return "{" + parts.joined(separator: ", ") + "}"
  }

  /// The clock controller, the SoC's example I2C controller (I2C4) and the remoteproc node; `↓` at the I2C
  /// controller's status when `marker`.
  static func tree(
    i2c4Status: String, bootargs: String? = nil, initOnArray: String? = nil, rproc: Bool = true, marker: Bool = true,
    soc: ExampleSoC = .imx8mp
  ) -> String {
    let i2c = soc.i2c
    var s = cellsExampleOpening
    if let bootargs { s += "\n\tchosen {\n\t\tbootargs = \"\(bootargs)\";\n\t};\n" }
    s += clockController(soc)
    if let initOnArray { s += "\t\tinit-on-array = <\(initOnArray)>; /* \(i2c.rootClockMacro) */\n" }
    s += "\t};\n"
    s += "\n\t\(i2c.label): \(i2c.name)@\(String(i2c.address, radix: 16)) {\n\t\tcompatible = \(i2c.compatibles);\n"
    s += "\t\treg = <\(ExampleSoC.hex(i2c.address)) 0x10000>;\n"
    s += "\t\tclocks = <&\(soc.clockControllerLabel) \(i2c.rootClock)>; /* \(i2c.rootClockMacro) */\n"
    s += "\t\t\(marker ? "↓" : "")status = \"\(i2c4Status)\";\n\t};\n"
    if rproc { s += "\n" + soc.remoteprocOpening(comment: true) + "\t};\n" }
    return s + "};\n"
  }

  /// The audio bus in `pgc_audio` with SAI3 (disabled for Linux) under it; `linuxUser` adds a Linux device attached
  /// to the domain; `onNode` puts `power-domains` on SAI3 itself (as NXP's trees do) instead of on the bus.
  static func audioTree(
    marker: Bool = true, linuxUser: Bool = false, domainEnabled: Bool = true, onNode: Bool = false,
    soc: ExampleSoC = .imx8mp
  ) -> String {
    var s = cellsExampleOpening
    s += clockController(soc) + "\t};\n"
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
    s += "\n" + soc.remoteprocOpening(comment: true) + "\t};\n"
    return s + "};\n"
  }

  /// The GPC's HSIO mix domain (`pgc_hsiomix`, as the i.MX 8M Mini and Nano `.dtsi` declare it) and the USB
  /// controller `usbotg1` in it, disabled for Linux; `linuxUser` enables `usbotg2` in the same domain for Linux.
  static func hsioTree(marker: Bool = true, linuxUser: Bool = false, soc: ExampleSoC = .imx8mm) -> String {
    var s = cellsExampleOpening
    s += clockController(soc) + "\t};\n"
    s += "\n\tpgc_hsiomix: power-domain@0 {\n\t\treg = <0>;\n\t\t#power-domain-cells = <0>;\n\t};\n"
    func usb(_ n: Int, status: String, marked: Bool) -> String {
      let address = String(0x32e3_0000 + n * 0x10000, radix: 16)
      return "\n\tusbotg\(n): usb@\(address) {\n\t\tcompatible = \"fsl,\(soc.name)-usb\", \"fsl,imx7d-usb\";\n"
        + "\t\treg = <0x\(address) 0x200>;\n\t\tpower-domains = <&pgc_hsiomix>;\n"
        + "\t\t\(marked ? "↓" : "")status = \"\(status)\";\n\t};\n"
    }
    s += usb(1, status: "disabled", marked: marker)
    if linuxUser { s += usb(2, status: "okay", marked: false) }
    s += "\n" + soc.remoteprocOpening(comment: true) + "\t};\n"
    return s + "};\n"
  }

  /// The clock controller's opening lines (1+1 cells), without the closing brace.
  private static func clockController(_ soc: ExampleSoC) -> String {
    "\n\t\(soc.clockControllerLabel): clock-controller@\(String(soc.clockControllerAddress, radix: 16)) {\n"
      + "\t\tcompatible = \"\(soc.clockControllerCompatible)\";\n"
      + "\t\treg = <\(ExampleSoC.hex(soc.clockControllerAddress)) 0x10000>;\n\t\t#clock-cells = <1>;\n"
  }
}
