import DTCore
import DTHMP

struct RegionOverlapRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_region_overlap", family: .regions, name: "Region Overlap", severity: .warning,
    summary: "Two `/reserved-memory` regions overlap, or a region overlaps a `/memreserve/` entry",
    rationale: """
      Each reserved-memory child claims its range for one user; two claims on the same bytes are a contradiction, \
      whatever the kernel then does. The kernel reserves `/memreserve/` entries first and the children in tree \
      order; a `no-map` region that overlaps memory already reserved fails: "Reserved memory: failed to reserve \
      memory for node '…'" (`drivers/of/fdt.c`, HMPFacts §2, §10.10), and the driver that needs it then cannot \
      find it. Typical causes: an RPMsg overlay whose vring, buffer or firmware region lands inside a region \
      the base tree already has, or vring1 placed less than a vring size after vring0.

      All enabled children of `/reserved-memory` with a static `reg` are compared (disabled ones are skipped by \
      the kernel; dynamically allocated ones have no address yet), and a pair is reported when one of its two \
      regions is in the `memory-region` of an enabled imx-rproc node (the other may be a `/memreserve/`): the \
      rule speaks only where there is an M core to speak for. Overlaps between other regions (a DSP's vrings \
      inside the DSP's own firmware region, as mainline imx8qxp-mek.dts has them; any region of a tree without \
      an imx-rproc node) are not HMP questions: the kernel logs "OF: reserved mem: OVERLAP DETECTED!" for them \
      and carries on (`__rmem_check_for_overlap()`, HMPFacts §15.8). The finding is on the later region (the \
      one the kernel reserves second), with a note at the earlier one, and says whether the kernel refuses it.

      A warning, not an error: two overlapping `no-map` regions are both accepted by the kernel, and some trees \
      nest them on purpose (mainline imx8qxp-mek lists the DSP's vrings inside its 32 MiB `dsp@92400000` \
      firmware region); whether such a layout is a bug depends on what the firmware writes where.
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (
              RegionExamples.vring1,
              "vdev0vring1: vdev0vring1@55004000 { ↓reg = <0 0x55004000 0 0x8000>; no-map; };"
            )
          ]))),
      // A region of the base (no imx-rproc node lists it) over the M7's vring: reported on the later one.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + ["dsp_reserved: dsp@55000000 { ↓reg = <0 0x55000000 0 0x10000>; no-map; };"])),
      RuleExample(
        RegionExamples.tree(memreserve: "/memreserve/ 0x55400000 0x1000;\n")
          .replacingOccurrences(of: "reg = <0 0x55400000", with: "↓reg = <0 0x55400000")),
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree()),
      // Two regions no imx-rproc node references (a DSP's vring inside the DSP's firmware region).
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + [
            "dsp_reserved: dsp@92400000 { reg = <0 0x92400000 0 0x2000000>; no-map; };",
            "dsp_vring0: memory@942f0000 { reg = <0 0x942f0000 0 0x8000>; no-map; };",
          ])),
      // No imx-rproc node and no manifest: not an HMP tree.
      RuleExample(
        RegionExamples.withoutRemoteproc([
          "ramoops@90000000 { reg = <0 0x90000000 0 0x100000>; };",
          "secure@90080000 { reg = <0 0x90080000 0 0x100000>; no-map; };",
        ])),
      // Disabled regions are not reserved.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions
            + ["dsp_reserved: dsp@55000000 { reg = <0 0x55000000 0 0x1000000>; no-map; status = \"disabled\"; };"])),
    ])

  private struct Claim {
    var address: UInt64
    var end: UInt64
    var node: Node?
    var reserve: ReserveEntry?
    var order: Int
  }

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard info.hasHMPSystem else { return }
    // The regions the M core's imx-rproc nodes reference: a pair is reported only when it involves one of them.
    let rprocRegions = Set(info.rprocRegions.regions.map { ObjectIdentifier($0.node) })
    guard !rprocRegions.isEmpty else { return }
    var claims: [Claim] = []
    for (i, r) in info.tree.reserves.enumerated() where r.size > 0 {
      let (end, o) = r.address.addingReportingOverflow(r.size)
      claims.append(Claim(address: r.address, end: o ? .max : end, node: nil, reserve: r, order: i - 1_000_000))
    }
    if let rm = info.reservedMemory {
      for (i, child) in rm.liveChildren.enumerated() where child.isEnabled {
        for e in info.regEntries(of: child) ?? [] where e.size > 0 {
          let (end, o) = e.address.addingReportingOverflow(e.size)
          claims.append(Claim(address: e.address, end: o ? .max : end, node: child, reserve: nil, order: i))
        }
      }
    }
    var reported = Set<String>()
    for (a, b) in pairs(claims) {
      // `b` is the later claim; it lies on a node (two /memreserve/ entries are dtc's business).
      guard let node = b.node, a.node !== node else { continue }
      let involvesRproc =
        rprocRegions.contains(ObjectIdentifier(node))
        || a.node.map { rprocRegions.contains(ObjectIdentifier($0)) } ?? false
      guard involvesRproc else { continue }
      let key = "\(ObjectIdentifier(node))-\(a.node.map { "\(ObjectIdentifier($0))" } ?? "r\(a.order)")"
      guard reported.insert(key).inserted else { continue }
      let lo = max(a.address, b.address)
      let hi = min(a.end, b.end)
      let other: String
      let otherRange: SourceRange?
      if let n = a.node {
        other = "'\(n.name)'"
        otherRange = n.property("reg")?.range ?? n.nameRange
      } else {
        other = "/memreserve/ \(regionHex(a.reserve!.address)) \(regionHex(a.reserve!.size))"
        otherRange = a.reserve!.range
      }
      // fdt.c: a no-map region overlapping memory already reserved (not merely marked no-map) fails.
      let earlierReserved = a.node == nil || a.node!.property("no-map") == nil
      let outcome =
        node.property("no-map") != nil && earlierReserved
        ? ": the kernel fails to reserve it (\"Reserved memory: failed to reserve memory for node '\(node.name)'\")"
        : ": both claim the same memory"
      context.report(
        "reserved region '\(node.name)' \(hexRange(b.address, b.end &- b.address)) overlaps \(other) in \(hexRange(lo, hi &- lo))\(outcome)",
        node: node, property: node.property("reg"),
        notes: [DiagnosticNote("\(other) is reserved here", at: otherRange)])
    }
  }

  /// Overlapping pairs (earlier, later) in the kernel's reservation order.
  private func pairs(_ claims: [Claim]) -> [(Claim, Claim)] {
    let sorted = claims.sorted { $0.order < $1.order }
    var out: [(Claim, Claim)] = []
    for j in sorted.indices {
      for i in sorted.indices where i < j {
        let a = sorted[i]
        let b = sorted[j]
        if a.address < b.end && b.address < a.end { out.append((a, b)) }
      }
    }
    return out
  }
}
