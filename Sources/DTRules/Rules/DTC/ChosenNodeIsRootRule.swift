import DTCore

struct ChosenNodeIsRootRule: TreeRule {
  static let description = RuleDescription.dtc(
    "chosen_node_is_root", name: "Chosen Node Is Root", level: .warning,
    summary: "A `chosen` node must be a child of the root",
    rationale: "Boot loaders and the kernel only look for `/chosen`; one anywhere else is ignored.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tsoc {\n\t\t↓chosen {\n\t\t};\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes where node.name == "chosen" && node.parent !== context.tree.root {
      context.report("chosen node must be at root node", node: node)
    }
  }
}
