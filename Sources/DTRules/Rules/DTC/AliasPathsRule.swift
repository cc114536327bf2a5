import DTCore

struct AliasPathsRule: TreeRule {
  static let description = RuleDescription.dtc(
    "alias_paths", name: "Alias Paths", level: .warning,
    summary: "Every property of an `aliases` node must be the full path of an existing node, under a lower-case name",
    rationale: """
      The kernel and U-Boot resolve `serial0`, `ethernet0`, `mmc0`… through `/aliases`; a path to nothing silently \
      changes device numbering. Names use only lower-case letters, digits and `-`. In an overlay the paths point \
      into the base tree, so only names are checked. The kernel silences this check unless `W=1`.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\taliases {\n\t\t↓serial0 = \"/soc/serial@1000\";\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\t↓aliases {\n\t\tSerial0 = &uart;\n\t};\n\tuart: serial {\n\t};\n};\n"),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\taliases {\n\t\tserial0 = &uart;\n\t\tmmc-1 = \"/mmc\";\n\t};\n\tuart: serial {\n\t};\n\tmmc {\n\t};\n};\n"
      ),
      RuleExample("/dts-v1/;\n/plugin/;\n&{/} {\n\taliases {\n\t\tserial5 = \"/soc/serial@1000\";\n\t};\n};\n"),
    ])

  func check(_ context: inout RuleContext) {
    let tree = context.tree
    for node in context.info.allNodes where node.name == "aliases" {
      for p in node.liveProperties where p.name != "phandle" && p.name != "linux,phandle" {
        // An overlay's aliases name nodes of the base tree: dtc cannot resolve them.
        if !tree.isPlugin && (p.value.isEmpty || tree.node(atPath: p.value.cString) == nil) {
          let shown = p.value.isEmpty ? "(null)" : p.value.cString
          context.report("aliases property is not a valid node (\(shown))", node: node, property: p)
          continue
        }
        if !p.name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }) {
          context.report("aliases property name must include only lowercase and '-'", node: node)
        }
      }
    }
  }
}
