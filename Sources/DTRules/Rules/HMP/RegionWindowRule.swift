import DTCore
import DTHMP

struct RegionWindowRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_region_window", family: .regions, name: "Region Window", severity: .warning,
    summary:
      "A shared region lies outside the M core's address window (the driver's translation table) or outside `/memory`",
    rationale: """
      imx_rproc hands the M core a region's physical address unchanged ("No need to translate pa to da, i.MX use \
      same map": `da = rmem->base`, HMPFacts §1.2), so a vring, resource-table or buffer region is only usable \
      when the M core reaches that very address. The driver's address translation table (ATT) describes the M \
      core's view; on the i.MX 8M Plus the shared DDR window is `da 0x40000000–0xBFFFFFFF` mapped 1:1 \
      (`imx_rproc_att_imx8mn`, HMPFacts §1.7, §10.12). The rule asks the SoC profile's table for the flavor \
      the same question the driver asks — `da >= row.da && da + len < row.da + row.size`, with the driver's \
      strict `<`, so a region ending exactly at the end of a row is outside — and wants the answer to be the \
      region's own address. When the tree has a `/memory` node, a region in that DDR window must also lie in the \
      RAM it describes (U-Boot usually rewrites `/memory` with the module's real size, so this only catches trees \
      that state it; TCM and OCRAM regions are outside `/memory` by design).

      A warning: the table is verified, the requirement that shared regions sit in it is inferred \
      (HMPFacts §10.12). Silent when the SoC is unknown (no imx-rproc compatible of a known SoC, no `--board`, \
      no M7 manifest).
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (
              RegionExamples.buffer,
              "vdevbuffer: vdevbuffer@c0000000 { compatible = \"shared-dma-pool\"; ↓reg = <0 0xc0000000 0 0x100000>; no-map; };"
            )
          ]))),
      RuleExample(
        RegionExamples.tree(
          root: "\n\tmemory@40000000 {\n\t\tdevice_type = \"memory\";\n\t\treg = <0 0x40000000 0 0x10000000>;\n\t};\n"
        ).replacingOccurrences(of: "reg = <0 0x55000000", with: "↓reg = <0 0x55000000")),
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree()),
      RuleExample(
        RegionExamples.tree(
          root: "\n\tmemory@40000000 {\n\t\tdevice_type = \"memory\";\n\t\treg = <0 0x40000000 0 0x80000000>;\n\t};\n")),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let hmp = info.hmp
    let set = info.rprocRegions
    guard !set.regions.isEmpty else { return }
    let soc = info.rprocSoC()
    let memory = memoryRanges(info)
    for r in set.distinct where r.role.isShared || r.isPool {
      guard let reg = r.node.property("reg"), let range = info.regionRange(of: r.node) else { continue }
      let notes = [DiagnosticNote("referenced here as memory-region[\(r.index)]", at: r.property.range)]
      if let soc, soc.addressTranslation.windowCheck == .reachable {
        // The M core reaches DDR at its physical address and its TCM through the table's rows (i.MX 93).
        let att = soc.addressTranslation
        let w = att.sharedWindow
        let (end, o) = range.address.addingReportingOverflow(range.size)
        let inWindow = !o && range.address >= w.da && end <= w.da &+ w.size
        if !inWindow
          && att.rows(coveringSystemAddress: range.address, length: range.size, kernel: hmp.kernel.name).isEmpty
        {
          context.report(
            "\(r.role.phrase) '\(r.node.name)' \(hexRange(range.address, range.size)) is outside what the \(soc.coreName) reaches: neither in the \(soc.chipName)'s shared DDR window \(hexRange(w.da, w.size)) nor in the system range of a row of its translation table (HMPFacts §18.3)",
            node: r.node, property: reg, notes: notes)
          continue
        }
      } else if let soc {
        let att = soc.addressTranslation
        let sa = att.systemAddress(da: range.address, length: range.size, kernel: hmp.kernel.name)
        if sa != range.address {
          let why =
            sa == nil
            ? "no row of the \(soc.name) translation table holds \(hexRange(range.address, range.size)) (its test da + len < row end is strict)"
            : "the \(soc.name) translation table maps \(soc.coreName) address \(regionHex(range.address)) to \(regionHex(sa!)), not to the same address"
          context.report(
            "\(r.role.phrase) '\(r.node.name)' is outside the \(soc.coreName)'s address window: imx_rproc gives the \(soc.coreName) the region's physical address unchanged, and with \(hmp.kernelPhrase) \(why)",
            node: r.node, property: reg, notes: notes)
          continue
        }
      }
      // RAM only matters for regions in the DDR window: a table in TCM or OCRAM is outside /memory by design.
      if let memory, let window = soc?.addressTranslation.sharedWindow,
        range.address >= window.da && range.address - window.da < window.size, !covered(range, by: memory)
      {
        let list = memory.map { hexRange($0.address, $0.size) }.joined(separator: ", ")
        context.report(
          "\(r.role.phrase) '\(r.node.name)' \(hexRange(range.address, range.size)) is outside the RAM /memory describes (\(list))",
          node: r.node, property: reg, notes: notes)
      }
    }
  }

  /// The `reg` ranges of the enabled `device_type = "memory"` nodes under the root; nil when there are none.
  private func memoryRanges(_ info: TreeInfo) -> [(address: UInt64, size: UInt64)]? {
    var out: [(address: UInt64, size: UInt64)] = []
    for n in info.tree.root.liveChildren where n.isEnabled {
      guard n.property("device_type")?.value.strings == ["memory"] else { continue }
      out += info.regEntries(of: n) ?? []
    }
    return out.isEmpty ? nil : out
  }

  /// Whether the union of `ranges` covers `[address, address + size)`.
  private func covered(_ r: (address: UInt64, size: UInt64), by ranges: [(address: UInt64, size: UInt64)]) -> Bool {
    let (end, o) = r.address.addingReportingOverflow(r.size)
    if o { return false }
    var at = r.address
    let sorted = ranges.sorted { $0.address < $1.address }
    var progressed = true
    while at < end && progressed {
      progressed = false
      for m in sorted where m.address <= at {
        let (mEnd, mo) = m.address.addingReportingOverflow(m.size)
        let top = mo ? UInt64.max : mEnd
        if top > at {
          at = top
          progressed = true
        }
      }
    }
    return at >= end
  }
}
