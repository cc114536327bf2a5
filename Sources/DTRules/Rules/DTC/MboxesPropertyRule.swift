import DTCore

struct MboxesPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "mboxes", cellsName: "#mbox-cells")
  static let description = phandleArgsDescription(
    "mboxes", name: "Mboxes Property", provider: provider, what: "mailbox controllers")
}
