import DTCore

struct StatusIsStringRule: StringPropertyRule {
  static let propertyName = "status"
  static let description: RuleDescription = {
    let ex = stringExamples(propertyName)
    return .dtc(
      "status_is_string", name: "Status Is String", level: .warning,
      summary: "`status` must be a single string",
      rationale: """
        The kernel enables a device only when `status` is the string `"okay"` (or `"ok"`); a status of any other \
        shape silently disables it.
        """,
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}
