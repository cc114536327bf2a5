import DTCore

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
