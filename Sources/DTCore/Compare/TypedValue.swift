/// Where a phandle cell of a value points.
public struct ReferenceTarget: Sendable, Hashable {
  /// The cell as stored (numbers differ between trees compiled differently; the path does not).
  public var phandle: UInt32
  /// Path of the node it names, when the tree has that node.
  public var path: String?
  /// The node's first label; for a reference the tree cannot resolve (an overlay's fixup), the label written.
  public var label: String?

  public init(phandle: UInt32, path: String? = nil, label: String? = nil) {
    self.phandle = phandle
    self.path = path
    self.label = label
  }

  /// `&label`, `&{/path}`, or the raw cell when neither is known.
  public var text: String {
    if let label { return "&" + label }
    if let path { return "&{\(path)}" }
    return "0x" + DTSPrinter.hex(UInt64(phandle), width: 2)
  }
}

/// One cell of a typed value.
public enum TypedCell: Sendable, Hashable {
  case number(UInt64)
  case reference(ReferenceTarget)
}

/// One group of a typed value, as printed: a string, a `< >` of cells (of 16, 32 or 64 bits) or a `[ ]` of bytes.
public enum TypedItem: Sendable, Hashable {
  case string(String)
  case cells(bits: Int, [TypedCell])
  case bytes([UInt8])
}

/// A property value typed for people: its groups (phandles resolved to nodes, phandle-with-arguments lists split
/// by the providers' `#…-cells`) and its DTS text.
public struct TypedValue: Sendable, Hashable {
  /// Empty for a property without a value (`enable-active-high;`).
  public var items: [TypedItem]
  /// The value as DTS writes it after `name = ` (`<&clk 0x01>, <&clk 0x02>`); empty for an empty property.
  public var text: String

  public init(items: [TypedItem], text: String) {
    self.items = items
    self.text = text
  }
}

/// A named typed value.
public struct PropertyContent: Sendable, Hashable {
  public var name: String
  public var value: TypedValue
  public init(name: String, value: TypedValue) {
    self.name = name
    self.value = value
  }
}

/// A node and everything below it, typed (for nodes one tree has and the other lacks).
public struct NodeContent: Sendable, Hashable {
  public var name: String
  /// Sorted by name.
  public var properties: [PropertyContent]
  /// Sorted by name.
  public var children: [NodeContent]

  public init(name: String, properties: [PropertyContent], children: [NodeContent]) {
    self.name = name
    self.properties = properties
    self.children = children
  }
}

/// How a phandle cell compares across trees: by the path of the node it names; by the label written when the tree
/// cannot resolve it; by value as a last resort.
enum CellIdentity: Hashable {
  case path(String)
  case label(String)
  case raw(UInt32)
}

/// One tree of a comparison: its nodes by phandle and label, and the typing of its values.
final class DiffSide {
  let tree: DeviceTree
  let index: PhandleIndex
  /// The tree's values have no type markers yet (``DiffBlobReader``): ``typed(_:extraReferences:preferPaths:)``
  /// guesses them as ``BlobRecovery`` would have.
  let guessesTypes: Bool

  init(_ tree: DeviceTree, guessesTypes: Bool = false) {
    self.tree = tree
    self.index = PhandleIndex(tree)
    self.guessesTypes = guessesTypes
  }

  /// A property value with the places of its phandles: from the source's (or fixups') markers and from the
  /// property's name and the providers' `#…-cells`.
  struct Analyzed {
    var property: Property
    var node: Node
    var layout: CellLayout?
    /// Phandle references the markers record: offset -> label or path written.
    var markerReferences: [Int: String]
    var bytes: [UInt8] { property.value.bytes }
    var referenceOffsets: Set<Int> {
      var s = Set(markerReferences.keys)
      if let layout { s.formUnion(layout.references) }
      return s.filter { $0 >= 0 && $0 + 4 <= bytes.count }
    }
  }

  func analyze(_ property: Property, in node: Node) -> Analyzed {
    var refs: [Int: String] = [:]
    for m in property.value.markers where m.kind == .phandleReference {
      if refs[m.offset] == nil, let r = m.ref { refs[m.offset] = r }
    }
    return Analyzed(
      property: property, node: node, layout: PhandleLayout.layout(of: property, in: node, index: index),
      markerReferences: refs)
  }

  static func cell(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
      | UInt32(bytes[offset + 3])
  }

  /// The node a phandle cell names: by its value, else by the reference the markers wrote.
  func targetNode(_ v: Analyzed, at offset: Int) -> Node? {
    if let n = index.node(phandle: Self.cell(v.bytes, offset)) { return n }
    if let r = v.markerReferences[offset] { return index.node(reference: r) }
    return nil
  }

  func identity(_ v: Analyzed, at offset: Int) -> CellIdentity {
    if let n = targetNode(v, at: offset) { return .path(n.path) }
    if let r = v.markerReferences[offset] { return r.hasPrefix("/") ? .path(r) : .label(r) }
    return .raw(Self.cell(v.bytes, offset))
  }

  func target(_ v: Analyzed, at offset: Int) -> ReferenceTarget {
    let ph = Self.cell(v.bytes, offset)
    if let n = targetNode(v, at: offset) { return ReferenceTarget(phandle: ph, path: n.path, label: n.labels.first) }
    if let r = v.markerReferences[offset] {
      return r.hasPrefix("/") ? ReferenceTarget(phandle: ph, path: r) : ReferenceTarget(phandle: ph, label: r)
    }
    return ReferenceTarget(phandle: ph)
  }

  /// Whether the phandle cells at `offset` have one identity (``identity(_:at:)``): for two nodes, whether their
  /// paths are equal, found without building them.
  static func sameTarget(_ a: Analyzed, in sa: DiffSide, _ b: Analyzed, in sb: DiffSide, at offset: Int) -> Bool {
    if let na = sa.targetNode(a, at: offset), let nb = sb.targetNode(b, at: offset) { return samePath(na, nb) }
    return sa.identity(a, at: offset) == sb.identity(b, at: offset)
  }

  /// `x.path == y.path`, comparing names from the nodes up rather than joining them (nodes of two trees). A name
  /// with a `/` in it (a hostile blob's) could make two different chains one path: such chains compare as paths.
  static func samePath(_ x: Node, _ y: Node) -> Bool {
    var p = x
    var q = y
    while true {
      if p === q { return true }
      guard let pp = p.parent, let qp = q.parent else { break }
      if p.name != q.name { return hasSlash(x) || hasSlash(y) ? x.path == y.path : false }
      p = pp
      q = qp
    }
    // One chain reached the root (path "/" when both did).
    if p.parent == nil && q.parent == nil { return true }
    return hasSlash(x) || hasSlash(y) ? x.path == y.path : false
  }

  /// Whether a name on the way from `node` to the root holds a `/`.
  private static func hasSlash(_ node: Node) -> Bool {
    var n: Node? = node
    while let c = n, c.parent != nil {
      if c.name.utf8.contains(0x2F) { return true }
      n = c.parent
    }
    return false
  }

  /// Whether two values are the same: equal bytes everywhere except phandle cells (known on either side), which
  /// must name the same node.
  static func same(_ a: Analyzed, in sa: DiffSide, _ b: Analyzed, in sb: DiffSide) -> Bool {
    let ba = a.bytes
    let bb = b.bytes
    guard ba.count == bb.count else { return false }
    // The offsets of ``Analyzed/referenceOffsets`` of both, without building sets (one may come twice).
    var isReference: [Bool] = []
    /// Marks the phandle cell at `o` (when inside the value); false when its targets differ.
    func reference(_ o: Int) -> Bool {
      guard o >= 0 && o + 4 <= ba.count else { return true }
      if isReference.isEmpty { isReference = [Bool](repeating: false, count: ba.count) }
      for i in o..<(o + 4) { isReference[i] = true }
      return sameTarget(a, in: sa, b, in: sb, at: o)
    }
    func references(_ v: Analyzed) -> Bool {
      for o in v.markerReferences.keys where !reference(o) { return false }
      for o in v.layout?.references ?? [] where !reference(o) { return false }
      return true
    }
    guard references(a), references(b) else { return false }
    if isReference.isEmpty { return ba == bb }
    for i in ba.indices where !isReference[i] && ba[i] != bb[i] { return false }
    return true
  }

  /// The value typed for display. `extraReferences` are offsets the other tree knows to be phandles (shown as
  /// references here when they resolve); `preferPaths` writes `&{/path}` rather than `&label`.
  func typed(_ v: Analyzed, extraReferences: Set<Int> = [], preferPaths: Bool = false) -> TypedValue {
    let bytes = v.bytes
    if bytes.isEmpty { return TypedValue(items: [], text: "") }
    var targets: [Int: ReferenceTarget] = [:]
    for o in v.referenceOffsets { targets[o] = target(v, at: o) }
    for o in extraReferences where targets[o] == nil && o >= 0 && o + 4 <= bytes.count {
      if targetNode(v, at: o) != nil { targets[o] = target(v, at: o) }
    }
    func refText(_ t: ReferenceTarget) -> String? {
      if preferPaths, let p = t.path { return p }
      return t.label ?? t.path
    }
    var markers: [ValueMarker] = []
    let own = guessesTypes ? ValueTyping.guessedMarkers(bytes, v.property.value.markers) : v.property.value.markers
    let ownTypes = own.filter(\.isTypeMarker)
    let plainCells = ownTypes.allSatisfy { $0.kind == .cells(bits: 32) }
    var groups =
      v.layout?.groups
      ?? (plainCells ? PhandleLayout.cellGroups(of: v.property, in: v.node, index: index) : nil)
    if groups == nil, plainCells, bytes.count % 4 == 0, !targets.isEmpty, targets.keys.allSatisfy({ $0 % 4 == 0 }) {
      // References whose providers are unknown (an overlay's fixups): each phandle with the cells up to the next.
      let starts = targets.keys.sorted()
      groups = starts.first == 0 ? starts : [0] + starts
    }
    if let groups, bytes.count % 4 == 0 {
      // Cells with a known shape: one `< >` per group.
      var refOffsets = targets.keys.sorted()[...]
      for g in groups {
        while let o = refOffsets.first, o < g {
          if let r = refText(targets[o]!) { markers.append(ValueMarker(kind: .phandleReference, offset: o, ref: r)) }
          refOffsets = refOffsets.dropFirst()
        }
        markers.append(ValueMarker(kind: .cells(bits: 32), offset: g))
      }
      for o in refOffsets {
        if let r = refText(targets[o]!) { markers.append(ValueMarker(kind: .phandleReference, offset: o, ref: r)) }
      }
    } else {
      markers = own.filter { $0.kind != .phandleReference && $0.kind != .label }
      for (o, t) in targets {
        if let r = refText(t) { markers.append(ValueMarker(kind: .phandleReference, offset: o, ref: r)) }
      }
      // Type markers first at an offset, as dtc orders them.
      markers = markers.enumerated().sorted {
        ($0.element.offset, $0.element.isTypeMarker ? 0 : 1, $0.offset)
          < ($1.element.offset, $1.element.isTypeMarker ? 0 : 1, $1.offset)
      }.map(\.element)
    }
    let display = PropertyValue(bytes: bytes, markers: markers)
    var items: [TypedItem] = []
    for span in DTSPrinter.spans(display) {
      let chunk = bytes[span.range]
      switch span.kind {
      case .string:
        items.append(.string(String(decoding: chunk.dropLast(chunk.last == 0 ? 1 : 0), as: UTF8.self)))
      case .cells(bits: 8):
        items.append(.bytes(Array(chunk)))
      case .cells(let bits):
        let width = bits / 8
        var cells: [TypedCell] = []
        var i = span.range.lowerBound
        while i + width <= span.range.upperBound {
          if width == 4, span.references[i] != nil {
            cells.append(.reference(targets[i] ?? target(v, at: i)))
          } else {
            var n: UInt64 = 0
            for b in bytes[i..<(i + width)] { n = n << 8 | UInt64(b) }
            cells.append(.number(n))
          }
          i += width
        }
        items.append(.cells(bits: bits, cells))
      }
    }
    return TypedValue(items: items, text: DTSPrinter.valueBody(display))
  }
}
