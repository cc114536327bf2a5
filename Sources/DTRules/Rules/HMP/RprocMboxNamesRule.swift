import DTCore
import DTHMP

/// `mbox-names` of the remoteproc node: exactly `"tx", "rx", "rxdb"`, one name per `mboxes` entry.
struct RprocMboxNamesRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_mbox_names", family: .remoteproc, name: "HMP Mailbox Names", severity: .error,
    summary: "mbox-names must be exactly \"tx\", \"rx\", \"rxdb\", one per mboxes entry",
    rationale: """
      imx_rproc requests its MU channels by name (HMPFacts §1.5): mainline, NXP 6.x and NXP 5.15 ask for "tx" \
      and "rx", NXP 5.4 also for "rxdb" (mandatory there). Without `mbox-names` the newer drivers skip the \
      mailbox altogether (`if (!of_property_present(np, "mbox-names")) return 0;`), and every kick then logs \
      "No initialized mbox tx channel": Linux can neither notify the M7 nor hear from it (HMPFacts §1.4, \
      §3.4). A name that is missing fails the request ("could not locate channel named …" in the 6.x mailbox \
      core). The 6.x core matches names exactly; older cores (assumed for NXP 5.15 and 5.4) compare only the \
      requested name's length, so "rx" also matches a "rxdb" listed before it. Names map to `mboxes` by \
      position, so the counts must agree. The binding fixes the list to exactly `"tx", "rx", "rxdb"` in that \
      order (HMPFacts §4; dt-schema makes an `items` list fixed-length); a deviation the selected kernel \
      survives is still reported, with the message saying so. The fix-it rewrites `mbox-names` only when the \
      `mboxes` channel types already are TX, RX, RX-doorbell in that order.
      """,
    triggering: [
      RuleExample(
        rprocExample(
          """
          mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          ↓mbox-names = "tx", "rx", "rx-db";
          """)),
      RuleExample(rprocExample("↓mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;")),
      RuleExample(
        rprocExample(
          """
          mboxes = <&mu 0 1>, <&mu 1 1>;
          ↓mbox-names = "tx", "rx";
          """), options: ["kernel": "toradex-bsp5"]),
    ],
    nonTriggering: [
      RuleExample(
        rprocExample(
          """
          mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
          mbox-names = "tx", "rx", "rxdb";
          """)),
      // A remoteproc node without any mailbox (start/stop only) is not this rule's business on mainline.
      RuleExample(rprocExample("")),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    let hmp = info.hmp
    guard info.imxRprocLikeNodes().contains(where: \.isEnabled) else { return }  // before any profile loads
    let use = hmp.kernel.mailbox
    let soc = info.rprocSoC()
    let expected = use.bindingNames
    for node in info.enabledRemoteprocNodes() {
      let mboxes = node.property("mboxes")
      // Names without any mboxes entry: every name points past the end.
      let count = mboxes.map { info.mboxCount($0, soc: soc) } ?? 0
      // Whether the mboxes entries already are TX, RX, RX-doorbell in the binding's order (then names are mechanical).
      let typesInBindingOrder: Bool = {
        guard let mboxes, let soc else { return false }
        let (entries, complete) = info.mboxEntries(mboxes)
        guard complete, entries.count == expected.count else { return false }
        return zip(entries, expected).allSatisfy { e, name in
          e.args.count == soc.mailboxes.mboxCells && soc.mailboxes.channelTypes[name] == e.args.first
        }
      }()

      guard let namesProp = node.property("mbox-names") else {
        let required = hmp.kernel.property("mbox-names")?.required == .always
        guard mboxes != nil || required else { continue }
        let effect: String
        switch use.withoutMboxNames {
        case .skip:
          effect =
            "\(hmp.kernelPhrase)'s imx_rproc then skips the mailbox, and every kick logs \"No initialized mbox tx "
            + "channel\": Linux can neither notify the \(info.coreName) nor hear from it"
        case .request:
          effect =
            "\(hmp.kernelPhrase)'s imx_rproc requests \(quotedList(use.channels)) by name and fails without it"
        }
        var fixes: [FixIt] = []
        if let mboxes, typesInBindingOrder,
          let fix = FixSupport.insert(
            "mbox-names = \(quotedList(expected));", after: mboxes, message: "add mbox-names = \(quotedList(expected))")
        {
          fixes.append(fix)
        }
        context.report(
          "node \(node.path) has \(mboxes == nil ? "no 'mboxes' and " : "'mboxes' but ")no 'mbox-names': \(effect)",
          node: node, property: mboxes, fixes: fixes)
        continue
      }
      guard let names = namesProp.value.strings else { continue }  // names_is_string_list reports it

      var problems: [String] = []
      if names != expected {
        problems.append("is \(quotedList(names)); the binding requires exactly \(quotedList(expected))")
      }
      if let count, count != names.count {
        problems.append("has \(names.count) names for \(count) 'mboxes' entries")
      }
      guard !problems.isEmpty else { continue }

      var effects: [String] = []
      for channel in use.channels {
        guard let i = use.index(of: channel, in: names) else {
          effects.append("does not find channel \"\(channel)\" and fails the request")
          continue
        }
        if names[i] != channel {
          effects.append("takes entry \(i) (\"\(names[i])\") for channel \"\(channel)\" (prefix match)")
        } else if let count, i >= count {
          effects.append("finds \"\(channel)\" at entry \(i), which has no 'mboxes' entry")
        }
      }
      let consequence =
        effects.isEmpty
        ? "\(hmp.kernelPhrase) finds the channels it requests (\(quotedList(use.channels))), so only the binding "
          + "check (dtbs_check) fails"
        : "\(hmp.kernelPhrase) " + effects.joined(separator: "; ")
      var fixes: [FixIt] = []
      if typesInBindingOrder,
        let fix = FixSupport.replace(
          namesProp, with: "mbox-names = \(quotedList(expected));",
          message: "set mbox-names = \(quotedList(expected)) (the order of the mboxes channel types)")
      {
        fixes.append(fix)
      }
      context.report(
        "'mbox-names' of node \(node.path) " + problems.joined(separator: ", and ") + ": " + consequence,
        node: node, property: namesProp, fixes: fixes)
    }
  }
}
