import DTCore

struct ChosenNodeStdoutPathRule: TreeRule {
  static let description = RuleDescription.dtc(
    "chosen_node_stdout_path", name: "Chosen Node Stdout Path", level: .warning,
    summary: "A `chosen` node's console is `stdout-path` (not `linux,stdout-path`), a single string",
    rationale: """
      The kernel and U-Boot pick the console from `/chosen/stdout-path` (a path or alias, optionally with \
      `:options`); `linux,stdout-path` is the deprecated spelling.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\t↓linux,stdout-path = \"/serial\";\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\t↓stdout-path = <1>;\n\t};\n};\n"),
    ],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\tstdout-path = \"serial0:115200n8\";\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes where node.name == "chosen" {
      var prop = node.property("stdout-path")
      if prop == nil {
        guard let legacy = node.property("linux,stdout-path") else { continue }
        context.report("Use 'stdout-path' instead", node: node, property: legacy)
        prop = legacy
      }
      if let p = prop, !isOneString(p.value) {
        context.report("property is not a string", node: node, property: p)
      }
    }
  }
}
