import DTCore
import DTHMP

struct MemoryRegionMissingRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_memory_region_missing", family: .regions, name: "Memory Region Missing", severity: .warning,
    summary:
      "The imx-rproc node's `memory-region` lacks the vring or vdev buffer regions, or the resource-table region when the M core runs before Linux",
    rationale: """
      The remoteproc core finds each vring by its carveout name, `vdev<N>vring<M>` (`rproc_alloc_vring`, \
      `rproc_find_carveout_by_name`); imx_rproc registers a carveout only for the regions `memory-region` lists. A \
      vring without its region is allocated with `dma_alloc_coherent` wherever Linux likes, with only the warning \
      "Allocated carveout doesn't fit device address request", while rpmsg-lite keeps using its hard-coded \
      addresses (vring0 at `VDEV0_VRING_BASE`, vring1 at +`VRING_SIZE`): the two sides never meet \
      (HMPFacts §2, §8). Without a vdev buffer region the core falls back to `memory-region[0]`; if that is not a \
      `shared-dma-pool` the buffers come from the global DMA pool (HMPFacts §2).

      When the M7 is started before Linux (U-Boot `bootaux`, a debugger: `firmware.started-by` in the M7 \
      manifest), imx_rproc attaches and reads the resource table from the region its flavor takes as the table \
      (`rsc-table` in mainline and NXP 6.x, `rsc_table…` in NXP 5.15 / Toradex BSP 6); without it \
      `rproc_set_rsc_table` accepts "no table", no vdev is created and RPMsg never starts (HMPFacts §1.2, §1.3). \
      With NXP 5.4 the table comes from `rsc-da` instead, which this rule does not look at.

      A warning, not an error: for a missing vring region, that RPMsg then fails silently is inferred from both \
      sides' code (HMPFacts §2); for a missing resource table the silent attach is verified in mainline's code \
      only (HMPFacts §1.3). Regions named almost right (`vring0`, `rsc_table` under mainline) are reported by \
      `hmp_vring_name` and `hmp_rsc_table_name` instead.
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [(RegionExamples.vring1, "")]),
          refs: "<&vdevbuffer>, <&vdev0vring0>, <&rsc_table>"
        ).replacingOccurrences(of: "\t\tmemory-region", with: "\t\t↓memory-region")),
      RuleExample(
        RegionExamples.tree(refs: "<&vdevbuffer>, <&vdev0vring0>, <&vdev0vring1>")
          .replacingOccurrences(of: "\t\tmemory-region", with: "\t\t↓memory-region"),
        options: ["m7": RegionExamples.manifest(startedBy: "bootloader")]),
      RuleExample(
        RegionExamples.tree(refs: nil).replacingOccurrences(of: "\timx8mp-cm7 {", with: "\t↓imx8mp-cm7 {")),
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree(), options: ["m7": RegionExamples.manifest(startedBy: "bootloader")]),
      // Linux loads and starts the firmware: the table comes from the ELF file.
      RuleExample(
        RegionExamples.tree(refs: "<&vdevbuffer>, <&vdev0vring0>, <&vdev0vring1>"),
        options: ["m7": RegionExamples.manifest(startedBy: "linux")]),
      // NXP 5.4 finds the table through rsc-da, not by region name.
      RuleExample(
        RegionExamples.tree(refs: "<&vdevbuffer>, <&vdev0vring0>, <&vdev0vring1>"),
        options: ["kernel": "toradex-bsp5", "m7": RegionExamples.manifest(startedBy: "bootloader")]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let hmp = info.hmp
    let set = info.rprocRegions
    guard !set.rprocs.isEmpty else { return }  // before any profile loads
    let kernel = set.kernel
    let attaches = hmp.manifest?.startedBy?.linuxAttaches == true
    let starter = hmp.manifest?.startedBy?.rawValue ?? ""

    for rproc in set.rprocs {
      guard let prop = rproc.property("memory-region") else {
        var what = "the vring regions (\(kernel.core.vringName(vdev: 0, ring: 0)), "
        what += "\(kernel.core.vringName(vdev: 0, ring: 1))) and the vdev buffer region"
        if attaches && kernel.resourceTable.locatedBy == .regionName, let table = kernel.resourceTableName {
          what += " and, as the \(starter) starts the \(info.coreName) (manifest), the '\(table)' region"
        }
        context.report(
          "imx-rproc node without 'memory-region': \(what) are missing; \(hmp.kernelPhrase) then allocates the vrings wherever it likes, where the \(info.coreName) firmware does not look (RPMsg fails silently; inferred)",
          node: rproc)
        continue
      }
      let regions = set.regions(of: rproc)

      // Vrings: vdev 0, every vdev a vring region names, and the manifest's vdev count.
      if !regions.contains(where: { $0.role == .vringLike }) {
        var vdevs = Set([0])
        for r in regions { if case .vring(let v, _) = r.role { vdevs.insert(v) } }
        if let m = hmp.manifest, m.rpmsg.vdevCount > 0 { vdevs.formUnion(0..<Int(min(m.rpmsg.vdevCount, 64))) }
        for v in vdevs.sorted() {
          for ring in 0..<2 where !regions.contains(where: { $0.role == .vring(vdev: v, ring: ring) }) {
            let name = kernel.core.vringName(vdev: v, ring: ring)
            context.report(
              "no '\(name)' region in 'memory-region': \(hmp.kernelPhrase)'s remoteproc core finds vring \(ring) of vdev \(v) by that carveout name; without it Linux allocates the vring elsewhere (\"Allocated carveout doesn't fit device address request\") while the firmware keeps its own address (RPMsg fails silently; inferred)",
              node: rproc, property: prop, notes: unreferenced(name, info: info, regions: regions))
          }
        }
      }

      // The vdev buffer pool.
      if !regions.isEmpty, !regions.contains(where: { $0.role == .buffer }) {
        let fallback = kernel.core.bufferFallbackIndex
        var consequence = "the core falls back to memory-region[\(fallback)]"
        if let first = regions.first(where: { $0.index == fallback }) {
          consequence +=
            " (\(first.node.name)), which is not a shared-dma-pool, so the RPMsg buffers come from the global DMA pool"
        }
        context.report(
          "no vdev buffer region (a 'shared-dma-pool' such as '\(kernel.core.bufferName(vdev: 0))') in 'memory-region': with \(hmp.kernelPhrase) \(consequence)",
          node: rproc, property: prop)
      }

      // The resource table, when Linux attaches to a core started before it.
      if attaches, kernel.resourceTable.locatedBy == .regionName, let table = kernel.resourceTableName,
        !regions.contains(where: { $0.role.isResourceTable })
      {
        context.report(
          "no '\(table)' region in 'memory-region': the \(starter) starts the \(info.coreName) (manifest), so \(hmp.kernelPhrase) attaches and reads the resource table from that region; without it the attach creates no vdev: no RPMsg and no error (inferred)",
          node: rproc, property: prop, notes: unreferenced(table, info: info, regions: regions))
      }
    }
  }

  /// A note for a `/reserved-memory` child of that kernel name that `memory-region` does not reference.
  private func unreferenced(_ name: String, info: TreeInfo, regions: [RprocRegion]) -> [DiagnosticNote] {
    guard let rm = info.reservedMemory else { return [] }
    return rm.liveChildren.filter { c in c.kernelName == name && !regions.contains { $0.node === c } }.map {
      DiagnosticNote(
        "'\($0.name)' exists in /reserved-memory but 'memory-region' does not reference it", at: $0.nameRange)
    }
  }
}
