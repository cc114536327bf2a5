import DTCore

struct SizeCellsIsCellRule: CellPropertyRule {
  static let propertyName = "#size-cells"
  static let description: RuleDescription = {
    let ex = cellExamples(propertyName)
    return .dtc(
      "size_cells_is_cell", name: "Size Cells Is Cell", level: .warning,
      summary: "`#size-cells` must be a single cell",
      rationale: """
        `#size-cells` says how many cells a child's size takes in `reg`. Every reader takes one 32-bit cell; with \
        any other size nothing below the node can be decoded, so the address checks are skipped.
        """,
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}
