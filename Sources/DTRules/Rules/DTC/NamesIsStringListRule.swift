import DTCore

struct NamesIsStringListRule: TreeRule {
  static let description = RuleDescription.dtc(
    "names_is_string_list", name: "Names Is String List", level: .warning,
    summary: "Every `*-names` property must be a list of NUL-terminated strings",
    rationale: """
      `clock-names`, `reg-names`, `interrupt-names` and the like name the entries of their companion list; drivers \
      look entries up by these strings.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓clock-names = \"a\", <2>;\n\t};\n};\n")],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\tclock-names = \"ipg\", \"per\";\n\t\tnames = <1>;\n\t};\n};\n")
    ])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      for p in node.liveProperties where hasNamesSuffix(p.name) {
        // dtc re-reads the property by name: the first live one.
        if let first = node.property(p.name), !isStringList(first.value) {
          context.report("property is not a string list", node: node, property: first)
        }
      }
    }
  }
}

/// `name.hasSuffix("-names")` on the name's bytes (every property of every node comes through here).
func hasNamesSuffix(_ name: String) -> Bool {
  var name = name
  return name.withUTF8 { hasSuffix($0, "-names") }
}
