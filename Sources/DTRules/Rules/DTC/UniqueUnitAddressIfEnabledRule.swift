import DTCore

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
