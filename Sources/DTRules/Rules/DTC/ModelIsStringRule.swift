import DTCore

struct ModelIsStringRule: StringPropertyRule {
  static let propertyName = "model"
  static let description: RuleDescription = {
    let ex = stringExamples(propertyName)
    return .dtc(
      "model_is_string", name: "Model Is String", level: .warning,
      summary: "`model` must be a single string",
      rationale: "`model` names the board or device for humans and for the kernel's machine description.",
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}
