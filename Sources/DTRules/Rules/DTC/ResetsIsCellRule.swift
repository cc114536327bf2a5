import DTCore

struct ResetsIsCellRule: CellPropertyRule {
  static let propertyName = "#reset-cells"
  static let description = phandleCellsDescription("resets", name: "Resets Is Cell", cells: propertyName)
}
