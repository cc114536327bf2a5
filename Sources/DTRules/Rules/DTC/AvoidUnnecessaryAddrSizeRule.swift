import DTCore

struct AvoidUnnecessaryAddrSizeRule: TreeRule {
  static let description = RuleDescription.dtc(
    "avoid_unnecessary_addr_size", name: "Avoid Unnecessary Address Size", level: .warning,
    prerequisites: ["avoid_default_addr_size"],
    summary:
      "`#address-cells`/`#size-cells` are only needed with `ranges`, `dma-ranges` or a child with `reg` or `ranges`",
    rationale: """
      Cell counts describe children's addresses; on a node whose children have none they are noise, and often a \
      sign that the children lost their `reg`. The kernel silences this check unless `W=1`.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t↓leds {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\tled {\n\t\t};\n\t};\n};\n")
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tleds {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\tled@0 {\n\t\t\treg = <0>;\n\t\t};\n\t};\n\tsoc {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tbus {\n\t\t\tranges;\n\t\t};\n\t};\n\tempty {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes {
      guard node.parent != nil, info.recordedAddressCells(of: node) >= 0, info.recordedSizeCells(of: node) >= 0
      else { continue }
      if node.property("ranges") != nil || node.property("dma-ranges") != nil || node.children.isEmpty { continue }
      if !node.liveChildren.contains(where: { $0.property("reg") != nil || $0.property("ranges") != nil }) {
        context.report(
          "unnecessary #address-cells/#size-cells without \"ranges\", \"dma-ranges\" or child \"reg\" or \"ranges\" property",
          node: node)
      }
    }
  }
}
