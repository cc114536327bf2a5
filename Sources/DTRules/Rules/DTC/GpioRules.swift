import DTCore

/// dtc's `prop_is_gpio`: `gpios`, `gpio`, `*-gpios`, `*-gpio`, but not `*,nr-gpios`.
func isGPIOProperty(_ name: String) -> Bool {
  if name.hasSuffix(",nr-gpios") { return false }
  return name.hasSuffix("-gpios") || name == "gpios" || name.hasSuffix("-gpio") || name == "gpio"
}

struct DeprecatedGpioPropertyRule: TreeRule {
  static let description = RuleDescription.dtc(
    "deprecated_gpio_property", name: "Deprecated GPIO Property", level: .check,
    summary: "GPIO properties should be named `gpios` or `*-gpios`, not `gpio` or `*-gpio`",
    rationale: """
      The singular spellings still work in the kernel's GPIO lookup but are deprecated by the GPIO binding; new \
      trees use the plural.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓reset-gpio = <1>;\n\t};\n};\n")],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\treset-gpios = <1>;\n\t\tvendor,nr-gpios = <4>;\n\t};\n};\n")
    ])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      for p in node.liveProperties where isGPIOProperty(p.name) && p.name.hasSuffix("gpio") {
        context.report("'[*-]gpio' is deprecated, use '[*-]gpios' instead", node: node, property: p)
      }
    }
  }
}

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
