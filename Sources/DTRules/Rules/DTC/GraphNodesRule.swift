import DTCore

struct GraphNodesRule: TreeRule {
  static let description = RuleDescription.dtc(
    "graph_nodes", name: "Graph Nodes", level: .warning,
    summary: "Finds OF-graph ports (nodes with an `endpoint` child); the root node must not hold endpoints",
    rationale: """
      Video, camera and display pipelines are described with OF graphs: `port` nodes holding `endpoint` nodes \
      linked by `remote-endpoint`. This check finds the ports for `graph_port` and `graph_endpoint`; an endpoint \
      directly under the root is a misplaced `remote-endpoint`.
      """,
    triggering: [RuleExample("/dts-v1/;\n↓/ {\n\tendpoint {\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tdev {\n\t\tport {\n\t\t\tendpoint {\n\t\t\t};\n\t\t};\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    context.info.busDetectionRan(.graphPort)
    let root = context.tree.root
    for child in root.liveChildren where child.baseName == "endpoint" || child.property("remote-endpoint") != nil {
      context.report(
        "root node contains endpoint node '\(child.name)', potentially misplaced remote-endpoint property", node: root)
    }
  }
}
