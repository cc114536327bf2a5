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
