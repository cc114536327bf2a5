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
