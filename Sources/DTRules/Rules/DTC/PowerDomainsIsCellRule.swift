import DTCore

struct PowerDomainsIsCellRule: CellPropertyRule {
  static let propertyName = "#power-domain-cells"
  static let description = phandleCellsDescription("power_domains", name: "Power Domains Is Cell", cells: propertyName)
}
