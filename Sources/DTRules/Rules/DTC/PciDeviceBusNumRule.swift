import DTCore

struct PciDeviceBusNumRule: TreeRule {
  static let description = RuleDescription.dtc(
    "pci_device_bus_num", name: "PCI Device Bus Number", level: .warning, prerequisites: ["reg_format", "pci_bridge"],
    summary: "A PCI device's bus number must lie within its bridge's `bus-range` (0 when there is none)",
    rationale: """
      The bus number in a PCI child's configuration address must be one the bridge forwards; otherwise the kernel \
      never finds the device at that address.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <3>;\n\t#size-cells = <2>;\n\tpcie {\n\t\tdevice_type = \"pci\";\n\t\t#address-cells = <3>;\n\t\t#size-cells = <2>;\n\t\tranges;\n\t\t↓bus-range = <0 1>;\n\t\tdev@0 {\n\t\t\treg = <0x20000 0 0 0 0>;\n\t\t};\n\t};\n};\n"
      )
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <3>;\n\t#size-cells = <2>;\n\tpcie {\n\t\tdevice_type = \"pci\";\n\t\t#address-cells = <3>;\n\t\t#size-cells = <2>;\n\t\tranges;\n\t\tbus-range = <0 2>;\n\t\tdev@0 {\n\t\t\treg = <0x20000 0 0 0 0>;\n\t\t};\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes {
      guard let parent = node.parent, info.bus(of: parent) == .pci, let reg = node.property("reg") else { continue }
      let bus = (reg.value.cell(0) & 0x00FF_0000) >> 16
      let busRange = parent.property("bus-range")
      let low = busRange?.value.cell(0) ?? 0
      let high = busRange?.value.cell(1) ?? 0
      if bus < low || bus > high {
        // dtc reports the node with its parent's `bus-range` (or with no property when there is none).
        context.report(
          "PCI bus number \(bus) out of range, expected (\(Int32(bitPattern: low)) - \(Int32(bitPattern: high)))",
          node: node, property: busRange)
      }
    }
  }
}
