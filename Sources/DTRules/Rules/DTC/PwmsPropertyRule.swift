import DTCore

struct PwmsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "pwms", cellsName: "#pwm-cells")
  static let description = phandleArgsDescription(
    "pwms", name: "PWMs Property", provider: provider, what: "PWM controllers")
}
