import DTCore

struct DuplicateLabelRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.duplicateLabel
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Duplicate Label", level: .error,
    summary: "A label must mark only one node, property or value",
    rationale: "`&label` must resolve to exactly one place; dtc refuses a label defined twice.",
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\tl: a {\n\t};\n\tl: b {\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\tl: p = <1>;\n\tq = <l: 2>;\n};\n"),
    ],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tl: a {\n\t};\n};\n&l {\n\tp;\n};\n")])
}
