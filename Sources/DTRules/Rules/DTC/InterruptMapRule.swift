import DTCore

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
