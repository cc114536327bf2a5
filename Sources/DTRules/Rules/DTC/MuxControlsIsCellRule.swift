import DTCore

struct MuxControlsIsCellRule: CellPropertyRule {
  static let propertyName = "#mux-control-cells"
  static let description = phandleCellsDescription("mux_controls", name: "Mux Controls Is Cell", cells: propertyName)
}
