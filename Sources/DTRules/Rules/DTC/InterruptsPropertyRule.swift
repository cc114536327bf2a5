import DTCore

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
    nodes: for (node, irq) in info.nodes(withProperty: "interrupts") {
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
