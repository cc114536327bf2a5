import DTCore

struct DeviceTypeIsStringRule: StringPropertyRule {
  static let propertyName = "device_type"
  static let description: RuleDescription = {
    let ex = stringExamples(propertyName)
    return .dtc(
      "device_type_is_string", name: "Device Type Is String", level: .warning,
      summary: "`device_type` must be a single string",
      rationale: "The kernel compares `device_type` as one string (`\"memory\"`, `\"cpu\"`, `\"pci\"`).",
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}
