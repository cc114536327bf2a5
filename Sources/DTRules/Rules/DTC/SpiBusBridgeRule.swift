import DTCore

struct SpiBusBridgeRule: TreeRule {
  static let description = RuleDescription.dtc(
    "spi_bus_bridge", name: "SPI Bus Bridge", level: .warning, prerequisites: ["addr_size_cells"],
    summary:
      "An SPI controller with children must have 1 address cell (0 for `spi-slave`) and 0 size cells, and be named `spi`",
    rationale: """
      SPI devices are addressed by their chip select, one cell, with no size. dtc recognises a controller by the \
      name `spi`, or by 1/0 cell counts and a child with `spi-*` properties; such a controller with `reg` should be \
      named `spi`. This check also tells `spi_bus_reg` which nodes are SPI buses.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\t↓spi {\n\t\tflash@0 {\n\t\t\treg = <0>;\n\t\t};\n\t};\n};\n"),
      RuleExample(
        "/dts-v1/;\n/ {\n\t↓ecspi@1000 {\n\t\treg = <0x1000 0x100>;\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\tflash@0 {\n\t\t\treg = <0>;\n\t\t\tspi-max-frequency = <1000000>;\n\t\t};\n\t};\n};\n"
      ),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tspi@1000 {\n\t\treg = <0x1000 0x100>;\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\tflash@0 {\n\t\t\treg = <0>;\n\t\t\tspi-max-frequency = <1000000>;\n\t\t};\n\t};\n\tspi {\n\t\tspi-slave;\n\t\t#address-cells = <0>;\n\t\t#size-cells = <0>;\n\t\tslave {\n\t\t};\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    info.busDetectionRan(.spi)
    let buses = info.claims(.spi)
    for node in info.allNodes where buses.contains(ObjectIdentifier(node)) {
      if node.baseName != "spi" && node.property("reg") != nil {
        context.report("node name for SPI buses should be 'spi'", node: node)
      }
      if node.children.isEmpty { continue }
      let addressCells = node.property("spi-slave") != nil ? 0 : 1
      if info.effectiveAddressCells(of: node) != addressCells {
        context.report("incorrect #address-cells for SPI bus", node: node)
      }
      if info.effectiveSizeCells(of: node) != 0 {
        context.report("incorrect #size-cells for SPI bus", node: node)
      }
    }
  }
}
