import DTCore
import DTHMP

struct RegionNoMapRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_region_no_map", family: .regions, name: "Region No-Map", severity: .warning,
    summary: "A vring, resource-table or firmware region of the imx-rproc node has no `no-map`",
    rationale: """
      The M7 writes these regions behind Linux's back: vrings and the resource table are shared at run time, the \
      firmware region holds the M7's code and data. Every reference tree marks them `no-map` — NXP's \
      imx8mp/imx8mm/imx8mn-evk-rpmsg, PHYTEC's mainline imx8mm-phycore-rpmsg overlay, Toradex's HMP overlay \
      (HMPFacts §7) — so the kernel leaves them out of its cacheable linear map and imx_rproc maps them itself \
      (`devm_ioremap_wc`, HMPFacts §1.2). Without `no-map` the range is reserved but stays in the linear map.

      A warning: that the reference trees all use `no-map` is verified; what goes wrong without it (a cacheable \
      alias of memory the M7 writes, mapping the range twice) is inferred, not observed. The buffer pool's \
      `no-map` is `hmp_buffer_pool`'s. The fix-it adds `no-map;` after the region's last property.
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.vring0, "vdev0vring0: ↓vdev0vring0@55000000 { reg = <0 0x55000000 0 0x8000>; };")
          ]))),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + ["m7_reserved: ↓m7@80000000 { reg = <0 0x80000000 0 0x1000000>; };"],
          refs: RegionExamples.refs + ", <&m7_reserved>")),
    ],
    nonTriggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + [RegionExamples.firmware], refs: RegionExamples.refs + ", <&m7_reserved>")
      ),
      // Not referenced by the rproc node.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + ["linux_log: ramoops@90000000 { reg = <0 0x90000000 0 0x100000>; };"])),
    ])

  func check(_ context: inout RuleContext) {
    for r in context.info.rprocRegions.distinct {
      guard !r.isPool, r.role != .buffer else { continue }
      let node = r.node
      // A reusable (CMA) region cannot be no-map; it is not one of the regions this rule means.
      guard node.property("no-map") == nil, node.property("reusable") == nil else { continue }
      let fix = RegionFixIts.addProperty("no-map", to: node, message: "add 'no-map;'")
      context.report(
        "\(r.role.phrase) '\(node.name)' has no 'no-map': the \(context.info.coreName) writes it, and every reference tree keeps such regions out of the kernel's linear map",
        node: node,
        notes: [DiagnosticNote("referenced here as memory-region[\(r.index)]", at: r.property.range)],
        fixes: fix.map { [$0] } ?? [])
    }
  }
}
