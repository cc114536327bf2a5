import DTCore

struct SimpleBusRegRule: TreeRule {
  static let description = RuleDescription.dtc(
    "simple_bus_reg", name: "Simple Bus Reg", level: .warning, prerequisites: ["reg_format", "simple_bus_bridge"],
    summary: "A `simple-bus` child must have `reg` (or `ranges`) and a unit address equal to its first address",
    rationale: """
      On a `simple-bus` the kernel creates a platform device per child from its `reg`; the unit address must be \
      that address in hex so the name says where the device is. The kernel silences this check unless `W=1`.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tsoc {\n\t\tcompatible = \"simple-bus\";\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges;\n\t\t↓serial@1000 {\n\t\t\treg = <0x2000 0x100>;\n\t\t};\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tsoc {\n\t\tcompatible = \"simple-bus\";\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges;\n\t\t↓leds {\n\t\t};\n\t};\n};\n"
      ),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n\tsoc {\n\t\tcompatible = \"simple-bus\";\n\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n\t\tranges;\n\t\tserial@100002000 {\n\t\t\treg = <1 0x2000 0 0x100>;\n\t\t};\n\t\tbus@3000 {\n\t\t\t#address-cells = <1>;\n\t\t\t#size-cells = <1>;\n\t\t\tranges = <0 0 0x3000 0 0x100>;\n\t\t};\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes {
      guard let parent = node.parent, info.bus(of: parent) == .simpleBus else { continue }
      var value: PropertyValue?
      var first = 0
      if let reg = node.property("reg") {
        if !reg.value.isEmpty { value = reg.value }
      } else if let ranges = node.property("ranges"), !ranges.value.isEmpty {
        value = ranges.value
        first = info.effectiveAddressCells(of: node)  // skip the child address
      }
      guard let value else {
        if parent.parent != nil && info.bus(of: node) != .simpleBus {
          context.report("missing or empty reg/ranges property", node: node)
        }
        continue
      }
      // dtc shifts `#address-cells` cells into 64 bits: only the last two count.
      let cells = info.effectiveAddressCells(of: parent)
      var address: UInt64 = 0
      if cells > 0 {
        address = UInt64(value.cell(first + cells - 1))
        if cells > 1 { address |= UInt64(value.cell(first + cells - 2)) << 32 }
      }
      let expected = hex(address)
      if node.unitAddress != expected {
        context.report("simple-bus unit address format error, expected \"\(expected)\"", node: node)
      }
    }
  }
}
