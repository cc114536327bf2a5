import DTCore

struct CompatibleIsStringListRule: StringListPropertyRule {
  static let propertyName = "compatible"
  static let description = RuleDescription.dtc(
    "compatible_is_string_list", name: "Compatible Is String List", level: .warning,
    summary: "`compatible` must be a list of NUL-terminated strings",
    rationale: """
      Drivers bind by matching the strings of `compatible`; a value that is not a string list matches nothing, and \
      the `simple-bus` detection that depends on it is skipped.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓compatible = <1>;\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\tcompatible = \"vendor,dev\", \"generic\";\n\t};\n};\n")])
}
