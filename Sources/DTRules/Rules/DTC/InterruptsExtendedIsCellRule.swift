import DTCore

struct InterruptsExtendedIsCellRule: CellPropertyRule {
  static let propertyName = "#interrupt-cells"
  static let description = phandleCellsDescription(
    "interrupts_extended", name: "Interrupts Extended Is Cell", cells: propertyName)
}
