import DTCore

struct PathReferencesRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.pathReferences
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Path References", level: .error, prerequisites: ["duplicate_node_names"],
    summary: "Every `&label` used as a path string must name an existing node",
    rationale: "dtc replaces `&label` outside `< >` with the target's full path; a reference to nothing is an error.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\taliases {\n\t\tserial0 = &missing;\n\t};\n};\n")],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\taliases {\n\t\tserial0 = &uart;\n\t};\n\tuart: serial {\n\t};\n};\n")
    ])
}
