import DTCore

struct InterruptProviderRule: TreeRule {
  static let description = RuleDescription.dtc(
    "interrupt_provider", name: "Interrupt Provider", level: .warning,
    prerequisites: ["interrupts_extended_is_cell"],
    summary: "A node has `#interrupt-cells` exactly when it is an interrupt controller or has an `interrupt-map`",
    rationale: """
      Consumers' `interrupts` are split by their controller's `#interrupt-cells`: a controller without it cannot be \
      used, and `#interrupt-cells` on anything else suggests a forgotten `interrupt-controller`.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\t↓intc {\n\t\tinterrupt-controller;\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\t↓intc {\n\t\t#interrupt-cells = <2>;\n\t};\n};\n"),
    ],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tintc {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <2>;\n\t};\n};\n")
    ])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      let provider = isInterruptProvider(node)
      let cells = node.property("#interrupt-cells")
      if provider && cells == nil {
        context.report("Missing '#interrupt-cells' in interrupt provider", node: node)
      } else if !provider && cells != nil {
        context.report("'#interrupt-cells' found, but node is not an interrupt provider", node: node)
      }
    }
  }
}
