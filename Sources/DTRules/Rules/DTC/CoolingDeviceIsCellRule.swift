import DTCore

struct CoolingDeviceIsCellRule: CellPropertyRule {
  static let propertyName = "#cooling-cells"
  static let description = phandleCellsDescription(
    "cooling_device", name: "Cooling Device Is Cell", cells: propertyName)
}
