import DTCore
import DTHMP

/// Linux's vring and buffer regions must lie inside the M7's Zephyr `zephyr,ipc_shm`, and that window must not be
/// Linux RAM.
struct HMPIPCShmRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_ipc_shm", family: .firmware, name: "HMP IPC Shared Memory", severity: .error,
    summary:
      "Linux's vring and buffer regions must lie inside the M7's Zephyr `zephyr,ipc_shm`, reserved `no-map` by Linux",
    rationale: """
      A Zephyr OpenAMP application declares the memory it shares with Linux as the node `/chosen` \
      `zephyr,ipc_shm` names, and gives that range (`DT_REG_ADDR`, `DT_REG_SIZE`) to OpenAMP as the I/O region of \
      the shared buffers; OpenAMP writes every message through it (`metal_io_virt_to_offset` on that region), so \
      a buffer pool outside it cannot be used and RPMsg fails: an error (HMPFacts §17.4, verified). Linux \
      allocates the vrings from its `vdev<N>vring<M>` regions and writes their addresses into the resource table \
      (Zephyr asks for `da = -1`, §17.3); the firmware reaches them through those addresses, so a vring outside \
      the window is a warning (NXP's layout and Zephyr's sample keep them inside; inferred). Where the window \
      overlaps Linux's `/memory` without a `no-map` reserved region, Linux may use that part as RAM while the \
      firmware treats the whole window as shared: a note, since whether the firmware touches it depends on the \
      application (inferred; NXP's EVK tree reserves only the vrings, the table and the buffers).

      Needs `--m7` with the M7's Zephyr tree (or a manifest's `zephyr:`) that chooses `zephyr,ipc_shm`; the \
      regions are those of the enabled imx-rproc node's `memory-region`. Each finding names both trees' lines.
      """,
    needs: [.manifest],
    triggering: [
      // 4 MiB window: the buffer pool at 0x55400000 lies outside it.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (
              RegionExamples.buffer,
              "vdevbuffer: vdevbuffer@55400000 { compatible = \"shared-dma-pool\"; ↓reg = <0 0x55400000 0 0x100000>; no-map; };"
            )
          ])), options: ["m7": "{soc: imx8mp, zephyr: zephyr-small-shm.dts}"]),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.vring1, "vdev0vring1: vdev0vring1@55600000 { ↓reg = <0 0x55600000 0 0x8000>; no-map; };")
          ])), options: ["m7": "{soc: imx8mp, zephyr: zephyr-rpmsg.dts}"]),
      // The window is Linux RAM between the reserved regions.
      RuleExample(
        RegionExamples.tree(
          root: "\t↓memory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0 0x80000000>; };\n"),
        options: ["m7": "{soc: imx8mp, zephyr: zephyr-rpmsg.dts}"]),
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree(), options: ["m7": "{soc: imx8mp, zephyr: zephyr-rpmsg.dts}"]),
      // The gaps between Linux's regions are reserved no-map too: the whole window is out of Linux's RAM.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + [
            "shm_gap0: shm@55010000 { reg = <0 0x55010000 0 0xef000>; no-map; };",
            "shm_gap1: shm@55100000 { reg = <0 0x55100000 0 0x300000>; no-map; };",
          ], root: "\tmemory@40000000 { device_type = \"memory\"; reg = <0 0x40000000 0 0x80000000>; };\n"),
        options: ["m7": "{soc: imx8mp, zephyr: zephyr-rpmsg.dts}"]),
      // Without the M7's Zephyr tree the window is unknown.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [(RegionExamples.buffer, "")]) + [
            "vdevbuffer: vdevbuffer@56400000 { compatible = \"shared-dma-pool\"; reg = <0 0x56400000 0 0x100000>; no-map; };"
          ]), options: ["m7": "{soc: imx8mp}"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard let shm = info.hmp.manifest?.zephyr?.ipcShm, let base = shm.address, let size = shm.size, size > 0
    else { return }
    let (end, overflow) = base.addingReportingOverflow(size)
    guard !overflow, !info.rprocRegions.regions.isEmpty else { return }
    let window = "zephyr,ipc_shm = \(shm.name) \(hexRange(base, size)) at \(shm.chosenAt ?? shm.location)"

    for r in info.rprocRegions.distinct where r.role.isVring || r.role == .buffer {
      guard let range = info.regionRange(of: r.node) else { continue }
      let (rEnd, o) = range.address.addingReportingOverflow(range.size)
      if !o, range.address >= base, rEnd <= end { continue }
      let span = "\(r.role.phrase) '\(r.node.name)' \(hexRange(range.address, range.size))"
      let notes = [DiagnosticNote("referenced here as memory-region[\(r.index)]", at: r.property.range)]
      if r.role == .buffer {
        context.report(
          "\(span) lies outside the M7's shared memory (\(window)): OpenAMP writes every message into its buffer through that window, so the firmware cannot use Linux's buffers and RPMsg fails",
          node: r.node, property: r.node.property("reg"), notes: notes)
      } else {
        context.report(
          "\(span) lies outside the M7's shared memory (\(window)): the firmware reaches the vring through the address Linux writes into the resource table, outside the memory it declares as shared (its cache and MPU set-up cover the window; inferred, HMPFacts §17.4)",
          node: r.node, property: r.node.property("reg"), notes: notes, cap: .warning)
      }
    }

    // Parts of the window that Linux's /memory covers and no no-map reserved region keeps out of its RAM.
    var reserved: [(address: UInt64, size: UInt64)] = []
    if let rm = info.tree.node(atPath: "/reserved-memory") {
      for c in rm.liveChildren where c.isEnabled && c.property("no-map") != nil {
        reserved += info.regEntries(of: c) ?? []
      }
    }
    for memory in info.tree.root.liveChildren
    where memory.isEnabled && memory.property("device_type")?.value.strings?.first == "memory" {
      for m in info.regEntries(of: memory) ?? [] {
        let (mEnd, o) = m.address.addingReportingOverflow(m.size)
        guard !o else { continue }
        let lo = max(base, m.address)
        let hi = min(end, mEnd)
        guard lo < hi, let gap = Self.firstGap(lo, hi, covered: reserved) else { continue }
        context.report(
          "\(memory.name) gives Linux \(hexRange(gap.address, gap.size)) as RAM, inside the M7's shared memory (\(window)): no no-map reserved region covers it, so Linux may allocate it while the firmware treats the whole window as shared. Reserve the window no-map, or shrink zephyr,ipc_shm to Linux's regions (inferred, HMPFacts §17.4)",
          node: memory, cap: .note)
        return
      }
    }
  }

  /// The first part of `[lo, hi)` no range of `covered` contains.
  static func firstGap(_ lo: UInt64, _ hi: UInt64, covered: [(address: UInt64, size: UInt64)]) -> (
    address: UInt64, size: UInt64
  )? {
    var at = lo
    let sorted = covered.filter { $0.size > 0 }.sorted { $0.address < $1.address }
    for c in sorted {
      let (cEnd, o) = c.address.addingReportingOverflow(c.size)
      let end = o ? UInt64.max : cEnd
      if end <= at { continue }
      if c.address > at { return (at, min(c.address, hi) - at) }
      at = end
      if at >= hi { return nil }
    }
    return at < hi ? (at, hi - at) : nil
  }
}
