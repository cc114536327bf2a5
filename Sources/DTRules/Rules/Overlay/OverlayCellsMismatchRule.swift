import DTCore
import DTHMP

/// An overlay that changes `#address-cells`/`#size-cells` of a node the base already defines.
struct OverlayCellsMismatchRule: ChainRule {
  static let description = RuleDescription(
    id: "overlay_cells_mismatch", name: "Overlay Cells Mismatch",
    summary: "An overlay must not redefine #address-cells or #size-cells of a node that exists in the base",
    rationale: """
      Changing a bus's `#address-cells` or `#size-cells` from an overlay silently reinterprets the `reg` and \
      `ranges` of every child the base already has there; the kernel then maps the wrong addresses.
      """,
    category: .overlay, defaultSeverity: .error,
    triggering: [
      RuleExample("/dts-v1/;\n/plugin/;\n&i2c1 {\n\t↓#address-cells = <2>;\n};\n", base: exampleBase)
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/plugin/;\n&i2c1 {\n\t#address-cells = <1>;\n\tstatus = \"okay\";\n};\n", base: exampleBase)
    ])

  func check(_ chain: AppliedChain, _ context: inout RuleContext) {
    for ov in chain.overlays {
      for f in ov.fragments {
        guard let target = f.resolvedPath, let baseNode = chain.base.tree.node(atPath: target) else { continue }
        compare(f.content, baseNode, &context)
      }
    }
  }

  private func compare(_ content: Node, _ base: Node, _ context: inout RuleContext) {
    let path = base.path
    for name in ["#address-cells", "#size-cells"] {
      guard let op = content.property(name), let bp = base.property(name), op.value.bytes != bp.value.bytes else {
        continue
      }
      let ov = op.value.singleCell.map(String.init) ?? "?"
      let bv = bp.value.singleCell.map(String.init) ?? "?"
      context.report(
        "overlay sets \(name) = <\(ov)> on \(path), where the base has <\(bv)>", nodePath: path, property: name,
        range: op.range, notes: [DiagnosticNote("the base defines \(name) = <\(bv)> here", at: bp.range)])
    }
    for c in content.children where !c.deleted {
      if let bc = base.child(c.name) { compare(c, bc, &context) }
    }
  }
}
