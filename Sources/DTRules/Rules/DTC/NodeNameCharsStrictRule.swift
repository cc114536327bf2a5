import DTCore

struct NodeNameCharsStrictRule: TreeRule {
  static let description = RuleDescription.dtc(
    "node_name_chars_strict", name: "Node Name Characters (Strict)", level: .check,
    summary: "Node base names should only use letters, digits, `,` and `-`",
    rationale: """
      Generic node names (`serial`, `ethernet-phy`, `pinctrl-grp`) are lower-case words joined by `-`; `_`, `.` and \
      `+` are accepted by dtc but not recommended. The kernel enables this check at `W=2`. The unit address is not \
      checked.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓my_node@1,a {\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tvendor,my-node@1_a {\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      let name = Array(node.name.utf8)
      let n = strictSpan(name[...])
      if n < node.baseName.utf8.count {
        context.report(
          "Character '\(Character(Unicode.Scalar(name[n])))' not recommended in node name", node: node)
      }
    }
  }
}
