import DTCore

struct IommusPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "iommus", cellsName: "#iommu-cells")
  static let description = phandleArgsDescription(
    "iommus", name: "IOMMUs Property", provider: provider, what: "IOMMUs")
}
