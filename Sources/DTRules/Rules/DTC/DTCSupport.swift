import DTCore

/// dtc's three check levels (`ERROR`, `WARNING`, `CHECK`).
enum DTCLevel {
  /// `ERROR`: enabled, error severity.
  case error
  /// `WARNING`: enabled, warning severity.
  case warning
  /// `CHECK`: off unless asked for; a warning when enabled.
  case check
}

extension RuleDescription {
  /// A dtc check under its own name, at dtc's default level, with dtc's prerequisites.
  static func dtc(
    _ id: String, name: String, level: DTCLevel, prerequisites: [String] = [], summary: String,
    rationale: String, triggering: @autoclosure @escaping @Sendable () -> [RuleExample],
    nonTriggering: @autoclosure @escaping @Sendable () -> [RuleExample]
  ) -> RuleDescription {
    RuleDescription(
      id: id, name: name, summary: summary, rationale: rationale, category: .dtc,
      defaultSeverity: level == .error ? .error : .warning, enabledByDefault: level != .check,
      prerequisites: prerequisites, triggering: triggering(), nonTriggering: nonTriggering())
  }
}

// MARK: - Value shapes

// dtc's checks that a well-known property has the expected shape: one cell, one string, or a string list.
// Each rule is in its own file (`AddressCellsIsCellRule.swift`, …).

/// dtc's `data_is_one_string`: non-empty, NUL-terminated, no NUL before the end.
func isOneString(_ v: PropertyValue) -> Bool {
  guard let last = v.bytes.last, last == 0 else { return false }
  return v.bytes.firstIndex(of: 0) == v.bytes.count - 1
}

/// dtc's `check_is_string_list` test: every string NUL-terminated (an empty value passes).
func isStringList(_ v: PropertyValue) -> Bool {
  v.bytes.isEmpty || v.bytes.last == 0
}

/// dtc's `phandle_is_valid`: neither 0 nor -1.
func phandleIsValid(_ p: UInt32) -> Bool { p != 0 && p != 0xFFFF_FFFF }

func hex(_ v: UInt32) -> String { String(v, radix: 16) }
func hex(_ v: UInt64) -> String { String(v, radix: 16) }

/// A property that must be one string (`WARNING_IF_NOT_STRING`).
protocol StringPropertyRule: TreeRule {
  static var propertyName: String { get }
}

extension StringPropertyRule {
  func check(_ context: inout RuleContext) {
    for (node, p) in context.info.nodes(withProperty: Self.propertyName) where !isOneString(p.value) {
      context.report("property is not a string", node: node, property: p)
    }
  }
}

/// A property that must be a list of NUL-terminated strings (`WARNING_IF_NOT_STRING_LIST`).
protocol StringListPropertyRule: TreeRule {
  static var propertyName: String { get }
}

extension StringListPropertyRule {
  func check(_ context: inout RuleContext) {
    for (node, p) in context.info.nodes(withProperty: Self.propertyName) where !isStringList(p.value) {
      context.report("property is not a string list", node: node, property: p)
    }
  }
}

/// A property that must be exactly one cell (`WARNING_IF_NOT_CELL`).
protocol CellPropertyRule: TreeRule {
  static var propertyName: String { get }
}

extension CellPropertyRule {
  func check(_ context: inout RuleContext) {
    for (node, p) in context.info.nodes(withProperty: Self.propertyName) where p.value.bytes.count != 4 {
      context.report("property is not a single cell", node: node, property: p)
    }
  }
}

/// Examples for a `*_is_string` rule.
func stringExamples(_ prop: String) -> (triggering: [RuleExample], nonTriggering: [RuleExample]) {
  (
    [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓\(prop) = <1>;\n\t};\n};\n")],
    [
      RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t\(prop) = \"text\";\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t};\n};\n"),
    ]
  )
}

/// Examples for a `*_is_cell` rule.
func cellExamples(_ prop: String) -> (triggering: [RuleExample], nonTriggering: [RuleExample]) {
  (
    [
      RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓\(prop) = <1 2>;\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t↓\(prop) = \"1\";\n\t};\n};\n"),
    ],
    [RuleExample("/dts-v1/;\n/ {\n\tnode {\n\t\t\(prop) = <1>;\n\t};\n};\n")]
  )
}

// MARK: - Phandle + arguments lists

// dtc's `WARNING_PROPERTY_PHANDLE_CELLS` pairs: for each phandle + arguments property, `X_property` walks the list
// with the providers' `#…-cells`, and `X_is_cell` checks that `#…-cells` is one cell. dtc lists each `X_property`
// before its `X_is_cell` (which it runs first, as a prerequisite).

/// A property holding `<&provider args…>` entries, whose argument count is the provider's `#…-cells`.
struct PhandleArgsProvider: Sendable {
  var propertyName: String
  var cellsName: String
  /// `#…-cells` may be missing (then 0 arguments).
  var optional = false
}

/// dtc's `check_property_phandle_args`: walks a phandle + arguments list entry by entry.
func checkPhandleArgs(_ context: inout RuleContext, node: Node, property prop: Property, provider: PhandleArgsProvider)
{
  let len = prop.value.bytes.count
  if len % 4 != 0 {
    context.report("property size (\(len)) is invalid, expected multiple of 4", node: node, property: prop)
    return
  }
  // A value with markers (a source value) must have a phandle reference at each entry's first cell. dtc checks a
  // blob before recovering references from it: there no value has markers.
  let hasMarkers = context.info.inputKind == .source && !prop.value.markers.isEmpty
  // dtc counts in unsigned 32-bit cells; a huge `#…-cells` wraps the same way here.
  let count = UInt32(len / 4)
  var cell: UInt32 = 0
  var cellSize: UInt32 = 0
  while cell < count {
    defer { cell = cell &+ cellSize &+ 1 }
    let phandle = prop.value.cell(Int(cell))
    // Some bindings use 0 or -1 to skip an optional entry.
    if !phandleIsValid(phandle) {
      if context.tree.isPlugin { break }  // an overlay's unresolved reference: give up
      cellSize = 0
      continue
    }
    if hasMarkers && !prop.value.markers.contains(where: { $0.kind == .phandleReference && $0.offset == Int(cell) * 4 })
    {
      context.report("cell \(cell) is not a phandle reference", node: node, property: prop)
    }
    guard let providerNode = context.info.nodesByPhandle[phandle] else {
      context.report("Could not get phandle node for (cell \(cell))", node: node, property: prop)
      break
    }
    if let cellsProp = providerNode.property(provider.cellsName) {
      cellSize = cellsProp.value.firstCell
    } else if provider.optional {
      cellSize = 0
    } else {
      context.report(
        "Missing property '\(provider.cellsName)' in node \(providerNode.path) or bad phandle (referred from \(prop.name)[\(cell)])",
        node: node)
      break
    }
    let expected = (cell &+ cellSize &+ 1) &* 4
    if expected <= cell || UInt32(len) < expected {
      context.report("property size (\(len)) too small for cell size \(cellSize)", node: node, property: prop)
      break
    }
  }
}

/// A `WARNING_PROPERTY_PHANDLE_CELLS` property check (`X_property`).
protocol PhandleArgsPropertyRule: TreeRule {
  static var provider: PhandleArgsProvider { get }
}

extension PhandleArgsPropertyRule {
  func check(_ context: inout RuleContext) {
    for (node, p) in context.info.nodes(withProperty: Self.provider.propertyName) {
      checkPhandleArgs(&context, node: node, property: p, provider: Self.provider)
    }
  }
}

/// The description of an `X_property` rule.
func phandleArgsDescription(
  _ family: String, name: String, provider: PhandleArgsProvider, what: String
) -> RuleDescription {
  let prop = provider.propertyName
  let cells = provider.cellsName
  var triggering = [
    // Two arguments given where the provider takes one, so the second entry's phandle is a plain number.
    RuleExample(
      "/dts-v1/;\n/ {\n\tp: provider {\n\t\t\(cells) = <1>;\n\t};\n\tconsumer {\n\t\t↓\(prop) = <&p 1 2>;\n\t};\n};\n"),
    // Too few arguments.
    RuleExample(
      "/dts-v1/;\n/ {\n\tp: provider {\n\t\t\(cells) = <2>;\n\t};\n\tconsumer {\n\t\t↓\(prop) = <&p 1>;\n\t};\n};\n"),
    // A phandle that names no node.
    RuleExample("/dts-v1/;\n/ {\n\tconsumer {\n\t\t↓\(prop) = <5>;\n\t};\n};\n"),
  ]
  if !provider.optional {
    triggering.append(
      RuleExample("/dts-v1/;\n/ {\n\tp: provider {\n\t};\n\t↓consumer {\n\t\t\(prop) = <&p>;\n\t};\n};\n"))
  }
  var nonTriggering = [
    RuleExample(
      "/dts-v1/;\n/ {\n\tp: provider {\n\t\t\(cells) = <1>;\n\t};\n\tq: other {\n\t\t\(cells) = <0>;\n\t};\n\tconsumer {\n\t\t\(prop) = <&p 1>, <&q>, <0>, <&p 7>;\n\t};\n};\n"
    ),
    // An overlay's references to the base are resolved later.
    RuleExample("/dts-v1/;\n/plugin/;\n&target {\n\tconsumer {\n\t\t\(prop) = <&elsewhere 1 2 3>;\n\t};\n};\n"),
  ]
  if provider.optional {
    nonTriggering.append(
      RuleExample("/dts-v1/;\n/ {\n\tp: provider {\n\t};\n\tconsumer {\n\t\t\(prop) = <&p>;\n\t};\n};\n"))
  }
  let triggeringExamples = triggering
  let nonTriggeringExamples = nonTriggering
  return .dtc(
    "\(family)_property", name: name, level: .warning, prerequisites: ["\(family)_is_cell", "phandle_references"],
    summary:
      "`\(prop)` must be a list of phandles to \(what), each followed by as many cells as the provider's `\(cells)`",
    rationale: """
      Drivers parse `\(prop)` with `of_parse_phandle_with_args()`, which reads each entry's argument count from the \
      provider's `\(cells)`. A wrong count shifts every later entry, so the kernel looks up the wrong provider or \
      passes the wrong arguments; dtc warns about it, and so does dtlint.
      """,
    triggering: triggeringExamples, nonTriggering: nonTriggeringExamples)
}

/// The description of an `X_is_cell` rule.
func phandleCellsDescription(_ family: String, name: String, cells: String) -> RuleDescription {
  let ex = cellExamples(cells)
  return .dtc(
    "\(family)_is_cell", name: name, level: .warning,
    summary: "`\(cells)` must be a single cell",
    rationale: """
      `\(cells)` tells how many argument cells follow each phandle that points at this provider. The kernel reads \
      it as one 32-bit cell; any other size makes every consumer's list unreadable.
      """,
    triggering: ex.triggering, nonTriggering: ex.nonTriggering)
}

/// dtc's `prop_is_gpio`: `gpios`, `gpio`, `*-gpios`, `*-gpio`, but not `*,nr-gpios`.
func isGPIOProperty(_ name: String) -> Bool {
  // On the name's bytes: every property of every node comes through here, and `hasSuffix` compares Unicode text.
  var name = name
  return name.withUTF8 { b in
    if hasSuffix(b, ",nr-gpios") { return false }
    return hasSuffix(b, "gpios") && (b.count == 5 || b[b.count - 6] == UInt8(ascii: "-"))
      || hasSuffix(b, "gpio") && (b.count == 4 || b[b.count - 5] == UInt8(ascii: "-"))
  }
}

/// Whether `bytes` end with the ASCII `suffix`.
func hasSuffix(_ bytes: UnsafeBufferPointer<UInt8>, _ suffix: StaticString) -> Bool {
  let n = suffix.utf8CodeUnitCount
  guard bytes.count >= n else { return false }
  let s = suffix.utf8Start
  let base = bytes.count - n
  for i in 0..<n where bytes[base + i] != s[i] { return false }
  return true
}

/// dtc's `check_graph_reg`: a port's or endpoint's `reg` is one cell equal to its unit address, and its parent
/// has `#address-cells = <1>` and `#size-cells = <0>` (as recorded: -1 when absent).
func checkGraphReg(_ context: inout RuleContext, _ node: Node) {
  guard let reg = node.property("reg"), let parent = node.parent else { return }
  if reg.value.bytes.count != 4 {
    context.report("graph node malformed 'reg' property", node: node)
    return
  }
  let expected = hex(reg.value.firstCell)
  if node.unitAddress != expected {
    context.report("graph node unit address error, expected \"\(expected)\"", node: node)
  }
  let info = context.info
  let addressCells = info.recordedAddressCells(of: parent)
  if addressCells != 1 {
    context.report(
      "graph node '#address-cells' is \(addressCells), must be 1", node: node, property: node.property("#address-cells")
    )
  }
  let sizeCells = info.recordedSizeCells(of: parent)
  if sizeCells != 0 {
    context.report(
      "graph node '#size-cells' is \(sizeCells), must be 0", node: node, property: node.property("#size-cells"))
  }
}

/// dtc's `node_is_interrupt_provider`: `interrupt-controller` or `interrupt-map`.
func isInterruptProvider(_ node: Node) -> Bool {
  node.property("interrupt-controller") != nil || node.property("interrupt-map") != nil
}

/// dtc's `check_unique_unit_address_common`: for each child, every earlier sibling with its unit address is reported
/// (naming the later one), one finding per pair as dtc prints one line per pair — three siblings at `@100` give three.
/// The pairs are found through a table of the earlier siblings by address, so the work is linear in the siblings plus
/// the pairs reported; the pairs of one parent are capped at ``maxPairsPerParent`` (dtc would print n²/2 lines for
/// n siblings at one address), the rest counted in one more finding.
func checkUniqueUnitAddresses(_ context: inout RuleContext, ignoringDisabled: Bool) {
  let info = context.info
  for node in info.allNodes {
    guard !node.children.isEmpty, info.recordedAddressCells(of: node) >= 0, info.recordedSizeCells(of: node) >= 0
    else { continue }
    var pairs = 0
    var untold = 0
    func report(_ e: Node, _ child: Node) {
      if pairs < maxPairsPerParent {
        context.report("duplicate unit-address (also used in node \(child.path))", node: e)
        pairs += 1
      } else {
        untold += 1
      }
    }
    if node.children.count <= 16 {
      // Small sibling lists (nearly all of them): pairwise, no hashing. Reports in the same order as below.
      var earlier: [(unit: Substring, node: Node)] = []
      for child in node.children where !child.deleted {
        let unit = child.unitAddress
        if unit.isEmpty { continue }
        if ignoringDisabled && isDisabled(child) { continue }
        for e in earlier where e.unit == unit { report(e.node, child) }
        earlier.append((unit, child))
      }
    } else {
      var earlier: [Substring: [Node]] = [:]
      earlier.reserveCapacity(node.children.count)
      for child in node.liveChildren {
        let unit = child.unitAddress
        if unit.isEmpty { continue }
        if ignoringDisabled && isDisabled(child) { continue }
        for e in earlier[unit] ?? [] { report(e, child) }
        earlier[unit, default: []].append(child)
      }
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
func isDisabled(_ node: Node) -> Bool {
  guard let status = node.property("status") else { return false }
  return status.value.cString == "disabled"
}

/// dtc's `check_ranges_format` for `ranges` or `dma-ranges`.
func checkRangesFormat(_ context: inout RuleContext, _ name: String) {
  let info = context.info
  for (node, prop) in info.nodes(withProperty: name) {
    guard let parent = node.parent else {
      context.report("Root node has a \"\(name)\" property", node: node, property: prop)
      continue
    }
    let pa = info.effectiveAddressCells(of: parent)
    let ps = info.effectiveSizeCells(of: parent)
    let ca = info.effectiveAddressCells(of: node)
    let cs = info.effectiveSizeCells(of: node)
    let len = prop.value.bytes.count
    if len == 0 {
      if pa != ca {
        context.report(
          "empty \"\(name)\" property but its #address-cells (\(ca)) differs from \(parent.path) (\(pa))", node: node,
          property: prop)
      }
      if ps != cs {
        context.report(
          "empty \"\(name)\" property but its #size-cells (\(cs)) differs from \(parent.path) (\(ps))", node: node,
          property: prop)
      }
    } else if !isMultiple(len, of: (pa + ca + cs) * 4) {
      context.report(
        "\"\(name)\" property has invalid length (\(len) bytes) (parent #address-cells == \(pa), child #address-cells == \(ca), #size-cells == \(cs))",
        node: node, property: prop)
    }
  }
}
