import DTCore

struct LabelIsStringRule: StringPropertyRule {
  static let propertyName = "label"
  static let description: RuleDescription = {
    let ex = stringExamples(propertyName)
    return .dtc(
      "label_is_string", name: "Label Is String", level: .warning,
      summary: "A `label` property must be a single string",
      rationale: "`label` gives a device a human-readable name (LEDs, partitions, connectors): one string.",
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}
