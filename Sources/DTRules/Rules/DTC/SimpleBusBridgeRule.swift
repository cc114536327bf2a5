import DTCore

struct SimpleBusBridgeRule: TreeRule {
  /// dtc's `check_simple_bus_bridge` never reports: it marks `simple-bus` nodes for `simple_bus_reg` and
  /// `unit_address_format`. Its examples are checked through `simple_bus_reg`.
  static let description = RuleDescription.dtc(
    "simple_bus_bridge", name: "Simple Bus Bridge", level: .warning,
    prerequisites: ["addr_size_cells", "compatible_is_string_list"],
    summary: "Marks nodes compatible with `simple-bus` so their children are checked as memory-mapped devices",
    rationale: """
      A marker, not a test: it never reports. Children of a `simple-bus` are memory-mapped devices whose unit \
      address must be their first `reg` address (`simple_bus_reg`); children of other buses are checked by \
      `unit_address_format`. The examples show it through `simple_bus_reg`.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tbus {\n\t\tcompatible = \"vendor,soc\", \"simple-bus\";\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges;\n\t\t↓dev@10 {\n\t\t\treg = <0x20 4>;\n\t\t};\n\t};\n};\n",
        options: ["checkedBy": "simple_bus_reg"])
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tbus {\n\t\tcompatible = \"vendor,soc\";\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n\t\tranges;\n\t\tdev@10 {\n\t\t\treg = <0x20 4>;\n\t\t};\n\t};\n};\n",
        options: ["checkedBy": "simple_bus_reg"])
    ])

  func check(_ context: inout RuleContext) {
    context.info.busDetectionRan(.simpleBus)
  }
}
