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

/// dtc's `check_graph_reg`: a port's or endpoint's `reg` is one cell equal to its unit address, and its parent
/// has `#address-cells = <1>` and `#size-cells = <0>` (as recorded: -1 when absent).
private func checkGraphReg(_ context: inout RuleContext, _ node: Node) {
  guard let reg = node.property("reg"), let parent = node.parent else { return }
  if reg.value.bytes.count != 4 {
    context.report("graph node malformed 'reg' property", node: node)
    return
  }
  let expected = hex(reg.value.firstCell)
  if node.unitAddress != expected {
    context.report("graph node unit address error, expected \"\(expected)\"", node: node)
  }
  let info = context.info
  let addressCells = info.recordedAddressCells(of: parent)
  if addressCells != 1 {
    context.report(
      "graph node '#address-cells' is \(addressCells), must be 1", node: node, property: node.property("#address-cells")
    )
  }
  let sizeCells = info.recordedSizeCells(of: parent)
  if sizeCells != 0 {
    context.report(
      "graph node '#size-cells' is \(sizeCells), must be 0", node: node, property: node.property("#size-cells"))
  }
}
