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

  /// Reports a finding on a node (at its name), or on one of its properties (at the property). `cap` lowers the
  /// rule's severity for this finding (a rule whose evidence is only inferred in this case reports at most a
  /// warning); it never raises it. `commandLine` says what the kernel command line does for the finding (the
  /// words `hmp fix` writes, or why none settles it).
  public mutating func report(
    _ message: String, node: Node, property: Property? = nil, range: SourceRange? = nil,
    notes: [DiagnosticNote] = [], fixes: [FixIt] = [], cap: Severity? = nil, commandLine: CommandLineAdvice? = nil
  ) {
    let where_ = range ?? property?.range ?? node.nameRange ?? node.range
    findings.append(
      Diagnostic(
        rule: ruleID, severity: cap.map { min($0, severity) } ?? severity, message: message, range: where_,
        nodePath: node.path, property: property?.name, notes: notes, fixes: fixes, commandLine: commandLine))
  }

  /// Adopts a finding produced elsewhere (dtc's compile-time checks in DTCore) under this rule's ID and severity.
  public mutating func report(_ diagnostic: Diagnostic) {
    var d = diagnostic
    d.rule = ruleID
    d.severity = severity
    findings.append(d)
  }

  /// Reports a finding about `nodePath`/`property` of the merged tree, located at `range` (chain rules, where
  /// the node that holds the source position is not the node the finding is about).
  public mutating func report(
    _ message: String, nodePath: String, property: String?, range: SourceRange?, notes: [DiagnosticNote] = [],
    fixes: [FixIt] = []
  ) {
    findings.append(
      Diagnostic(
        rule: ruleID, severity: severity, message: message, range: range, nodePath: nodePath, property: property,
        notes: notes, fixes: fixes))
  }

  /// Reports a finding that is not tied to one node (whole-tree rules).
  public mutating func report(
    _ message: String, range: SourceRange?, nodePath: String? = nil, notes: [DiagnosticNote] = []
  ) {
    findings.append(
      Diagnostic(rule: ruleID, severity: severity, message: message, range: range, nodePath: nodePath, notes: notes))
  }
}

/// Facts about a tree that several rules need, computed once per tree on first use, plus the little state dtc's
/// checks leave behind for later checks (cell counts recorded, bus types detected).
public final class TreeInfo {
  public let tree: DeviceTree
  /// Where the tree came from. dtc checks a blob before recovering anything from it, so on a blob the values
  /// carry no markers as far as the checks are concerned (the reader's recovered references and guessed types
  /// are for printing).
  public let inputKind: InputKind
  /// Kernel flavor, board, M7 manifest: what the HMP rules need beyond the tree.
  public let hmp: HMPContext
  public init(tree: DeviceTree, inputKind: InputKind = .source, hmp: HMPContext = .defaults) {
    self.tree = tree
    self.inputKind = inputKind
    self.hmp = hmp
  }

  /// Node by phandle (live nodes only; the first in pre-order wins, as dtc's `get_node_by_phandle`). Uses the
  /// phandle the compile assigned, else a valid `phandle`/`linux,phandle` value (blobs).
  public private(set) lazy var nodesByPhandle: [UInt32: Node] = {
    var map: [UInt32: Node] = [:]
    tree.root.walk { n in
      var ph = n.phandle
      if ph == 0, let p = n.property("phandle") ?? n.property("linux,phandle"),
        !p.value.markers.contains(where: { $0.kind == .phandleReference })
      {
        ph = p.value.singleCell ?? 0
      }
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

  /// The live nodes (pre-order) that have a live property `name`, each with the property ``Node/property(_:)``
  /// returns (the first live one of that name). The many rules that look at one property of every node read this
  /// instead of searching each node's properties: the index is one pass over the tree, made on first use.
  public func nodes(withProperty name: String) -> ArraySlice<(node: Node, property: Property)> {
    let index = propertyIndex
    guard let slot = index.probe(Property.hash(name), name).slot else { return [] }
    let s = index.slots[slot]
    return index.entries[s.start..<s.start + s.count]
  }

  /// Property name → its nodes: an open-addressing table over the names' hashes (``Property/nameHash``, computed
  /// when the property was made), so indexing a property hashes nothing, and one array of entries grouped by name.
  private struct PropertyIndex {
    struct Slot {
      var hash: UInt64
      var name: String
      /// The name's entries are `entries[start..<start + count]`.
      var start = 0
      var count = 0
      /// The last node (by number) given an entry: only the first live property of a name on a node counts, as
      /// `Node.property(_:)` answers.
      var lastNode = -1
    }
    /// Slot numbers, -1 where empty; the size is a power of two, at least twice the number of slots.
    var table = [Int32](repeating: -1, count: 256)
    var slots: [Slot] = []
    var entries: [(node: Node, property: Property)] = []

    /// The slot of `name`, or where in `table` it would go.
    func probe(_ hash: UInt64, _ name: String) -> (slot: Int?, position: Int) {
      let mask = table.count - 1
      var i = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
      while table[i] >= 0 {
        let s = Int(table[i])
        if slots[s].hash == hash && slots[s].name == name { return (s, i) }
        i = (i + 1) & mask
      }
      return (nil, i)
    }

    /// The slot of `property`'s name, made when new.
    mutating func slot(for property: Property) -> Int {
      let (found, position) = probe(property.nameHash, property.name)
      if let found { return found }
      table[position] = Int32(slots.count)
      slots.append(Slot(hash: property.nameHash, name: property.name))
      if slots.count * 2 > table.count { grow() }
      return slots.count - 1
    }

    private mutating func grow() {
      table = [Int32](repeating: -1, count: table.count * 2)
      let mask = table.count - 1
      for (s, slot) in slots.enumerated() {
        var i = Int(truncatingIfNeeded: slot.hash ^ (slot.hash >> 29)) & mask
        while table[i] >= 0 { i = (i + 1) & mask }
        table[i] = Int32(s)
      }
    }

    init(_ nodes: [Node]) {
      // First the slot of every counted property, in tree order; then the entries, grouped by slot.
      // By number (no reference counting): slot, node, property within the node.
      var kept: [(slot: Int32, node: Int32, property: Int32)] = []
      for (k, n) in nodes.enumerated() {
        for (j, p) in n.properties.enumerated() where !p.deleted {
          let s = slot(for: p)
          if slots[s].lastNode == k { continue }
          slots[s].lastNode = k
          slots[s].count += 1
          kept.append((Int32(s), Int32(k), Int32(j)))
        }
      }
      var next = 0
      for s in slots.indices {
        slots[s].start = next
        next += slots[s].count
      }
      var filled = [Int](repeating: 0, count: slots.count)
      entries = Array(unsafeUninitializedCapacity: kept.count) { buffer, initialized in
        for e in kept {
          let s = Int(e.slot)
          let n = nodes[Int(e.node)]
          (buffer.baseAddress! + slots[s].start + filled[s]).initialize(to: (n, n.properties[Int(e.property)]))
          filled[s] += 1
        }
        initialized = kept.count
      }
    }
  }

  private lazy var propertyIndex = PropertyIndex(allNodes)

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

  // MARK: - dtc's per-run state

  /// True once `addr_size_cells` has run: dtc then records every node's `#address-cells`/`#size-cells`. Before
  /// that dtc's nodes hold 0 for both.
  public internal(set) var cellsRecorded = false

  /// dtc's `node->addr_cells`: the `#address-cells` value, -1 when absent, 0 before `addr_size_cells` ran.
  public func recordedAddressCells(of node: Node) -> Int {
    guard cellsRecorded else { return 0 }
    guard let p = node.property("#address-cells") else { return -1 }
    return Int(Int32(bitPattern: p.value.firstCell))
  }
  /// dtc's `node->size_cells`: the `#size-cells` value, -1 when absent, 0 before `addr_size_cells` ran.
  public func recordedSizeCells(of node: Node) -> Int {
    guard cellsRecorded else { return 0 }
    guard let p = node.property("#size-cells") else { return -1 }
    return Int(Int32(bitPattern: p.value.firstCell))
  }
  /// dtc's `node_addr_cells()`: the recorded value, 2 when absent.
  public func effectiveAddressCells(of node: Node) -> Int {
    let v = recordedAddressCells(of: node)
    return v == -1 ? 2 : v
  }
  /// dtc's `node_size_cells()`: the recorded value, 1 when absent.
  public func effectiveSizeCells(of node: Node) -> Int {
    let v = recordedSizeCells(of: node)
    return v == -1 ? 1 : v
  }

  /// The bus types dtc's bridge checks give nodes.
  public enum Bus: Sendable, Hashable {
    case pci, simpleBus, i2c, spi, graphPort
  }

  /// Bridge checks that have run, in order. dtc keeps one bus per node and each bridge check overwrites it, so a
  /// node's bus is that of the last check to have run among those that claim it.
  private var busesDetected: [Bus] = []

  /// Called by a bridge rule when it runs (whether or not it reports anything).
  func busDetectionRan(_ bus: Bus) {
    busesDetected.removeAll { $0 == bus }
    busesDetected.append(bus)
  }

  /// The bus type of `node` as dtc's checks see it now (nil: none, or its bridge check has not run).
  public func bus(of node: Node) -> Bus? {
    guard !busesDetected.isEmpty, let mask = busMask[ObjectIdentifier(node)] else { return nil }
    for b in busesDetected.reversed() where mask & Self.bit(b) != 0 { return b }
    return nil
  }

  private static func bit(_ b: Bus) -> UInt8 {
    switch b {
    case .pci: 1
    case .simpleBus: 2
    case .i2c: 4
    case .spi: 8
    case .graphPort: 16
    }
  }

  /// Every node some bridge check claims, with the buses that claim it (one lookup per `bus(of:)`).
  private lazy var busMask: [ObjectIdentifier: UInt8] = {
    var m: [ObjectIdentifier: UInt8] = [:]
    for b in [Bus.pci, .simpleBus, .i2c, .spi, .graphPort] {
      for id in claims(b) { m[id, default: 0] |= Self.bit(b) }
    }
    return m
  }()

  /// The nodes a bridge check gives `bus` (whether or not that check has run).
  func claims(_ bus: Bus) -> Set<ObjectIdentifier> {
    switch bus {
    case .pci: pciBridges
    case .simpleBus: simpleBuses
    case .i2c: i2cBuses
    case .spi: spiBuses
    case .graphPort: graphPorts
    }
  }

  /// `device_type` is "pci" (`pci_bridge`).
  private lazy var pciBridges = Set(
    nodes(withProperty: "device_type").lazy.filter { $0.property.value.cString == "pci" }.map {
      ObjectIdentifier($0.node)
    })
  /// `compatible` lists "simple-bus" (`simple_bus_bridge`).
  private lazy var simpleBuses = Set(
    nodes(withProperty: "compatible").lazy.filter { $0.property.value.containsCString("simple-bus") }.map {
      ObjectIdentifier($0.node)
    })
  /// Base name `i2c-bus` or `i2c-arb`, or `i2c` without an `i2c-bus` child (`i2c_bus_bridge`; a controller whose
  /// bus is described by an `i2c-bus` child is not itself the bus).
  private lazy var i2cBuses: Set<ObjectIdentifier> = claimed { n in
    if n.hasBaseName("i2c-bus") || n.hasBaseName("i2c-arb") { return true }
    return n.hasBaseName("i2c") && !n.liveChildren.contains { $0.hasBaseName("i2c-bus") }
  }
  /// Base name `spi`, or 1 address cell, 0 size cells and a child with an `spi-*` property (`spi_bus_bridge`).
  private lazy var spiBuses: Set<ObjectIdentifier> = {
    var out = claimed { $0.hasBaseName("spi") }
    // One address cell (so `#address-cells` is there and recorded), no size cells.
    guard cellsRecorded else { return out }
    for (n, _) in nodes(withProperty: "#address-cells")
    where effectiveAddressCells(of: n) == 1 && effectiveSizeCells(of: n) == 0
      && n.liveChildren.contains(where: { c in c.liveProperties.contains { $0.name.hasPrefix("spi-") } })
    {
      out.insert(ObjectIdentifier(n))
    }
    return out
  }()
  /// A non-root node with a child named `endpoint` or holding `remote-endpoint` (`graph_nodes`).
  private lazy var graphPorts: Set<ObjectIdentifier> = {
    // Found from the children: the parent of every live `endpoint` or `remote-endpoint` holder.
    var out = Set<ObjectIdentifier>()
    func claim(_ child: Node) {
      if let port = child.parent, port.parent != nil { out.insert(ObjectIdentifier(port)) }
    }
    for c in allNodes where c.hasBaseName("endpoint") { claim(c) }
    for (c, _) in nodes(withProperty: "remote-endpoint") { claim(c) }
    return out
  }()

  private func claimed(_ test: (Node) -> Bool) -> Set<ObjectIdentifier> {
    var out = Set<ObjectIdentifier>()
    for n in allNodes where test(n) { out.insert(ObjectIdentifier(n)) }
    return out
  }

  /// The facts computed so far, by fact type (see ``subscript(_:)``).
  private var facts: [ObjectIdentifier: Any] = [:]

  /// A fact about the tree that several rules share, computed on first use and kept for the run: the fact's type
  /// names it and fixes its value's type (`info[RemoteprocRegions.self]` is a `RegionSet`), so a family of rules
  /// declares what it derives beside its rules and the engine knows nothing of it.
  public subscript<Fact: TreeFact>(_ fact: Fact.Type) -> Fact.Value {
    let key = ObjectIdentifier(fact)
    // The only cast: values are stored under their fact's type.
    if let cached = facts[key] { return cached as! Fact.Value }
    let value = Fact.compute(self)
    facts[key] = value
    return value
  }
}

/// A fact derived from a tree (and the run's inputs), computed at most once per ``TreeInfo``. `compute` may read
/// other facts.
public protocol TreeFact {
  associatedtype Value
  static func compute(_ info: TreeInfo) -> Value
}

extension PropertyValue {
  /// The value read as a C string: the bytes up to the first NUL (all of them when there is none).
  public var cString: String {
    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
  }

  /// Whether `cStrings` contains `s`, compared byte for byte without making the strings.
  public func containsCString(_ s: StaticString) -> Bool {
    let n = s.utf8CodeUnitCount
    let p = s.utf8Start
    var start = 0
    while start < bytes.count {
      var end = start
      while end < bytes.count && bytes[end] != 0 { end += 1 }
      if end - start == n {
        var k = 0
        while k < n && bytes[start + k] == p[k] { k += 1 }
        if k == n { return true }
      }
      start = end + 1
    }
    return false
  }

  /// Whether the value's bytes contain the ASCII `needle` anywhere.
  public func containsBytes(_ needle: StaticString) -> Bool {
    let n = needle.utf8CodeUnitCount
    let p = needle.utf8Start
    guard n > 0, bytes.count >= n else { return n == 0 }
    for i in 0...(bytes.count - n) where bytes[i] == p[0] {
      var k = 1
      while k < n && bytes[i + k] == p[k] { k += 1 }
      if k == n { return true }
    }
    return false
  }

  /// The strings dtc's `node_is_compatible` walks: NUL-separated, the last one possibly unterminated.
  public var cStrings: [String] {
    var out: [String] = []
    var start = 0
    while start < bytes.count {
      var end = start
      while end < bytes.count && bytes[end] != 0 { end += 1 }
      out.append(String(decoding: bytes[start..<end], as: UTF8.self))
      start = end + 1
    }
    return out
  }

  /// Cell `i` (big-endian), 0 outside the value (dtc would read whatever memory is there).
  public func cell(_ i: Int) -> UInt32 {
    guard i >= 0, i < Int.max / 8 else { return 0 }
    let o = i * 4
    var v: UInt32 = 0
    for k in 0..<4 {
      v <<= 8
      if o + k < bytes.count { v |= UInt32(bytes[o + k]) }
    }
    return v
  }

  /// The first cell (dtc's `propval_cell`, which only reads 4 bytes).
  public var firstCell: UInt32 { cell(0) }
}
