import DTCore

struct UnitAddressFormatRule: TreeRule {
  static let description = RuleDescription.dtc(
    "unit_address_format", name: "Unit Address Format", level: .warning,
    prerequisites: ["node_name_format", "pci_bridge", "simple_bus_bridge"],
    summary: "A unit address must be plain hex: no `0x` prefix, no leading zeros",
    rationale: """
      Unit addresses are written in lower-case hex without prefix or padding so that one address has one spelling \
      (`serial@30860000`, not `serial@0x30860000`). Children of buses dtc knows (PCI, simple-bus) are checked by \
      their bus's own rule instead.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\t↓dev@0x1000 {\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\t↓dev@01000 {\n\t};\n};\n"),
    ],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tdev@1000 {\n\t};\n\tdev@0 {\n\t};\n\tdev@0,1 {\n\t};\n};\n"),
      RuleExample(
        "/dts-v1/;\n/ {\n\tbus {\n\t\tcompatible = \"simple-bus\";\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges;\n\t\tdev@01000 {\n\t\t};\n\t};\n};\n"
      ),
    ])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      if let parent = node.parent, context.info.bus(of: parent) != nil { continue }
      var unit = node.unitAddress
      if unit.isEmpty { continue }
      if unit.hasPrefix("0x") {
        context.report("unit name should not have leading \"0x\"", node: node)
        unit = unit.dropFirst(2)
      }
      let u = Array(unit.utf8)
      if u.count >= 2 && u[0] == UInt8(ascii: "0") && isHexDigit(u[1]) {
        context.report("unit name should not have leading 0s", node: node)
      }
    }
  }
}

func isHexDigit(_ c: UInt8) -> Bool {
  switch c {
  case 0x30...0x39, 0x41...0x46, 0x61...0x66: true
  default: false
  }
}
