import DTCore

struct DuplicatePropertyNamesRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.duplicatePropertyNames
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Duplicate Property Names", level: .error,
    summary: "One node body must not define the same property twice",
    rationale: """
      Within one body a second definition is almost always a copy-and-paste mistake; dtc refuses it. (A later body \
      for the same node may override a property: that is how `.dtsi` files are specialised.)
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓prop = <1>;\n\tprop = <2>;\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tprop = <1>;\n};\n/ {\n\tprop = <2>;\n};\n")])
}
