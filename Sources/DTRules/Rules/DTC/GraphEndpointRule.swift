import DTCore

struct GraphEndpointRule: TreeRule {
  static let description = RuleDescription.dtc(
    "graph_endpoint", name: "Graph Endpoint", level: .warning, prerequisites: ["graph_nodes"],
    summary:
      "An OF-graph endpoint must be named `endpoint`, with a valid `reg`, and its `remote-endpoint` must point back",
    rationale: """
      A link is two endpoints that name each other in `remote-endpoint`; a one-way link leaves one side of the \
      pipeline unconnected. In an overlay only `reg` is checked, since the other side may be in the base.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tdev {\n\t\tport {\n\t\t\ta: ↓endpoint {\n\t\t\t\tremote-endpoint = <&b>;\n\t\t\t};\n\t\t};\n\t};\n\tother {\n\t\tport {\n\t\t\tb: endpoint {\n\t\t\t};\n\t\t};\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\tdev {\n\t\tport {\n\t\t\t↓link {\n\t\t\t\tremote-endpoint = <0>;\n\t\t\t};\n\t\t};\n\t};\n};\n"
      ),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tdev {\n\t\tport {\n\t\t\ta: endpoint {\n\t\t\t\tremote-endpoint = <&b>;\n\t\t\t};\n\t\t};\n\t};\n\tother {\n\t\tport {\n\t\t\tb: endpoint {\n\t\t\t\tremote-endpoint = <&a>;\n\t\t\t};\n\t\t};\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes {
      guard let parent = node.parent, info.bus(of: parent) == .graphPort else { continue }
      checkGraphReg(&context, node)
      if context.tree.isPlugin { continue }  // the other side may be in the base
      if node.baseName != "endpoint" { context.report("graph endpoint node name should be 'endpoint'", node: node) }
      guard let remote = remoteEndpoint(&context, node) else { continue }
      if remoteEndpoint(&context, remote) !== node {
        context.report("graph connection to node '\(remote.path)' is not bidirectional", node: node)
      }
    }
  }

  /// dtc's `get_remote_endpoint`: the node `remote-endpoint` points at (reported when the phandle names nothing).
  private func remoteEndpoint(_ context: inout RuleContext, _ endpoint: Node) -> Node? {
    guard let prop = endpoint.property("remote-endpoint") else { return nil }
    let phandle = prop.value.firstCell
    if !phandleIsValid(phandle) { return nil }  // an overlay's reference into the base
    guard let node = context.info.nodesByPhandle[phandle] else {
      context.report("graph phandle is not valid", node: endpoint, property: prop)
      return nil
    }
    return node
  }
}
