import DTCore

/// This check never reports: it removes `/omit-if-no-ref/` nodes nothing refers to. Its examples are checked
/// through `unit_address_vs_reg`, which sees a kept node and does not see a removed one.
struct OmitUnusedNodesRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.omitUnusedNodes
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Omit Unused Nodes", level: .error,
    prerequisites: ["phandle_references", "path_references"],
    summary: "Nodes marked `/omit-if-no-ref/` that nothing references are removed before the other checks run",
    rationale: """
      A fixup, not a test: it never reports. SoC files mark optional nodes (pin groups, OPP tables) \
      `/omit-if-no-ref/`; dtc drops those no phandle or path refers to (with `-@`, labelled ones stay), so later \
      checks do not see them. The examples show it through `unit_address_vs_reg`.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tuser {\n\t\tpinctrl-0 = <&grp>;\n\t};\n\t/omit-if-no-ref/ grp: ↓group@1 {\n\t};\n};\n",
        options: ["checkedBy": "unit_address_vs_reg"])
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t/omit-if-no-ref/ grp: group@1 {\n\t};\n};\n", options: ["checkedBy": "unit_address_vs_reg"])
    ])
}
