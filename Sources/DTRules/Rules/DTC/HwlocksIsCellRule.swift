import DTCore

struct HwlocksIsCellRule: CellPropertyRule {
  static let propertyName = "#hwlock-cells"
  static let description = phandleCellsDescription("hwlocks", name: "Hwlocks Is Cell", cells: propertyName)
}
