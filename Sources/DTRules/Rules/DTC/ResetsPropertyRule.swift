import DTCore

struct ResetsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "resets", cellsName: "#reset-cells")
  static let description = phandleArgsDescription(
    "resets", name: "Resets Property", provider: provider, what: "reset controllers")
}
