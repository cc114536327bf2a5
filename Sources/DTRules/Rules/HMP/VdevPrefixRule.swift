import DTCore
import DTHMP

struct VdevPrefixRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_vdev_prefix", family: .regions, name: "Vdev Prefix", severity: .warning,
    summary: "A region imx_rproc must map (resource table, firmware memory) has a name starting with `vdev`",
    rationale: """
      Mainline imx_rproc (and NXP 6.x and 5.15) does not map any `memory-region` entry whose name starts with `vdev` \
      (`imx_rproc_addr_init`: `strncmp(node->name, "vdev", strlen("vdev"))` → "Not map vdevbuffer, vdevring \
      region"). That is right for vrings and buffers, which the remoteproc core handles itself, but a resource \
      table or the memory the firmware is loaded into must be mapped: `da_to_va` only reaches ATT_OWN memory and \
      mapped regions, so an ELF segment linked there cannot be loaded and a table there is never found \
      (HMPFacts §1.2, §1.7, §10.4; HMPFacts §15.3 for NXP 5.15). The rule uses the flavor's profile: NXP \
      5.4, whose driver maps every region, is not reported.

      A warning: the skip is verified, which firmware actually needs the region mapped is inferred \
      (HMPFacts §1.7).
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + ["m7_reserved: ↓vdev-m7@80000000 { reg = <0 0x80000000 0 0x1000000>; no-map; };"],
          refs: RegionExamples.refs + ", <&m7_reserved>"), options: ["kernel": "mainline"]),
      // lf-5.15.71's imx_rproc_addr_init has the same test.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + ["m7_reserved: ↓vdev-m7@80000000 { reg = <0 0x80000000 0 0x1000000>; no-map; };"],
          refs: RegionExamples.refs + ", <&m7_reserved>"), options: ["kernel": "toradex-bsp6"]),
    ],
    nonTriggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + [RegionExamples.firmware], refs: RegionExamples.refs + ", <&m7_reserved>")
      ),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + ["m7_reserved: vdev-m7@80000000 { reg = <0 0x80000000 0 0x1000000>; no-map; };"],
          refs: RegionExamples.refs + ", <&m7_reserved>"), options: ["kernel": "toradex-bsp5"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard !info.rprocRegions.regions.isEmpty else { return }  // before any profile loads
    let kernel = info.hmp.kernel
    for r in info.rprocRegions.distinct {
      switch r.role {
      case .firmware, .resourceTable, .resourceTableLike: break
      default: continue
      }
      // The buffer pool (index 0) is not mapped on purpose either.
      if r.isPool { continue }
      guard kernel.effects(forRegionNamed: r.node.name).contains(.notMapped) else { continue }
      guard let rule = kernel.regionRules.first(where: { $0.effect == .notMapped && $0.match.matches(r.name, $0.name) })
      else { continue }
      let what =
        r.role == .firmware
        ? "the firmware cannot be loaded into it (da_to_va fails)" : "it is never read as the resource table"
      context.report(
        "\(r.role.phrase) '\(r.node.name)' starts with '\(rule.name)': \(info.hmp.kernelPhrase)'s imx_rproc does not map such regions, so \(what)",
        node: r.node,
        notes: [DiagnosticNote("referenced here as memory-region[\(r.index)]", at: r.property.range)])
    }
  }
}
