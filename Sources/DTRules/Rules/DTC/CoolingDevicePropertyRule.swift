import DTCore

struct CoolingDevicePropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "cooling-device", cellsName: "#cooling-cells")
  static let description = phandleArgsDescription(
    "cooling_device", name: "Cooling Device Property", provider: provider, what: "cooling devices")
}
