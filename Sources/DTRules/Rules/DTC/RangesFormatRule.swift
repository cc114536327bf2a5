import DTCore

struct RangesFormatRule: TreeRule {
  static let description = RuleDescription.dtc(
    "ranges_format", name: "Ranges Format", level: .warning, prerequisites: ["addr_size_cells"],
    summary:
      "`ranges` must be a whole number of (child address, parent address, size) entries; an empty one needs equal cell counts",
    rationale: """
      `ranges` translates a bus's child addresses into the parent's. Its entries are sized by the node's \
      `#address-cells` and `#size-cells` and the parent's `#address-cells`; an empty `ranges` (identity mapping) \
      only makes sense when both sides use the same cell counts.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tbus@0 {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\t↓ranges = <0 0>;\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tbus {\n\t\t#address-cells = <2>;\n\t\t#size-cells = <1>;\n\t\t↓ranges;\n\t};\n};\n"
      ),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tbus@0 {\n\t\t#address-cells = <2>;\n\t\t#size-cells = <1>;\n\t\tranges = <0 0 0 0x1000>;\n\t\tdma-ranges;\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) { checkRangesFormat(&context, "ranges") }
}

struct DmaRangesFormatRule: TreeRule {
  static let description = RuleDescription.dtc(
    "dma_ranges_format", name: "DMA Ranges Format", level: .warning, prerequisites: ["addr_size_cells"],
    summary:
      "`dma-ranges` must be a whole number of (child address, parent address, size) entries; an empty one needs equal cell counts",
    rationale: """
      `dma-ranges` describes how a bus's masters see the parent's memory; it is laid out like `ranges`, and a wrong \
      length makes the kernel compute wrong DMA offsets or limits.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tbus@0 {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges;\n\t\t↓dma-ranges = <0 0>;\n\t};\n};\n"
      )
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tbus@0 {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges;\n\t\tdma-ranges = <0 0x40000000 0x1000>;\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) { checkRangesFormat(&context, "dma-ranges") }
}

/// dtc's `check_ranges_format` for `ranges` or `dma-ranges`.
private func checkRangesFormat(_ context: inout RuleContext, _ name: String) {
  let info = context.info
  for node in info.allNodes {
    guard let prop = node.property(name) else { continue }
    guard let parent = node.parent else {
      context.report("Root node has a \"\(name)\" property", node: node, property: prop)
      continue
    }
    let pa = info.effectiveAddressCells(of: parent)
    let ps = info.effectiveSizeCells(of: parent)
    let ca = info.effectiveAddressCells(of: node)
    let cs = info.effectiveSizeCells(of: node)
    let len = prop.value.bytes.count
    if len == 0 {
      if pa != ca {
        context.report(
          "empty \"\(name)\" property but its #address-cells (\(ca)) differs from \(parent.path) (\(pa))", node: node,
          property: prop)
      }
      if ps != cs {
        context.report(
          "empty \"\(name)\" property but its #size-cells (\(cs)) differs from \(parent.path) (\(ps))", node: node,
          property: prop)
      }
    } else if !isMultiple(len, of: (pa + ca + cs) * 4) {
      context.report(
        "\"\(name)\" property has invalid length (\(len) bytes) (parent #address-cells == \(pa), child #address-cells == \(ca), #size-cells == \(cs))",
        node: node, property: prop)
    }
  }
}
