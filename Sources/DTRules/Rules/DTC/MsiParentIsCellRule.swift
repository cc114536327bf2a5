import DTCore

struct MsiParentIsCellRule: CellPropertyRule {
  static let propertyName = "#msi-cells"
  static let description = phandleCellsDescription("msi_parent", name: "MSI Parent Is Cell", cells: propertyName)
}
