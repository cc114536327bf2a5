import DTCore

/// dtc's `node_is_interrupt_provider`: `interrupt-controller` or `interrupt-map`.
func isInterruptProvider(_ node: Node) -> Bool {
  node.property("interrupt-controller") != nil || node.property("interrupt-map") != nil
}

struct InterruptsPropertyRule: TreeRule {
  /// dtc declares this check with `phandle_references` in the place of its data, not of its prerequisites, so it
  /// has none; dtlint does the same.
  static let description = RuleDescription.dtc(
    "interrupts_property", name: "Interrupts Property", level: .warning,
    summary:
      "`interrupts` needs an interrupt parent that is a controller, and a length that is a multiple of its `#interrupt-cells`",
    rationale: """
      The kernel finds a device's interrupt controller through `interrupt-parent` (inherited from ancestors) or the \
      nearest ancestor that is a controller or nexus, and splits `interrupts` into entries of that controller's \
      `#interrupt-cells`. A missing parent or a wrong length leaves the device without its interrupt.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\t↓node {\n\t\tinterrupts = <1 2>;\n\t};\n};\n"),
      RuleExample(
        "/dts-v1/;\n/ {\n\tinterrupt-parent = <&gic>;\n\tgic: interrupt-controller {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <3>;\n\t};\n\tnode {\n\t\tinterrupts = <0 1>;\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\tinterrupt-parent = <&intc>;\n\tintc: ↓intc {\n\t\t#interrupt-cells = <1>;\n\t};\n\tnode {\n\t\tinterrupts = <1>;\n\t};\n};\n"
      ),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tinterrupt-parent = <&gic>;\n\tgic: interrupt-controller {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <3>;\n\t};\n\tnode {\n\t\tinterrupts = <0 1 4>, <0 2 4>;\n\t};\n\tgpio {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <2>;\n\t\tkey {\n\t\t\tinterrupts = <5 1>;\n\t\t};\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    nodes: for node in info.allNodes {
      guard let irq = node.property("interrupts") else { continue }
      let len = irq.value.bytes.count
      if len % 4 != 0 {
        context.report("size (\(len)) is invalid, expected multiple of 4", node: node, property: irq)
      }
      var irqNode: Node?
      var current: Node? = node
      var parentProp: Property?
      while let p = current, parentProp == nil {
        if p !== node && isInterruptProvider(p) {
          irqNode = p
          break
        }
        parentProp = p.property("interrupt-parent")
        if let ip = parentProp {
          let phandle = ip.value.firstCell
          if !phandleIsValid(phandle) {
            if context.tree.isPlugin { continue nodes }  // an overlay's reference into the base: give up
            context.report("Invalid phandle", node: p, property: ip)
            continue
          }
          guard let target = info.nodesByPhandle[phandle] else {
            context.report("Bad phandle", node: p, property: ip)
            continue nodes
          }
          irqNode = target
          if !isInterruptProvider(target) {
            context.report("Missing interrupt-controller or interrupt-map property", node: target)
          }
          break
        }
        current = p.parent
      }
      guard let irqNode else {
        context.report("Missing interrupt-parent", node: node)
        continue
      }
      // A controller without `#interrupt-cells` is interrupt_provider's finding.
      guard let cellsProp = irqNode.property("#interrupt-cells") else { continue }
      let entry = Int(Int32(truncatingIfNeeded: cellsProp.value.firstCell &* 4))
      if !isMultiple(len, of: entry) {
        context.report("size is (\(len)), expected multiple of \(entry)", node: node, property: cellsProp)
      }
    }
  }
}

struct InterruptProviderRule: TreeRule {
  static let description = RuleDescription.dtc(
    "interrupt_provider", name: "Interrupt Provider", level: .warning,
    prerequisites: ["interrupts_extended_is_cell"],
    summary: "A node has `#interrupt-cells` exactly when it is an interrupt controller or has an `interrupt-map`",
    rationale: """
      Consumers' `interrupts` are split by their controller's `#interrupt-cells`: a controller without it cannot be \
      used, and `#interrupt-cells` on anything else suggests a forgotten `interrupt-controller`.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\t↓intc {\n\t\tinterrupt-controller;\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\t↓intc {\n\t\t#interrupt-cells = <2>;\n\t};\n};\n"),
    ],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tintc {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <2>;\n\t};\n};\n")
    ])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      let provider = isInterruptProvider(node)
      let cells = node.property("#interrupt-cells")
      if provider && cells == nil {
        context.report("Missing '#interrupt-cells' in interrupt provider", node: node)
      } else if !provider && cells != nil {
        context.report("'#interrupt-cells' found, but node is not an interrupt provider", node: node)
      }
    }
  }
}

struct InterruptMapRule: TreeRule {
  static let description = RuleDescription.dtc(
    "interrupt_map", name: "Interrupt Map", level: .warning,
    prerequisites: ["phandle_references", "addr_size_cells", "interrupt_provider"],
    summary:
      "`interrupt-map` entries and `interrupt-map-mask` must match the cell counts of the nexus and of each parent",
    rationale: """
      Each `interrupt-map` entry is a child unit address and specifier (the nexus's `#address-cells` + \
      `#interrupt-cells`), a parent phandle, then the parent's unit address and specifier (its `#address-cells` + \
      `#interrupt-cells`). One wrong count misreads every later entry, and PCI legacy interrupts go to the wrong \
      line. The kernel silences this check unless `W=1`.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tgic: gic {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <3>;\n\t\t#address-cells = <0>;\n\t};\n\tpcie {\n\t\t#address-cells = <3>;\n\t\t#interrupt-cells = <1>;\n\t\t↓interrupt-map = <0 0 0 1 &gic 0 100>;\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\tgic: gic {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <1>;\n\t};\n\t↓nexus {\n\t\t#interrupt-cells = <1>;\n\t\tinterrupt-map = <1 &gic 5>;\n\t};\n};\n"
      ),
      RuleExample(
        "/dts-v1/;\n/ {\n\tgic: gic {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <1>;\n\t};\n\tnexus {\n\t\t#address-cells = <0>;\n\t\t#interrupt-cells = <1>;\n\t\t↓interrupt-map = <1 &gic 5>;\n\t};\n};\n"
      ),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tgic: gic {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <3>;\n\t\t#address-cells = <0>;\n\t};\n\tpcie {\n\t\t#address-cells = <3>;\n\t\t#interrupt-cells = <1>;\n\t\tinterrupt-map-mask = <0 0 0 7>;\n\t\tinterrupt-map = <0 0 0 1 &gic 0 100 4>, <0 0 0 2 &gic 0 101 4>;\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    for node in info.allNodes {
      guard let map = node.property("interrupt-map") else { continue }
      if info.recordedAddressCells(of: node) < 0 {
        context.report("Missing '#address-cells' in interrupt-map provider", node: node)
        continue
      }
      // interrupt_provider passed, so a node with `interrupt-map` has `#interrupt-cells`.
      // dtc sizes entries in size_t: a negative count is a huge one.
      var cellSize =
        info.effectiveAddressCells(of: node) + Int(node.property("#interrupt-cells")?.value.firstCell ?? 0)
      if cellSize < 0 { cellSize = Int(UInt32.max) }
      if let mask = node.property("interrupt-map-mask"), mask.value.bytes.count != cellSize * 4 {
        context.report(
          "property size (\(mask.value.bytes.count)) is invalid, expected \(cellSize * 4)", node: node, property: mask)
      }
      let len = map.value.bytes.count
      if len % 4 != 0 {
        context.report("property size (\(len)) is invalid, expected multiple of 4", node: node, property: map)
        continue
      }
      let mapCells = len / 4
      var cell = 0
      while cell < mapCells {
        if cell + cellSize >= mapCells {
          context.report(
            "property size (\(len)) too small, expected > \((cell + cellSize) * 4)", node: node, property: map)
          break
        }
        cell += cellSize
        let phandle = map.value.cell(cell)
        if !phandleIsValid(phandle) {
          // An overlay's reference into the base: give up quietly.
          if !context.tree.isPlugin {
            context.report(
              "Cell \(cell) is not a phandle(\(Int32(bitPattern: phandle)))", node: node, property: map)
          }
          break
        }
        guard let parent = info.nodesByPhandle[phandle] else {
          context.report(
            "Could not get phandle(\(Int32(bitPattern: phandle))) node for (cell \(cell))", node: node, property: map)
          break
        }
        guard let parentInterruptCells = parent.property("#interrupt-cells") else {
          context.report(
            "Missing property '#interrupt-cells' in node \(parent.path) or bad phandle (referred from interrupt-map[\(cell)])",
            node: node)
          break
        }
        var parentCellSize = Int(parentInterruptCells.value.firstCell)
        if let parentAddressCells = parent.property("#address-cells") {
          parentCellSize += Int(parentAddressCells.value.firstCell)
        } else {
          context.report(
            "Missing property '#address-cells' in node \(parent.path), using 0 as fallback", node: node, property: map)
        }
        cell += 1 + parentCellSize
        if cell > mapCells {
          context.report("property size (\(len)) mismatch, expected \(cell * 4)", node: node, property: map)
        }
      }
    }
  }
}
