import DTCore

struct InterruptsExtendedPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "interrupts-extended", cellsName: "#interrupt-cells")
  static let description = phandleArgsDescription(
    "interrupts_extended", name: "Interrupts Extended Property", provider: provider, what: "interrupt controllers")
}
