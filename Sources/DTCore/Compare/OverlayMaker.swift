/// `dtlint overlay make BASE TARGET`: the difference between two trees written as an overlay, so that applying it
/// to BASE gives TARGET (as far as overlays can say it: they add and change, they cannot delete).
public enum OverlayMaker {
  public struct Result: Sendable {
    /// The overlay source (DTS with `/plugin/`); deterministic for the same trees.
    public var text: String
    /// Differences an overlay cannot express (removed properties, nodes and reservations), and references it
    /// cannot write (a base node without a label).
    public var notExpressed: [String]
    /// Number of properties set and nodes added.
    public var propertiesSet: Int
    public var nodesAdded: Int
  }

  /// One `&target { … };` block.
  struct Block {
    var basePath: String
    var properties: [Property] = []
    var nodes: [Node] = []
  }

  public static func make(base: DeviceTree, target: DeviceTree, header: [String] = []) -> Result {
    let changes = TreeDiff.compare(base, target)
    var blocks: [String: Block] = [:]
    var notExpressed: [String] = []
    var propertiesSet = 0
    var nodesAdded = 0

    func block(_ path: String) -> Block { blocks[path] ?? Block(basePath: path) }
    for c in changes {
      switch (c.kind, c.property) {
      case (_, _) where c.nodePath == TreeDiff.memreservePath:
        if case .reservation(let a, let s)? = c.kind == .added ? c.b : c.a {
          notExpressed.append(
            "/memreserve/ 0x\(String(a, radix: 16)) 0x\(String(s, radix: 16)) \(c.kind == .added ? "added" : "removed"): overlays carry no memory reservations"
          )
        }
      case (.added, let name?), (.changed, let name?):
        guard let node = target.node(atPath: c.nodePath), let p = node.property(name) else { continue }
        var b = block(c.nodePath)
        b.properties.append(p)
        blocks[c.nodePath] = b
        propertiesSet += 1
      case (.removed, let name?):
        notExpressed.append("\(c.nodePath): property '\(name)' removed: an overlay cannot delete a property")
      case (.added, nil):
        guard let node = target.node(atPath: c.nodePath) else { continue }
        let parent = parentPath(c.nodePath)
        var b = block(parent)
        b.nodes.append(node)
        blocks[parent] = b
        nodesAdded += 1
      case (.removed, nil):
        notExpressed.append("\(c.nodePath): node removed: an overlay cannot delete a node")
      case (.changed, nil):
        break
      }
    }

    // Labels: a reference to a base node needs a label the base carries; a reference to a node the overlay adds
    // needs a label on that node (the target's, or one made from its name).
    var newLabels: [ObjectIdentifier: String] = [:]
    var usedLabels = Set<String>()
    base.root.walk { n in usedLabels.formUnion(n.labels) }
    for b in blocks.values {
      for n in b.nodes {
        n.walk { m in
          if let l = m.labels.first(where: { !usedLabels.contains($0) }) {
            newLabels[ObjectIdentifier(m)] = l
            usedLabels.insert(l)
          }
        }
      }
    }
    let addedPaths: Set<String> = Set(
      blocks.values.flatMap { b in
        b.nodes.flatMap { n -> [String] in
          var out: [String] = []
          n.walk { out.append($0.path) }
          return out
        }
      })
    let targetSide = DiffSide(target)

    func reference(_ r: ReferenceTarget) -> String {
      guard let path = r.path else { return r.text }
      if addedPaths.contains(path), let node = target.node(atPath: path) {
        if let l = newLabels[ObjectIdentifier(node)] { return "&" + l }
        let l = madeLabel(for: node, used: &usedLabels)
        newLabels[ObjectIdentifier(node)] = l
        return "&" + l
      }
      if let b = base.node(atPath: path), let l = b.labels.first { return "&" + l }
      notExpressed.append(
        "\(path): referenced, but the base has no label on it: a compiled overlay can only reference labelled nodes")
      return "&{\(path)}"
    }

    func valueText(_ p: Property, in node: Node) -> String {
      let typed = targetSide.typed(targetSide.analyze(p, in: node))
      var parts: [String] = []
      for item in typed.items {
        switch item {
        case .string(let text): parts.append(DTSPrinter.quoted(text))
        case .bytes(let bytes):
          parts.append("[" + bytes.map { DTSPrinter.hex(UInt64($0), width: 2) }.joined(separator: " ") + "]")
        case .cells(let bits, let cells):
          let inner = cells.map { c -> String in
            switch c {
            case .number(let v): return "0x" + String(v, radix: 16)
            case .reference(let r): return reference(r)
            }
          }
          parts.append((bits == 32 ? "" : "/bits/ \(bits) ") + "<" + inner.joined(separator: " ") + ">")
        }
      }
      return parts.joined(separator: ", ")
    }

    // Writing: blocks in base path order; a block's new nodes after its properties.
    var out = ""
    if !header.isEmpty {
      out += "/*\n" + header.map { $0.isEmpty ? " *\n" : " * \($0)\n" }.joined() + " */\n"
    }
    out += "/dts-v1/;\n/plugin/;\n"
    func writeNode(_ n: Node, level: Int) {
      let tabs = String(repeating: "\t", count: level)
      let label = newLabels[ObjectIdentifier(n)].map { "\($0): " } ?? ""
      out += "\(tabs)\(label)\(n.name) {\n"
      for p in n.liveProperties where !["phandle", "linux,phandle"].contains(p.name) {
        writeProperty(p, in: n, level: level + 1)
      }
      for c in n.liveChildren {
        out += "\n"
        writeNode(c, level: level + 1)
      }
      out += "\(tabs)};\n"
    }
    func writeProperty(_ p: Property, in node: Node, level: Int) {
      let tabs = String(repeating: "\t", count: level)
      let v = valueText(p, in: node)
      out += v.isEmpty ? "\(tabs)\(p.name);\n" : "\(tabs)\(p.name) = \(v);\n"
    }
    // Labels made for referenced new nodes must exist before the nodes are written: resolve values first.
    var rendered: [(String, Block)] = []
    for path in blocks.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
      rendered.append((path, blocks[path]!))
    }
    for (_, b) in rendered {
      for n in b.nodes { n.walk { m in for p in m.liveProperties { _ = valueText(p, in: m) } } }
      for p in b.properties { if let n = target.node(atPath: b.basePath) { _ = valueText(p, in: n) } }
    }
    notExpressed = Array(Set(notExpressed)).sorted()
    for (path, b) in rendered {
      out += "\n"
      let targetRef: String
      if let l = base.node(atPath: path)?.labels.first {
        targetRef = "&" + l
      } else {
        targetRef = "&{\(path)}"
      }
      out += "\(targetRef) {\n"
      if let node = target.node(atPath: path) {
        // In the target's order, as its author wrote them.
        let order = node.liveProperties.map { ObjectIdentifier($0) }
        let sorted = b.properties.sorted {
          (order.firstIndex(of: ObjectIdentifier($0)) ?? 0) < (order.firstIndex(of: ObjectIdentifier($1)) ?? 0)
        }
        for p in sorted { writeProperty(p, in: node, level: 1) }
      }
      for (i, n) in b.nodes.enumerated() {
        if i > 0 || !b.properties.isEmpty { out += "\n" }
        writeNode(n, level: 1)
      }
      out += "};\n"
    }
    // Nothing to change: an empty overlay, which dtc still compiles.
    if rendered.isEmpty { out += "\n/ {\n};\n" }
    return Result(text: out, notExpressed: notExpressed, propertiesSet: propertiesSet, nodesAdded: nodesAdded)
  }

  static func parentPath(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
  }

  /// A label from a node's name (`vdev0vring0@55000000` → `vdev0vring0`), made unique.
  static func madeLabel(for node: Node, used: inout Set<String>) -> String {
    var base = String(node.baseName.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    if base.isEmpty || base.first!.isNumber { base = "n_" + base }
    var label = base
    var i = 1
    while used.contains(label) {
      label = "\(base)_\(i)"
      i += 1
    }
    used.insert(label)
    return label
  }
}
