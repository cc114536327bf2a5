import DTCore

struct AddressCellsIsCellRule: CellPropertyRule {
  static let propertyName = "#address-cells"
  static let description: RuleDescription = {
    let ex = cellExamples(propertyName)
    return .dtc(
      "address_cells_is_cell", name: "Address Cells Is Cell", level: .warning,
      summary: "`#address-cells` must be a single cell",
      rationale: """
        `#address-cells` says how many cells a child's address takes in `reg` and `ranges`. Every reader takes one \
        32-bit cell; with any other size nothing below the node can be decoded, so the address checks are skipped.
        """,
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}
