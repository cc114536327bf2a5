import DTCore

struct PciDeviceRegRule: TreeRule {
  static let description = RuleDescription.dtc(
    "pci_device_reg", name: "PCI Device Reg", level: .warning, prerequisites: ["reg_format", "pci_bridge"],
    summary: "A PCI device's `reg` must be a configuration-space address, and its unit address `device[,function]`",
    rationale: """
      Children of a PCI bridge are addressed by the configuration-space address in the first `reg` entry \
      (bus/device/function, register 0); the unit address repeats device and function in hex so the kernel can \
      match the node to the device it enumerates.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <3>;\n\t#size-cells = <2>;\n\tpcie {\n\t\tdevice_type = \"pci\";\n\t\t#address-cells = <3>;\n\t\t#size-cells = <2>;\n\t\tranges;\n\t\t↓dev@1 {\n\t\t\treg = <0x1000 0 0 0 0>;\n\t\t};\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <3>;\n\t#size-cells = <2>;\n\tpcie {\n\t\tdevice_type = \"pci\";\n\t\t#address-cells = <3>;\n\t\t#size-cells = <2>;\n\t\tranges;\n\t\tdev@0 {\n\t\t\t↓reg = <0x02000010 0 0 0 0>;\n\t\t};\n\t};\n};\n"
      ),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <3>;\n\t#size-cells = <2>;\n\tpcie {\n\t\tdevice_type = \"pci\";\n\t\t#address-cells = <3>;\n\t\t#size-cells = <2>;\n\t\tranges;\n\t\tdev@2 {\n\t\t\treg = <0x1000 0 0 0 0>;\n\t\t};\n\t\tdev@2,1 {\n\t\t\treg = <0x1100 0 0 0 0>;\n\t\t};\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes {
      guard let parent = node.parent, info.bus(of: parent) == .pci, let reg = node.property("reg") else { continue }
      let v = reg.value
      if v.cell(1) != 0 || v.cell(2) != 0 {
        context.report("PCI reg config space address cells 2 and 3 must be 0", node: node, property: reg)
      }
      let address = v.cell(0)
      let device = (address & 0xF800) >> 11
      let function = (address & 0x700) >> 8
      if address & 0xFF00_0000 != 0 {
        context.report("PCI reg address is not configuration space", node: node, property: reg)
      }
      if address & 0xFF != 0 {
        context.report("PCI reg config space address register number must be 0", node: node, property: reg)
      }
      let unit = node.unitAddress
      if function == 0 && unit == hex(device) { continue }
      let expected = "\(hex(device)),\(hex(function))"
      if unit == expected { continue }
      context.report("PCI unit address format error, expected \"\(expected)\"", node: node)
    }
  }
}
