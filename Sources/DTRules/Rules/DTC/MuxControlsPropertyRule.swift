import DTCore

struct MuxControlsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "mux-controls", cellsName: "#mux-control-cells")
  static let description = phandleArgsDescription(
    "mux_controls", name: "Mux Controls Property", provider: provider, what: "multiplexer controllers")
}
