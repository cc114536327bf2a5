import DTCore

struct DuplicateNodeNamesRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.duplicateNodeNames
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Duplicate Node Names", level: .error,
    summary: "Two sibling nodes must not have the same full name",
    rationale: """
      A path must name one node. dtc refuses a tree where two children of a node share a name (the same base name \
      and unit address) after all the source's fragments are merged.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t};\n\t↓node {\n\t};\n};\n")],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tnode@1 {\n\t};\n\tnode@2 {\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t};\n};\n/ {\n\tnode {\n\t\tp;\n\t};\n};\n"),
    ])
}
