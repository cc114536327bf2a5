import DTCore

struct NodeNameFormatRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.nodeNameFormat
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Node Name Format", level: .error, prerequisites: ["node_name_chars"],
    summary: "A node name must have at most one `@`",
    rationale: "A node name is `base@unit-address`; a second `@` makes it impossible to split, and dtc refuses it.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓node@1@2 {\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tnode@1,2 {\n\t};\n};\n")])
}
