import DTCore

struct ChosenNodeBootargsRule: TreeRule {
  static let description = RuleDescription.dtc(
    "chosen_node_bootargs", name: "Chosen Node Bootargs", level: .warning,
    summary: "`bootargs` in a `chosen` node must be a single string",
    rationale: "The kernel takes its command line from `/chosen/bootargs` as one string.",
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\t↓bootargs = \"console=ttymxc1\", \"quiet\";\n\t};\n};\n")
    ],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\tbootargs = \"console=ttymxc1 quiet\";\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes where node.name == "chosen" {
      if let p = node.property("bootargs"), !isOneString(p.value) {
        context.report("property is not a string", node: node, property: p)
      }
    }
  }
}
