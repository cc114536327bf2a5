import DTCore

struct PowerDomainsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "power-domains", cellsName: "#power-domain-cells")
  static let description = phandleArgsDescription(
    "power_domains", name: "Power Domains Property", provider: provider, what: "power domain providers")
}
