import DTCore

struct UnitAddressVsRegRule: TreeRule {
  static let description = RuleDescription.dtc(
    "unit_address_vs_reg", name: "Unit Address vs Reg", level: .warning,
    summary: "A node has a unit address exactly when it has `reg` (or a non-empty `ranges`)",
    rationale: """
      The unit address is the node's first `reg` address, written in its name. A unit address without `reg` names \
      an address the device does not have; `reg` without one makes the name ambiguous among siblings. Overlay \
      fragments (nodes with an `__overlay__` child) are exempt. The kernel silences this check unless `W=1`.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\t↓dev@1000 {\n\t};\n};\n"),
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\t↓dev {\n\t\treg = <0x1000 4>;\n\t};\n};\n"),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tdev@1000 {\n\t\treg = <0x1000 4>;\n\t};\n\tbus@2000 {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges = <0 0x2000 0x100>;\n\t};\n\tplain {\n\t\tranges;\n\t};\n};\n"
      ),
      RuleExample("/dts-v1/;\n/plugin/;\n&target {\n\tstatus = \"okay\";\n};\n"),
    ])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      if node.child("__overlay__") != nil { continue }  // overlay fragments are a special case for dtc
      var prop = node.property("reg")
      if prop == nil, let ranges = node.property("ranges"), !ranges.value.isEmpty { prop = ranges }
      if prop != nil {
        if node.unitAddress.isEmpty {
          context.report("node has a reg or ranges property, but no unit name", node: node)
        }
      } else if !node.unitAddress.isEmpty {
        context.report("node has a unit name, but no reg or ranges property", node: node)
      }
    }
  }
}
