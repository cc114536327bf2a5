import DTCore

struct I2cBusRegRule: TreeRule {
  static let description = RuleDescription.dtc(
    "i2c_bus_reg", name: "I2C Bus Reg", level: .warning, prerequisites: ["reg_format", "i2c_bus_bridge"],
    summary:
      "An I2C device must have `reg`, a unit address equal to it, and an address that fits 7 bits (or 10 with the flag)",
    rationale: """
      The I2C core creates a client per child at the address in `reg`. Addresses above 0x7f need \
      `I2C_TEN_BIT_ADDRESS`; `I2C_OWN_SLAVE_ADDRESS` is ignored when comparing.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\ti2c {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\t↓sensor@49 {\n\t\t\treg = <0x48>;\n\t\t};\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\ti2c {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\tsensor@148 {\n\t\t\t↓reg = <0x148>;\n\t\t};\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\ti2c {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\t↓sensor {\n\t\t};\n\t};\n};\n"),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\ti2c {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\t\tsensor@48 {\n\t\t\treg = <0x48>;\n\t\t};\n\t\tslave@10 {\n\t\t\treg = <0x40000010>;\n\t\t};\n\t\tten@80000150 {\n\t\t\treg = <0x80000150>;\n\t\t};\n\t};\n};\n"
      )
    ])

  private static let ownSlaveAddress: UInt32 = 1 << 30
  private static let tenBitAddress: UInt32 = 1 << 31

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes {
      guard let parent = node.parent, info.bus(of: parent) == .i2c else { continue }
      guard let reg = node.property("reg"), !reg.value.isEmpty else {
        context.report("missing or empty reg property", node: node)
        continue
      }
      let first = reg.value.cell(0) & ~Self.ownSlaveAddress
      if node.unitAddress != hex(first) {
        context.report("I2C bus unit address format error, expected \"\(hex(first))\"", node: node)
      }
      var remaining = reg.value.bytes.count
      var i = 0
      while remaining > 0 {
        let address = reg.value.cell(i) & ~Self.ownSlaveAddress
        i += 1
        remaining -= 4
        if address & Self.tenBitAddress != 0 {
          if address & ~Self.tenBitAddress > 0x3FF {
            context.report(
              "I2C address must be less than 10-bits, got \"0x\(hex(address))\"", node: node, property: reg)
          }
        } else if address > 0x7F {
          context.report(
            "I2C address must be less than 7-bits, got \"0x\(hex(address))\". Set I2C_TEN_BIT_ADDRESS for 10 bit addresses or fix the property",
            node: node, property: reg)
        }
      }
    }
  }
}
