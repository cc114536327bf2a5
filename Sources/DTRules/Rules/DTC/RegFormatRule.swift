import DTCore

struct RegFormatRule: TreeRule {
  static let description = RuleDescription.dtc(
    "reg_format", name: "Reg Format", level: .warning, prerequisites: ["addr_size_cells"],
    summary:
      "`reg` must be non-empty, not on the root, and a whole number of (address, size) entries of the parent's cell counts",
    rationale: """
      The kernel decodes `reg` with the parent's `#address-cells` and `#size-cells`; a length that does not divide \
      evenly means the counts or the value are wrong, and the device gets a wrong address or size.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tdev@0 {\n\t\t↓reg = <0 4 8>;\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\tdev@0 {\n\t\t↓reg;\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n↓/ {\n\treg = <0 0 4>;\n};\n"),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tdev@0 {\n\t\treg = <0 4 8 4>;\n\t};\n};\n")
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for (node, reg) in info.nodes(withProperty: "reg") {
      guard let parent = node.parent else {
        context.report("Root node has a \"reg\" property", node: node)
        continue
      }
      let len = reg.value.bytes.count
      if len == 0 { context.report("property is empty", node: node, property: reg) }
      let a = info.effectiveAddressCells(of: parent)
      let s = info.effectiveSizeCells(of: parent)
      if !isMultiple(len, of: (a + s) * 4) {
        context.report(
          "property has invalid length (\(len) bytes) (#address-cells == \(a), #size-cells == \(s))", node: node,
          property: reg)
      }
    }
  }
}

/// dtc's `is_multiple_of`: a zero divisor only divides zero.
func isMultiple(_ multiple: Int, of divisor: Int) -> Bool {
  divisor == 0 ? multiple == 0 : multiple % divisor == 0
}
