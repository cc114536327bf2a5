import DTCore
import DTHMP

// The M7's Zephyr tree against the Linux tree's mailboxes (HMPFacts §17.4): `zephyr,ipc` names the MU the
// firmware's IPM driver uses, which must be the M side of the unit Linux's `mboxes` name.

/// `zephyr,ipc` of the manifest's Zephyr tree, placed among the SoC's messaging units.
struct ZephyrIPC {
  let chosen: ZephyrTree.ChosenNode
  /// The unit whose M side `zephyr,ipc` is (nil when it is none's).
  let unit: MailboxUnit?
  /// The unit whose A side it is: the firmware was pointed at Linux's side.
  let aSideOf: MailboxUnit?

  /// `zephyr,ipc = mailbox0 (mailbox@30ab0000, zephyr/rpmsg.overlay:5)`.
  var phrase: String {
    let at = chosen.chosenAt ?? chosen.location
    let name = chosen.path.split(separator: "/").last.map(String.init) ?? chosen.path
    return "zephyr,ipc = \(chosen.name)\(chosen.name == name ? "" : " (\(name))") at \(at)"
  }
}

extension TreeInfo {
  /// The manifest's Zephyr `zephyr,ipc`, when the tree has one with an address.
  func zephyrIPC(_ soc: SoCProfile) -> ZephyrIPC? {
    guard let chosen = hmp.manifest?.zephyr?.ipc, let address = chosen.address else { return nil }
    return ZephyrIPC(
      chosen: chosen, unit: soc.mailboxes.units.first { $0.mSide?.base == address },
      aSideOf: soc.mailboxes.units.first { $0.aSide.base == address })
  }

  /// The node of `unit` in this tree: at its path, else by unit address and compatible.
  func muNode(_ unit: MailboxUnit) -> Node? {
    tree.node(atPath: unit.node.path) ?? allNodes.first { isUnit($0, unit) }
  }
}

extension RprocMboxControllerRule {
  /// `zephyr,ipc` is no unit's M side: whatever Linux's `mboxes` say, its kicks never reach the firmware. Reported
  /// at each enabled remoteproc node (its `mboxes` when it has them).
  static func reportZephyrIPCNotMSide(_ ipc: ZephyrIPC, soc: SoCProfile, context: inout RuleContext) {
    let address = ipc.chosen.address.map { "0x" + String($0, radix: 16) } ?? "?"
    let expected = soc.mailboxes.forMCore.flatMap { u in u.mSide?.base.map { "0x" + String($0, radix: 16) } }
    let what =
      ipc.aSideOf.map {
        "\($0.label)'s A side (\(address)), the side Linux drives: the firmware would read and write the registers Linux uses"
      } ?? "\(address), which is no MU's M side on \(soc.name)"
    for node in context.info.enabledRemoteprocNodes() {
      context.report(
        "the M7's Zephyr tree chooses \(ipc.phrase), \(what); Linux's kicks through 'mboxes' never reach it"
          + (expected.map { ". Use the M side \($0) (zephyr,ipc = &mailbox0 in Zephyr's SoC tree)" } ?? ""),
        node: node, property: node.property("mboxes"))
    }
  }
}
