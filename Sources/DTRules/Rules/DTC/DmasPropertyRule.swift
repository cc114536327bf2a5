import DTCore

struct DmasPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "dmas", cellsName: "#dma-cells")
  static let description = phandleArgsDescription(
    "dmas", name: "DMAs Property", provider: provider, what: "DMA controllers")
}
