import DTCore

struct DmasIsCellRule: CellPropertyRule {
  static let propertyName = "#dma-cells"
  static let description = phandleCellsDescription("dmas", name: "DMAs Is Cell", cells: propertyName)
}
