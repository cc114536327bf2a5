import DTCore
import DTHMP

/// `clocks` of the remoteproc node: present where the flavor's driver cannot do without it, and no more entries
/// than the binding allows.
struct RprocClocksRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_rproc_clocks", family: .remoteproc, name: "HMP Remoteproc Clocks", severity: .warning,
    summary: "The remoteproc node needs clocks on mainline, and no more clocks than the binding allows",
    rationale: """
      Mainline imx_rproc sets `IMX_RPROC_NEED_CLKS` for the i.MX 8M Nano/Plus configurations and gets the clock \
      with `devm_clk_get_enabled(dev, NULL)`, which is not optional: without `clocks` (on the i.MX 8M Plus \
      `<&clk IMX8MP_CLK_M7_DIV>`) probe fails with "Failed to enable clock" (-ENOENT from the clock core). Both are \
      verified in the mainline sources dtlint models (HMPFacts §1.4, §10.6); the rule stays a warning because the \
      `mainline` flavor also covers older releases whose driver was not read (HMPFacts §11). NXP kernels use \
      `devm_clk_get_optional` and probe without it. The binding allows one clock (`clocks: maxItems: 1`, \
      HMPFacts §4): mainline takes the first and ignores the rest, only NXP 6.x asks \
      for a second one by name ("audio"); more entries fail `dtbs_check`.
      """,
    triggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \t↓imx8mp-cm7 {
        \t\tcompatible = "fsl,imx8mp-cm7";
        \t};
        };
        """),
      RuleExample(
        """
        /dts-v1/;
        / {
        \timx8mp-cm7 {
        \t\tcompatible = "fsl,imx8mp-cm7";
        \t\t↓clocks = <&clk 85>, <&audio_blk_ctrl 35>;
        \t};
        \tclk: clock-controller {
        \t\t#clock-cells = <1>;
        \t};
        \taudio_blk_ctrl: clock-controller-audio {
        \t\t#clock-cells = <1>;
        \t};
        };
        """),
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
      // NXP kernels get the clock as optional.
      RuleExample(
        """
        /dts-v1/;
        / {
        \timx8mp-cm7 {
        \t\tcompatible = "fsl,imx8mp-cm7";
        \t};
        };
        """, options: ["kernel": "toradex-bsp6"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let hmp = info.hmp
    guard info.imxRprocLikeNodes().contains(where: \.isEnabled) else { return }  // before any profile loads
    let use = hmp.kernel.property("clocks")
    let soc = info.rprocSoC()
    for node in info.enabledRemoteprocNodes() {
      guard let clocks = node.property("clocks") else {
        // What the flavor file says about the i.MX 8M Nano/Plus configurations; silent for SoCs it does not cover.
        // A SoC whose node takes no clock (firmware owns it: i.MX 8ULP, i.MX 95) is not asked for one.
        guard let soc, use?.required == .always, let rp = soc.remoteproc.clock else { continue }
        var fixes: [FixIt] = []
        if !context.tree.isPlugin, context.tree.node(withLabel: rp.provider) != nil,
          let anchor = node.property("compatible"),
          let fix = FixSupport.insert(
            "clocks = <&\(rp.provider) \(rp.id)>; /* \(rp.name) */", after: anchor,
            message: "add clocks = <&\(rp.provider) \(rp.name)>")
        {
          fixes.append(fix)
        }
        context.report(
          "node \(node.path) has no 'clocks': \(hmp.kernelPhrase)'s imx_rproc gets the \(soc.coreName) clock with "
            + "devm_clk_get_enabled(dev, NULL), which is not optional, so probe fails (\"Failed to enable clock\"; "
            + "inferred, HMPFacts §1.4); expected clocks = <&\(rp.provider) \(rp.name)>",
          node: node, fixes: fixes)
        continue
      }
      guard let max = use?.maxItems else { continue }
      let (entries, complete) = info.phandleArgsList(clocks, cellsName: "#clock-cells")
      guard complete, entries.count > max else { continue }
      let readsNames = hmp.kernel.property("clock-names").map { $0.read != .never } ?? false
      let effect =
        readsNames
        ? "\(hmp.kernelPhrase)'s imx_rproc asks for the extra ones by name (clock-names), but dtbs_check rejects them"
        : "\(hmp.kernelPhrase)'s imx_rproc takes the first (devm_clk_get(dev, NULL)) and ignores the others"
      context.report(
        "'clocks' of node \(node.path) has \(entries.count) entries; the fsl,imx-rproc binding allows \(max): \(effect)",
        node: node, property: clocks)
    }
  }
}
