import DTCore

struct I2cBusBridgeRule: TreeRule {
  static let description = RuleDescription.dtc(
    "i2c_bus_bridge", name: "I2C Bus Bridge", level: .warning, prerequisites: ["addr_size_cells"],
    summary:
      "An I2C bus (`i2c-bus`, `i2c-arb`, or `i2c` without an `i2c-bus` child) with children must have 1 address cell and 0 size cells",
    rationale: """
      Devices on an I2C bus are addressed by one cell (the 7- or 10-bit address) and have no size. This check also \
      tells `i2c_bus_reg` which nodes are I2C buses.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t↓i2c@1000 {\n\t\treg = <0x1000 0x100>;\n\t\tsensor@48 {\n\t\t\treg = <0x48>;\n\t\t};\n\t};\n};\n"
      )
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\ti2c@1000 {\n\t\treg = <0x1000 0x100>;\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\tsensor@48 {\n\t\t\treg = <0x48>;\n\t\t};\n\t};\n\ti2c@2000 {\n\t\treg = <0x2000 0x100>;\n\t};\n\ti2c@3000 {\n\t\treg = <0x3000 0x100>;\n\t\ti2c-bus {\n\t\t\t#address-cells = <1>;\n\t\t\t#size-cells = <0>;\n\t\t\tsensor@48 {\n\t\t\t\treg = <0x48>;\n\t\t\t};\n\t\t};\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    info.busDetectionRan(.i2c)
    let buses = info.claims(.i2c)
    for node in info.allNodes where buses.contains(ObjectIdentifier(node)) {
      if node.children.isEmpty { continue }
      if info.effectiveAddressCells(of: node) != 1 {
        context.report("incorrect #address-cells for I2C bus", node: node)
      }
      if info.effectiveSizeCells(of: node) != 0 {
        context.report("incorrect #size-cells for I2C bus", node: node)
      }
    }
  }
}
