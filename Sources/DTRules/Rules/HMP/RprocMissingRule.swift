import DTCore
import DTHMP

/// An M7 manifest is given, but Linux has no enabled imx_rproc node to start, attach to or talk to the M7 with.
struct RprocMissingRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_rproc_missing", family: .remoteproc, name: "HMP Remoteproc Node Missing", severity: .warning,
    summary: "An M7 manifest is given but no enabled node has an imx-rproc compatible",
    rationale: """
      imx_rproc binds only to a node whose `compatible` is in its match table (`fsl,imx8mp-cm7`, \
      `fsl,imx8mp-cm7-mmio`, `fsl,imx8mn-cm7`, …; HMPFacts §1.1), and the kernel probes only nodes whose \
      `status` is absent or `"okay"`. Without such a node Linux neither starts the M7 nor attaches to a core \
      U-Boot or a debugger started, no vdev is created, and RPMsg never comes up — without any error message. \
      The rule runs only when an M7 manifest says there is M7 firmware (`--m7`); a manifest does not say whether \
      that firmware uses RPMsg, so this is a warning. Overlays checked without `--base` are not judged: the node \
      may be in the base.
      """,
    needs: [.manifest],
    triggering: [
      RuleExample(
        """
        /dts-v1/;
        ↓/ {
        \tcompatible = "acme,board", "fsl,imx8mp";
        };
        """, options: ["m7": "{soc: imx8mp}"]),
      RuleExample(
        """
        /dts-v1/;
        / {
        \timx8mp-cm7 {
        \t\tcompatible = "fsl,imx8mp-cm7";
        \t\t↓status = "disabled";
        \t};
        };
        """, options: ["m7": "{soc: imx8mp}"]),
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
        """, options: ["m7": "{soc: imx8mp}"]),
      // Without a manifest nothing says there is M7 firmware.
      RuleExample(
        """
        /dts-v1/;
        / {
        \tcompatible = "acme,board", "fsl,imx8mp";
        };
        """),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard let manifest = info.hmp.manifest, !context.tree.isPlugin else { return }
    let nodes = info.imxRprocLikeNodes()
    if nodes.contains(where: \.isEnabled) { return }
    let soc = info.rprocSoC() ?? manifest.soc
    let startedByLinux = manifest.startedBy == .linux
    let consequence =
      startedByLinux
      ? "Linux cannot start the firmware the manifest says it starts (firmware.started-by: linux), and RPMsg never comes up"
      : "Linux neither starts nor attaches to the \(soc.coreName), and RPMsg never comes up"

    if !nodes.isEmpty {
      for node in nodes {
        let status = node.property("status")
        let value = status?.value.strings?.first ?? ""
        var fixes: [FixIt] = []
        if let status, let fix = FixSupport.replace(status, with: "status = \"okay\";", message: "enable the node") {
          fixes.append(fix)
        }
        context.report(
          "remoteproc node \(node.path) has status \"\(value)\": the kernel does not probe it, so with "
            + "\(info.hmp.manifestPhrase) describing \(soc.coreName) firmware, \(consequence)",
          node: node, property: status, fixes: fixes)
      }
      return
    }

    let preferred = soc.remoteproc.preferred?.compatible ?? "fsl,imx8mp-cm7"
    let root = context.tree.root
    context.report(
      "no enabled node has an imx-rproc compatible (\(quotedList(soc.remoteproc.compatibles.map(\.compatible)))): "
        + "\(info.hmp.manifestPhrase) describes \(soc.mCore) firmware, but \(consequence)",
      node: root,
      notes: [
        DiagnosticNote(
          "add a remoteproc node, e.g. `imx8mp-cm7 { compatible = \"\(preferred)\"; … }` ('dtlint hmp generate' writes one for the board)"
        )
      ])
  }
}
