// The nodes dtc generates after the checks: `/__symbols__` (`-@`) and an overlay's `/__fixups__` and
// `/__local_fixups__`.
extension TreeFixups {
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
