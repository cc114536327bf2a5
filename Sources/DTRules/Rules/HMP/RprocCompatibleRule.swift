import DTCore
import DTHMP

/// The remoteproc node's compatible: one of the SoC's, one the kernel flavor's imx_rproc knows, and with the
/// properties its driver configuration cannot probe without (`syscon` for the MMIO method, `fsl,cpu-id` and
/// `fsl,lmm-id` for the i.MX 95's System Manager method), each declared per compatible in the SoC profile.
struct RprocCompatibleRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_rproc_compatible", family: .remoteproc, name: "HMP Remoteproc Compatible", severity: .error,
    summary:
      "The remoteproc compatible must fit the SoC and the kernel, with the properties its driver needs (syscon, fsl,cpu-id)",
    rationale: """
      imx_rproc picks the M core's address translation and start method from the compatible (HMPFacts §1.1): \
      on the i.MX 8M Plus, `fsl,imx8mp-cm7` and `fsl,imx8mn-cm7` select the SMC configuration (start and stop \
      through TF-A), `fsl,imx8mp-cm7-mmio` and `fsl,imx8mn-cm7-mmio` the MMIO one. Another SoC's compatible \
      (`fsl,imx8mm-cm4`) brings that SoC's table and method. The `-mmio` compatibles exist only in mainline and \
      NXP 6.6 and later; NXP 6.1, 5.15 (Toradex BSP 6) and 5.4 do not list them, so the node is never probed \
      there (HMPFacts §15.4). Every configuration that uses the MMIO method — `imx_rproc_cfg_imx8mq` for \
      `fsl,imx8mq-cm4` and `fsl,imx8mm-cm4`, the i.MX7D and 6SX ones, the `-mmio` ones — looks the SRC up with \
      `syscon_regmap_lookup_by_phandle(np, "syscon")`: in mainline, NXP 6.x and NXP 5.15 a missing `syscon` \
      fails probe with "failed to find syscon"; NXP 5.4 logs the same line and probes on without the SRC, so \
      it can neither detect nor start the core (HMPFacts §15.6, read per flavor). NXP's kernels that drive the \
      i.MX 95's `fsl,imx95-cm7` through the System Manager read `fsl,cpu-id` and `fsl,lmm-id` with \
      `of_property_read_u32()`: missing, empty or shorter than one cell, probe fails ("No fsl,cpu-id property", \
      "No fsl,lmm-id property"); the M7 is the System Manager's CPU 1, and its logical machine is the System \
      Manager configuration's (LM1 in NXP's EVK configuration), so `fsl,cpu-id` must be `<1>` and `fsl,lmm-id` \
      must match the configuration the board boots. Mainline's i.MX 95 support fixes both in the driver and reads \
      neither, and lf-6.6 starts the M7 through the SMC call (HMPFacts §18.1). The properties each compatible \
      needs are the SoC profile's; whether a flavor needs one is the flavor's. The kernel flavor comes from \
      `--kernel` (default mainline); the SoC from the manifest, the board or the root `compatible` — for a SoC \
      dtlint has no profile of (an i.MX 8M Mini tree), from the flavor's driver configurations alone.
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
      // An i.MX 8M Mini tree (no SoC profile): the flavor's driver configuration for the compatible is MMIO.
      RuleExample(
        """
        /dts-v1/;
        / {
        \tcompatible = "fsl,imx8mm-evk", "fsl,imx8mm";
        \timx8mm-cm4 {
        \t\t↓compatible = "fsl,imx8mm-cm4";
        \t\tmbox-names = "tx", "rx", "rxdb";
        \t};
        };
        """, options: ["kernel": "nxp-5.15"]),
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
      // NXP kernels drive the i.MX 95's M7 through the System Manager: without fsl,cpu-id, probe fails.
      RuleExample(imx95M7Example("↓compatible = \"fsl,imx95-cm7\";\nfsl,lmm-id = <1>;"), options: ["kernel": "nxp-6"]),
      // The M7 is the System Manager's CPU 1; CPU 2 is the first Cortex-A55.
      RuleExample(
        imx95M7Example("compatible = \"fsl,imx95-cm7\";\n↓fsl,cpu-id = <2>;\nfsl,lmm-id = <1>;"),
        options: ["kernel": "nxp-6"]),
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
      // The i.MX 8M Mini EVK's node with its syscon (NXP's imx8mm-evk-rpmsg.dts).
      RuleExample(
        """
        /dts-v1/;
        / {
        \tcompatible = "fsl,imx8mm-evk", "fsl,imx8mm";
        \timx8mm-cm4 {
        \t\tcompatible = "fsl,imx8mm-cm4";
        \t\tsyscon = <&src>;
        \t};
        \tsrc: reset-controller@30390000 {
        \t\tcompatible = "fsl,imx8mm-src", "fsl,imx51-src", "syscon";
        \t\treg = <0x30390000 0x10000>;
        \t};
        };
        """, options: ["kernel": "nxp-5.15"]),
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
      // NXP's i.MX 95 EVK node (imx95-19x19-evk.dts): "cpuid and lmmid must align with SM firmware".
      RuleExample(
        imx95M7Example("compatible = \"fsl,imx95-cm7\";\nfsl,cpu-id = <1>;\nfsl,lmm-id = <1>;"),
        options: ["kernel": "nxp-6"]),
      // Mainline's i.MX 95 support fixes the M7's CPU and logical machine in the driver (imx95-verdin.dtsi).
      RuleExample(
        imx95M7Example(
          "compatible = \"fsl,imx95-cm7\";", root: "\"toradex,verdin-imx95\", \"fsl,imx95\"",
          node: "cm7: remoteproc-cm7")),
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

      // An M-core node of another driver (the i.MX 95's SOF audio firmware, HMPFacts §18.1) is not imx_rproc's.
      if let soc, compats.contains(where: { soc.remoteproc.otherDriver($0) != nil }) { continue }
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
        // What the driver's configuration for the matched compatible needs: the SoC profile's list (syscon; the
        // i.MX 95's fsl,cpu-id and fsl,lmm-id), and syscon wherever this kernel's configuration uses the MMIO method
        // (HMPFacts §15.6, §18.1) — each where this flavor's driver requires it.
        var needs = soc.remoteproc.compatible(chosen)?.requirements ?? []
        if kernel.usesMMIO(chosen) && !needs.contains(where: { $0.name == "syscon" }) {
          needs.append(NeededProperty.syscon)
        }
        for need in needs where kernel.requires(need.name, for: chosen) {
          if let present = node.property(need.name) {
            checkValue(present, of: need, compatible: chosen, node: node, soc: soc, context: &context)
            continue
          }
          var fixes: [FixIt] = []
          if need.name == "syscon", !context.tree.isPlugin, let srcLabel = soc.remoteproc.srcLabel,
            let src = context.tree.node(withLabel: srcLabel),
            (src.property("compatible")?.value.strings ?? []).contains("syscon"),
            let fix = FixSupport.insert(
              "syscon = <&\(srcLabel)>;", after: prop, message: "add syscon = <&\(srcLabel)> (the SRC)")
          {
            fixes.append(fix)
          }
          if need.format == .u32, let v = need.value ?? need.defaultValue,
            let fix = FixSupport.insert(
              "\(need.name) = <\(v)>;", after: prop,
              message: "add \(need.name) = <\(v)>" + (need.meaning.map { " (\($0))" } ?? ""))
          {
            fixes.append(fix)
          }
          reportMissing(need, compatible: chosen, node: node, property: prop, fixes: fixes, context: &context)
        }
      } else {
        // SoC unknown: what this kernel's driver configuration for the compatible needs (the MMIO ones look the
        // SRC up through syscon), whatever the SoC.
        guard let chosen = compats.first(where: { kernel.knows(compatible: $0) }), kernel.usesMMIO(chosen),
          node.property("syscon") == nil, kernel.property("syscon").map({ $0.required != .never }) ?? true
        else { continue }
        reportMissing(.syscon, compatible: chosen, node: node, property: prop, fixes: [], context: &context)
      }
    }
  }

  /// `node has compatible "fsl,imx8mm-cm4" but no 'syscon'`, with how this kernel's driver configuration uses the
  /// property and what it does without it.
  private func reportMissing(
    _ need: NeededProperty, compatible: String, node: Node, property: Property, fixes: [FixIt],
    context: inout RuleContext
  ) {
    let hmp = context.info.hmp
    let kernel = hmp.kernel
    let use = kernel.property(need.name)
    var notes: [DiagnosticNote] = []
    if let v = kernel.driverConfig(for: compatible)?.versionDependent {
      notes.append(DiagnosticNote("version-dependent: \(v)"))
    }
    if let v = use?.versionDependent, need.name != "syscon" {
      notes.append(DiagnosticNote("'\(need.name)' is version-dependent: \(v)"))
    }
    if let p = use, p.provenance.status != .verified {
      notes.append(DiagnosticNote("\(p.provenance.status.rawValue): \(p.provenance.source ?? "HMPFacts §15.6")"))
    }
    if let n = need.provenance.note { notes.append(DiagnosticNote(n)) }
    let effect =
      use?.provenance.note ?? (need.name == "syscon" ? "\"failed to find syscon\" fails probe" : "probe fails")
    context.report(
      "node \(node.path) has compatible \"\(compatible)\" but no '\(need.name)': \(hmp.kernelPhrase)'s imx_rproc "
        + "drives it with \(Self.howItReads(need, compatible: compatible, kernel: kernel)): \(effect)",
      node: node, property: property, notes: notes, fixes: fixes, cap: Self.releaseCap(need, kernel: kernel))
  }

  /// At most a warning when the flavor's releases differ on reading the property (the i.MX 95's `fsl,cpu-id`:
  /// lf-6.6 starts the M7 through the SMC call and never reads it, the System Manager configurations fail probe
  /// without it): a tree that boots on one release of the flavor is not called broken for all of them.
  /// `syscon` keeps its verdict: every release that knows an MMIO compatible looks the SRC up through it.
  static func releaseCap(_ need: NeededProperty, kernel: KernelFlavor) -> Severity? {
    need.name != "syscon" && kernel.property(need.name)?.versionDependent != nil ? .warning : nil
  }

  /// How the driver configuration for `compatible` uses `need`: "imx_rproc_cfg_imx8mq, MMIO method: it starts,
  /// stops and detects the core through the SRC registers, and looks the SRC up through 'syscon' (HMPFacts §15.6)".
  static func howItReads(_ need: NeededProperty, compatible: String, kernel: KernelFlavor) -> String {
    let config = kernel.driverConfig(for: compatible)
    switch config?.method ?? .mmio {
    case .sm:
      let what = need.meaning.map { ", \($0)" } ?? ""
      return "\(config?.config ?? "a System Manager configuration"), System Manager method: it starts, stops and "
        + "detects the core through the System Manager's SCMI CPU or LMM protocol, and reads '\(need.name)'\(what) "
        + "(HMPFacts §18.1)"
    case .mmio where need.name == "syscon":
      let how =
        config.map { "\($0.config), MMIO method: it starts, stops and detects the core through the SRC registers" }
        ?? "an MMIO configuration: it starts, stops and detects the core through the SRC registers"
      return how + ", and looks the SRC up through '\(need.name)' (HMPFacts §15.6)"
    default:
      return "\(config?.config ?? "its configuration"), which reads '\(need.name)'"
    }
  }

  /// A needed one-cell property that is there: it must be one cell (`of_property_read_u32()` fails on less and
  /// reads only the first of more) and, where the SoC fixes it, the SoC's value.
  private func checkValue(
    _ p: Property, of need: NeededProperty, compatible: String, node: Node, soc: SoCProfile,
    context: inout RuleContext
  ) {
    guard need.format == .u32 else { return }
    let kernel = context.info.hmp.kernel
    let length = p.value.bytes.count
    var fixes: [FixIt] = []
    if let v = need.value ?? need.defaultValue,
      let fix = FixSupport.replace(p, with: "\(need.name) = <\(v)>;", message: "write \(need.name) = <\(v)>")
    {
      fixes.append(fix)
    }
    guard length >= 4, let cells = p.value.cells else {
      // of_property_read_u32: -ENODATA without a value, -EOVERFLOW when shorter than one cell (HMPFacts §18.1).
      let what = length == 0 ? "has no value" : "is \(length) byte\(length == 1 ? "" : "s"), not one 32-bit cell"
      if length < 4 {
        context.report(
          "'\(need.name)' of node \(node.path) \(what), and \(context.info.hmp.kernelPhrase)'s imx_rproc reads it "
            + "with of_property_read_u32() (\(kernel.driverConfig(for: compatible)?.config ?? "its configuration")): "
            + (kernel.property(need.name)?.provenance.note ?? "probe fails as without the property"),
          node: node, property: p, fixes: fixes, cap: Self.releaseCap(need, kernel: kernel))
      } else {
        context.report(
          "'\(need.name)' of node \(node.path) is \(length) bytes that are not 32-bit cells (a string?): "
            + "of_property_read_u32() takes its first 4 bytes as the number",
          node: node, property: p, fixes: fixes, cap: Self.releaseCap(need, kernel: kernel))
      }
      return
    }
    if let expected = need.value, cells[0] != expected {
      context.report(
        "'\(need.name)' of node \(node.path) is <\(cells[0])>, but on the \(soc.name) it must be <\(expected)>"
          + (need.meaning.map { ", \($0)" } ?? "") + ": \(context.info.hmp.kernelPhrase)'s imx_rproc would start, "
          + "stop and query another CPU than the \(soc.mCore)",
        node: node, property: p, notes: need.provenance.source.map { [DiagnosticNote("source: \($0)")] } ?? [],
        fixes: fixes, cap: Self.releaseCap(need, kernel: kernel))
    } else if cells.count > 1 {
      context.report(
        "'\(need.name)' of node \(node.path) has \(cells.count) cells: of_property_read_u32() reads only the "
          + "first (<\(cells[0])>)",
        node: node, property: p, fixes: fixes, cap: .warning)
    }
  }
}

/// An i.MX 95 example: the root compatible and the M7 node `node` with `body` (one property per line, `↓` allowed).
func imx95M7Example(
  _ body: String, root: String = "\"fsl,imx95-19x19-evk\", \"fsl,imx95\"", node: String = "cm7: imx95-cm7"
) -> String {
  "/dts-v1/;\n/ {\n\tcompatible = \(root);\n\t\(node) {\n"
    + body.split(separator: "\n").map { "\t\t\($0)\n" }.joined() + "\t};\n};\n"
}
