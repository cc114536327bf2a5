import DTCore

struct ExplicitPhandlesRule: CompileTimeCheckRule {
  static let check = CompileTimeCheck.explicitPhandles
  static let description = RuleDescription.dtc(
    check.rawValue, name: "Explicit Phandles", level: .error,
    summary: "Hand-written `phandle`/`linux,phandle` values must be one valid, unique cell",
    rationale: """
      A phandle is how one node points at another. An explicit value of 0 or 0xffffffff, one used twice, a `phandle` \
      that disagrees with `linux,phandle`, or one that is set to another node's phandle breaks every reference; dtc \
      refuses the tree.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\ta {\n\t\tphandle = <1>;\n\t};\n\t↓b {\n\t\tphandle = <1>;\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\ta {\n\t\t↓linux,phandle = <0>;\n\t};\n};\n"),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\ta {\n\t\tphandle = <1>;\n\t\tlinux,phandle = <1>;\n\t};\n\tb {\n\t\tphandle = <2>;\n\t};\n};\n"
      ),
      RuleExample("/dts-v1/;\n/ {\n\ta: a {\n\t\tphandle = <&a>;\n\t};\n};\n"),
    ])
}
