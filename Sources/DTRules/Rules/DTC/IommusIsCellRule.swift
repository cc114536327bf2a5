import DTCore

struct IommusIsCellRule: CellPropertyRule {
  static let propertyName = "#iommu-cells"
  static let description = phandleCellsDescription("iommus", name: "IOMMUs Is Cell", cells: propertyName)
}
