import DTCore
import DTHMP

/// `mboxes` of the remoteproc node must name the messaging unit whose other side the M core listens on, and that
/// unit must be enabled.
struct RprocMboxControllerRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_mbox_controller", family: .remoteproc, name: "HMP Mailbox Controller", severity: .error,
    summary: "mboxes must point at the enabled MU whose other side the M core uses",
    rationale: """
      On the i.MX 8M Plus the Cortex-M7 firmware (rpmsg-lite's imx8mp_m7 port) talks through MUB at 0x30AB0000 \
      (interrupt MU1_M7_IRQn), the B side of `mu: mailbox@30aa0000`; `mu2: mailbox@30e60000` belongs to the DSP \
      and is disabled by default (HMPFacts §5.1, §8, §10.5). Linux writes its kicks into the MU that `mboxes` \
      names: another unit never reaches the M7, and the kicks time out (`imx_rproc_kick: failed (1, err:-62)`; \
      HMPFacts §3.4 d). A disabled unit registers no mailbox controller: the channel request returns \
      -EPROBE_DEFER and imx_rproc never probes (HMPFacts §3.4, verified code path). When the M7 manifest \
      configures RPMsg (`rpmsg:`), a remoteproc node without `mboxes` is reported too: without a mailbox Linux \
      cannot notify the M7. Needs the SoC (manifest, board or root `compatible`); references that do not \
      resolve (an overlay checked without its base) are left alone.

      When `--m7` gives the M7's Zephyr device tree, the firmware's MU is its `zephyr,ipc` node: it must be the M \
      side of the unit `mboxes` names (0x30ab0000 for Linux's `mu` at 0x30aa0000), and a `zephyr,ipc` at the A \
      side or at no MU is reported at `mboxes` with the Zephyr file and line (HMPFacts §17.4).
      """,
    triggering: [
      RuleExample(
        rprocExample(
          """
          ↓mboxes = <&mu2 0 1>, <&mu2 1 1>, <&mu2 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          """, withMU2: true)),
      RuleExample(
        rprocExample(
          """
          ↓mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          """, muStatus: "disabled")),
      // The M7's Zephyr tree uses Linux's side of the MU.
      RuleExample(
        rprocExample(
          """
          ↓mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          """), options: ["m7": "{soc: imx8mp, zephyr: zephyr-a-side.dts}"]),
    ],
    nonTriggering: [
      RuleExample(
        rprocExample(
          """
          mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          """, withMU2: true)),
      // Without a manifest that configures RPMsg, a node without mboxes only starts and stops the core.
      RuleExample(rprocExample("")),
      // zephyr,ipc is mailbox@30ab0000, the M side of the mu that mboxes names.
      RuleExample(
        rprocExample(
          """
          mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          """), options: ["m7": "{soc: imx8mp, zephyr: zephyr-rpmsg.dts}"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let hmp = info.hmp
    guard info.imxRprocLikeNodes().contains(where: \.isEnabled) else { return }  // before any profile loads
    guard let soc = info.rprocSoC(), let found = info.mCoreMU(soc) else { return }
    var (unit, muNode) = found
    // With the M7's Zephyr tree, the firmware's MU is its `zephyr,ipc` (HMPFacts §17.4).
    let ipc = info.zephyrIPC(soc)
    if let ipc {
      guard let u = ipc.unit else { return Self.reportZephyrIPCNotMSide(ipc, soc: soc, context: &context) }
      (unit, muNode) = (u, info.muNode(u))
    }
    let mSide =
      (unit.mSide.map { side in
        [side.instance, side.base.map { "0x\(hex($0))" }, side.irqName].compactMap { $0 }.joined(separator: ", ")
      } ?? "its B side")
      + (ipc.map { "; \($0.phrase)" } ?? "")
    for node in info.enabledRemoteprocNodes() {
      guard let mboxes = node.property("mboxes") else {
        if let m = hmp.manifest, !m.rpmsgOverrides.isEmpty {
          context.report(
            "node \(node.path) has no 'mboxes': \(hmp.manifestPhrase) configures RPMsg, but without the MU "
              + "\(unit.label) Linux can neither notify the \(soc.coreName) nor hear from it",
            node: node)
        }
        continue
      }
      let (entries, _) = info.mboxEntries(mboxes)
      var reportedDisabled = false
      var seen = Set<ObjectIdentifier>()
      for e in entries {
        guard let target = e.target, seen.insert(ObjectIdentifier(target)).inserted else { continue }
        if info.isUnit(target, unit) {
          guard !target.isEnabled, !reportedDisabled else { continue }
          reportedDisabled = true
          let status = target.property("status")
          context.report(
            "'mboxes' of node \(node.path) points at \(info.describe(target, soc: soc)), which has status "
              + "\"\(status?.value.strings?.first ?? "")\": no mailbox controller registers, so the channel "
              + "request returns -EPROBE_DEFER and imx_rproc never probes",
            node: node, property: mboxes,
            notes: [DiagnosticNote("disabled here", at: status?.range ?? target.nameRange)])
          continue
        }
        // Another node: say what it is, and what happens to the kicks.
        let other = info.unit(of: target, in: soc)
        var notes: [DiagnosticNote] = []
        if !target.isEnabled {
          notes.append(
            DiagnosticNote(
              "\(target.path) is disabled: no controller registers, so imx_rproc's probe is deferred for good",
              at: target.property("status")?.range ?? target.nameRange))
        } else {
          notes.append(
            DiagnosticNote(
              "the firmware never reads what Linux writes there: kicks time out (imx_rproc_kick: failed (…, err:-62); inferred, HMPFacts §3.4)"
            ))
        }
        var fixes: [FixIt] = []
        if let muNode, muNode.isEnabled, let replacement = FixSupport.reference(to: muNode) {
          let refs = FixSupport.references(in: mboxes)
          let wrong = entries.filter { $0.target === target }
          let edits = wrong.compactMap { refs[$0.offset].map { TextEdit(range: $0.range, replacement: replacement) } }
          if !edits.isEmpty && edits.count == wrong.count {
            fixes.append(FixIt(message: "use \(replacement) (\(muNode.path))", edits: edits))
          }
        }
        let what =
          other.map { u in
            "\(u.label) (\(target.path)), " + (u.peer == "spare" ? "a spare MU" : "the \(u.peer)'s MU")
          } ?? info.describe(target, soc: soc)
        context.report(
          "'mboxes' of node \(node.path) points at \(what), not at \(unit.label) (\(muNode?.path ?? unit.node.path)), whose other "
            + "side (\(mSide)) the \(soc.coreName) firmware uses",
          node: node, property: mboxes, notes: notes, fixes: fixes)
      }
    }
  }
}
