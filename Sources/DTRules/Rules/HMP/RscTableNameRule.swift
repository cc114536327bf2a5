import DTCore
import DTHMP

struct RscTableNameRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_rsc_table_name", family: .regions, name: "Resource Table Name", severity: .error,
    summary: "The resource-table region is not named the way the kernel flavor's imx_rproc matches it",
    rationale: """
      imx_rproc finds the resource table of a core it attaches to by the node name of a `memory-region` entry \
      (the kernel's `node->name`, without the unit address), and the name differs between kernels \
      (HMPFacts §1.2, §12):

      | flavor | name the driver matches |
      |---|---|
      | `mainline`, NXP 6.x | exactly `rsc-table` (`strcmp`; later `strstarts`) |
      | `nxp-5.15` (`toradex-bsp6`) | prefix `rsc_table` (`strncmp`); `rsc-table` is not recognised |
      | `nxp-5.4` (`toradex-bsp5`) | none: the table is found through `rsc-da` (this rule stays silent) |

      A region the driver does not recognise leaves `priv->rsc_table` NULL: when Linux attaches to a running M7 \
      (U-Boot `bootaux`, a debugger), `rproc_set_rsc_table` accepts "no table", no vdev and no vring is set up \
      (HMPFacts §1.3; NXP's reviewer on a `rsc_table@550ff000` overlay said the vrings are then not set up, \
      §1.2). The driver's name match is verified in each flavor's code, so this is an error; that nothing is \
      logged is verified in mainline's code and inferred for the NXP kernels. The overlay of the forum thread behind this project (`rsc_table@550ff000`, §7.4) is right for \
      Toradex BSP 6 and silently wrong for mainline. When the M7 manifest says Linux starts the firmware itself \
      (`firmware.started-by: linux`) the table comes from the ELF file and the rule stays silent.

      Mainline releases between commit 67a7bc7f0358 and its `strstarts` fix compared the name with the unit \
      address, so only a `rsc-table` without `@…` worked there (v6.19 until a 6.19-stable fix, HMPFacts §1.2 \
      item 2; the exact point releases are not verified), so that case is not reported. The fix-it renames the node, keeping its unit address and label.
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.rscTable, "rsc_table: ↓rsc_table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; };")
          ])), options: ["kernel": "mainline"]),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.rscTable, "rsc_table: ↓rsc-table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; };")
          ])), options: ["kernel": "toradex-bsp6"]),
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree(), options: ["kernel": "mainline"]),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.rscTable, "rsc_table: rsc_table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; };")
          ])), options: ["kernel": "toradex-bsp6"]),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.rscTable, "rsc_table: rsc_table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; };")
          ])), options: ["kernel": "mainline", "m7": RegionExamples.manifest(startedBy: "linux")]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let hmp = info.hmp
    guard !info.rprocRegions.regions.isEmpty else { return }  // before any profile loads
    let kernel = hmp.kernel
    guard kernel.resourceTable.locatedBy == .regionName,
      let rule = kernel.regionRules.first(where: { $0.effect == .resourceTable })
    else { return }
    if hmp.manifest?.startedBy == .linux { return }
    let matches =
      rule.match == .exact
      ? "only a region named '\(rule.name)'" : "only a region whose name starts with '\(rule.name)'"

    for r in info.rprocRegions.distinct where r.role == .resourceTableLike {
      let newName = r.node.unitAddress.isEmpty ? rule.name : rule.name + "@" + r.node.unitAddress
      let fix = RegionFixIts.rename(r.node, to: rule.name, message: "rename to '\(newName)'")
      var notes = [DiagnosticNote("referenced here as memory-region[\(r.index)]", at: r.property.range)]
      // What this flavor's releases do differently with the name as written (lf-5.15: HMPFacts §15.3).
      for v in kernel.regionRules where v.match.matches(r.name, v.name) {
        if let text = v.versionDependent { notes.append(DiagnosticNote("version-dependent: \(text)")) }
      }
      context.report(
        "\(hmp.kernelPhrase) takes \(matches) as the resource table, not '\(r.name)': when Linux attaches to the running \(info.coreName) it finds no resource table and sets up no vrings (no RPMsg, no error)",
        node: r.node, notes: notes, fixes: fix.map { [$0] } ?? [])
    }
  }
}
