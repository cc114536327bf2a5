import DTCore

struct PwmsIsCellRule: CellPropertyRule {
  static let propertyName = "#pwm-cells"
  static let description = phandleCellsDescription("pwms", name: "PWMs Is Cell", cells: propertyName)
}
