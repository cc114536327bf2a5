/// One difference between two trees.
public struct TreeChange: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    /// Only the second tree has it.
    case added
    /// Only the first tree has it.
    case removed
    /// Both have it, with different values.
    case changed
  }

  /// What a side holds.
  public enum Content: Sendable, Hashable {
    /// A property's value.
    case value(TypedValue)
    /// A whole node (for a node only one side has).
    case node(NodeContent)
    /// A `/memreserve/` entry.
    case reservation(address: UInt64, size: UInt64)
  }

  public var kind: Kind
  /// The node's path; ``TreeDiff/memreservePath`` for `/memreserve/` entries.
  public var nodePath: String
  /// The property, or nil for a node (or reservation) added or removed as a whole.
  public var property: String?
  /// The first tree's side (nil when it lacks it).
  public var a: Content?
  /// The second tree's side (nil when it lacks it).
  public var b: Content?
  /// Where each side was written (the property definition, or the node's name), when the tree came from source.
  public var aRange: SourceRange?
  public var bRange: SourceRange?

  public init(
    kind: Kind, nodePath: String, property: String?, a: Content?, b: Content?, aRange: SourceRange? = nil,
    bRange: SourceRange? = nil
  ) {
    self.kind = kind
    self.nodePath = nodePath
    self.property = property
    self.a = a
    self.b = b
    self.aRange = aRange
    self.bRange = bRange
  }
}

/// The part of the trees a comparison looks at: the subtrees under some paths (and nothing else).
public struct TreeDiffScope: Sendable, Hashable {
  /// Absolute node paths; each covers its whole subtree.
  public var roots: Set<String>
  /// Whether `/memreserve/` entries are compared.
  public var includesReservations: Bool

  public init(roots: Set<String>, includesReservations: Bool = true) {
    self.roots = roots
    self.includesReservations = includesReservations
  }

  /// `path` is one of the roots or below one.
  public func covers(_ path: String) -> Bool {
    roots.contains { r in path == r || r == "/" || path.hasPrefix(r + "/") }
  }

  /// `path` is above a root (the walk must pass through it without comparing it).
  public func leadsTo(_ path: String) -> Bool {
    let prefix = path == "/" ? "/" : path + "/"
    return roots.contains { $0.hasPrefix(prefix) }
  }
}

public struct TreeDiffOptions: Sendable, Hashable {
  /// Compare `phandle`, `linux,phandle`, `/__symbols__`, `/__fixups__` and `/__local_fixups__` too.
  public var includeBookkeeping: Bool
  /// Compare only these subtrees (nil: everything).
  public var scope: TreeDiffScope?

  public init(includeBookkeeping: Bool = false, scope: TreeDiffScope? = nil) {
    self.includeBookkeeping = includeBookkeeping
    self.scope = scope
  }
}

/// Semantic comparison of two merged device trees.
///
/// Nodes are matched by path and properties by name; order does not matter. Phandle cells compare by the path of
/// the node they point to, so trees whose phandles are numbered differently (another compiler, `-@` or not, a
/// base with overlays applied by libfdt against a source written flat) compare equal. Where the phandles are is
/// known from the values' markers (a source, or a blob's `__local_fixups__`/`__fixups__`) and otherwise from the
/// property's name and the `#…-cells` of the node each phandle names (``PhandleLayout``). Labels are names, not
/// values: they are used to print references but never compared. Bookkeeping (`phandle`, `linux,phandle`,
/// `/__symbols__`, `/__fixups__`, `/__local_fixups__`) is ignored unless asked for.
///
/// Changes come in a stable order: nodes in pre-order with children sorted by name, a node's own changes (sorted
/// by property name) before its children's; `/memreserve/` entries first.
public enum TreeDiff {
  /// The `nodePath` of changes to `/memreserve/` entries.
  public static let memreservePath = "/memreserve/"

  static let bookkeepingNodes: Set<String> = ["__symbols__", "__fixups__", "__local_fixups__"]
  /// Properties compared only with --include-bookkeeping: `phandle` and `linux,phandle`.
  static func isBookkeeping(property name: String) -> Bool { name == "phandle" || name == "linux,phandle" }

  public static func compare(_ a: DeviceTree, _ b: DeviceTree, options: TreeDiffOptions = TreeDiffOptions())
    -> [TreeChange]
  {
    compare(DiffSide(a), DiffSide(b), options: options)
  }

  /// The comparison of two inputs read for it (``SourceReader/loadForDiff(_:)``): their trees, with the value types
  /// of a side whose types were not guessed on reading guessed where a value is printed.
  public static func compare(_ a: DiffInput, _ b: DiffInput, options: TreeDiffOptions = TreeDiffOptions())
    -> [TreeChange]
  {
    compare(
      DiffSide(a.tree, guessesTypes: !a.typesGuessed), DiffSide(b.tree, guessesTypes: !b.typesGuessed),
      options: options)
  }

  static func compare(_ a: DiffSide, _ b: DiffSide, options: TreeDiffOptions) -> [TreeChange] {
    var walker = Walker(a: a, b: b, options: options)
    if options.scope?.includesReservations ?? true { walker.compareReservations() }
    walker.compareNode(a.tree.root, b.tree.root, path: "/")
    return walker.changes
  }

  /// The typed value of one property of a tree, as a comparison prints it (for tools showing a single tree).
  public static func typedValue(of property: Property, in node: Node, of tree: DeviceTree) -> TypedValue {
    let side = DiffSide(tree)
    return side.typed(side.analyze(property, in: node))
  }

  struct Walker {
    let a: DiffSide
    let b: DiffSide
    let options: TreeDiffOptions
    var changes: [TreeChange] = []
    /// The largest phandle either tree has: a larger value names a node in neither.
    let topPhandle: UInt32
    /// Whether the trees resolve each phandle value alike (see ``equalBytesAreSame(_:_:)``), for values up to
    /// ``topPhandle`` when that is small (every real tree's): 0 not known yet, 1 alike, 2 not.
    var agreement: [UInt8]
    /// The same for any value, when ``topPhandle`` is large.
    var agreementByValue: [UInt32: Bool] = [:]

    init(a: DiffSide, b: DiffSide, options: TreeDiffOptions) {
      self.a = a
      self.b = b
      self.options = options
      topPhandle = max(a.index.topPhandle, b.index.topPhandle)
      agreement = topPhandle < 1 << 16 ? Array(repeating: 0, count: Int(topPhandle) + 1) : []
    }

    func covers(_ path: String) -> Bool { options.scope?.covers(path) ?? true }
    func relevant(_ path: String) -> Bool {
      guard let scope = options.scope else { return true }
      return scope.covers(path) || scope.leadsTo(path)
    }

    func isCompared(child name: String, of path: String) -> Bool {
      options.includeBookkeeping || path != "/" || !TreeDiff.bookkeepingNodes.contains(name)
    }

    func isCompared(property name: String) -> Bool {
      options.includeBookkeeping || !TreeDiff.isBookkeeping(property: name)
    }

    static func childPath(_ parent: String, _ name: String) -> String {
      parent == "/" ? "/" + name : parent + "/" + name
    }

    static func sortedNames<S: Sequence<String>>(_ names: S) -> [String] {
      Set(names).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    mutating func compareReservations() {
      func key(_ r: ReserveEntry) -> [UInt64] { [r.address, r.size] }
      var left = a.tree.reserves.map(key)
      var right = b.tree.reserves.map(key)
      // Multiset difference, in address order.
      left.sort { $0.lexicographicallyPrecedes($1) }
      right.sort { $0.lexicographicallyPrecedes($1) }
      var i = 0
      var j = 0
      func entry(_ k: [UInt64]) -> TreeChange.Content { .reservation(address: k[0], size: k[1]) }
      func range(_ tree: DeviceTree, _ k: [UInt64]) -> SourceRange? {
        tree.reserves.first { $0.address == k[0] && $0.size == k[1] }?.range
      }
      while i < left.count || j < right.count {
        if j >= right.count || (i < left.count && left[i].lexicographicallyPrecedes(right[j])) {
          changes.append(
            TreeChange(
              kind: .removed, nodePath: TreeDiff.memreservePath, property: nil, a: entry(left[i]), b: nil,
              aRange: range(a.tree, left[i])))
          i += 1
        } else if i >= left.count || right[j].lexicographicallyPrecedes(left[i]) {
          changes.append(
            TreeChange(
              kind: .added, nodePath: TreeDiff.memreservePath, property: nil, a: nil, b: entry(right[j]),
              bRange: range(b.tree, right[j])))
          j += 1
        } else {
          i += 1
          j += 1
        }
      }
    }

    /// The live items of two lists paired by name (the first of each name on each side), in the order of the
    /// names' UTF-8 bytes. Names of ASCII bytes (every real tree's) are paired by sorting both lists and merging
    /// them; any other name by dictionaries, where names compare as strings do.
    static func paired<T>(_ a: [T], _ b: [T], name: (T) -> String) -> [(name: String, a: T?, b: T?)] {
      func ascii(_ items: [T]) -> Bool { items.allSatisfy { name($0).utf8.allSatisfy { $0 < 0x80 } } }
      guard ascii(a), ascii(b) else {
        var byNameA: [String: T] = [:]
        var byNameB: [String: T] = [:]
        for x in a where byNameA[name(x)] == nil { byNameA[name(x)] = x }
        for x in b where byNameB[name(x)] == nil { byNameB[name(x)] = x }
        return sortedNames(Array(byNameA.keys) + Array(byNameB.keys)).map { ($0, byNameA[$0], byNameB[$0]) }
      }
      // Sorted by name, then by position: the first of a name comes first and the others are skipped.
      func sorted(_ items: [T]) -> [(name: String, item: T)] {
        let named = items.enumerated().map { (name: name($0.element), index: $0.offset, item: $0.element) }
        // For ASCII strings `<` is the order of their bytes.
        let order = named.sorted { $0.name == $1.name ? $0.index < $1.index : $0.name < $1.name }
        var out: [(name: String, item: T)] = []
        out.reserveCapacity(order.count)
        for x in order where out.last?.name != x.name { out.append((x.name, x.item)) }
        return out
      }
      let sa = sorted(a)
      let sb = sorted(b)
      var out: [(name: String, a: T?, b: T?)] = []
      out.reserveCapacity(max(sa.count, sb.count))
      var i = 0
      var j = 0
      while i < sa.count || j < sb.count {
        if j >= sb.count || (i < sa.count && sa[i].name < sb[j].name) {
          out.append((sa[i].name, sa[i].item, nil))
          i += 1
        } else if i >= sa.count || sb[j].name < sa[i].name {
          out.append((sb[j].name, nil, sb[j].item))
          j += 1
        } else {
          out.append((sa[i].name, sa[i].item, sb[j].item))
          i += 1
          j += 1
        }
      }
      return out
    }

    mutating func compareNode(_ na: Node, _ nb: Node, path: String) {
      if covers(path) { compareProperties(na, nb, path: path) }
      let pairs = Self.paired(Array(na.liveChildren), Array(nb.liveChildren), name: \.name)
      for (name, childA, childB) in pairs {
        guard isCompared(child: name, of: path) else { continue }
        let p = Self.childPath(path, name)
        guard relevant(p) else { continue }
        switch (childA, childB) {
        case (let ca?, let cb?): compareNode(ca, cb, path: p)
        case (let ca?, nil): oneSided(ca, path: p, side: a, removed: true)
        case (nil, let cb?): oneSided(cb, path: p, side: b, removed: false)
        case (nil, nil): break
        }
      }
    }

    /// A node only one tree has: one change for it when it is in scope, else one for each scope root below it.
    mutating func oneSided(_ node: Node, path: String, side: DiffSide, removed: Bool) {
      if covers(path) {
        let content = TreeChange.Content.node(nodeContent(node, side: side))
        let range = node.nameRange ?? node.range
        changes.append(
          removed
            ? TreeChange(kind: .removed, nodePath: path, property: nil, a: content, b: nil, aRange: range)
            : TreeChange(kind: .added, nodePath: path, property: nil, a: nil, b: content, bRange: range))
        return
      }
      for name in Self.sortedNames(node.liveChildren.map(\.name)) {
        let p = Self.childPath(path, name)
        guard relevant(p), let c = node.child(name) else { continue }
        oneSided(c, path: p, side: side, removed: removed)
      }
    }

    func nodeContent(_ node: Node, side: DiffSide) -> NodeContent {
      var props: [PropertyContent] = []
      var seen: Set<String> = []
      for p in node.liveProperties where isCompared(property: p.name) && seen.insert(p.name).inserted {
        props.append(PropertyContent(name: p.name, value: side.typed(side.analyze(p, in: node))))
      }
      props.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
      var children: [NodeContent] = []
      for name in Self.sortedNames(node.liveChildren.map(\.name)) {
        if let c = node.child(name) { children.append(nodeContent(c, side: side)) }
      }
      return NodeContent(name: node.name, properties: props, children: children)
    }

    /// ``resolvesAlike(_:)``, remembered.
    mutating func agrees(_ phandle: UInt32) -> Bool {
      if phandle > topPhandle { return true }
      if Int(phandle) < agreement.count {
        if agreement[Int(phandle)] == 0 { agreement[Int(phandle)] = resolvesAlike(phandle) ? 1 : 2 }
        return agreement[Int(phandle)] == 1
      }
      if let known = agreementByValue[phandle] { return known }
      let same = resolvesAlike(phandle)
      agreementByValue[phandle] = same
      return same
    }

    /// Whether a phandle value names, in both trees, nodes of one path, or in neither tree a node.
    func resolvesAlike(_ phandle: UInt32) -> Bool {
      switch (a.index.node(phandle: phandle), b.index.node(phandle: phandle)) {
      case (nil, nil): true
      case (let x?, let y?): DiffSide.samePath(x, y)
      default: false
      }
    }

    /// Two properties with equal bytes are the same value when every cell that may be a phandle names nodes of one
    /// path in both trees: every aligned cell (where the layouts find phandles, and only phandles the tree
    /// resolves) and every cell the markers call a reference, which must resolve in both. Then ``DiffSide/same``
    /// would find them the same too, without typing either value; false means only "ask it".
    mutating func equalBytesAreSame(_ pa: Property, _ pb: Property) -> Bool {
      let bytes = pa.value.bytes
      var o = 0
      while o + 4 <= bytes.count {
        if !agrees(DiffSide.cell(bytes, o)) { return false }
        o += 4
      }
      for p in [pa, pb] {
        for m in p.value.markers where m.kind == .phandleReference && m.offset >= 0 && m.offset + 4 <= bytes.count {
          let v = DiffSide.cell(bytes, m.offset)
          guard a.index.node(phandle: v) != nil, agrees(v) else { return false }
        }
      }
      return true
    }

    /// Whether the two nodes' live properties are the same names in the same order with the same values: equal
    /// bytes whose phandle cells agree (``equalBytesAreSame(_:_:)``, else asked of ``DiffSide/same(_:in:_:in:)``,
    /// as the comparison below asks), values of properties it does not compare (`phandle`, renumbered between two
    /// boards) aside. Then that comparison would find no change, and is skipped (most nodes of two boards compare
    /// so). Anything else, duplicate names included, is left to it.
    mutating func propertiesAreSame(_ na: Node, _ nb: Node) -> Bool {
      let pa = na.properties
      let pb = nb.properties
      var i = 0
      var j = 0
      while true {
        while i < pa.count, pa[i].deleted { i += 1 }
        while j < pb.count, pb[j].deleted { j += 1 }
        if i == pa.count || j == pb.count { return i == pa.count && j == pb.count }
        let x = pa[i]
        let y = pb[j]
        guard x.nameHash == y.nameHash, x.name == y.name else { return false }
        if isCompared(property: x.name), !sameValue(x, in: na, y, in: nb) { return false }
        i += 1
        j += 1
      }
    }

    /// Whether two properties of one name are the same value (no change to report).
    mutating func sameValue(_ pa: Property, in na: Node, _ pb: Property, in nb: Node) -> Bool {
      if pa.value.bytes == pb.value.bytes, equalBytesAreSame(pa, pb) { return true }
      guard pa.value.bytes.count == pb.value.bytes.count else { return false }
      return DiffSide.same(a.analyze(pa, in: na), in: a, b.analyze(pb, in: nb), in: b)
    }

    mutating func compareProperties(_ na: Node, _ nb: Node, path: String) {
      if propertiesAreSame(na, nb) { return }
      comparePropertiesInFull(na, nb, path: path)
    }

    /// Every property of either node, by name.
    mutating func comparePropertiesInFull(_ na: Node, _ nb: Node, path: String) {
      let pairs = Self.paired(Array(na.liveProperties), Array(nb.liveProperties), name: \.name)
      for (name, propA, propB) in pairs where isCompared(property: name) {
        switch (propA, propB) {
        case (let pa?, let pb?):
          if pa.value.bytes == pb.value.bytes, equalBytesAreSame(pa, pb) { continue }
          let va = a.analyze(pa, in: na)
          let vb = b.analyze(pb, in: nb)
          if DiffSide.same(va, in: a, vb, in: b) { continue }
          // Show phandles either side knows about on both sides.
          var ta = a.typed(va, extraReferences: vb.referenceOffsets)
          var tb = b.typed(vb, extraReferences: va.referenceOffsets)
          if ta.text == tb.text {
            // Same labels on different nodes: print paths so the difference shows.
            ta = a.typed(va, extraReferences: vb.referenceOffsets, preferPaths: true)
            tb = b.typed(vb, extraReferences: va.referenceOffsets, preferPaths: true)
          }
          changes.append(
            TreeChange(
              kind: .changed, nodePath: path, property: name, a: .value(ta), b: .value(tb),
              aRange: pa.range ?? pa.nameRange, bRange: pb.range ?? pb.nameRange))
        case (let pa?, nil):
          changes.append(
            TreeChange(
              kind: .removed, nodePath: path, property: name, a: .value(a.typed(a.analyze(pa, in: na))), b: nil,
              aRange: pa.range ?? pa.nameRange))
        case (nil, let pb?):
          changes.append(
            TreeChange(
              kind: .added, nodePath: path, property: name, a: nil, b: .value(b.typed(b.analyze(pb, in: nb))),
              bRange: pb.range ?? pb.nameRange))
        case (nil, nil): break
        }
      }
    }
  }
}
