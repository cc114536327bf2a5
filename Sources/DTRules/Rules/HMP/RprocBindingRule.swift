import DTCore
import DTHMP

/// Properties of the remoteproc node that the binding does not have and the flavor's driver does not read
/// (`rsc-da`, `fsl,startup-delay-ms`, `clock-names`, …): dead text that suggests a behaviour the kernel lacks.
struct RprocBindingRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_rproc_binding", family: .remoteproc, name: "HMP Remoteproc Binding", severity: .warning,
    summary: "The remoteproc node must not carry properties outside the flavor's binding",
    rationale: """
      `fsl,imx-rproc.yaml` has `additionalProperties: false` and lists neither `rsc-da`, \
      `fsl,startup-delay-ms` nor `clock-names`, and allows `fsl,iomuxc-gpr` only with the `-mmio` compatibles \
      (HMPFacts §4). NXP's and Toradex's trees carry them anyway, and which kernel reads them differs \
      (HMPFacts §15, read release by release): `rsc-da` is read only by NXP 5.4, where it locates the resource \
      table — every later driver finds the table through a `memory-region` named `rsc-table` (`rsc_table` in \
      NXP 5.15) and ignores it; `fsl,startup-delay-ms` by NXP 6.x and by NXP 5.15 from lf-5.15.71 on (an \
      `msleep` after Linux starts the core, not when attaching; an earlier lf-5.15 snapshot did not read it, \
      HMPFacts §15.7), never by mainline; `clock-names` only by NXP 6.x (the optional "audio" clock). A \
      property is reported when the binding does not have it and the selected kernel (`--kernel`, default \
      mainline) does not read it: it does nothing there but suggests it does (a startup delay that never \
      happens, a resource-table address that is never used). The properties a flavor reads are accepted for \
      that flavor, and a note says which other flavors (and releases) read a reported one. Removing one is \
      safe for the selected kernel, hence the fix-it — not for a tree that also boots an NXP kernel.
      """,
    triggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \timx8mp-cm7 {
        \t\tcompatible = "fsl,imx8mp-cm7";
        \t\tclocks = <&clk 85>;
        \t\t↓rsc-da = <0x55000000>;
        \t\t↓fsl,startup-delay-ms = <500>;
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
        \t\tcompatible = "fsl,imx8mp-cm7";
        \t\t↓rsc-da = <0x55000000>;
        \t\tfsl,startup-delay-ms = <500>;
        \t};
        };
        """, options: ["kernel": "nxp-6"]),
    ],
    nonTriggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \timx8mp-cm7 {
        \t\tcompatible = "fsl,imx8mp-cm7";
        \t\tclocks = <&clk 85>;
        \t\tfsl,auto-boot;
        \t};
        \tclk: clock-controller {
        \t\t#clock-cells = <1>;
        \t};
        };
        """),
      // lf-5.15.71 reads fsl,startup-delay-ms and sleeps for it after starting the core (Toradex BSP 6).
      RuleExample(
        rprocExample(
          """
          mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          fsl,startup-delay-ms = <500>;
          """), options: ["kernel": "toradex-bsp6"]),
      // NXP 5.4 reads rsc-da (Toradex BSP 5).
      RuleExample(
        rprocExample(
          """
          mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          rsc-da = <0x55000000>;
          """), options: ["kernel": "toradex-bsp5"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let hmp = info.hmp
    guard info.imxRprocLikeNodes().contains(where: \.isEnabled) else { return }  // before any profile loads
    let kernel = hmp.kernel
    let soc = info.rprocSoC()
    for node in info.enabledRemoteprocNodes() {
      // The binding allows fsl,iomuxc-gpr only with the -mmio compatibles; the drivers read the MMIO-only
      // properties for every compatible whose configuration uses the MMIO method (HMPFacts §15.6).
      let mmio = isMMIOVariant(node, soc: soc)
      let matched = (node.property("compatible")?.value.strings ?? []).first { kernel.knows(compatible: $0) }
      let mmioMethod = matched.map { kernel.usesMMIO($0) } ?? mmio
      // The System Manager configurations (i.MX 95) read fsl,cpu-id and fsl,lmm-id (HMPFacts §18.1).
      let smMethod = matched.map { kernel.usesSM($0) } ?? (rprocVariant(of: node, soc: soc)?.method == .sm)
      for p in node.liveProperties {
        guard let use = kernel.property(p.name) else { continue }
        let outside: Bool
        switch use.binding {
        case .listed: outside = false
        case .notListed: outside = true
        case .mmioOnly: outside = !mmio
        }
        guard outside else { continue }
        let read: Bool
        switch use.read {
        case .never: read = false
        case .mmioOnly: read = mmioMethod
        case .smOnly: read = smMethod
        default: read = true
        }
        guard !read else { continue }

        let why =
          use.binding == .mmioOnly
          ? "the fsl,imx-rproc binding allows it only with the -mmio compatibles"
          : "it is not in the fsl,imx-rproc binding"
        var notes: [DiagnosticNote] = []
        let readers = Self.flavorsReading(p.name, mmio: mmio, sm: smMethod, except: kernel.name)
        if !readers.isEmpty {
          notes.append(DiagnosticNote("read only by \(readers.joined(separator: ", ")) (HMPFacts §15)"))
        }
        if let v = use.versionDependent {
          notes.append(DiagnosticNote("version-dependent in \(kernel.name): \(v)"))
        }
        if use.provenance.status != .verified {
          notes.append(
            DiagnosticNote(
              "\(use.provenance.status.rawValue): \(use.provenance.source ?? "HMPFacts §15")"
                + (use.provenance.note.map { " — \($0)" } ?? "")))
        }
        if p.name == "rsc-da", kernel.resourceTable.locatedBy == .regionName, let name = kernel.resourceTableName {
          notes.append(
            DiagnosticNote(
              "\(hmp.kernelPhrase) finds the resource table through the memory-region whose node is named '\(name)'"))
        }
        if kernel.bindingProvenance.map({ $0.status != .verified }) ?? false {
          notes.append(DiagnosticNote("this flavor's binding was not read; the mainline binding is assumed"))
        }
        var fixes: [FixIt] = []
        if let fix = FixSupport.delete(p, message: "remove '\(p.name)' (\(hmp.kernelPhrase) ignores it)") {
          fixes.append(fix)
        }
        context.report(
          "property '\(p.name)' of node \(node.path) does nothing with \(hmp.kernelPhrase): \(why), and its "
            + "imx_rproc does not read it",
          node: node, property: p, notes: notes, fixes: fixes)
      }
    }
  }

  /// The bundled flavors whose driver reads `property` (for the note that says who would).
  static func flavorsReading(_ property: String, mmio: Bool, sm: Bool = false, except: String) -> [String] {
    var out: [String] = []
    var seen: Set<String> = [except]
    for name in KernelFlavor.knownNames {
      guard let k = try? KernelFlavor.load(name: name), seen.insert(k.name).inserted, let use = k.property(property)
      else { continue }
      var when: [String] = []
      switch use.read {
      case .never: continue
      case .mmioOnly: if !mmio { continue }
      case .smOnly: if !sm { continue }
      case .whenStarting: when.append("when Linux starts the core")
      case .whenAttaching: when.append("when attaching to a running core")
      case .whenNotAttached: when.append("unless attaching")
      case .always: break
      }
      if let v = use.versionDependent { when.append("version-dependent: \(v)") }
      out.append(when.isEmpty ? k.name : "\(k.name) (\(when.joined(separator: "; ")))")
    }
    return out
  }
}
