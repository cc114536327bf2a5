import DTCore
import DTHMP

/// A fragment whose `&label` or `&{/path}` the base does not have: libfdt refuses the whole overlay.
struct OverlayTargetMissingRule: ChainRule {
  static let description = RuleDescription(
    id: "overlay_target_missing", name: "Overlay Target Missing",
    summary: "Every fragment of an overlay must target a label or path that exists in the base",
    rationale: """
      U-Boot and fdtoverlay apply an overlay with libfdt's `fdt_overlay_apply`, which resolves each `&label` \
      through the base's `/__symbols__` and each `&{/path}` by path. One missing target makes the whole overlay \
      fail with a bare `FDT_ERR_NOTFOUND`, and the board boots without it. A base compiled without `-@` has no \
      `/__symbols__` at all, so every label target is missing.

      When the missing label is one other kernels' trees put on a node this base has at a known path \
      (`&resmem`, NXP's label on `/reserved-memory`, which mainline trees lack: HMPFacts §5.2, §10.9), the \
      fix-it targets the path instead (`&{/reserved-memory}`), which applies to both.
      """,
    category: .overlay, defaultSeverity: .error,
    triggering: [
      RuleExample("/dts-v1/;\n/plugin/;\n↓&i2c9 {\n\tstatus = \"okay\";\n};\n", base: exampleBase),
      RuleExample("/dts-v1/;\n/plugin/;\n↓&{/soc/i2c@1000} {\n\tstatus = \"okay\";\n};\n", base: exampleBase),
    ],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/plugin/;\n&i2c1 {\n\tstatus = \"okay\";\n};\n", base: exampleBase),
      RuleExample("/dts-v1/;\n/plugin/;\n&{/i2c@1000} {\n\tstatus = \"okay\";\n};\n", base: exampleBase),
    ])

  /// The path of a node some kernel flavor's base trees label `label` (the flavors' reserved-memory labels).
  static func knownPath(forLabel label: String) -> String? {
    reservedMemoryLabels.contains(label) ? "/reserved-memory" : nil
  }

  /// The flavors' reserved-memory labels, read once (a profile is parsed from YAML on every load).
  private static let reservedMemoryLabels: Set<String> = Set(
    KernelFlavor.knownNames.compactMap { (try? KernelFlavor.load(name: $0))?.baseTrees.reservedMemoryLabel })

  func check(_ chain: AppliedChain, _ context: inout RuleContext) {
    let hasSymbols = chain.base.tree.root.child("__symbols__") != nil
    for s in chain.skipped {
      let f = s.fragment
      var notes: [DiagnosticNote] = []
      let message: String
      if let label = f.targetLabel {
        message = "overlay target &\(label) is not in the base: no label '\(label)' in its /__symbols__"
        if !hasSymbols {
          notes.append(
            DiagnosticNote("the base has no /__symbols__ node: compile it with -@ (dtc -@, dtlint compile -@)"))
        }
      } else if let p = f.targetPath {
        message = "overlay target path \(p) does not exist in the base"
      } else if f.targetPhandle != nil {
        message = "overlay target \(f.targetDescription) is not a node of the base"
      } else {
        message = "overlay fragment \(f.node.name) has neither 'target' nor 'target-path'"
      }
      notes.append(DiagnosticNote("libfdt (U-Boot, fdtoverlay) rejects the whole overlay with FDT_ERR_NOTFOUND"))
      let range = f.targetRange ?? f.node.nameRange ?? f.node.range
      if range == nil, chain.overlays.indices.contains(s.overlay) {
        // A blob overlay has no lines: name it, since the finding may be shown at the chain's base.
        notes.insert(DiagnosticNote("in the overlay \(chain.overlays[s.overlay].path), \(f.node.name)"), at: 0)
      }
      var fixes: [FixIt] = []
      // A label other kernels' trees have on a node this base has at a known path (`&resmem` on a mainline
      // base, HMPFacts §10.9): target the path instead, which applies to both.
      if let label = f.targetLabel, let r = f.targetRange, Int(r.end - r.start) == label.utf8.count + 1,
        let path = Self.knownPath(forLabel: label), chain.base.tree.node(atPath: path) != nil
      {
        fixes.append(
          FixIt(
            message: "target \(path) by path (this base has no '\(label)' label)",
            edits: [TextEdit(range: r, replacement: "&{\(path)}")]))
      }
      context.report(
        message, nodePath: "/" + f.node.name, property: f.targetLabel != nil ? "target" : "target-path",
        range: range, notes: notes, fixes: fixes)
    }
  }
}
