/// dtc's tree-level semantics after parsing, in dtc's order: the error-level structural checks, then the fixups
/// that give references their values (phandle allocation in first-reference order), drop unreferenced
/// `/omit-if-no-ref/` nodes, and finally `__symbols__` (`-@`) and the overlay `__fixups__`/`__local_fixups__`.
///
/// Error-level findings here stop a compile exactly where they stop dtc. Their rule IDs are dtc's check names.
public struct TreeFixups {
  public let tree: DeviceTree
  public private(set) var diagnostics: [Diagnostic] = []
  /// Checks that failed (so dependants are skipped, as dtc's prerequisites are).
  public private(set) var failed: Set<String> = []
  private var byPhandle: [UInt32: Node] = [:]
  private var nextPhandle: UInt32 = 1
  private var labelIndex: LabelIndex?
  /// Set while ``runCheck(_:)`` runs: report only, change nothing.
  private var checkOnly = false

  public init(tree: DeviceTree) {
    self.tree = tree
  }

  /// The label index, built on first use (most checks never resolve a reference).
  private var labels: LabelIndex {
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

  private mutating func fail(_ check: String, _ node: Node, _ message: String) {
    fail(check, node, nil, message)
  }

  private mutating func fail(
    _ check: String, _ node: Node, _ prop: Property?, _ message: String, severity: Severity = .error
  ) {
    failed.insert(check)
    diagnostics.append(
      Diagnostic(
        rule: check, severity: severity, message: message, range: prop?.range ?? node.nameRange ?? node.range,
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

  // MARK: - Error-level structural checks (dtc check_table order)

  public mutating func runStructuralChecks() {
    let root = tree.root
    root.walk { n in duplicateNodeNames(n) }
    root.walk { n in duplicatePropertyNames(n) }
    root.walk { n in nodeNameChars(n) }
    if !failed.contains("node_name_chars") {
      root.walk { n in nodeNameFormat(n) }
      root.walk { n in nodeNameNotEmpty(n) }
    }
    root.walk { n in propertyNameChars(n) }
    root.walk { n in nameIsString(n) }
    if !failed.contains("name_is_string") { root.walk { n in nameProperties(n) } }
    duplicateLabels()
    root.walk { n in explicitPhandles(n) }
  }

  /// The IDs ``runCheck(_:)`` knows: dtc's checks that run while compiling, in dtc's order. A linter need not run
  /// them again on a tree compiled from source: their findings are the compile's.
  public static let compileTimeChecks = [
    "duplicate_node_names", "duplicate_property_names", "node_name_chars", "node_name_format",
    "node_name_not_empty", "property_name_chars", "name_is_string", "name_properties", "duplicate_label",
    "explicit_phandles", "phandle_references", "path_references", "omit_unused_nodes",
  ]

  /// Runs one compile-time check on its own, ignoring its prerequisites, and returns what it reports. Nothing in
  /// the tree changes: a correct `name` property stays, no phandle is assigned or written, no path is inserted and
  /// nothing is pruned. Lint rules use it on trees that did not come from a compile (blobs) and on compiled trees,
  /// where the fixups have already been applied.
  public mutating func runCheck(_ id: String) -> [Diagnostic] {
    let before = diagnostics.count
    checkOnly = true
    defer { checkOnly = false }
    let root = tree.root
    switch id {
    case "duplicate_node_names": root.walk { n in duplicateNodeNames(n) }
    case "duplicate_property_names": root.walk { n in duplicatePropertyNames(n) }
    case "node_name_chars": root.walk { n in nodeNameChars(n) }
    case "node_name_format": root.walk { n in nodeNameFormat(n) }
    case "node_name_not_empty": root.walk { n in nodeNameNotEmpty(n) }
    case "property_name_chars": root.walk { n in propertyNameChars(n) }
    case "name_is_string": root.walk { n in nameIsString(n) }
    case "name_properties": root.walk { n in nameProperties(n) }
    case "duplicate_label": duplicateLabels()
    case "explicit_phandles":
      byPhandle = [:]
      root.walk { n in explicitPhandles(n) }
    case "phandle_references": phandleReferences()
    case "path_references": pathReferences()
    default: break  // omit_unused_nodes only prunes; it never reports
    }
    return Array(diagnostics[before...])
  }

  private mutating func duplicateNodeNames(_ node: Node) {
    let children = node.children
    if children.count < 2 { return }
    if children.count <= 16 {
      // Small sibling lists (nearly all of them): pairwise, no hashing, no allocation.
      for i in 1..<children.count where !children[i].deleted {
        for j in 0..<i where !children[j].deleted && children[j].name == children[i].name {
          fail("duplicate_node_names", children[i], "Duplicate node name")
          break
        }
      }
      return
    }
    var seen = Set<String>(minimumCapacity: children.count)
    for c in children where !c.deleted {
      if !seen.insert(c.name).inserted { fail("duplicate_node_names", c, "Duplicate node name") }
    }
  }

  /// dtc reports the earlier property of each pair with the same name.
  private mutating func duplicatePropertyNames(_ node: Node) {
    let props = node.properties
    if props.count < 2 { return }
    if props.count <= 16 {
      for i in 1..<props.count where !props[i].deleted {
        for j in 0..<i
        where !props[j].deleted && props[j].nameHash == props[i].nameHash && props[j].name == props[i].name {
          fail("duplicate_property_names", node, props[j], "Duplicate property name")
        }
      }
      return
    }
    var earlier: [String: [Property]] = [:]
    for p in props where !p.deleted {
      for e in earlier[p.name] ?? [] { fail("duplicate_property_names", node, e, "Duplicate property name") }
      earlier[p.name, default: []].append(p)
    }
  }

  static func isNodeNameChar(_ c: UInt8) -> Bool {
    switch c {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2C, 0x2E, 0x5F, 0x2B, 0x2D, 0x40: true
    default: false
    }
  }
  static func isPropertyNameChar(_ c: UInt8) -> Bool {
    switch c {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2C, 0x2E, 0x5F, 0x2B, 0x2A, 0x23, 0x3F, 0x2D: true
    default: false
    }
  }

  private mutating func nodeNameChars(_ node: Node) {
    if let bad = node.name.utf8.first(where: { !Self.isNodeNameChar($0) }) {
      fail("node_name_chars", node, "Bad character '\(Character(Unicode.Scalar(bad)))' in node name")
    }
  }

  private mutating func nodeNameFormat(_ node: Node) {
    if node.unitAddress.utf8.contains(UInt8(ascii: "@")) {
      fail("node_name_format", node, "multiple '@' characters in node name")
    }
  }

  private mutating func nodeNameNotEmpty(_ node: Node) {
    if node.parent != nil && node.baseName.isEmpty { fail("node_name_not_empty", node, "Empty node name") }
  }

  private mutating func propertyNameChars(_ node: Node) {
    for p in node.properties where !p.deleted {
      if let bad = p.name.utf8.first(where: { !Self.isPropertyNameChar($0) }) {
        fail("property_name_chars", node, p, "Bad character '\(Character(Unicode.Scalar(bad)))' in property name")
      }
    }
  }

  private mutating func nameIsString(_ node: Node) {
    if let p = node.property("name"), !Self.isString(p.value) {
      fail("name_is_string", node, p, "property is not a string")
    }
  }

  static func isString(_ v: PropertyValue) -> Bool {
    guard let last = v.bytes.last, last == 0 else { return false }
    return v.bytes.firstIndex(of: 0) == v.bytes.count - 1
  }

  private mutating func nameProperties(_ node: Node) {
    // dtc looks at the first `name` in the raw list, deleted or not.
    guard let i = node.properties.firstIndex(where: { $0.name == "name" }) else { return }
    let p = node.properties[i]
    let base = Array(node.baseName.utf8)
    if p.value.bytes.count != base.count + 1 || Array(p.value.bytes.prefix(base.count)) != base {
      let shown = String(decoding: p.value.bytes.prefix { $0 != 0 }, as: UTF8.self)
      fail("name_properties", node, "\"name\" property is incorrect (\"\(shown)\" instead of base node name)")
    } else if !checkOnly {
      node.properties.remove(at: i)  // correct, therefore redundant
    }
  }

  private enum LabelOwner {
    case node(Node)
    case property(Node, Property)
    case marker(Node, Property, Int)
    var node: Node {
      switch self {
      case .node(let n), .property(let n, _), .marker(let n, _, _): n
      }
    }
    var description: String {
      switch self {
      case .node(let n): n.path
      case .property(let n, let p): "'\(p.name)' in \(n.path)"
      case .marker(let n, let p, _): "value of '\(p.name)' in \(n.path)"
      }
    }
    func same(_ o: LabelOwner) -> Bool {
      switch (self, o) {
      case (.node(let a), .node(let b)): a === b
      case (.property(_, let a), .property(_, let b)): a === b
      case (.marker(_, let a, let i), .marker(_, let b, let j)): a === b && i == j
      default: false
      }
    }
  }

  private mutating func duplicateLabels() {
    // dtc's reference owner for a label: the first node with it (pre-order), else the first property, else the
    // first value marker; every other carrier is a duplicate.
    var nodeOwner: [String: LabelOwner] = [:]
    var propOwner: [String: LabelOwner] = [:]
    var markerOwner: [String: LabelOwner] = [:]
    var all: [(String, LabelOwner)] = []
    tree.root.walk { n in
      for l in n.labels {
        if nodeOwner[l] == nil { nodeOwner[l] = .node(n) }
        all.append((l, .node(n)))
      }
      for p in n.properties where !p.deleted {
        for l in p.labels {
          if propOwner[l] == nil { propOwner[l] = .property(n, p) }
          all.append((l, .property(n, p)))
        }
        for (i, m) in p.value.markers.enumerated() where m.kind == .label {
          guard let l = m.ref else { continue }
          if markerOwner[l] == nil { markerOwner[l] = .marker(n, p, i) }
          all.append((l, .marker(n, p, i)))
        }
      }
    }
    for (l, owner) in all {
      guard let first = nodeOwner[l] ?? propOwner[l] ?? markerOwner[l] else { continue }
      if !first.same(owner) {
        // dtc names the node only (FAIL, not FAIL_PROP), even for a label on a property or inside a value.
        failed.insert("duplicate_label")
        diagnostics.append(
          Diagnostic(
            rule: "duplicate_label", severity: .error,
            message: "Duplicate label '\(l)' on \(owner.description) and \(first.description)",
            range: owner.node.range, nodePath: owner.node.path,
            notes: [DiagnosticNote("first used here", at: first.node.range)]))
      }
    }
  }

  private mutating func phandleProperty(_ node: Node, _ name: String) -> UInt32 {
    guard let p = node.property(name) else { return 0 }
    if p.value.bytes.count != 4 {
      fail("explicit_phandles", node, p, "bad length (\(p.value.bytes.count)) \(name) property")
      return 0
    }
    for m in p.value.markers where m.kind == .phandleReference {
      let target = m.ref.flatMap { resolveReference($0, root: tree.root, labels: &labels) }
      if target !== node {
        fail("explicit_phandles", node, "\(name) is a reference to another node")
        break
      }
      return 0  // `phandle = <&self>`: allocate one later
    }
    let v = p.value.singleCell ?? 0
    if v == 0 || v == 0xFFFF_FFFF {
      fail("explicit_phandles", node, p, "bad value (0x\(String(v, radix: 16))) in \(name) property")
      return 0
    }
    return v
  }

  private mutating func explicitPhandles(_ node: Node) {
    var ph = phandleProperty(node, "phandle")
    let linux = phandleProperty(node, "linux,phandle")
    if ph == 0 && linux == 0 { return }
    if linux != 0 && ph != 0 && ph != linux {
      fail("explicit_phandles", node, "mismatching 'phandle' and 'linux,phandle' properties")
    }
    if ph == 0 { ph = linux }
    if let other = byPhandle[ph], other !== node, !other.deleted {
      fail("explicit_phandles", node, "duplicated phandle 0x\(String(ph, radix: 16)) (seen before at \(other.path))")
      return
    }
    if !checkOnly { node.phandle = ph }
    byPhandle[ph] = node
  }

  // MARK: - Reference fixups

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

  public mutating func runReferenceFixups(symbols: Bool) {
    // phandle_references (prerequisites: duplicate_node_names, explicit_phandles)
    if !failed.contains("duplicate_node_names") && !failed.contains("explicit_phandles") { phandleReferences() }
    // path_references (prerequisite: duplicate_node_names)
    if !failed.contains("duplicate_node_names") { pathReferences() }
    // omit_unused_nodes (prerequisites: phandle_references, path_references)
    if !failed.contains("duplicate_node_names") && !failed.contains("explicit_phandles")
      && !failed.contains("phandle_references") && !failed.contains("path_references")
    {
      func visit(_ n: Node) {
        if !(symbols && !n.labelEntries.isEmpty) && n.omitIfNoRef && !n.isReferenced {
          n.markDeleted()
          return
        }
        for c in n.children where !c.deleted { visit(c) }
      }
      visit(tree.root)
    }
  }

  /// dtc's `fixup_phandle_references`: fills every `<&ref>` with its target's phandle (allocating one on first
  /// reference). In an overlay an unresolved reference becomes 0xffffffff for `__fixups__`. dtc reports the node.
  private mutating func phandleReferences() {
    var work: [(Node, Property)] = []
    tree.root.walk { n in
      for p in n.properties where !p.deleted && p.value.markers.contains(where: { $0.kind == .phandleReference }) {
        work.append((n, p))
      }
    }
    for (node, prop) in work {
      for m in prop.value.markers where m.kind == .phandleReference {
        guard let ref = m.ref else { continue }
        guard let target = resolveReference(ref, root: tree.root, labels: &labels) else {
          if tree.isPlugin {
            if !checkOnly { prop.value.setCell(0xFFFF_FFFF, at: m.offset) }
          } else {
            failed.insert("phandle_references")
            diagnostics.append(
              Diagnostic(
                rule: "phandle_references", severity: .error,
                message: "Reference to non-existent node or label \"\(ref)\"",
                range: m.range ?? prop.range ?? node.range, nodePath: node.path))
          }
          continue
        }
        if checkOnly { continue }
        let ph = phandle(for: target)
        prop.value.setCell(ph, at: m.offset)
        target.isReferenced = true
      }
    }
  }

  /// dtc's `fixup_path_references`: inserts the target's full path for every `&ref` outside `< >`. dtc reports
  /// the node.
  private mutating func pathReferences() {
    var pathWork: [(Node, Property)] = []
    tree.root.walk { n in
      for p in n.properties where !p.deleted && p.value.markers.contains(where: { $0.kind == .pathReference }) {
        pathWork.append((n, p))
      }
    }
    for (node, prop) in pathWork {
      var i = 0
      while i < prop.value.markers.count {
        let m = prop.value.markers[i]
        i += 1
        guard m.kind == .pathReference, let ref = m.ref else { continue }
        guard let target = resolveReference(ref, root: tree.root, labels: &labels) else {
          failed.insert("path_references")
          diagnostics.append(
            Diagnostic(
              rule: "path_references", severity: .error,
              message: "Reference to non-existent node or label \"\(ref)\"",
              range: m.range ?? prop.range ?? node.range, nodePath: node.path))
          continue
        }
        if checkOnly { continue }
        let bytes = Array(target.path.utf8) + [0]
        prop.value.bytes.insert(contentsOf: bytes, at: min(m.offset, prop.value.bytes.count))
        // Like dtc's data_insert_at_marker: every later marker moves past the inserted path.
        for j in i..<prop.value.markers.count { prop.value.markers[j].offset += bytes.count }
        target.isReferenced = true
      }
    }
  }

  // MARK: - Generated nodes

  private func specialNode(_ name: String) -> Node {
    if let n = tree.root.child(name) { return n }
    let n = Node(name: name)
    tree.root.addChild(n)
    return n
  }

  /// `-@`: `/__symbols__` with one property per label, and a phandle for every labelled node.
  public mutating func generateSymbols() {
    var any = false
    tree.root.walk { n in if !n.labelEntries.isEmpty { any = true } }
    guard any else { return }
    let symbolsNode = specialNode("__symbols__")
    var existing = Set(symbolsNode.properties.filter { !$0.deleted }.map(\.name))
    var labelled: [Node] = []
    tree.root.walk { n in if !n.labelEntries.isEmpty { labelled.append(n) } }
    for n in labelled {
      let path = n.path
      for l in n.labels {
        if existing.contains(l) {
          diagnostics.append(
            Diagnostic(
              rule: "symbols", severity: .warning, message: "label \(l) already exists in /__symbols__",
              range: n.range, nodePath: n.path))
          continue
        }
        existing.insert(l)
        symbolsNode.addProperty(Property(name: l, value: .string(path)))
      }
      phandle(for: n)
    }
  }

  private mutating func unresolvedReferences() -> [(Node, Property, ValueMarker)] {
    var out: [(Node, Property, ValueMarker)] = []
    var idx = labels
    tree.root.walk { n in
      for p in n.properties where !p.deleted {
        for m in p.value.markers where m.kind == .phandleReference {
          if let r = m.ref, resolveReference(r, root: tree.root, labels: &idx) == nil { out.append((n, p, m)) }
        }
      }
    }
    return out
  }

  /// Overlays: `/__fixups__` lists where each unresolved label is used (`path:property:offset`).
  public mutating func generateFixups() {
    let refs = unresolvedReferences()
    guard !refs.isEmpty else { return }
    let fixups = specialNode("__fixups__")
    // The properties and entries so far, by name: a lookup per reference, not a walk of all of them.
    var byLabel: [String: Property] = [:]
    var entries: Set<String> = []
    for p in fixups.properties where !p.deleted && byLabel[p.name] == nil {
      byLabel[p.name] = p
      for e in p.value.strings ?? [] { entries.insert(p.name + "\u{0}" + e) }
    }
    for (node, prop, m) in refs {
      guard let ref = m.ref else { continue }
      if ref.contains("/") {
        failed.insert("fixups")
        diagnostics.append(
          Diagnostic(
            rule: "fixups", severity: .error,
            message: "can't generate fixup for reference to path &{\(ref)}",
            range: m.range ?? prop.range, nodePath: node.path, property: prop.name))
        continue
      }
      let entry = "\(node.path):\(prop.name):\(m.offset)"
      guard entries.insert(ref + "\u{0}" + entry).inserted else { continue }
      if let existing = byLabel[ref] {
        existing.value.markers.append(ValueMarker(kind: .string, offset: existing.value.bytes.count))
        existing.value.bytes.append(contentsOf: Array(entry.utf8) + [0])
      } else {
        let p = Property(name: ref, value: .string(entry))
        fixups.addProperty(p)
        byLabel[ref] = p
      }
    }
  }

  /// Overlays: `/__local_fixups__` mirrors the tree down to every property holding a resolved phandle.
  public mutating func generateLocalFixups() {
    var work: [(Node, Property, ValueMarker)] = []
    var idx = labels
    tree.root.walk { n in
      for p in n.properties where !p.deleted {
        for m in p.value.markers where m.kind == .phandleReference {
          if let r = m.ref, resolveReference(r, root: tree.root, labels: &idx) != nil { work.append((n, p, m)) }
        }
      }
    }
    guard !work.isEmpty else { return }
    let local = specialNode("__local_fixups__")
    // Offsets written so far per mirrored property (the mirror of a node may hold many properties).
    struct Key: Hashable {
      var node: ObjectIdentifier
      var property: String
    }
    var written: [Key: (property: Property, offsets: Set<UInt32>)] = [:]
    for (node, prop, m) in work {
      var chain: [Node] = []
      var cur: Node? = node
      while let c = cur, c.parent != nil {
        chain.append(c)
        cur = c.parent
      }
      var w = local
      for n in chain.reversed() {
        if let existing = w.child(n.name) {
          w = existing
        } else {
          let created = Node(name: n.name)
          w.addChild(created)
          w = created
        }
      }
      let off = UInt32(truncatingIfNeeded: m.offset)
      let key = Key(node: ObjectIdentifier(w), property: prop.name)
      if written[key] == nil, let p = w.property(prop.name) { written[key] = (p, Set(p.value.cells ?? [])) }
      if let (p, offsets) = written[key] {
        if offsets.contains(off) { continue }
        p.value.markers.append(ValueMarker(kind: .cells(bits: 32), offset: p.value.bytes.count))
        p.value.appendCell(off)
        written[key]?.offsets.insert(off)
      } else {
        let p = Property(name: prop.name, value: .cells([off]))
        w.addProperty(p)
        written[key] = (p, [off])
      }
    }
  }
}
