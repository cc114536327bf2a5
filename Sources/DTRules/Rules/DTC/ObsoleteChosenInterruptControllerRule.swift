import DTCore

struct ObsoleteChosenInterruptControllerRule: TreeRule {
  static let description = RuleDescription.dtc(
    "obsolete_chosen_interrupt_controller", name: "Obsolete Chosen Interrupt Controller", level: .warning,
    summary: "`/chosen` must not have an `interrupt-controller` property",
    rationale: """
      Old PowerPC trees named the interrupt controller from `/chosen`; the kernel finds it through \
      `interrupt-parent` now. dtc reports the root node with the `/chosen` property.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\t↓interrupt-controller = <1>;\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t};\n\tintc {\n\t\tinterrupt-controller;\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    guard let chosen = context.tree.node(atPath: "/chosen"),
      let prop = chosen.property("interrupt-controller")
    else { return }
    context.report("/chosen has obsolete \"interrupt-controller\" property", node: context.tree.root, property: prop)
  }
}
