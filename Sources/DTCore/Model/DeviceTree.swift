import Foundation
import Synchronization

/// What a span of a property's bytes holds, and references/labels inside it — dtc's "markers".
/// Markers let us print values typed, resolve references, and emit fixups.
public struct ValueMarker: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// The bytes from here to the next type marker are cells of this many bits (8, 16, 32, 64).
    case cells(bits: Int)
    /// The bytes from here to the next type marker are NUL-terminated strings.
    case string
    /// The 4 bytes at `offset` are the phandle of the node `ref` names (`<&label>`, `<&{/path}>`).
    case phandleReference
    /// A path string for the node `ref` names is inserted at `offset` (`&label` outside `< >`).
    case pathReference
    /// A label placed inside the value (`<1 lbl: 2>`).
    case label
  }
  public var kind: Kind
  /// Byte offset into the property value.
  public var offset: Int
  /// Label or path text for references and labels (without `&`, braces removed from `&{/path}`).
  public var ref: String?
  /// Where the reference or type was written, when known.
  public var range: SourceRange?

  public init(kind: Kind, offset: Int, ref: String? = nil, range: SourceRange? = nil) {
    self.kind = kind
    self.offset = offset
    self.ref = ref
    self.range = range
  }

  public var isTypeMarker: Bool {
    switch kind {
    case .cells, .string: true
    default: false
    }
  }
}

/// A property value: raw big-endian bytes as they go into the blob, plus typing markers.
public struct PropertyValue: Sendable, Hashable {
  public var bytes: [UInt8]
  public var markers: [ValueMarker]
  public init(bytes: [UInt8] = [], markers: [ValueMarker] = []) {
    self.bytes = bytes
    self.markers = markers
  }
  public static let empty = PropertyValue()
  public var isEmpty: Bool { bytes.isEmpty }

  /// The value as big-endian 32-bit cells, when its length is a multiple of 4.
  public var cells: [UInt32]? {
    guard bytes.count % 4 == 0 else { return nil }
    var out: [UInt32] = []
    out.reserveCapacity(bytes.count / 4)
    var i = 0
    while i < bytes.count {
      out.append(
        UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3]))
      i += 4
    }
    return out
  }

  /// The value as one cell when it is exactly 4 bytes.
  public var singleCell: UInt32? {
    guard bytes.count == 4 else { return nil }
    return UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
  }

  /// The NUL-separated strings of the value, when it is a well-formed string list.
  public var strings: [String]? {
    guard let last = bytes.last, last == 0 else { return nil }
    var out: [String] = []
    var start = 0
    for i in 0..<bytes.count where bytes[i] == 0 {
      out.append(String(decoding: bytes[start..<i], as: UTF8.self))
      start = i + 1
    }
    return out
  }

  public mutating func appendCell(_ v: UInt32) {
    bytes.append(UInt8(truncatingIfNeeded: v >> 24))
    bytes.append(UInt8(truncatingIfNeeded: v >> 16))
    bytes.append(UInt8(truncatingIfNeeded: v >> 8))
    bytes.append(UInt8(truncatingIfNeeded: v))
  }

  public mutating func setCell(_ v: UInt32, at offset: Int) {
    guard offset >= 0, offset + 4 <= bytes.count else { return }
    bytes[offset] = UInt8(truncatingIfNeeded: v >> 24)
    bytes[offset + 1] = UInt8(truncatingIfNeeded: v >> 16)
    bytes[offset + 2] = UInt8(truncatingIfNeeded: v >> 8)
    bytes[offset + 3] = UInt8(truncatingIfNeeded: v)
  }

  /// Appends `other`, shifting its markers (dtc's `data_merge`).
  public mutating func append(_ other: PropertyValue) {
    let base = bytes.count
    bytes.append(contentsOf: other.bytes)
    markers.append(
      contentsOf: other.markers.map {
        var m = $0; m.offset += base; return m
      })
  }

  public static func string(_ s: String) -> PropertyValue {
    PropertyValue(bytes: Array(s.utf8) + [0], markers: [ValueMarker(kind: .string, offset: 0)])
  }
  public static func cells(_ cs: [UInt32]) -> PropertyValue {
    var v = PropertyValue(markers: [ValueMarker(kind: .cells(bits: 32), offset: 0)])
    for c in cs { v.appendCell(c) }
    return v
  }
}

/// A property. Deleted properties stay in their node's list (dtc keeps their slot: a property deleted and
/// defined again returns to its old position).
public final class Property {
  public var name: String {
    didSet {
      nameHash = Property.hash(name)
      // A node's property index does not know its properties' names change: every index is rebuilt.
      Property.renames.add(1, ordering: .relaxed)
    }
  }
  /// How many times a property was renamed (never, in practice), for ``Node/property(_:)``'s index.
  static let renames = Atomic<Int>(0)
  /// A cheap hash of `name`, so lookups by name compare integers first.
  public private(set) var nameHash: UInt64

  /// FNV-1a over the name's bytes.
  @inline(__always)
  public static func hash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    var copy = s
    copy.withUTF8 { buf in
      for b in buf {
        h ^= UInt64(b)
        h &*= 0x100_0000_01b3
      }
    }
    return h
  }
  public var value: PropertyValue
  /// Labels in dtc's order, including deleted ones (a deleted label that is added again keeps its slot).
  public var labelEntries: [LabelEntry] = []
  public var labels: [String] {
    get { labelEntries.compactMap { $0.deleted ? nil : $0.name } }
    set { labelEntries = newValue.map { LabelEntry(name: $0) } }
  }
  public var deleted: Bool
  /// Where the current value was defined (`name = …;`).
  public var range: SourceRange?
  /// Where the name was written (for precise carets).
  public var nameRange: SourceRange?

  public init(
    name: String, value: PropertyValue = .empty, labels: [String] = [], deleted: Bool = false,
    range: SourceRange? = nil, nameRange: SourceRange? = nil
  ) {
    self.name = name
    self.nameHash = Property.hash(name)
    self.value = value
    self.labelEntries = labels.map { LabelEntry(name: $0) }
    self.deleted = deleted
    self.range = range
    self.nameRange = nameRange
  }
}

extension Property {
  /// Marks the property and its labels deleted (dtc's `delete_property`).
  public func markDeleted() {
    deleted = true
    for i in labelEntries.indices { labelEntries[i].deleted = true }
  }
}

/// A label on a node or property. Deleted labels keep their place in the list (dtc revives them in place).
public struct LabelEntry: Sendable, Hashable {
  public var name: String
  public var deleted: Bool = false
  public init(name: String, deleted: Bool = false) {
    self.name = name
    self.deleted = deleted
  }
}

/// dtc's `add_label`: a label already present (even deleted) is revived in place; a new one goes first.
func addLabel(_ label: String, to entries: inout [LabelEntry]) {
  if let i = entries.firstIndex(where: { $0.name == label }) {
    entries[i].deleted = false
    return
  }
  entries.insert(LabelEntry(name: label), at: 0)
}

/// A node of the merged tree. Deleted nodes stay in their parent's list, flagged.
public final class Node {
  /// Full node name, `base@unit` (empty for the root).
  public var name: String {
    didSet {
      at = Self.atSign(name)
      parent?.forgetChildIndex()
    }
  }
  /// Where the `@` of `name` is: rules ask for base names and unit addresses of every node, many times.
  private var at: String.Index?
  public var properties: [Property] = [] {
    didSet {
      if propertyIndex != nil {
        propertyIndex = nil
        scans.properties = 0
      }
    }
  }
  /// Where the first property of each name is, for nodes with many (`/__symbols__` of a 500 000-node tree), with
  /// the `Property.renames` count it was built at.
  private var propertyIndex: (renames: Int, first: [String: Int])?
  public var children: [Node] = [] {
    didSet { forgetChildIndex() }
  }
  public weak var parent: Node?
  /// Where the first child of each name is, for nodes with many (``child(_:)`` on each of 500 000 siblings would
  /// otherwise be quadratic). Built once a node has been searched ``Node/scansBeforeIndex`` times (a single lookup
  /// is cheaper as a scan), dropped when `children` or a child's name changes.
  private var childIndex: [String: Int]?
  /// Searches of a node with many children or properties since its index was dropped (under `indexLock`).
  private var scans: (children: Int, properties: Int) = (0, 0)
  /// Labels in dtc's order (labels added by later extensions come first), including deleted ones.
  public var labelEntries: [LabelEntry] = []
  /// Live labels in dtc's order.
  public var labels: [String] {
    get { labelEntries.compactMap { $0.deleted ? nil : $0.name } }
    set { labelEntries = newValue.map { LabelEntry(name: $0) } }
  }
  public var deleted = false
  /// 0 when none has been assigned.
  public var phandle: UInt32 = 0
  public var omitIfNoRef = false
  public var isReferenced = false
  /// Every block that defined or extended this node, in source order.
  public var definitions: [SourceRange] = []
  /// Where the node's name (or `&ref`) was written in its first definition.
  public var nameRange: SourceRange?

  public init(name: String) {
    self.name = name
    self.at = Self.atSign(name)
  }

  private static func atSign(_ name: String) -> String.Index? { name.utf8.firstIndex(of: 0x40) }

  public var range: SourceRange? { definitions.first }

  /// Name without the unit address.
  public var baseName: Substring {
    if let at { return name[..<at] }
    return name[...]
  }
  /// Whether the name without its unit address is the ASCII `base` (which has no `@`), compared byte for byte
  /// without making a substring: rules ask it of every node.
  public func hasBaseName(_ base: StaticString) -> Bool {
    let n = base.utf8CodeUnitCount
    let p = base.utf8Start
    var name = name
    return name.withUTF8 { b in
      guard b.count == n || (b.count > n && b[n] == UInt8(ascii: "@")) else { return false }
      for i in 0..<n where b[i] != p[i] { return false }
      return true
    }
  }

  /// Unit address (text after `@`), or empty.
  public var unitAddress: Substring {
    if let at { return name[name.utf8.index(after: at)...] }
    return ""
  }

  public var liveProperties: some Sequence<Property> { properties.lazy.filter { !$0.deleted } }
  public var liveChildren: some Sequence<Node> { children.lazy.filter { !$0.deleted } }

  public func property(_ name: String) -> Property? {
    let h = Property.hash(name)
    if properties.count <= Self.indexedChildren {
      for p in properties where p.nameHash == h && !p.deleted && p.name == name { return p }
      return nil
    }
    // Trees are built by one thread, but a finished tree (a shared base) may be read by several: the index is built
    // and read under one lock, taken only for nodes with many properties or children.
    Self.indexLock.lock()
    defer { Self.indexLock.unlock() }
    let renames = Property.renames.load(ordering: .relaxed)
    if propertyIndex?.renames != renames {
      propertyIndex = nil
      scans.properties += 1
      if scans.properties <= Self.scansBeforeIndex {
        for p in properties where p.nameHash == h && !p.deleted && p.name == name { return p }
        return nil
      }
      var first: [String: Int] = [:]
      first.reserveCapacity(properties.count)
      for (i, p) in properties.enumerated() where first[p.name] == nil { first[p.name] = i }
      propertyIndex = (renames, first)
    }
    guard let i = propertyIndex?.first[name] else { return nil }
    // The first of that name, or a later one when it was deleted.
    for p in properties[i...] where p.nameHash == h && !p.deleted && p.name == name { return p }
    return nil
  }

  public func child(_ name: String) -> Node? {
    if children.count <= Self.indexedChildren {
      for c in children where !c.deleted && c.name == name { return c }
      return nil
    }
    Self.indexLock.lock()
    defer { Self.indexLock.unlock() }
    if childIndex == nil {
      scans.children += 1
      if scans.children <= Self.scansBeforeIndex {
        for c in children where !c.deleted && c.name == name { return c }
        return nil
      }
      var first: [String: Int] = [:]
      first.reserveCapacity(children.count)
      for (i, c) in children.enumerated() where first[c.name] == nil { first[c.name] = i }
      childIndex = first
    }
    guard let i = childIndex?[name] else { return nil }
    for c in children[i...] where !c.deleted && c.name == name { return c }
    return nil
  }

  /// Nodes with more children (or properties) than this are looked up through an index.
  static let indexedChildren = 32
  /// Lookups of one such node answered by a scan before its index is built.
  static let scansBeforeIndex = 4
  private static let indexLock = NSLock()

  fileprivate func forgetChildIndex() {
    if childIndex != nil {
      childIndex = nil
      scans.children = 0
    }
  }

  /// Full path from the root (`/` for the root).
  public var path: String {
    guard let parent else { return "/" }
    var parts: [String] = [name]
    var p: Node? = parent
    while let n = p, n.parent != nil {
      parts.append(n.name)
      p = n.parent
    }
    return "/" + parts.reversed().joined(separator: "/")
  }

  /// Appends a child, keeping the index of children by name (a lookup, then an append, on a node with many
  /// children stays linear in all).
  public func addChild(_ c: Node) {
    c.parent = self
    let kept = childIndex
    children.append(c)  // drops the index
    if var index = kept {
      childIndex = nil  // `index` is the only reference: updated in place
      if index[c.name] == nil { index[c.name] = children.count - 1 }
      childIndex = index
    }
  }

  /// Appends a property, keeping the index of properties by name (see ``addChild(_:)``).
  public func addProperty(_ p: Property) {
    let kept = propertyIndex
    properties.append(p)  // drops the index
    if var index = kept {
      propertyIndex = nil
      if index.first[p.name] == nil { index.first[p.name] = properties.count - 1 }
      propertyIndex = index
    }
  }

  /// Marks this node, its subtree, properties and labels deleted (dtc's `delete_node`).
  public func markDeleted() {
    deleted = true
    for c in children where !c.deleted { c.markDeleted() }
    for p in properties where !p.deleted { p.markDeleted() }
    for i in labelEntries.indices { labelEntries[i].deleted = true }
  }

  /// Pre-order walk over live nodes with an explicit stack, so depth costs heap rather than call stack:
  /// `enter(node, depth)` before a node's children, `exit(node, depth)` after them.
  public func traverse(enter: (Node, Int) -> Void, exit: (Node, Int) -> Void) {
    if deleted { return }
    var stack: [(node: Node, next: Int)] = [(self, 0)]
    enter(self, 0)
    while let top = stack.last {
      var i = top.next
      let children = top.node.children
      while i < children.count, children[i].deleted { i += 1 }
      if i < children.count {
        stack[stack.count - 1].next = i + 1
        enter(children[i], stack.count)
        stack.append((children[i], 0))
      } else {
        exit(top.node, stack.count - 1)
        stack.removeLast()
      }
    }
  }

  /// Pre-order walk over live nodes.
  public func walk(_ body: (Node) throws -> Void) rethrows {
    try body(self)
    for c in children where !c.deleted { try c.walk(body) }
  }
}

/// A `/memreserve/` entry.
public struct ReserveEntry: Sendable, Hashable {
  public var address: UInt64
  public var size: UInt64
  public var labels: [String]
  public var range: SourceRange?
  public init(address: UInt64, size: UInt64, labels: [String] = [], range: SourceRange? = nil) {
    self.address = address
    self.size = size
    self.labels = labels
    self.range = range
  }
}

/// A whole device tree: root node, memory reservations and header facts.
public final class DeviceTree {
  public var root: Node
  public var reserves: [ReserveEntry]
  /// `/plugin/` source, or a blob that looks like an overlay.
  public var isPlugin: Bool
  public var bootCPUID: UInt32

  public init(root: Node = Node(name: ""), reserves: [ReserveEntry] = [], isPlugin: Bool = false, bootCPUID: UInt32 = 0)
  {
    self.root = root
    self.reserves = reserves
    self.isPlugin = isPlugin
    self.bootCPUID = bootCPUID
  }

  /// The deepest node nesting a tree may have, counting the root as level 1: what the compiler accepts (in the
  /// source and in the merged tree) and what the blob reader reads, so every blob dtlint writes it can read back.
  /// Real trees stay under 20 levels; the limit keeps hostile input from exhausting the stack of code that walks
  /// trees recursively.
  public static let maxDepth = 512

  /// The message for a tree nested deeper than ``maxDepth``, the same on every side.
  public static var tooDeepMessage: String { "nodes are nested more than \(maxDepth) levels deep" }

  /// The first live node (pre-order) nested deeper than ``maxDepth``, nil when there is none.
  public func nodeTooDeep() -> Node? {
    var found: Node?
    root.traverse(
      enter: { n, depth in if found == nil && depth >= Self.maxDepth { found = n } }, exit: { _, _ in })
    return found
  }

  /// The node at an absolute path (`/soc/uart@1000`), comparing full names, skipping deleted nodes.
  public func node(atPath path: String) -> Node? {
    var n = root
    if path.utf8.allSatisfy({ $0 < 0x80 }) {
      // ASCII (every path in practice): split on the bytes; `split` on a Character walks graphemes.
      var rest = path[...]
      while let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/")) {
        if slash != rest.startIndex {
          guard let c = n.child(String(rest[..<slash])) else { return nil }
          n = c
        }
        rest = rest[rest.utf8.index(after: slash)...]
      }
      if !rest.isEmpty {
        guard let c = n.child(String(rest)) else { return nil }
        n = c
      }
      return n
    }
    for comp in path.split(separator: "/", omittingEmptySubsequences: true) {
      guard let c = n.child(String(comp)) else { return nil }
      n = c
    }
    return n
  }

  /// Every live label with the first live node (pre-order) carrying it: one walk for many ``node(withLabel:)``
  /// lookups.
  public func labelIndex() -> [String: Node] {
    var index: [String: Node] = [:]
    root.traverse(
      enter: { n, _ in
        // One hash lookup per label: the first carrier stays.
        for l in n.labelEntries where !l.deleted { Self.keepFirst(&index[l.name], n) }
      }, exit: { _, _ in })
    return index
  }

  @inline(__always) private static func keepFirst(_ slot: inout Node?, _ n: Node) {
    if slot == nil { slot = n }
  }

  /// The first live node (pre-order) carrying `label`.
  public func node(withLabel label: String) -> Node? {
    var found: Node?
    func visit(_ n: Node) -> Bool {
      if n.labels.contains(label) {
        found = n
        return true
      }
      for c in n.children where !c.deleted {
        if visit(c) { return true }
      }
      return false
    }
    _ = visit(root)
    return found
  }
}
