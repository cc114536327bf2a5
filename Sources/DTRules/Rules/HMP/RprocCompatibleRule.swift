import DTCore
import DTHMP

/// The remoteproc node's compatible: one of the SoC's, one the kernel flavor's imx_rproc knows, and an `-mmio`
/// variant comes with the `syscon` it cannot probe without.
struct RprocCompatibleRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_rproc_compatible", name: "HMP Remoteproc Compatible", severity: .error,
    summary: "The remoteproc compatible must fit the SoC and the kernel, and an -mmio variant needs syscon",
    rationale: """
      imx_rproc picks the M core's address translation and start method from the compatible (HMPFacts §1.1): \
      on the i.MX 8M Plus, `fsl,imx8mp-cm7` and `fsl,imx8mn-cm7` select the SMC configuration (start and stop \
      through TF-A), `fsl,imx8mp-cm7-mmio` and `fsl,imx8mn-cm7-mmio` the MMIO one. Another SoC's compatible \
      (`fsl,imx8mm-cm4`) brings that SoC's table and method. The `-mmio` compatibles exist only in mainline and \
      NXP 6.x kernels; NXP 5.15 (Toradex BSP 6) and 5.4 do not list them, so the node is never probed there. \
      The MMIO configuration looks the SRC up with `syscon_regmap_lookup_by_phandle(np, "syscon")` and fails \
      probe with "failed to find syscon" when `syscon` is missing (HMPFacts §1.4, §4, §10.8). The kernel \
      flavor comes from `--kernel` (default mainline); the SoC from the manifest, the board or the root \
      `compatible`.
      """,
    triggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \tcompatible = "acme,board", "fsl,imx8mp";
        \tcm4 {
        \t\t↓compatible = "fsl,imx8mm-cm4";
        \t\tclocks = <&clk 85>;
        \t};
        \tclk: clock-controller {
        \t\t#clock-cells = <1>;
        \t};
        };
        """),
      RuleExample(
        """
        /dts-v1/;
        / {
        \timx8mp-cm7 {
        \t\t↓compatible = "fsl,imx8mp-cm7-mmio";
        \t\tclocks = <&clk 85>;
        \t};
        \tclk: clock-controller {
        \t\t#clock-cells = <1>;
        \t};
        };
        """),
      RuleExample(
        """
        /dts-v1/;
        / {
        \timx8mp-cm7 {
        \t\t↓compatible = "fsl,imx8mp-cm7-mmio";
        \t\tsyscon = <&src>;
        \t};
        \tsrc: reset-controller {
        \t\tcompatible = "fsl,imx8mp-src", "syscon";
        \t};
        };
        """, options: ["kernel": "toradex-bsp6"]),
    ],
    nonTriggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \timx8mp-cm7 {
        \t\tcompatible = "fsl,imx8mp-cm7";
        \t\tclocks = <&clk 85>;
        \t};
        \tclk: clock-controller {
        \t\t#clock-cells = <1>;
        \t};
        };
        """),
      RuleExample(
        """
        /dts-v1/;
        / {
        \timx8mp-cm7 {
        \t\tcompatible = "fsl,imx8mp-cm7-mmio";
        \t\tclocks = <&clk 85>;
        \t\tsyscon = <&src>;
        \t};
        \tclk: clock-controller {
        \t\t#clock-cells = <1>;
        \t};
        \tsrc: reset-controller {
        \t\tcompatible = "fsl,imx8mp-src", "syscon";
        \t};
        };
        """),
      // NXP's i.MX 8M Plus EVK tree uses the i.MX 8M Nano compatible: same driver configuration.
      RuleExample(
        """
        /dts-v1/;
        / {
        \tcompatible = "fsl,imx8mp-evk", "fsl,imx8mp";
        \timx8mp-cm7 {
        \t\tcompatible = "fsl,imx8mn-cm7";
        \t};
        };
        """, options: ["kernel": "nxp-5.15"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let hmp = info.hmp
    guard info.imxRprocLikeNodes().contains(where: \.isEnabled) else { return }  // before any profile loads
    let kernel = hmp.kernel
    let soc = info.rprocSoC()
    for node in info.imxRprocLikeNodes() where node.isEnabled {
      guard let prop = node.property("compatible"), let compats = prop.value.strings else { continue }
      let shown = quotedList(compats)

      if let soc {
        let preferred = soc.remoteproc.preferred
        let variants = compats.compactMap { soc.remoteproc.compatible($0) }
        if variants.isEmpty {
          var fixes: [FixIt] = []
          if let p = preferred, kernel.knows(compatible: p.compatible),
            let fix = FixSupport.replace(
              prop, with: "compatible = \"\(p.compatible)\";", message: "use \"\(p.compatible)\"")
          {
            fixes.append(fix)
          }
          context.report(
            "compatible \(shown) of node \(node.path) is not an imx-rproc compatible for the \(soc.name) "
              + "\(soc.mCore): imx_rproc would drive it with another SoC's address table and start method "
              + "(expected one of \(quotedList(soc.remoteproc.compatibles.map(\.compatible))))",
            node: node, property: prop, fixes: fixes)
          continue
        }
        guard let chosen = compats.first(where: { kernel.knows(compatible: $0) }) else {
          let usable = soc.remoteproc.compatibles.map(\.compatible).filter { kernel.knows(compatible: $0) }
          var fixes: [FixIt] = []
          if let p = preferred, kernel.knows(compatible: p.compatible),
            let fix = FixSupport.replace(
              prop, with: "compatible = \"\(p.compatible)\";",
              message: "use \"\(p.compatible)\" (\(p.method == .smc ? "started through TF-A" : "MMIO"))")
          {
            fixes.append(fix)
          }
          context.report(
            "compatible \(shown) of node \(node.path) is not in the match table of \(hmp.kernelPhrase)'s "
              + "imx_rproc: the node is never probed"
              + (usable.isEmpty ? "" : " (it knows \(quotedList(usable)))"),
            node: node, property: prop, fixes: fixes)
          continue
        }
        // What the driver's configuration for the matched compatible needs (syscon for the MMIO ones).
        guard let variant = soc.remoteproc.compatible(chosen) else { continue }
        for needed in variant.needs where node.property(needed) == nil {
          guard kernel.property(needed).map({ $0.required != .never }) ?? true else { continue }
          var fixes: [FixIt] = []
          if needed == "syscon", !context.tree.isPlugin,
            let src = context.tree.node(withLabel: soc.remoteproc.srcLabel),
            (src.property("compatible")?.value.strings ?? []).contains("syscon"),
            let fix = FixSupport.insert(
              "syscon = <&\(soc.remoteproc.srcLabel)>;", after: prop,
              message: "add syscon = <&\(soc.remoteproc.srcLabel)> (the SRC)")
          {
            fixes.append(fix)
          }
          context.report(
            "node \(node.path) has compatible \"\(chosen)\" but no '\(needed)': \(hmp.kernelPhrase)'s imx_rproc "
              + "(\(variant.driverConfig)) looks the SRC up through it and fails probe with \"failed to find syscon\"",
            node: node, property: prop, fixes: fixes)
        }
      } else {
        // SoC unknown: only what holds for every SoC — the MMIO configurations need syscon.
        guard let mmio = compats.first(where: { $0.hasSuffix("-mmio") && kernel.knows(compatible: $0) }),
          node.property("syscon") == nil
        else { continue }
        context.report(
          "node \(node.path) has compatible \"\(mmio)\" but no 'syscon': \(hmp.kernelPhrase)'s imx_rproc looks "
            + "the SRC up through it and fails probe with \"failed to find syscon\"",
          node: node, property: prop)
      }
    }
  }
}
