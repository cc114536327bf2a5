import DTCore

struct PhysIsCellRule: CellPropertyRule {
  static let propertyName = "#phy-cells"
  static let description = phandleCellsDescription("phys", name: "Phys Is Cell", cells: propertyName)
}
