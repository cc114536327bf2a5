import DTCore

struct NameIsStringRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.nameIsString
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Name Is String", level: .error,
    summary: "A legacy `name` property must be a string",
    rationale: "Old Open Firmware trees carry the node name in a `name` property; anything but a string is an error.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓name = <1>;\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\tname = \"node\";\n\t};\n};\n")])
}
