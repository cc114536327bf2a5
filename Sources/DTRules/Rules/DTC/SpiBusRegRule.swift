import DTCore

struct SpiBusRegRule: TreeRule {
  static let description = RuleDescription.dtc(
    "spi_bus_reg", name: "SPI Bus Reg", level: .warning, prerequisites: ["reg_format", "spi_bus_bridge"],
    summary: "An SPI device must have `reg` (its chip select) and a unit address equal to it",
    rationale: """
      The SPI core creates a device per child on the chip select in `reg`; the unit address repeats it. Children of \
      a controller in `spi-slave` mode are not addressed and are not checked.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tspi {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\t↓flash@1 {\n\t\t\treg = <0>;\n\t\t};\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\tspi {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\t↓flash {\n\t\t};\n\t};\n};\n"),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tspi {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\tflash@a {\n\t\t\treg = <10>;\n\t\t};\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes {
      guard let parent = node.parent, info.bus(of: parent) == .spi, parent.property("spi-slave") == nil else {
        continue
      }
      guard let reg = node.property("reg"), !reg.value.isEmpty else {
        context.report("missing or empty reg property", node: node)
        continue
      }
      let expected = hex(reg.value.cell(0))
      if node.unitAddress != expected {
        context.report("SPI bus unit address format error, expected \"\(expected)\"", node: node)
      }
    }
  }
}
