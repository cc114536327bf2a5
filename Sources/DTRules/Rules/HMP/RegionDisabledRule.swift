import DTCore
import DTHMP

struct RegionDisabledRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_region_disabled", family: .regions, name: "Region Disabled", severity: .error,
    summary: "A region the imx-rproc node's `memory-region` references has `status = \"disabled\"`",
    rationale: """
      The kernel skips disabled `/reserved-memory` children: the range is not reserved and \
      `of_reserved_mem_lookup` does not know it (`drivers/of/fdt.c`, HMPFacts §2). What imx_rproc then does \
      depends on the region (HMPFacts §1.2, §2): a region it registers as a carveout (vrings, firmware memory) \
      makes `imx_rproc_prepare` fail — "unable to acquire memory-region", -EINVAL — so the M7 is neither started \
      nor attached; for the buffer pool `of_reserved_mem_device_init_by_idx` returns 0 without assigning it and \
      the buffers come from the global pool; a resource-table region is still mapped, but Linux may hand its \
      memory out. Each of these is verified code, so this is an error. Base trees often carry disabled regions \
      (the i.MX 8M Plus `dsp@92400000`); an overlay must enable (`status = "okay"`) any it reuses.

      The fix-it sets the region's `status` to "okay" (`dtlint hmp fix` applies it).
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (
              RegionExamples.vring0,
              "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x8000>; no-map; ↓status = \"disabled\"; };"
            )
          ])))
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree()),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (
              RegionExamples.vring0,
              "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x8000>; no-map; status = \"okay\"; };"
            )
          ]))),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let set = info.rprocRegions
    guard !set.regions.isEmpty else { return }  // before any profile loads
    let phrase = info.hmp.kernelPhrase
    for r in set.distinct where !r.node.isEnabled {
      let effects = set.kernel.effects(forRegionNamed: r.node.name)
      let outcome: String
      if r.isPool && !set.poolIsNamed(r) {
        outcome =
          "the remoteproc core cannot assign it as the vdev buffer pool, so the RPMsg buffers come from the global DMA pool"
      } else if effects.contains(.noCarveout) || effects.contains(.resourceTable) {
        outcome = "imx_rproc still uses the address, but Linux may hand that memory out"
      } else if set.kernel.resourceTable.locatedBy != .regionName {
        outcome = "the carveout imx_rproc registers for it has no reserved memory behind it"
      } else {
        outcome =
          "imx_rproc cannot register it as a carveout (\"unable to acquire memory-region\", -EINVAL), so the \(info.coreName) is neither started nor attached"
      }
      let status = r.node.property("status")
      context.report(
        "\(r.role.phrase) '\(r.node.name)' is disabled: the kernel does not reserve disabled reserved-memory nodes, and with \(phrase) \(outcome)",
        node: r.node, property: status,
        notes: [DiagnosticNote("referenced here as memory-region[\(r.index)]", at: r.property.range)],
        fixes: status.flatMap { FixSupport.replace($0, with: "status = \"okay\";", message: "enable the region") }
          .map { [$0] } ?? [])
    }
  }
}
