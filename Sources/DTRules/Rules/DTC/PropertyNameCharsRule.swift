import DTCore

struct PropertyNameCharsRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.propertyNameChars
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Property Name Characters", level: .error,
    summary: "Property names may only use letters, digits and `,._+*#?-`",
    rationale: "The devicetree specification limits property names to these characters; dtc refuses any other.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓prop@x;\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\t#vendor,prop_1.a+b*c?-d;\n};\n")])
}
