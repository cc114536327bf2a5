import DTCore

struct NamePropertiesRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.nameProperties
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Name Properties", level: .error, prerequisites: ["name_is_string"],
    summary: "A legacy `name` property must equal the node's base name",
    rationale: """
      A `name` property that disagrees with the node name is contradictory, and dtc refuses it. One that agrees is \
      redundant: dtc drops it from the output.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓node@1 {\n\t\tname = \"other\";\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tnode@1 {\n\t\tname = \"node\";\n\t};\n};\n")])
}
