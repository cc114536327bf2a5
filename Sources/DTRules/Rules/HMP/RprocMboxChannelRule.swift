import DTCore
import DTHMP

/// The `<&mu TYPE IDX>` cells of `mboxes` must use the channel type each name stands for and the MU channel the
/// firmware uses (rpmsg-lite on the i.MX 8M Plus: 1).
struct RprocMboxChannelRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_mbox_channel", family: .remoteproc, name: "HMP Mailbox Channel", severity: .warning,
    summary: "mboxes channel types and indices must match the names and the firmware's MU channel",
    rationale: """
      The i.MX MU driver reads `<&mu TYPE IDX>`: TYPE 0 is TX, 1 RX, 2 TX doorbell, 3 RX doorbell; IDX selects \
      the data register or general-purpose interrupt 0..3 (HMPFacts §3.1). rpmsg-lite's imx8mp_m7 port uses \
      one channel both ways, `#define RPMSG_MU_CHANNEL (1)`: it sends with `MU_SendMsg(MUB, 1, …)` and reads only \
      RR1 (HMPFacts §8). Linux must therefore use `<&mu 0 1>` for "tx", `<&mu 1 1>` for "rx" and, by the NXP \
      and Toradex convention, `<&mu 3 1>` for "rxdb" (HMPFacts §10.5). With another index Linux writes a \
      register the firmware never reads, and the kick times out (`imx_rproc_kick: failed (…, err:-62)`); that \
      effect is inferred from both sides' code (HMPFacts §3.4 c), and without a manifest the firmware's channel \
      is the SDK default, so this is a warning. The manifest's `rpmsg.mu-channel` overrides the channel. Entries \
      the kernel flavor does not request (rxdb on mainline) and doorbells, which rpmsg-lite does not use, are \
      reported as inert. Names come from \
      `mbox-names`, or by position in the binding's order when it is missing.
      """,
    triggering: [
      RuleExample(
        rprocExample(
          """
          ↓mboxes = <&mu 0 0>, <&mu 1 0>, <&mu 3 0>;
          mbox-names = "tx", "rx", "rxdb";
          """)),
      RuleExample(
        rprocExample(
          """
          ↓mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          """), options: ["m7": "{soc: imx8mp, rpmsg: {mu-channel: 2}}"]),
    ],
    nonTriggering: [
      RuleExample(
        rprocExample(
          """
          mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          """)),
      RuleExample(
        rprocExample(
          """
          mboxes = <&mu 0 0>, <&mu 1 0>, <&mu 3 0>;
          mbox-names = "tx", "rx", "rxdb";
          """), options: ["m7": "{soc: imx8mp, rpmsg: {mu-channel: 0}}"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let hmp = info.hmp
    guard info.imxRprocLikeNodes().contains(where: \.isEnabled) else { return }  // before any profile loads
    guard let soc = info.rprocSoC(), let (unit, _) = info.mCoreMU(soc) else { return }
    let mb = soc.mailboxes
    let fromManifest = hmp.manifest.map { $0.rpmsgOverrides.contains("mu-channel") } ?? false
    let channel = UInt32(truncatingIfNeeded: hmp.manifest?.rpmsg.muChannel ?? soc.rpmsgDefaults.muChannel)
    let source =
      fromManifest
      ? "\(hmp.manifestPhrase), rpmsg.mu-channel"
      : "rpmsg-lite's RPMSG_MU_CHANNEL for \(soc.name), assumed; set rpmsg.mu-channel in the M7 manifest"
    let use = hmp.kernel.mailbox
    let requested = Set(use.channels + use.optionalChannels)

    for node in info.enabledRemoteprocNodes() {
      guard let mboxes = node.property("mboxes") else { continue }
      let (entries, _) = info.mboxEntries(mboxes)
      let written = node.property("mbox-names")?.value.strings
      // mbox-names when it names every entry (hmp_mbox_names reports it otherwise), else the binding's order.
      let usable = written.flatMap { $0.count == entries.count ? $0 : nil }
      let names = usable ?? use.bindingNames
      let byPosition = usable == nil

      var wrong: [String] = []
      var effects: [String] = []
      var inert: [String] = []
      for e in entries where e.index < names.count {
        guard let target = e.target, info.isUnit(target, unit), e.args.count == mb.mboxCells, e.args.count >= 2,
          let type = mb.channelTypes[names[e.index]]
        else { continue }
        let (t, i) = (e.args[0], e.args[1])
        guard t != type || i != channel else { continue }
        let name = names[e.index]
        wrong.append(
          "entry \(e.index) (\"\(name)\"\(byPosition ? " by position" : "")) is <\(t) \(i)>, expected <\(type) \(channel)>"
        )
        let dataChannel = type == mb.channelTypes["tx"] || type == mb.channelTypes["rx"]
        guard requested.contains(name) else {
          inert.append("\(hmp.kernelPhrase) does not request \"\(name)\", so that entry is inert")
          continue
        }
        guard dataChannel else {
          inert.append(
            "rpmsg-lite sends and receives through data registers only (HMPFacts §8), so \"\(name)\" departs "
              + "only from the NXP/Toradex convention")
          continue
        }
        if t != type {
          effects.append("its \"\(name)\" channel is a \(mb.typeName(t) ?? "type \(t)") channel")
        } else {
          effects.append(
            "its \"\(name)\" uses MU register \(i), which the firmware never "
              + (type == mb.channelTypes["tx"] ? "reads" : "writes"))
        }
      }
      guard !wrong.isEmpty else { continue }

      var message =
        "'mboxes' of node \(node.path): " + wrong.joined(separator: "; ")
        + " — the firmware uses MU channel \(channel) (\(source))"
      var notes: [DiagnosticNote] = []
      if !effects.isEmpty {
        message += ": with \(hmp.kernelPhrase), " + effects.joined(separator: "; ")
        notes.append(
          DiagnosticNote(
            "kicks then time out (imx_rproc_kick: failed (…, err:-62)); inferred from both sides' code, HMPFacts §3.4"
          ))
      }
      if !inert.isEmpty { message += "; " + inert.joined(separator: "; ") }

      // The whole property rewritten, when every entry is a written reference to the same MU.
      var fixes: [FixIt] = []
      let refs = FixSupport.references(in: mboxes)
      let texts = Set(entries.compactMap { refs[$0.offset]?.text })
      if texts.count == 1, let ref = texts.first, entries.count == names.count,
        entries.allSatisfy({ $0.target.map { info.isUnit($0, unit) } ?? false && refs[$0.offset] != nil }),
        names.allSatisfy({ mb.channelTypes[$0] != nil })
      {
        let value = names.map { "<\(ref) \(mb.channelTypes[$0]!) \(channel)>" }.joined(separator: ", ")
        if let fix = FixSupport.replace(mboxes, with: "mboxes = \(value);", message: "use MU channel \(channel)") {
          fixes.append(fix)
        }
      }
      context.report(message, node: node, property: mboxes, notes: notes, fixes: fixes)
    }
  }
}
