import DTCore

struct PhysPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "phys", cellsName: "#phy-cells")
  static let description = phandleArgsDescription(
    "phys", name: "Phys Property", provider: provider, what: "PHY providers")
}
