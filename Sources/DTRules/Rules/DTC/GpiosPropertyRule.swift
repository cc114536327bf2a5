import DTCore

struct GpiosPropertyRule: TreeRule {
  static let description = RuleDescription.dtc(
    "gpios_property", name: "GPIOs Property", level: .warning, prerequisites: ["phandle_references"],
    summary: "`gpios`/`*-gpios` must be lists of GPIO controller phandles, each followed by its `#gpio-cells` cells",
    rationale: """
      The kernel's GPIO lookup walks these lists with the controllers' `#gpio-cells`; a wrong count takes the wrong \
      pin or flags. GPIO hogs (`gpio-hog`) are skipped: their `gpios` has no phandle.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tgpio1: gpio {\n\t\tgpio-controller;\n\t\t#gpio-cells = <2>;\n\t};\n\tnode {\n\t\t↓reset-gpios = <&gpio1 5>;\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\tgpio1: gpio {\n\t\tgpio-controller;\n\t};\n\t↓node {\n\t\tgpios = <&gpio1 5>;\n\t};\n};\n"),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tgpio1: gpio {\n\t\tgpio-controller;\n\t\t#gpio-cells = <2>;\n\t\thog {\n\t\t\tgpio-hog;\n\t\t\tgpios = <5 0>;\n\t\t};\n\t};\n\tnode {\n\t\treset-gpios = <&gpio1 5 0>;\n\t\tcs-gpios = <&gpio1 1 0>, <0>, <&gpio1 2 0>;\n\t\tvendor,nr-gpios = <3>;\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      if node.property("gpio-hog") != nil { continue }
      for p in node.liveProperties where isGPIOProperty(p.name) {
        checkPhandleArgs(
          &context, node: node, property: p,
          provider: PhandleArgsProvider(propertyName: p.name, cellsName: "#gpio-cells"))
      }
    }
  }
}
