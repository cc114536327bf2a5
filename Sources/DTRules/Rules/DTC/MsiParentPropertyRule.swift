import DTCore

struct MsiParentPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "msi-parent", cellsName: "#msi-cells", optional: true)
  static let description = phandleArgsDescription(
    "msi_parent", name: "MSI Parent Property", provider: provider, what: "MSI controllers")
}
