import DTCore

struct GraphPortRule: TreeRule {
  static let description = RuleDescription.dtc(
    "graph_port", name: "Graph Port", level: .warning, prerequisites: ["graph_nodes"],
    summary:
      "An OF-graph port must be named `port`, with a one-cell `reg` matching its unit address under 1/0 cell counts",
    rationale: """
      The kernel's `of_graph` helpers find ports by name and number them by `reg`. In an overlay only `reg` is \
      checked, since the node may be completed by the base. Like dtc, the parent's cell counts are those \
      `addr_size_cells` recorded: 0 when it did not run.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\tdev {\n\t\t↓output {\n\t\t\tendpoint {\n\t\t\t};\n\t\t};\n\t};\n};\n"),
      RuleExample(
        "/dts-v1/;\n/ {\n\tdev {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\t↓port@1 {\n\t\t\treg = <2>;\n\t\t\tendpoint {\n\t\t\t};\n\t\t};\n\t};\n};\n",
        options: ["enable": "addr_size_cells"]),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tdev {\n\t\tports {\n\t\t\t#address-cells = <1>;\n\t\t\t#size-cells = <0>;\n\t\t\tport@0 {\n\t\t\t\treg = <0>;\n\t\t\t\tendpoint {\n\t\t\t\t};\n\t\t\t};\n\t\t\tport@1 {\n\t\t\t\treg = <1>;\n\t\t\t\tendpoint {\n\t\t\t\t};\n\t\t\t};\n\t\t};\n\t};\n};\n",
        options: ["enable": "addr_size_cells"])
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes where info.bus(of: node) == .graphPort {
      checkGraphReg(&context, node)
      if context.tree.isPlugin { continue }  // the base may complete the node
      if node.baseName != "port" { context.report("graph port node name should be 'port'", node: node) }
    }
  }
}
