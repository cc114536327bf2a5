import DTCore
import DTHMP

/// `/delete-node/` and `/delete-property/` inside an overlay block: dtc drops them without a word.
struct OverlayDeleteDroppedRule: ChainRule {
  static let description = RuleDescription(
    id: "overlay_delete_dropped", name: "Overlay Delete Dropped",
    summary: "/delete-node/ and /delete-property/ inside an overlay are silently dropped by dtc",
    rationale: """
      The overlay format can only add nodes and add or replace properties: dtc compiles `/delete-property/` and \
      `/delete-node/` inside a `/plugin/` fragment to nothing, so the base keeps what the author meant to remove. \
      Set `status = "disabled"` instead, or change the base tree.
      """,
    category: .overlay, defaultSeverity: .warning,
    triggering: [
      RuleExample("/dts-v1/;\n/plugin/;\n&i2c1 {\n\t↓/delete-property/ status;\n};\n", base: exampleBase),
      RuleExample("/dts-v1/;\n/plugin/;\n&i2c1 {\n\t↓/delete-node/ eeprom@50;\n};\n", base: exampleBase),
    ],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/plugin/;\n&i2c1 {\n\tstatus = \"disabled\";\n};\n", base: exampleBase)
    ])

  func check(_ chain: AppliedChain, _ context: inout RuleContext) {
    for ov in chain.overlays where ov.loaded.kind == .source {
      for f in ov.fragments {
        let target = f.resolvedPath ?? f.targetDescription
        visit(f.content, path: target, &context)
      }
    }
  }

  private func visit(_ n: Node, path: String, _ context: inout RuleContext) {
    for p in n.properties where p.deleted && p.range != nil {
      context.report(
        "/delete-property/ \(p.name) inside an overlay is dropped by dtc: the property stays in the base",
        nodePath: path, property: p.name, range: p.range,
        notes: [DiagnosticNote("overlays can only add or change; set status = \"disabled\" or edit the base instead")])
    }
    for c in n.children {
      let childPath = path == "/" ? "/" + c.name : path + "/" + c.name
      if c.deleted {
        context.report(
          "/delete-node/ \(c.name) inside an overlay is dropped by dtc: the node stays in the base",
          nodePath: childPath, property: nil, range: c.definitions.first ?? c.nameRange,
          notes: [DiagnosticNote("overlays can only add or change; set status = \"disabled\" on the node instead")])
      } else {
        visit(c, path: childPath, &context)
      }
    }
  }
}
