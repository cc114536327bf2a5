import DTCore

struct ClocksPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "clocks", cellsName: "#clock-cells")
  static let description = phandleArgsDescription(
    "clocks", name: "Clocks Property", provider: provider, what: "clock providers")
}
