import DTCore

struct PciBridgeRule: TreeRule {
  static let description = RuleDescription.dtc(
    "pci_bridge", name: "PCI Bridge", level: .warning, prerequisites: ["device_type_is_string", "addr_size_cells"],
    summary:
      "A node with `device_type = \"pci\"` must be named `pci`/`pcie`, have `ranges`, 3 address and 2 size cells, and a sane `bus-range`",
    rationale: """
      The kernel's PCI host code reads bridges by the generic PCI binding: 3-cell addresses (space code, high, \
      low), 2-cell sizes, `ranges` for the windows, and `bus-range` as two bus numbers up to 255. This check also \
      tells the PCI device checks which nodes are PCI buses.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\t↓bridge {\n\t\tdevice_type = \"pci\";\n\t};\n};\n"),
      RuleExample(
        "/dts-v1/;\n/ {\n\tpcie {\n\t\tdevice_type = \"pci\";\n\t\t#address-cells = <3>;\n\t\t#size-cells = <2>;\n\t\tranges;\n\t\t↓bus-range = <2 1>;\n\t};\n};\n"
      ),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <3>;\n\t#size-cells = <2>;\n\tpcie {\n\t\tdevice_type = \"pci\";\n\t\t#address-cells = <3>;\n\t\t#size-cells = <2>;\n\t\tranges;\n\t\tbus-range = <0 0xff>;\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    info.busDetectionRan(.pci)
    let bridges = info.claims(.pci)
    for node in info.allNodes where bridges.contains(ObjectIdentifier(node)) {
      if node.baseName != "pci" && node.baseName != "pcie" {
        context.report("node name is not \"pci\" or \"pcie\"", node: node)
      }
      if node.property("ranges") == nil {
        context.report("missing ranges for PCI bridge (or not a bridge)", node: node)
      }
      if info.effectiveAddressCells(of: node) != 3 {
        context.report("incorrect #address-cells for PCI bridge", node: node)
      }
      if info.effectiveSizeCells(of: node) != 2 {
        context.report("incorrect #size-cells for PCI bridge", node: node)
      }
      guard let busRange = node.property("bus-range") else { continue }
      if busRange.value.bytes.count != 8 {
        context.report("value must be 2 cells", node: node, property: busRange)
        continue
      }
      if busRange.value.cell(0) > busRange.value.cell(1) {
        context.report("1st cell must be less than or equal to 2nd cell", node: node, property: busRange)
      }
      if busRange.value.cell(1) > 0xFF {
        context.report("maximum bus number must be less than 256", node: node, property: busRange)
      }
    }
  }
}
