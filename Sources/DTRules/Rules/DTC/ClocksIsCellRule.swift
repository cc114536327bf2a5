import DTCore

struct ClocksIsCellRule: CellPropertyRule {
  static let propertyName = "#clock-cells"
  static let description = phandleCellsDescription("clocks", name: "Clocks Is Cell", cells: propertyName)
}
