import DTCore

struct NodeNameVsPropertyNameRule: TreeRule {
  static let description = RuleDescription.dtc(
    "node_name_vs_property_name", name: "Node Name vs Property Name", level: .warning,
    prerequisites: ["node_name_chars"],
    summary: "A child node must not have the same name as a property of its parent",
    rationale: """
      Paths and property names share one namespace in tools such as `fdtget`, `/proc/device-tree` and \
      `/sys/firmware/devicetree`, where a node and a property of the same name cannot both exist.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tfoo = <1>;\n\t↓foo {\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tfoo = <1>;\n\tfoo@1 {\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      guard let parent = node.parent else { continue }
      if parent.property(node.name) != nil { context.report("node name and property name conflict", node: node) }
    }
  }
}
