import DTCore

struct UniqueUnitAddressRule: TreeRule {
  static let description = RuleDescription.dtc(
    "unique_unit_address", name: "Unique Unit Address", level: .warning, prerequisites: ["avoid_default_addr_size"],
    summary: "Siblings must not share a unit address",
    rationale: """
      Two devices at one address usually mean a copy-and-paste mistake. Alternatives that are never enabled \
      together (a PCIe root complex and endpoint) legitimately share one, which is why the kernel turns this check \
      off and uses `unique_unit_address_if_enabled`; dtc itself enables it. A node is reported for each later \
      sibling with its unit address, as dtc prints one line per pair (beyond 10 000 pairs under one parent the \
      rest are counted in one finding).
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\t↓pcie@1000 {\n\t\treg = <0x1000 4>;\n\t};\n\tpcie-ep@1000 {\n\t\treg = <0x1000 4>;\n\t\tstatus = \"disabled\";\n\t};\n};\n"
      )
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tdev@1000 {\n\t\treg = <0x1000 4>;\n\t};\n\tdev@2000 {\n\t\treg = <0x2000 4>;\n\t};\n\tnone {\n\t};\n\tother {\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) { checkUniqueUnitAddresses(&context, ignoringDisabled: false) }
}

struct UniqueUnitAddressIfEnabledRule: TreeRule {
  static let description = RuleDescription.dtc(
    "unique_unit_address_if_enabled", name: "Unique Unit Address If Enabled", level: .check,
    prerequisites: ["avoid_default_addr_size"],
    summary: "Enabled siblings must not share a unit address",
    rationale: """
      Like `unique_unit_address`, but a node with `status = "disabled"` does not count: alternatives for one \
      address are fine as long as at most one is enabled. The kernel enables this check at `W=1`.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\t↓pcie@1000 {\n\t\treg = <0x1000 4>;\n\t};\n\tpcie-ep@1000 {\n\t\treg = <0x1000 4>;\n\t};\n};\n"
      )
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tpcie@1000 {\n\t\treg = <0x1000 4>;\n\t};\n\tpcie-ep@1000 {\n\t\treg = <0x1000 4>;\n\t\tstatus = \"disabled\";\n\t};\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) { checkUniqueUnitAddresses(&context, ignoringDisabled: true) }
}

/// dtc's `check_unique_unit_address_common`: for each child, every earlier sibling with its unit address is reported
/// (naming the later one), one finding per pair as dtc prints one line per pair — three siblings at `@100` give three.
/// The pairs are found through a table of the earlier siblings by address, so the work is linear in the siblings plus
/// the pairs reported; the pairs of one parent are capped at ``maxPairsPerParent`` (dtc would print n²/2 lines for
/// n siblings at one address), the rest counted in one more finding.
private func checkUniqueUnitAddresses(_ context: inout RuleContext, ignoringDisabled: Bool) {
  let info = context.info
  for node in info.allNodes {
    guard info.recordedAddressCells(of: node) >= 0, info.recordedSizeCells(of: node) >= 0, !node.children.isEmpty
    else { continue }
    var earlier: [Substring: [Node]] = [:]
    var pairs = 0
    var untold = 0
    for child in node.liveChildren {
      let unit = child.unitAddress
      if unit.isEmpty { continue }
      if ignoringDisabled && isDisabled(child) { continue }
      for e in earlier[unit] ?? [] {
        if pairs < maxPairsPerParent {
          context.report("duplicate unit-address (also used in node \(child.path))", node: e)
          pairs += 1
        } else {
          untold += 1
        }
      }
      earlier[unit, default: []].append(child)
    }
    if untold > 0 {
      context.report(
        "\(untold) more pairs of children share a unit address (only the first \(maxPairsPerParent) are listed)",
        node: node)
    }
  }
}

/// Pairs of siblings at one address reported per parent before the rest are only counted.
let maxPairsPerParent = 10_000

/// dtc's `node_is_disabled`: `status` reads "disabled".
private func isDisabled(_ node: Node) -> Bool {
  guard let status = node.property("status") else { return false }
  return status.value.cString == "disabled"
}
