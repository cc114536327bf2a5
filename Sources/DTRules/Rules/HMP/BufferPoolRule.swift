import DTCore
import DTHMP

struct BufferPoolRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_buffer_pool", family: .regions, name: "Buffer Pool", severity: .warning,
    summary: "`memory-region[0]` of the imx-rproc node is not a `shared-dma-pool`, `no-map` vdev buffer region",
    rationale: """
      The remoteproc core looks for a carveout named `vdev0buffer` for the RPMsg buffers; imx_rproc never \
      registers one (mainline skips a `vdev0buffer` region, a `vdevbuffer` region becomes a carveout of another \
      name), so the core falls back to `memory-region[0]`: `of_reserved_mem_device_init_by_idx(dev, np, 0)`, \
      whose failure is ignored (HMPFacts §2, §10.3). That entry must therefore be the buffer pool, a \
      `compatible = "shared-dma-pool"` region (only those have the init handler) with `no-map`, as in NXP's, \
      Toradex's and PHYTEC's trees (HMPFacts §7). Otherwise the buffers come silently from the global DMA pool — \
      outside the M7's window on large modules — or, with an old NXP 5.4-era layout that lists a \
      `shared-dma-pool` vring first, from inside the vring itself. A flavor whose driver does register \
      `vdev0buffer` by name (NXP 5.15 as profiled) uses that region wherever it is listed.

      A warning: the fallback is verified, what the misplaced buffers then break is inferred (HMPFacts §2). A \
      missing buffer region altogether is `hmp_memory_region_missing`. The fix-it adds `no-map;`.
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(refs: "<&vdev0vring0>, <&vdev0vring1>, <&vdevbuffer>, <&rsc_table>")
          .replacingOccurrences(of: "\t\tmemory-region", with: "\t\t↓memory-region")),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (
              RegionExamples.buffer,
              "vdevbuffer: ↓vdevbuffer@55400000 { reg = <0 0x55400000 0 0x100000>; no-map; };"
            )
          ]))),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (
              RegionExamples.buffer,
              "vdevbuffer: ↓vdevbuffer@55400000 { compatible = \"shared-dma-pool\"; reg = <0 0x55400000 0 0x100000>; };"
            )
          ]))),
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree()),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (
              RegionExamples.buffer,
              "vdev0buffer: vdev0buffer@55400000 { compatible = \"shared-dma-pool\"; reg = <0 0x55400000 0 0x100000>; no-map; };"
            )
          ]), refs: "<&vdev0buffer>, <&vdev0vring0>, <&vdev0vring1>, <&rsc_table>")),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let set = info.rprocRegions
    guard !set.regions.isEmpty else { return }  // before any profile loads
    let phrase = info.hmp.kernelPhrase
    var checked = Set<ObjectIdentifier>()
    for rproc in set.rprocs {
      let regions = set.regions(of: rproc)
      // No buffer region at all: hmp_memory_region_missing says so.
      guard let pool = regions.first(where: \.isPool), regions.contains(where: { $0.role == .buffer }) else {
        continue
      }
      let byName = set.poolIsNamed(pool)
      let isDMAPool = RegionSet.isSharedDMAPool(pool.node)
      if pool.role != .buffer {
        let intended = regions.first { $0.role == .buffer }!
        let outcome =
          isDMAPool
          ? "so the RPMsg buffers are allocated inside '\(pool.node.name)'"
          : "and as it is not a shared-dma-pool, the RPMsg buffers come from the global DMA pool"
        context.report(
          "memory-region[\(pool.index)] is the \(pool.role.phrase) '\(pool.node.name)', but \(phrase)'s remoteproc core gives vdev 0 memory-region[\(pool.index)] for its buffers (no '\(set.kernel.core.bufferName(vdev: 0))' carveout), \(outcome); list '\(intended.node.name)' first",
          node: rproc, property: pool.property,
          notes: [DiagnosticNote("the buffer region '\(intended.node.name)'", at: intended.node.nameRange)])
        continue
      }
      guard checked.insert(ObjectIdentifier(pool.node)).inserted else { continue }
      if !byName && !isDMAPool {
        context.report(
          "vdev buffer region '\(pool.node.name)' (memory-region[\(pool.index)]) is not a 'shared-dma-pool': of_reserved_mem_device_init_by_idx fails silently and \(phrase) takes the RPMsg buffers from the global DMA pool",
          node: pool.node, property: pool.node.property("compatible"))
      }
      if pool.node.property("no-map") == nil {
        let fix = RegionFixIts.addProperty("no-map", to: pool.node, message: "add 'no-map;'")
        context.report(
          "vdev buffer region '\(pool.node.name)' has no 'no-map': the reference trees keep the RPMsg buffer pool out of the kernel's linear map (HMPFacts §7, §10.3)",
          node: pool.node, fixes: fix.map { [$0] } ?? [])
      }
    }
  }
}
