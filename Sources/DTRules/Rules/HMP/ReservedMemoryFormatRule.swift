import DTCore
import DTHMP

struct ReservedMemoryFormatRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_reserved_memory_format", family: .regions, name: "Reserved Memory Format", severity: .error,
    summary:
      "`/reserved-memory` lacks `ranges` or has cell counts unlike the root's, or a child's `reg` has the wrong length",
    rationale: """
      The kernel reads `/reserved-memory` before it has a device tree model (`drivers/of/fdt.c`, HMPFacts §2, \
      §10.10):
      - the node needs `#address-cells` and `#size-cells` equal to the root's and a `ranges` property, else \
        "Reserved memory: unsupported node format, ignoring" — every region in it is ignored, RPMsg's included;
      - a child's `reg` is decoded with the root's cell counts and must be a whole number of (address, size) \
        pairs, else "Reserved memory: invalid reg property in '…', skipping node".
      Both are verified code paths that drop regions silently at boot, so this is an error. A classic case: an \
      overlay child written with one address and one size cell (`reg = <0x40000000 0x10000000>;`) under the 2+2 \
      cells of the i.MX 8M trees (HMPFacts §7.4). dtc's `reg_format` warns about the length too; this rule says \
      what the kernel does with it. Disabled children are skipped, as the kernel skips them. Like every HMP \
      rule it speaks only for a tree with an enabled imx-rproc node or with an M7 manifest.

      When a child's `reg` holds one address and one size cell per entry under a parent that takes two of each \
      (the usual copy-paste from a 32-bit tree), the fix-it widens the same numbers to `<0 addr 0 size>`.
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(reservedMemory: "\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n")
          .replacingOccurrences(of: "\treserved-memory {", with: "\t↓reserved-memory {")),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + ["m7_shm: cm7@40000000 { ↓reg = <0x40000000 0x10000000>; no-map; };"])),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions.map {
            $0.replacingOccurrences(of: "<0 0x", with: "<0x").replacingOccurrences(of: " 0 0x", with: " 0x")
          },
          reservedMemory: "\t\t#address-cells = <1>;\n\t\t↓#size-cells = <1>;\n\t\tranges;\n"
        ).replacingOccurrences(of: "\t\t#address-cells = <1>;", with: "\t\t↓#address-cells = <1>;")),
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree()),
      // Not an HMP tree: no imx-rproc node, no manifest (dtc's reg_format still reports the length).
      RuleExample(RegionExamples.withoutRemoteproc(["buffer@90000000 { reg = <0x90000000 0x100000>; no-map; };"])),
      // A disabled child is skipped by the kernel.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + ["old: cm7@40000000 { reg = <0x40000000 0x10000000>; status = \"disabled\"; };"])),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard info.hasHMPSystem, let rm = info.reservedMemory else { return }
    let root = info.tree.root
    let rootAC = root.property("#address-cells")?.value.singleCell
    let rootSC = root.property("#size-cells")?.value.singleCell
    let ignored =
      "the kernel ignores the whole node (\"Reserved memory: unsupported node format, ignoring\") and reserves none of its regions"

    let before = context.findings.count
    for (name, rootValue) in [("#address-cells", rootAC), ("#size-cells", rootSC)] {
      guard let p = rm.property(name) else {
        context.report(
          "/reserved-memory has no '\(name)'\(rootValue.map { " (the root's is \($0))" } ?? ""): \(ignored)", node: rm)
        continue
      }
      if let rootValue, let v = p.value.singleCell, v != rootValue {
        context.report(
          "/reserved-memory has '\(name) = <\(v)>' but the root has <\(rootValue)>: \(ignored)", node: rm,
          property: p, notes: [DiagnosticNote("the root's '\(name)'", at: root.property(name)?.range)])
      } else if p.value.singleCell == nil {
        context.report("/reserved-memory '\(name)' is not one cell: \(ignored)", node: rm, property: p)
      }
    }
    if rm.property("ranges") == nil {
      context.report("/reserved-memory has no 'ranges': \(ignored)", node: rm)
    }

    // The node is ignored as a whole: its children's format does not matter.
    if context.findings.count > before { return }

    // Children: `reg` decoded with the root's cells (the kernel's dt_root_addr_cells/dt_root_size_cells).
    guard let ac = rootAC ?? rm.property("#address-cells")?.value.singleCell,
      let sc = rootSC ?? rm.property("#size-cells")?.value.singleCell, ac + sc > 0, ac + sc <= 8
    else { return }
    let entry = Int(ac + sc) * 4
    for child in rm.liveChildren where child.isEnabled {
      guard let reg = child.property("reg") else { continue }
      let len = reg.value.bytes.count
      guard len % entry != 0 else { continue }
      context.report(
        "'reg' of reserved region '\(child.name)' is \(len) bytes, not a multiple of \(entry) (#address-cells = <\(ac)>, #size-cells = <\(sc)>): the kernel skips the region (\"Reserved memory: invalid reg property in '\(child.name)', skipping node\")",
        node: child, property: reg, fixes: Self.widened(reg, addressCells: ac, sizeCells: sc).map { [$0] } ?? [])
    }
  }

  /// `reg` written with one address and one size cell per entry (`<0x40000000 0x10000000>`) where the parent
  /// takes two of each: the same numbers, widened (`<0 0x40000000 0 0x10000000>`).
  static func widened(_ reg: Property, addressCells ac: UInt32, sizeCells sc: UInt32) -> FixIt? {
    guard ac == 2, sc == 2, reg.value.markers.allSatisfy({ $0.kind != .phandleReference }),
      let cells = reg.value.cells, !cells.isEmpty, cells.count % 2 == 0
    else { return nil }
    var entries: [String] = []
    for i in stride(from: 0, to: cells.count, by: 2) {
      entries.append("0 0x\(String(cells[i], radix: 16)) 0 0x\(String(cells[i + 1], radix: 16))")
    }
    let value = "<\(entries.joined(separator: " "))>"
    return FixSupport.replace(
      reg, with: "reg = \(value);", message: "write reg = \(value) (two address and two size cells per entry)")
  }
}
