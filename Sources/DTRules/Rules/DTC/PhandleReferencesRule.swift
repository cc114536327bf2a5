import DTCore

struct PhandleReferencesRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.phandleReferences
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Phandle References", level: .error,
    prerequisites: ["duplicate_node_names", "explicit_phandles"],
    summary: "Every `<&label>` or `<&{/path}>` must name an existing node",
    rationale: """
      dtc replaces each reference with the target's phandle; a reference to nothing is an error. In an overlay \
      (`/plugin/`) unresolved labels are allowed: they are left for the base tree, through `__fixups__`.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\tclocks = <&missing>;\n\t};\n};\n")],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tclk: clk {\n\t};\n\tnode {\n\t\tclocks = <&clk>, <&{/clk}>;\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/plugin/;\n&target {\n\tclocks = <&in_base>;\n};\n"),
    ])
}
