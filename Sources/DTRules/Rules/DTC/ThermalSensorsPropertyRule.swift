import DTCore

struct ThermalSensorsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "thermal-sensors", cellsName: "#thermal-sensor-cells")
  static let description = phandleArgsDescription(
    "thermal_sensors", name: "Thermal Sensors Property", provider: provider, what: "thermal sensors")
}
