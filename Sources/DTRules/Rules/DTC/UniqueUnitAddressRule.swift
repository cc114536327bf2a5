import DTCore

struct UniqueUnitAddressRule: TreeRule {
  static let description = RuleDescription.dtc(
    "unique_unit_address", name: "Unique Unit Address", level: .warning, prerequisites: ["avoid_default_addr_size"],
    summary: "Siblings must not share a unit address",
    rationale: """
      Two devices at one address usually mean a copy-and-paste mistake. Alternatives that are never enabled \
      together (a PCIe root complex and endpoint) legitimately share one, which is why the kernel turns this check \
      off and uses `unique_unit_address_if_enabled`; dtc itself enables it. A node is reported when a later \
      sibling has its unit address (once, where dtc prints a line per pair).
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

/// dtc's `check_unique_unit_address_common`, reporting every child that a later sibling shares its unit address
/// with. dtc prints one line per pair (quadratic on a long list of siblings at one address); here each such child
/// is reported once, naming the first later sibling at its address, so the cost stays linear.
private func checkUniqueUnitAddresses(_ context: inout RuleContext, ignoringDisabled: Bool) {
  let info = context.info
  for node in info.allNodes {
    guard info.recordedAddressCells(of: node) >= 0, info.recordedSizeCells(of: node) >= 0, !node.children.isEmpty
    else { continue }
    var waiting: [Substring: [Node]] = [:]  // earlier children with no later duplicate yet
    for child in node.liveChildren {
      let unit = child.unitAddress
      if unit.isEmpty { continue }
      if ignoringDisabled && isDisabled(child) { continue }
      for earlier in waiting[unit] ?? [] {
        context.report("duplicate unit-address (also used in node \(child.path))", node: earlier)
      }
      waiting[unit] = [child]
    }
  }
}

/// dtc's `node_is_disabled`: `status` reads "disabled".
private func isDisabled(_ node: Node) -> Bool {
  guard let status = node.property("status") else { return false }
  return status.value.cString == "disabled"
}
