import DTCore

struct MboxesIsCellRule: CellPropertyRule {
  static let propertyName = "#mbox-cells"
  static let description = phandleCellsDescription("mboxes", name: "Mboxes Is Cell", cells: propertyName)
}
