import DTCore

/// What a rule sees: the tree, facts derived from it once per run, and a place to report findings.
public struct RuleContext {
  public let tree: DeviceTree
  public let info: TreeInfo
  public let ruleID: String
  public let severity: Severity
  public private(set) var findings: [Diagnostic] = []

  init(tree: DeviceTree, info: TreeInfo, ruleID: String, severity: Severity) {
    self.tree = tree
    self.info = info
    self.ruleID = ruleID
    self.severity = severity
  }

  /// Reports a finding on a node (at its name), or on one of its properties (at the property).
  public mutating func report(
    _ message: String, node: Node, property: Property? = nil, range: SourceRange? = nil,
    notes: [DiagnosticNote] = [], fixes: [FixIt] = []
  ) {
    let where_ = range ?? property?.range ?? node.nameRange ?? node.range
    findings.append(
      Diagnostic(
        rule: ruleID, severity: severity, message: message, range: where_, nodePath: node.path,
        property: property?.name, notes: notes, fixes: fixes))
  }

  /// Reports a finding about `nodePath`/`property` of the merged tree, located at `range` (chain rules, where
  /// the node that holds the source position is not the node the finding is about).
  public mutating func report(
    _ message: String, nodePath: String, property: String?, range: SourceRange?, notes: [DiagnosticNote] = []
  ) {
    findings.append(
      Diagnostic(
        rule: ruleID, severity: severity, message: message, range: range, nodePath: nodePath, property: property,
        notes: notes))
  }

  /// Reports a finding that is not tied to one node (whole-tree rules).
  public mutating func report(_ message: String, range: SourceRange?, nodePath: String? = nil, notes: [DiagnosticNote] = []) {
    findings.append(
      Diagnostic(rule: ruleID, severity: severity, message: message, range: range, nodePath: nodePath, notes: notes))
  }
}

/// Facts about a tree that several rules need, computed once per tree on first use.
public final class TreeInfo {
  public let tree: DeviceTree
  public init(tree: DeviceTree) { self.tree = tree }

  /// Node by phandle (live nodes only).
  public private(set) lazy var nodesByPhandle: [UInt32: Node] = {
    var map: [UInt32: Node] = [:]
    tree.root.walk { n in
      let ph = n.phandle != 0 ? n.phandle : (n.property("phandle") ?? n.property("linux,phandle"))?.value.singleCell ?? 0
      if ph != 0 && ph != 0xFFFF_FFFF && map[ph] == nil { map[ph] = n }
    }
    return map
  }()

  /// Every live node in pre-order.
  public private(set) lazy var allNodes: [Node] = {
    var out: [Node] = []
    tree.root.walk { out.append($0) }
    return out
  }()

  /// `#address-cells` of a node as its children see it (dtc default 2 when absent).
  public func addressCells(of node: Node) -> Int {
    if let v = node.property("#address-cells")?.value.singleCell { return Int(v) }
    return 2
  }
  /// `#size-cells` of a node as its children see it (dtc default 1 when absent).
  public func sizeCells(of node: Node) -> Int {
    if let v = node.property("#size-cells")?.value.singleCell { return Int(v) }
    return 1
  }

  /// Extra facts rules may share; keyed by a rule-defined string.
  public var scratch: [String: Any] = [:]
}
