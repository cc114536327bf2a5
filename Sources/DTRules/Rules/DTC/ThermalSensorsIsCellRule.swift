import DTCore

struct ThermalSensorsIsCellRule: CellPropertyRule {
  static let propertyName = "#thermal-sensor-cells"
  static let description = phandleCellsDescription(
    "thermal_sensors", name: "Thermal Sensors Is Cell", cells: propertyName)
}
