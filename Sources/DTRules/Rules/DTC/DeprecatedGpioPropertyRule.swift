import DTCore

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
