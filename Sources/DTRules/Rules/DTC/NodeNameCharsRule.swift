import DTCore

struct NodeNameCharsRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.nodeNameChars
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Node Name Characters", level: .error,
    summary: "Node names may only use letters, digits and `,._+-@`",
    rationale: "The devicetree specification limits node names to these characters; dtc refuses any other.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓node*name {\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tvendor,node-1_a.b+c@1f {\n\t};\n};\n")])
}
