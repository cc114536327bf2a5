import DTCore

struct AddrSizeCellsRule: TreeRule {
  /// dtc's `fixup_addr_size_cells` never reports: it records every node's cell counts for the checks after it.
  /// Its examples are checked through `reg_format`, which reads what it recorded.
  static let description = RuleDescription.dtc(
    "addr_size_cells", name: "Address and Size Cells", level: .warning,
    prerequisites: ["address_cells_is_cell", "size_cells_is_cell"],
    summary: "Records each node's `#address-cells` and `#size-cells` (2 and 1 when absent) for the address checks",
    rationale: """
      A fixup, not a test: it never reports. Every check that decodes `reg`, `ranges` or unit addresses depends on \
      it, so when a cell count is malformed those checks are skipped rather than guessing. The examples show it \
      through `reg_format`.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tdev@0 {\n\t\t↓reg = <0>;\n\t};\n};\n",
        options: ["checkedBy": "reg_format"]),
      RuleExample(
        "/dts-v1/;\n/ {\n\tdev@0 {\n\t\t↓reg = <0 4>;\n\t};\n};\n", options: ["checkedBy": "reg_format"]),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <0>;\n\tdev@0 {\n\t\treg = <0>;\n\t};\n};\n",
        options: ["checkedBy": "reg_format"])
    ])

  func check(_ context: inout RuleContext) {
    context.info.cellsRecorded = true
  }
}
