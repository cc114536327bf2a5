import DTCore

struct NodeNameNotEmptyRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.nodeNameNotEmpty
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Node Name Not Empty", level: .error, prerequisites: ["node_name_chars"],
    summary: "Every node except the root must have a base name before its unit address",
    rationale: "A node called just `@1` has no name for drivers or paths to match; dtc refuses it.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓@1 {\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tn@1 {\n\t};\n};\n")])
}
