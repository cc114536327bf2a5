/// dtc's checks that run while a source is compiled, in dtc's `check_table` order; the raw value is dtc's check name,
/// which is also the rule ID. A compile stops where an error-level one fails, as dtc does
/// (``TreeFixups/runStructuralChecks()``, ``TreeFixups/runReferenceFixups(symbols:)``); a lint rule runs one on its
/// own with ``TreeFixups/runCheck(_:)``.
public enum CompileTimeCheck: String, CaseIterable, Sendable {
  case duplicateNodeNames = "duplicate_node_names"
  case duplicatePropertyNames = "duplicate_property_names"
  case nodeNameChars = "node_name_chars"
  case nodeNameFormat = "node_name_format"
  case nodeNameNotEmpty = "node_name_not_empty"
  case propertyNameChars = "property_name_chars"
  case nameIsString = "name_is_string"
  case nameProperties = "name_properties"
  case duplicateLabel = "duplicate_label"
  case explicitPhandles = "explicit_phandles"
  case phandleReferences = "phandle_references"
  case pathReferences = "path_references"
  /// Never reports: it removes `/omit-if-no-ref/` nodes nothing refers to.
  case omitUnusedNodes = "omit_unused_nodes"
}

extension TreeFixups {
  // MARK: - Error-level structural checks (dtc check_table order)

  public mutating func runStructuralChecks() {
    // One pre-order list of the live nodes for every check: none of them adds, removes or deletes a node.
    var nodes: [Node] = []
    tree.root.walk { nodes.append($0) }
    for n in nodes { duplicateNodeNames(n) }
    for n in nodes { duplicatePropertyNames(n) }
    for n in nodes { nodeNameChars(n) }
    if !failed.contains(.nodeNameChars) {
      for n in nodes { nodeNameFormat(n) }
      for n in nodes { nodeNameNotEmpty(n) }
    }
    for n in nodes { propertyNameChars(n) }
    for n in nodes { nameIsString(n) }
    if !failed.contains(.nameIsString) { for n in nodes { nameProperties(n) } }
    duplicateLabels(nodes)
    for n in nodes { explicitPhandles(n) }
  }

  /// The IDs of ``CompileTimeCheck``, in dtc's order. A linter need not run them again on a tree compiled from
  /// source: their findings are the compile's.
  public static let compileTimeChecks = CompileTimeCheck.allCases.map(\.rawValue)

  /// Runs one compile-time check on its own, ignoring its prerequisites, and returns what it reports. Nothing in
  /// the tree changes: a correct `name` property stays, no phandle is assigned or written, no path is inserted and
  /// nothing is pruned. Lint rules use it on trees that did not come from a compile (blobs) and on compiled trees,
  /// where the fixups have already been applied.
  public mutating func runCheck(_ check: CompileTimeCheck) -> [Diagnostic] {
    let before = diagnostics.count
    checkOnly = true
    defer { checkOnly = false }
    let root = tree.root
    switch check {
    case .duplicateNodeNames: root.walk { n in duplicateNodeNames(n) }
    case .duplicatePropertyNames: root.walk { n in duplicatePropertyNames(n) }
    case .nodeNameChars: root.walk { n in nodeNameChars(n) }
    case .nodeNameFormat: root.walk { n in nodeNameFormat(n) }
    case .nodeNameNotEmpty: root.walk { n in nodeNameNotEmpty(n) }
    case .propertyNameChars: root.walk { n in propertyNameChars(n) }
    case .nameIsString: root.walk { n in nameIsString(n) }
    case .nameProperties: root.walk { n in nameProperties(n) }
    case .duplicateLabel:
      var nodes: [Node] = []
      root.walk { nodes.append($0) }
      duplicateLabels(nodes)
    case .explicitPhandles:
      byPhandle = [:]
      root.walk { n in explicitPhandles(n) }
    case .phandleReferences: phandleReferences()
    case .pathReferences: pathReferences()
    case .omitUnusedNodes: break  // it only prunes; it never reports
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
          fail(.duplicateNodeNames, children[i], "Duplicate node name")
          break
        }
      }
      return
    }
    var seen = Set<String>(minimumCapacity: children.count)
    for c in children where !c.deleted {
      if !seen.insert(c.name).inserted { fail(.duplicateNodeNames, c, "Duplicate node name") }
    }
  }

  /// dtc reports the earlier property of each pair with the same name.
  private mutating func duplicatePropertyNames(_ node: Node) {
    let props = node.properties
    if props.count < 2 { return }
    if props.count <= 16 {
      // The names' hashes side by side (0 for a deleted property, whose name never counts): most nodes have no two
      // equal, and comparing them touches no property.
      let clash = withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 16) { h in
        for i in 0..<props.count {
          let p = props[i]
          h[i] = p.deleted ? 0 : p.nameHash | 1
          if h[i] != 0 { for j in 0..<i where h[j] == h[i] { return true } }
        }
        return false
      }
      if !clash { return }
      for i in 1..<props.count where !props[i].deleted {
        for j in 0..<i
        where !props[j].deleted && props[j].nameHash == props[i].nameHash && props[j].name == props[i].name {
          fail(.duplicatePropertyNames, node, props[j], "Duplicate property name")
        }
      }
      return
    }
    // Many properties: sorted hashes show whether any two names can be equal at all.
    var hashes = props.compactMap { $0.deleted ? nil : $0.nameHash }
    hashes.sort()
    if !zip(hashes, hashes.dropFirst()).contains(where: { $0 == $1 }) { return }
    var earlier: [String: [Property]] = [:]
    for p in props where !p.deleted {
      for e in earlier[p.name] ?? [] { fail(.duplicatePropertyNames, node, e, "Duplicate property name") }
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

  /// The first byte of `name` that `allowed` refuses: every name of the tree is checked, on its bytes.
  @inline(__always)
  private static func firstByte(of name: String, notIn allowed: (UInt8) -> Bool) -> UInt8? {
    var name = name
    return name.withUTF8 { b in
      for c in b where !allowed(c) { return c }
      return nil
    }
  }

  private mutating func nodeNameChars(_ node: Node) {
    if let bad = Self.firstByte(of: node.name, notIn: Self.isNodeNameChar) {
      fail(.nodeNameChars, node, "Bad character '\(Character(Unicode.Scalar(bad)))' in node name")
    }
  }

  private mutating func nodeNameFormat(_ node: Node) {
    if node.unitAddress.utf8.contains(UInt8(ascii: "@")) {
      fail(.nodeNameFormat, node, "multiple '@' characters in node name")
    }
  }

  private mutating func nodeNameNotEmpty(_ node: Node) {
    if node.parent != nil && node.baseName.isEmpty { fail(.nodeNameNotEmpty, node, "Empty node name") }
  }

  private mutating func propertyNameChars(_ node: Node) {
    for p in node.properties where !p.deleted {
      if let bad = Self.firstByte(of: p.name, notIn: Self.isPropertyNameChar) {
        fail(.propertyNameChars, node, p, "Bad character '\(Character(Unicode.Scalar(bad)))' in property name")
      }
    }
  }

  private mutating func nameIsString(_ node: Node) {
    if let p = node.property("name"), !Self.isString(p.value) {
      fail(.nameIsString, node, p, "property is not a string")
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
      fail(.nameProperties, node, "\"name\" property is incorrect (\"\(shown)\" instead of base node name)")
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

  /// `nodes`: the live nodes in pre-order.
  private mutating func duplicateLabels(_ nodes: [Node]) {
    // dtc's reference owner for a label: the first node with it (pre-order), else the first property, else the
    // first value marker; every other carrier is a duplicate.
    var nodeOwner: [String: Node] = [:]
    var propOwner: [String: LabelOwner] = [:]
    var markerOwner: [String: LabelOwner] = [:]
    var carriers = 0
    func keepFirst<T>(_ slot: inout T?, _ owner: T) { if slot == nil { slot = owner } }
    func isLabel(_ m: ValueMarker) -> Bool { if case .label = m.kind { true } else { false } }
    // Labels are few: each node's and property's label lists are looked at in place, building nothing for the
    // nodes and properties without one.
    for n in nodes {
      for e in n.labelEntries where !e.deleted {
        keepFirst(&nodeOwner[e.name], n)
        carriers += 1
      }
      for p in n.properties where !p.deleted {
        for e in p.labelEntries where !e.deleted {
          keepFirst(&propOwner[e.name], .property(n, p))
          carriers += 1
        }
        let markers = p.value.markers
        guard markers.contains(where: isLabel) else { continue }
        for (i, m) in markers.enumerated() where isLabel(m) {
          guard let l = m.ref else { continue }
          keepFirst(&markerOwner[l], .marker(n, p, i))
          carriers += 1
        }
      }
    }
    // The first live carrier of each live label in pre-order: what the reference fixups resolve labels against.
    if !tree.root.deleted { liveLabels = nodeOwner }
    // Every carrier the first of its label, no label on two kinds of carrier: nothing is duplicated.
    let crossKind =
      propOwner.keys.contains { nodeOwner[$0] != nil }
      || markerOwner.keys.contains { nodeOwner[$0] != nil || propOwner[$0] != nil }
    if !crossKind && carriers == nodeOwner.count + propOwner.count + markerOwner.count { return }
    var all: [(String, LabelOwner)] = []
    for n in nodes {
      for e in n.labelEntries where !e.deleted { all.append((e.name, .node(n))) }
      for p in n.properties where !p.deleted {
        for e in p.labelEntries where !e.deleted { all.append((e.name, .property(n, p))) }
        for (i, m) in p.value.markers.enumerated() where isLabel(m) {
          if let l = m.ref { all.append((l, .marker(n, p, i))) }
        }
      }
    }
    for (l, owner) in all {
      guard let first = nodeOwner[l].map({ LabelOwner.node($0) }) ?? propOwner[l] ?? markerOwner[l] else { continue }
      if !first.same(owner) {
        // dtc names the node only (FAIL, not FAIL_PROP), even for a label on a property or inside a value.
        failed.insert(.duplicateLabel)
        diagnostics.append(
          Diagnostic(
            rule: CompileTimeCheck.duplicateLabel.rawValue, severity: .error,
            message: "Duplicate label '\(l)' on \(owner.description) and \(first.description)",
            range: owner.node.range, nodePath: owner.node.path,
            notes: [DiagnosticNote("first used here", at: first.node.range)]))
      }
    }
  }

  private mutating func phandleProperty(_ node: Node, _ name: String) -> UInt32 {
    guard let p = node.property(name) else { return 0 }
    if p.value.bytes.count != 4 {
      fail(.explicitPhandles, node, p, "bad length (\(p.value.bytes.count)) \(name) property")
      return 0
    }
    for m in p.value.markers where m.kind == .phandleReference {
      let target = m.ref.flatMap { resolveReference($0, root: tree.root, labels: &labels) }
      if target !== node {
        fail(.explicitPhandles, node, "\(name) is a reference to another node")
        break
      }
      return 0  // `phandle = <&self>`: allocate one later
    }
    let v = p.value.singleCell ?? 0
    if v == 0 || v == 0xFFFF_FFFF {
      fail(.explicitPhandles, node, p, "bad value (0x\(String(v, radix: 16))) in \(name) property")
      return 0
    }
    return v
  }

  private mutating func explicitPhandles(_ node: Node) {
    var ph = phandleProperty(node, "phandle")
    let linux = phandleProperty(node, "linux,phandle")
    if ph == 0 && linux == 0 { return }
    if linux != 0 && ph != 0 && ph != linux {
      fail(.explicitPhandles, node, "mismatching 'phandle' and 'linux,phandle' properties")
    }
    if ph == 0 { ph = linux }
    if let other = byPhandle[ph], other !== node, !other.deleted {
      fail(.explicitPhandles, node, "duplicated phandle 0x\(String(ph, radix: 16)) (seen before at \(other.path))")
      return
    }
    if !checkOnly { node.phandle = ph }
    byPhandle[ph] = node
  }

  // MARK: - Reference fixups (dtc check_table order)

  public mutating func runReferenceFixups(symbols: Bool) {
    // phandle_references (prerequisites: duplicate_node_names, explicit_phandles)
    if !failed.contains(.duplicateNodeNames) && !failed.contains(.explicitPhandles) { phandleReferences() }
    // path_references (prerequisite: duplicate_node_names)
    if !failed.contains(.duplicateNodeNames) { pathReferences() }
    // omit_unused_nodes (prerequisites: phandle_references, path_references)
    if !failed.contains(.duplicateNodeNames) && !failed.contains(.explicitPhandles)
      && !failed.contains(.phandleReferences) && !failed.contains(.pathReferences)
    {
      func visit(_ n: Node) {
        if !(symbols && !n.labelEntries.isEmpty) && n.omitIfNoRef && !n.isReferenced {
          n.markDeleted()
          return
        }
        for c in n.children where !c.deleted { visit(c) }
      }
      visit(tree.root)
      liveLabels = nil
    }
  }

  /// Every live label with the first live node (pre-order) carrying it: what ``LabelIndex`` answers, from one walk
  /// and one hash lookup per reference, for the reference fixups. Nothing they do changes it (they assign phandles
  /// and fill values); it is dropped when omit_unused_nodes deletes nodes.
  private mutating func referenceLabels() -> [String: Node] {
    if let known = liveLabels { return known }
    let index = tree.labelIndex()
    liveLabels = index
    return index
  }

  /// ``resolveReference(_:root:labels:)`` answered from ``referenceLabels()``.
  private mutating func resolveForFixup(_ ref: String) -> Node? {
    // Where the first `/` is, on the bytes (nearly every reference is a plain label, without one).
    var text = ref
    let slashOffset = text.withUTF8 { b in b.firstIndex(of: UInt8(ascii: "/")) }
    guard let slashOffset else { return ref.isEmpty ? nil : referenceLabels()[ref] }
    if ref == "/" { return tree.root }
    if ref.hasPrefix("/") { return nodeByPath(tree.root, ref[...]) }
    let slash = ref.utf8.index(ref.startIndex, offsetBy: slashOffset)
    guard slash != ref.startIndex, let n = referenceLabels()[String(ref[..<slash])] else { return nil }
    let path = ref[ref.utf8.index(after: slash)...]
    return path.isEmpty ? n : nodeByPath(n, path)
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
        guard let target = resolveForFixup(ref) else {
          if tree.isPlugin {
            if !checkOnly { prop.value.setCell(0xFFFF_FFFF, at: m.offset) }
          } else {
            failed.insert(.phandleReferences)
            diagnostics.append(
              Diagnostic(
                rule: CompileTimeCheck.phandleReferences.rawValue, severity: .error,
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
        guard let target = resolveForFixup(ref) else {
          failed.insert(.pathReferences)
          diagnostics.append(
            Diagnostic(
              rule: CompileTimeCheck.pathReferences.rawValue, severity: .error,
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
}
