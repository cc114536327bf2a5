import DTCore

struct AvoidDefaultAddrSizeRule: TreeRule {
  static let description = RuleDescription.dtc(
    "avoid_default_addr_size", name: "Avoid Default Address Size", level: .warning, prerequisites: ["addr_size_cells"],
    summary: "A node with `reg` or `ranges` needs a parent that states `#address-cells` and `#size-cells`",
    rationale: """
      Without them the defaults (2 and 1) apply, which the specification deprecates and few buses really use: \
      the address is decoded by a rule nobody wrote down.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓dev@0 {\n\t\treg = <0 0 4>;\n\t};\n};\n")],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tdev@0 {\n\t\treg = <0 4>;\n\t};\n};\n")
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes {
      guard let parent = node.parent else { continue }
      if node.property("reg") == nil && node.property("ranges") == nil { continue }
      if info.recordedAddressCells(of: parent) == -1 {
        context.report("Relying on default #address-cells value", node: node)
      }
      if info.recordedSizeCells(of: parent) == -1 {
        context.report("Relying on default #size-cells value", node: node)
      }
    }
  }
}
