import DTCore
import DTHMP

/// An overlay whose root `compatible` shares no entry with the base's: it was written for another board.
struct OverlayCompatibleMismatchRule: ChainRule {
  static let description = RuleDescription(
    id: "overlay_compatible_mismatch", name: "Overlay Compatible Mismatch",
    summary: "An overlay's root compatible must share at least one entry with the base's root compatible",
    rationale: """
      libfdt does not look at `compatible` before applying an overlay, so an overlay written for another board \
      applies cleanly and then drives the wrong hardware. Toradex's tools and NixOS filter overlays by root \
      `compatible` for this reason; dtlint checks it before boot.
      """,
    category: .overlay, defaultSeverity: .warning,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/plugin/;\n/ {\n\t↓compatible = \"other,board\";\n};\n&i2c1 {\n\tstatus = \"okay\";\n};\n",
        base: exampleBase)
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/plugin/;\n/ {\n\tcompatible = \"acme,soc\";\n};\n&i2c1 {\n\tstatus = \"okay\";\n};\n",
        base: exampleBase),
      RuleExample("/dts-v1/;\n/plugin/;\n&i2c1 {\n\tstatus = \"okay\";\n};\n", base: exampleBase),
    ])

  func check(_ chain: AppliedChain, _ context: inout RuleContext) {
    let baseCompatible = Set(chain.base.tree.root.property("compatible")?.value.strings ?? [])
    guard !baseCompatible.isEmpty else { return }
    for ov in chain.overlays {
      guard let p = ov.loaded.tree.root.property("compatible"), let list = p.value.strings, !list.isEmpty else {
        continue
      }
      if baseCompatible.isDisjoint(with: list) {
        let shown = list.map { "\"\($0)\"" }.joined(separator: ", ")
        let baseShown = baseCompatible.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
        context.report(
          "overlay is for \(shown), but the base is \(baseShown)", nodePath: "/", property: "compatible",
          range: p.range,
          notes: [DiagnosticNote("libfdt applies it anyway; the overlay was probably written for another board")])
      }
    }
  }
}
