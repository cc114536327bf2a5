/// dtc's tree-level semantics after parsing, in dtc's order: the error-level structural checks, then the fixups
/// that give references their values (phandle allocation in first-reference order), drop unreferenced
/// `/omit-if-no-ref/` nodes, and finally `__symbols__` (`-@`) and the overlay `__fixups__`/`__local_fixups__`.
///
/// Error-level findings here stop a compile exactly where they stop dtc. Their rule IDs are dtc's check names
/// (``CompileTimeCheck``). The checks are in CompileChecks.swift, the generated nodes in GeneratedNodes.swift.
public struct TreeFixups {
  public let tree: DeviceTree
  public internal(set) var diagnostics: [Diagnostic] = []
  /// Checks that failed (so dependants are skipped, as dtc's prerequisites are).
  public internal(set) var failed: Set<CompileTimeCheck> = []
  var byPhandle: [UInt32: Node] = [:]
  var nextPhandle: UInt32 = 1
  var labelIndex: LabelIndex?
  /// The live labels the reference fixups resolve against (see `referenceLabels()`).
  var liveLabels: [String: Node]?
  /// Set while ``runCheck(_:)`` runs: report only, change nothing.
  var checkOnly = false

  public init(tree: DeviceTree) {
    self.tree = tree
  }

  /// The label index, built on first use (most checks never resolve a reference).
  var labels: LabelIndex {
    mutating get {
      if let l = labelIndex { return l }
      var l = LabelIndex()
      l.indexSubtree(tree.root)
      labelIndex = l
      return l
    }
    set { labelIndex = newValue }
  }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

  mutating func fail(_ check: CompileTimeCheck, _ node: Node, _ message: String) {
    fail(check, node, nil, message)
  }

  mutating func fail(
    _ check: CompileTimeCheck, _ node: Node, _ prop: Property?, _ message: String, severity: Severity = .error
  ) {
    failed.insert(check)
    diagnostics.append(
      Diagnostic(
        rule: check.rawValue, severity: severity, message: message, range: prop?.range ?? node.nameRange ?? node.range,
        nodePath: node.path, property: prop?.name))
  }

  /// Runs everything dtc runs between parsing and writing, for a default (non-forced) compile.
  public mutating func run(symbols: Bool) {
    runStructuralChecks()
    runReferenceFixups(symbols: symbols)
    if symbols { generateSymbols() }
    if tree.isPlugin {
      generateFixups()
      generateLocalFixups()
    }
  }

  /// dtc's `get_node_phandle`: a counter that only moves forward, skipping values in use.
  @discardableResult
  public mutating func phandle(for node: Node) -> UInt32 {
    if node.phandle != 0 && node.phandle != 0xFFFF_FFFF { return node.phandle }
    while let n = byPhandle[nextPhandle], !n.deleted { nextPhandle &+= 1 }
    node.phandle = nextPhandle
    byPhandle[nextPhandle] = node
    if node.property("phandle") == nil {
      node.properties.append(Property(name: "phandle", value: .cells([node.phandle])))
    }
    return node.phandle
  }
}
