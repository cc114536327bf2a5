import DTCore

// dtc's checks that a well-known property has the expected shape: one cell, one string, or a string list.

struct AddressCellsIsCellRule: CellPropertyRule {
  static let propertyName = "#address-cells"
  static let description: RuleDescription = {
    let ex = cellExamples(propertyName)
    return .dtc(
      "address_cells_is_cell", name: "Address Cells Is Cell", level: .warning,
      summary: "`#address-cells` must be a single cell",
      rationale: """
        `#address-cells` says how many cells a child's address takes in `reg` and `ranges`. Every reader takes one \
        32-bit cell; with any other size nothing below the node can be decoded, so the address checks are skipped.
        """,
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}

struct SizeCellsIsCellRule: CellPropertyRule {
  static let propertyName = "#size-cells"
  static let description: RuleDescription = {
    let ex = cellExamples(propertyName)
    return .dtc(
      "size_cells_is_cell", name: "Size Cells Is Cell", level: .warning,
      summary: "`#size-cells` must be a single cell",
      rationale: """
        `#size-cells` says how many cells a child's size takes in `reg`. Every reader takes one 32-bit cell; with \
        any other size nothing below the node can be decoded, so the address checks are skipped.
        """,
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}

struct DeviceTypeIsStringRule: StringPropertyRule {
  static let propertyName = "device_type"
  static let description: RuleDescription = {
    let ex = stringExamples(propertyName)
    return .dtc(
      "device_type_is_string", name: "Device Type Is String", level: .warning,
      summary: "`device_type` must be a single string",
      rationale: "The kernel compares `device_type` as one string (`\"memory\"`, `\"cpu\"`, `\"pci\"`).",
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}

struct ModelIsStringRule: StringPropertyRule {
  static let propertyName = "model"
  static let description: RuleDescription = {
    let ex = stringExamples(propertyName)
    return .dtc(
      "model_is_string", name: "Model Is String", level: .warning,
      summary: "`model` must be a single string",
      rationale: "`model` names the board or device for humans and for the kernel's machine description.",
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}

struct StatusIsStringRule: StringPropertyRule {
  static let propertyName = "status"
  static let description: RuleDescription = {
    let ex = stringExamples(propertyName)
    return .dtc(
      "status_is_string", name: "Status Is String", level: .warning,
      summary: "`status` must be a single string",
      rationale: """
        The kernel enables a device only when `status` is the string `"okay"` (or `"ok"`); a status of any other \
        shape silently disables it.
        """,
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}

struct LabelIsStringRule: StringPropertyRule {
  static let propertyName = "label"
  static let description: RuleDescription = {
    let ex = stringExamples(propertyName)
    return .dtc(
      "label_is_string", name: "Label Is String", level: .warning,
      summary: "A `label` property must be a single string",
      rationale: "`label` gives a device a human-readable name (LEDs, partitions, connectors): one string.",
      triggering: ex.triggering, nonTriggering: ex.nonTriggering)
  }()
}

struct CompatibleIsStringListRule: StringListPropertyRule {
  static let propertyName = "compatible"
  static let description = RuleDescription.dtc(
    "compatible_is_string_list", name: "Compatible Is String List", level: .warning,
    summary: "`compatible` must be a list of NUL-terminated strings",
    rationale: """
      Drivers bind by matching the strings of `compatible`; a value that is not a string list matches nothing, and \
      the `simple-bus` detection that depends on it is skipped.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓compatible = <1>;\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\tcompatible = \"vendor,dev\", \"generic\";\n\t};\n};\n")])
}

struct NamesIsStringListRule: TreeRule {
  static let description = RuleDescription.dtc(
    "names_is_string_list", name: "Names Is String List", level: .warning,
    summary: "Every `*-names` property must be a list of NUL-terminated strings",
    rationale: """
      `clock-names`, `reg-names`, `interrupt-names` and the like name the entries of their companion list; drivers \
      look entries up by these strings.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓clock-names = \"a\", <2>;\n\t};\n};\n")],
    nonTriggering: [
      RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\tclock-names = \"ipg\", \"per\";\n\t\tnames = <1>;\n\t};\n};\n")
    ])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      for p in node.liveProperties where p.name.hasSuffix("-names") {
        // dtc re-reads the property by name: the first live one.
        if let first = node.property(p.name), !isStringList(first.value) {
          context.report("property is not a string list", node: node, property: first)
        }
      }
    }
  }
}
