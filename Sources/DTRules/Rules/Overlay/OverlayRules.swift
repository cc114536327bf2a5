import DTCore
import DTHMP

/// Every chain rule, in execution order.
public let builtInChainRules: [any ChainRule.Type] = [
  OverlayTargetMissingRule.self,
  OverlayDeleteDroppedRule.self,
  OverlayCompatibleMismatchRule.self,
  OverlayCellsMismatchRule.self,
]

private let exampleBase = """
  /dts-v1/;
  / {
  \tcompatible = "acme,board", "acme,soc";
  \t#address-cells = <1>;
  \t#size-cells = <1>;
  \ti2c1: i2c@1000 {
  \t\t#address-cells = <1>;
  \t\t#size-cells = <0>;
  \t\treg = <0x1000 0x100>;
  \t\tstatus = "disabled";
  \t};
  };
  """

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
