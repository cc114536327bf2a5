import DTCore

// dtc's checks that run while a source is compiled. Their logic lives in DTCore's `TreeFixups` (a compile must stop
// where dtc stops); these rules document them, make them configurable, and run them on trees that were not compiled.

struct DuplicateNodeNamesRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "duplicate_node_names", name: "Duplicate Node Names", level: .error,
    summary: "Two sibling nodes must not have the same full name",
    rationale: """
      A path must name one node. dtc refuses a tree where two children of a node share a name (the same base name \
      and unit address) after all the source's fragments are merged.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t};\n\t↓node {\n\t};\n};\n")],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tnode@1 {\n\t};\n\tnode@2 {\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t};\n};\n/ {\n\tnode {\n\t\tp;\n\t};\n};\n"),
    ])
}

struct DuplicatePropertyNamesRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "duplicate_property_names", name: "Duplicate Property Names", level: .error,
    summary: "One node body must not define the same property twice",
    rationale: """
      Within one body a second definition is almost always a copy-and-paste mistake; dtc refuses it. (A later body \
      for the same node may override a property: that is how `.dtsi` files are specialised.)
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓prop = <1>;\n\tprop = <2>;\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tprop = <1>;\n};\n/ {\n\tprop = <2>;\n};\n")])
}

struct NodeNameCharsRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "node_name_chars", name: "Node Name Characters", level: .error,
    summary: "Node names may only use letters, digits and `,._+-@`",
    rationale: "The devicetree specification limits node names to these characters; dtc refuses any other.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓node*name {\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tvendor,node-1_a.b+c@1f {\n\t};\n};\n")])
}

struct NodeNameFormatRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "node_name_format", name: "Node Name Format", level: .error, prerequisites: ["node_name_chars"],
    summary: "A node name must have at most one `@`",
    rationale: "A node name is `base@unit-address`; a second `@` makes it impossible to split, and dtc refuses it.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓node@1@2 {\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tnode@1,2 {\n\t};\n};\n")])
}

struct NodeNameNotEmptyRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "node_name_not_empty", name: "Node Name Not Empty", level: .error, prerequisites: ["node_name_chars"],
    summary: "Every node except the root must have a base name before its unit address",
    rationale: "A node called just `@1` has no name for drivers or paths to match; dtc refuses it.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓@1 {\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tn@1 {\n\t};\n};\n")])
}

struct PropertyNameCharsRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "property_name_chars", name: "Property Name Characters", level: .error,
    summary: "Property names may only use letters, digits and `,._+*#?-`",
    rationale: "The devicetree specification limits property names to these characters; dtc refuses any other.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓prop@x;\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\t#vendor,prop_1.a+b*c?-d;\n};\n")])
}

struct NameIsStringRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "name_is_string", name: "Name Is String", level: .error,
    summary: "A legacy `name` property must be a string",
    rationale: "Old Open Firmware trees carry the node name in a `name` property; anything but a string is an error.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓name = <1>;\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\tname = \"node\";\n\t};\n};\n")])
}

struct NamePropertiesRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "name_properties", name: "Name Properties", level: .error, prerequisites: ["name_is_string"],
    summary: "A legacy `name` property must equal the node's base name",
    rationale: """
      A `name` property that disagrees with the node name is contradictory, and dtc refuses it. One that agrees is \
      redundant: dtc drops it from the output.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\t↓node@1 {\n\t\tname = \"other\";\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tnode@1 {\n\t\tname = \"node\";\n\t};\n};\n")])
}

struct DuplicateLabelRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "duplicate_label", name: "Duplicate Label", level: .error,
    summary: "A label must mark only one node, property or value",
    rationale: "`&label` must resolve to exactly one place; dtc refuses a label defined twice.",
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\tl: a {\n\t};\n\tl: b {\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\tl: p = <1>;\n\tq = <l: 2>;\n};\n"),
    ],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tl: a {\n\t};\n};\n&l {\n\tp;\n};\n")])
}

struct ExplicitPhandlesRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "explicit_phandles", name: "Explicit Phandles", level: .error,
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

struct PhandleReferencesRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "phandle_references", name: "Phandle References", level: .error,
    prerequisites: ["duplicate_node_names", "explicit_phandles"],
    summary: "Every `<&label>` or `<&{/path}>` must name an existing node",
    rationale: """
      dtc replaces each reference with the target's phandle; a reference to nothing is an error. In an overlay \
      (`/plugin/`) unresolved labels are allowed: they are left for the base tree, through `__fixups__`.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\tclocks = <&missing>;\n\t};\n};\n")],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tclk: clk {\n\t};\n\tnode {\n\t\tclocks = <&clk>, <&{/clk}>;\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/plugin/;\n&target {\n\tclocks = <&in_base>;\n};\n"),
    ])
}

struct PathReferencesRule: CompileTimeCheckRule {
  static let description = RuleDescription.dtc(
    "path_references", name: "Path References", level: .error, prerequisites: ["duplicate_node_names"],
    summary: "Every `&label` used as a path string must name an existing node",
    rationale: "dtc replaces `&label` outside `< >` with the target's full path; a reference to nothing is an error.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\taliases {\n\t\tserial0 = &missing;\n\t};\n};\n")],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\taliases {\n\t\tserial0 = &uart;\n\t};\n\tuart: serial {\n\t};\n};\n")
    ])
}

struct OmitUnusedNodesRule: CompileTimeCheckRule {
  /// This check never reports: it removes `/omit-if-no-ref/` nodes nothing refers to. Its examples are checked
  /// through `unit_address_vs_reg`, which sees a kept node and does not see a removed one.
  static let description = RuleDescription.dtc(
    "omit_unused_nodes", name: "Omit Unused Nodes", level: .error,
    prerequisites: ["phandle_references", "path_references"],
    summary: "Nodes marked `/omit-if-no-ref/` that nothing references are removed before the other checks run",
    rationale: """
      A fixup, not a test: it never reports. SoC files mark optional nodes (pin groups, OPP tables) \
      `/omit-if-no-ref/`; dtc drops those no phandle or path refers to (with `-@`, labelled ones stay), so later \
      checks do not see them. The examples show it through `unit_address_vs_reg`.
      """,
    triggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tuser {\n\t\tpinctrl-0 = <&grp>;\n\t};\n\t/omit-if-no-ref/ grp: ↓group@1 {\n\t};\n};\n",
        options: ["checkedBy": "unit_address_vs_reg"])
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\t/omit-if-no-ref/ grp: group@1 {\n\t};\n};\n", options: ["checkedBy": "unit_address_vs_reg"])
    ])
}
