import DTCore

struct HwlocksPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "hwlocks", cellsName: "#hwlock-cells")
  static let description = phandleArgsDescription(
    "hwlocks", name: "Hwlocks Property", provider: provider, what: "hardware spinlock providers")
}
