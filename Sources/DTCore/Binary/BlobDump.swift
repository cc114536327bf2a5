import Foundation

/// `dump` of a blob straight from its bytes (issue 20): the text ``DTSPrinter/printBytes(_:omitted:)`` writes for
/// the tree ``DTBReader/read(_:path:recover:properties:)`` reads, without building that tree.
///
/// The structure block is walked twice. The first walk (``Printer/init(_:)``) decides: it checks the structure as
/// libfdt 1.6.1's `fdt_check_full` and the reader's walk check it (more strictly where that is simpler: nothing but
/// FDT_END after the root, for one), checks every node and property name (inside its block, DTS-writable), and
/// indexes the nodes by path; the labels of `/__symbols__` are then found as ``BlobRecovery`` finds them. The
/// second walk (``Printer/write(into:chunk:flush:)``) only writes the text, typing each value as ``BlobRecovery``
/// types it, with the printer's own functions (``DTSPrinter/writeGuessedValue(_:from:to:into:)``): it meets nothing
/// the first walk did not accept, so a blob the first walk takes is printed to its end, and the text can be handed
/// on (to standard output) as it is written.
///
/// A blob the first walk refuses is not printed here; the caller then reads it in full, which also reports what is
/// wrong with a blob it cannot read. That is:
/// - a blob the reader refuses, or one this walk finds odd: a version before 16 (nodes named by their path, values
///   realigned), a property name outside the strings block, a property after a child node, two nodes with one path;
/// - `/__fixups__` or `/__local_fixups__` at the root (phandle references to restore);
/// - anything the printer leaves out with a comment and a warning: a node or property name DTS cannot write, a
///   `/__symbols__` label that is not a DTS label (when its path names a node);
/// - a `/__symbols__` path that is not ASCII (the reader resolves it by characters);
/// - input shaped to make the index slow: a node with more than ``maxLabels`` labels, a path whose lookup probes
///   more than ``maxProbes`` slots.
public enum BlobDump {
  /// Most labels one node may get from `/__symbols__` here (a board has one or two).
  static let maxLabels = 64
  /// Most slots one path lookup may probe.
  static let maxProbes = 64

  /// The DTS text of `blob`, or nil when it is not a blob this path prints (see ``BlobDump``).
  public static func text(_ blob: [UInt8]) -> [UInt8]? {
    guard let printer = Printer(blob) else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(max(1 << 12, printer.structureSize * 2))
    return printer.write(into: &out, chunk: Int.max) { _ in } ? out : nil
  }

  /// A blob the first walk accepted, ready to be printed.
  public struct Printer {
    private let tags: BlobTags
    private let header: BlobHeader
    private let index: NodeIndex

    /// The first walk; nil when `blob` is not one this path prints (see ``BlobDump``).
    public init?(_ blob: [UInt8]) {
      guard let header = try? BlobHeader.parse(blob, path: "", structure: false), header.version >= 16 else {
        return nil
      }
      var tags = BlobTags(blob, header)
      guard var index = NodeIndex(&tags), index.addLabels() else { return nil }
      tags.rewind()
      self.tags = tags
      self.header = header
      self.index = index
    }

    /// The size of the structure block (the text is about twice as large).
    public var structureSize: Int { tags.end - tags.start }

    /// The second walk: appends the text to `out`, as ``DTSPrinter`` lays it out, calling `flush` whenever `out`
    /// holds `chunk` bytes or more (`flush` takes them out, or not). What is left is in `out` at the end. False
    /// only if the walk meets something the first walk did not accept, which cannot happen: the text in `out` and
    /// flushed so far is then not the whole text, and the caller must say so.
    public func write(into out: inout [UInt8], chunk: Int, flush: (inout [UInt8]) -> Void) -> Bool {
      var tags = tags
      let blob = tags.blob
      out.append(text: "/dts-v1/;\n")
      if index.isPlugin { out.append(text: "/plugin/;\n") }
      out.append(0x0A)
      for re in header.reserves {
        out.append(text: "/memreserve/\t0x")
        DTSPrinter.appendHex(re.address, width: 16, into: &out)
        out.append(text: " 0x")
        DTSPrinter.appendHex(re.size, width: 16, into: &out)
        out.append(text: ";\n")
      }
      var level = -1
      var node = 0
      while let tag = tags.next() {
        switch tag {
        case BlobTags.fdtBeginNode:
          level += 1
          if level > 0 { out.append(0x0A) }
          DTSPrinter.indent(level, into: &out)
          var label = index.nodes[node].firstLabel
          while label >= 0 {
            let l = index.labels[label]
            out.append(contentsOf: blob[l.nameStart..<l.nameEnd])
            out.append(0x3A)
            out.append(0x20)
            label = l.next
          }
          if level == 0 {
            out.append(0x2F)
          } else {
            out.append(contentsOf: blob[tags.nameStart..<tags.nameEnd])
          }
          out.append(0x20)
          out.append(0x7B)
          out.append(0x0A)
          node += 1
        case BlobTags.fdtEndNode:
          DTSPrinter.indent(level, into: &out)
          out.append(0x7D)
          out.append(0x3B)
          out.append(0x0A)
          level -= 1
        case BlobTags.fdtProp:
          DTSPrinter.indent(level + 1, into: &out)
          out.append(contentsOf: blob[tags.nameStart..<tags.nameEnd])
          DTSPrinter.writeGuessedValue(blob, from: tags.valueStart, to: tags.valueEnd, into: &out)
          out.append(0x0A)
        case BlobTags.fdtEnd:
          // The first walk checked that the root closes before the end and nothing else follows.
          return level == -1 && node == index.nodes.count
        default:
          break
        }
        if out.count >= chunk { flush(&out) }
      }
      return false
    }
  }
}

/// Whether a blob is a complete tree, found from its bytes (issue 20): `apply` checks its base this way instead of
/// reading it into a tree (about 5 M instructions and 50 fresh pages for a board) only to learn that it reads and is
/// no overlay.
enum BlobCheck {
  /// The blob's header when ``DTBReader/read(_:path:recover:properties:)`` reads `blob` and its tree is no overlay
  /// (has no root
  /// child with an `__overlay__` child, no `/__fixups__`, no `/__local_fixups__`: what
  /// ``OverlayApplier/overlayParts(_:)`` looks for). The structure is checked as ``NodeIndex`` checks it, less what
  /// only printing needs (names DTS can write, one node per path, properties before children); property names as
  /// `fdt_check_full` checks them. Nil also for what this walk does not take on (a version before 16): the caller
  /// then reads the blob, which says what is wrong with it, if anything.
  static func completeTree(_ blob: [UInt8]) -> BlobHeader? {
    guard let header = try? BlobHeader.parse(blob, path: "", structure: false), header.version >= 16 else {
      return nil
    }
    var tags = BlobTags(blob, header, cachingNames: false)
    var depth = 0
    var root = false
    while let tag = tags.next(names: .terminated) {
      switch tag {
      case BlobTags.fdtBeginNode:
        if depth == 0 {
          // One root only, named "" (libfdt and the reader refuse anything else).
          guard !root, tags.nameStart == tags.nameEnd else { return nil }
          root = true
        } else {
          guard depth < DTBReader.maxDepth else { return nil }
          if depth == 1, tags.named("__fixups__") || tags.named("__local_fixups__") { return nil }
          if depth == 2, tags.named("__overlay__") { return nil }
        }
        depth += 1
      case BlobTags.fdtEndNode:
        guard depth > 0 else { return nil }
        depth -= 1
      case BlobTags.fdtProp:
        guard depth > 0 else { return nil }
      case BlobTags.fdtNop:
        // libfdt 1.6.1 wants FDT_END right after the root closes.
        guard depth > 0 || !root else { return nil }
      default:  // FDT_END
        return depth == 0 && root ? header : nil
      }
    }
    return nil
  }
}

/// The tags of a blob's structure block (version 16 and later), read one at a time with every offset checked:
/// ``next(names:)`` returns nil where libfdt would fail (a tag, name or value past the end of the block, an unknown
/// tag, a property name that does not end inside the strings block), and for a property name DTS cannot write.
struct BlobTags {
  static let fdtBeginNode: UInt32 = 1
  static let fdtEndNode: UInt32 = 2
  static let fdtProp: UInt32 = 3
  static let fdtNop: UInt32 = 4
  static let fdtEnd: UInt32 = 9

  let blob: [UInt8]
  let start: Int
  /// Where the structure block ends: what `fdt_offset_ptr` lets a walk read.
  let end: Int
  let stringsStart: Int
  let stringsEnd: Int
  /// The next tag's offset in `blob`.
  private var offset: Int
  /// The name of the last node or property read (`blob[nameStart..<nameEnd]`, without its NUL).
  private(set) var nameStart = 0
  private(set) var nameEnd = 0
  /// The value of the last property read.
  private(set) var valueStart = 0
  private(set) var valueEnd = 0
  /// Property names already read, by offset in a strings block smaller than 64 KiB - 1: the end of the name (from
  /// the block's start) plus one, ``unwritable`` for a name DTS cannot write, 0 when not read yet. A board has a
  /// few hundred property names for thousands of properties. (16 bits: a large board's cache is 4 pages, not 8.)
  private var names: [UInt16]
  private static let unwritable = UInt16.max

  /// How ``next(names:)`` reads a property's name.
  enum Names {
    /// It must end inside the strings block and be a name DTS can write (remembered by offset).
    case printable
    /// It must end inside the strings block, as libfdt's `fdt_check_full` wants.
    case terminated
  }

  /// `cachingNames: false` for a walk with `names: .terminated` only: it needs no memory for names.
  init(_ blob: [UInt8], _ header: BlobHeader, cachingNames: Bool = true) {
    self.blob = blob
    start = header.structOffset
    offset = start
    end = start + min(header.totalSize - start, header.structSize ?? Int.max)
    stringsStart = header.stringsOffset
    stringsEnd = header.stringsOffset + header.stringsSize
    names =
      cachingNames && header.stringsSize < Int(Self.unwritable) ? Array(repeating: 0, count: header.stringsSize) : []
  }

  /// Back to the first tag.
  mutating func rewind() { offset = start }

  /// Whether the last node or property read is named `text`.
  func named(_ text: StaticString) -> Bool {
    guard text.utf8CodeUnitCount == nameEnd - nameStart else { return false }
    return text.withUTF8Buffer { t in t.indices.allSatisfy { t[$0] == blob[nameStart + $0] } }
  }

  /// The next tag, or nil when it cannot be read.
  mutating func next(names mode: Names = .printable) -> UInt32? {
    guard offset >= 0, offset <= end - 4, end <= blob.count else { return nil }
    let tag = BlobHeader.be32(blob, offset)
    var at = offset + 4
    switch tag {
    case Self.fdtBeginNode:
      nameStart = at
      while at < end && blob[at] != 0 { at += 1 }
      guard at < end else { return nil }
      nameEnd = at
      at += 1
    case Self.fdtProp:
      guard at <= end - 8 else { return nil }
      let length = Int(BlobHeader.be32(blob, at))
      let nameOffset = Int(BlobHeader.be32(blob, at + 4))
      at += 8
      guard length <= end - at, nameOffset < stringsEnd - stringsStart, stringsEnd <= blob.count else { return nil }
      valueStart = at
      valueEnd = at + length
      at += length
      nameStart = stringsStart + nameOffset
      if mode == .terminated {
        // memchr: many bytes at a time (a board has thousands of properties).
        let n = blob.withUnsafeBufferPointer { b in
          memchr(b.baseAddress! + nameStart, 0, stringsEnd - nameStart).map {
            UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) - b.baseAddress!
          }
        }
        guard let n else { return nil }
        nameEnd = n
      } else if nameOffset < names.count, names[nameOffset] != 0 {
        guard names[nameOffset] != Self.unwritable else { return nil }
        nameEnd = stringsStart + Int(names[nameOffset]) - 1
      } else {
        var n = nameStart
        while n < stringsEnd && blob[n] != 0 { n += 1 }
        guard n < stringsEnd else { return nil }
        nameEnd = n
        let writable = DTSPrinter.isName(bytes: blob[nameStart..<n])
        if nameOffset < names.count { names[nameOffset] = writable ? UInt16(n - stringsStart + 1) : Self.unwritable }
        guard writable else { return nil }
      }
    case Self.fdtEndNode, Self.fdtNop, Self.fdtEnd:
      break
    default:
      return nil
    }
    offset = (at + 3) & ~3
    return tag
  }
}

/// The first walk over a blob's structure: every node with its name, parent and path hash; `/__symbols__`'s
/// entries; whether the blob is an overlay. Made only for a blob the reader takes and this path prints.
struct NodeIndex {
  /// Offsets and indices are kept in 32 bits (a blob this path prints is smaller than 2 GiB): the index of a large
  /// board is then some 15 pages of memory instead of 30, each a page fault (issue 20).
  struct Entry {
    private var start: Int32
    private var end: Int32
    private var up: Int32
    private var first: Int32 = -1
    /// FNV-1a of the node's path (`/a/b`; the root's is the offset basis).
    var hash: UInt64

    init(nameStart: Int, nameEnd: Int, parent: Int, hash: UInt64) {
      start = Int32(truncatingIfNeeded: nameStart)
      end = Int32(truncatingIfNeeded: nameEnd)
      up = Int32(truncatingIfNeeded: parent)
      self.hash = hash
    }

    var nameStart: Int { Int(start) }
    var nameEnd: Int { Int(end) }
    var parent: Int { Int(up) }
    /// The first of the node's labels (in ``labels``), -1 for none.
    var firstLabel: Int {
      get { Int(first) }
      set { first = Int32(truncatingIfNeeded: newValue) }
    }
  }
  /// A name in the blob and, for a label, the node's next label (-1 after the last); for a `/__symbols__` entry,
  /// the start of its value (the path).
  struct Label {
    private var start: Int32
    private var end: Int32
    private var link: Int32

    init(nameStart: Int, nameEnd: Int, next: Int) {
      start = Int32(truncatingIfNeeded: nameStart)
      end = Int32(truncatingIfNeeded: nameEnd)
      link = Int32(truncatingIfNeeded: next)
    }

    var nameStart: Int { Int(start) }
    var nameEnd: Int { Int(end) }
    var next: Int { Int(link) }
  }

  let blob: [UInt8]
  /// In the order of the structure block (pre-order): the root first.
  private(set) var nodes: [Entry] = []
  private(set) var labels: [Label] = []
  /// `/__symbols__`'s properties: name, and the start of the value in `next`, its end in `valueEnds`.
  private var symbols: [Label] = []
  private var valueEnds: [Int32] = []
  /// `/plugin/` is printed: a child of the root has an `__overlay__` child.
  private(set) var isPlugin = false
  /// Node indices by path hash (open addressing, -1 for an empty slot).
  private var slots: [Int32] = []

  static let fnvBasis: UInt64 = 0xcbf2_9ce4_8422_2325
  static let fnvPrime: UInt64 = 0x100_0000_01b3

  /// The hash of the path of a child named `blob[start..<end]` of a node whose path hashes to `parent`.
  private static func hash(_ parent: UInt64, _ blob: [UInt8], _ start: Int, _ end: Int) -> UInt64 {
    var h = (parent ^ 0x2F) &* fnvPrime
    for i in start..<end { h = (h ^ UInt64(blob[i])) &* fnvPrime }
    return h
  }

  /// Walks the whole structure block; nil when the reader would refuse it or this path does not print it.
  init?(_ tags: inout BlobTags) {
    blob = tags.blob
    guard blob.count <= Int32.max else { return nil }
    // Room for the nodes of a board at once (some 200 bytes of structure a node): arrays grown by doubling would
    // touch twice the memory.
    nodes.reserveCapacity((tags.end - tags.start) / 64 + 16)
    var current = -1
    var depth = 0
    var symbolsNode = -1
    while true {
      // Every property name is checked here (once per strings-block offset: later walks find it in `names`), so
      // that a printer's second walk meets nothing it could refuse after its text began.
      guard let tag = tags.next() else { return nil }
      switch tag {
      case BlobTags.fdtBeginNode:
        let s = tags.nameStart
        let e = tags.nameEnd
        if current < 0 {
          // The root: one only, named "" (libfdt and the reader refuse anything else).
          guard nodes.isEmpty, s == e else { return nil }
          nodes.append(Entry(nameStart: s, nameEnd: e, parent: -1, hash: Self.fnvBasis))
        } else {
          guard depth < DTBReader.maxDepth, DTSPrinter.isName(bytes: blob[s..<e]) else { return nil }
          let hash = Self.hash(nodes[current].hash, blob, s, e)
          nodes.append(Entry(nameStart: s, nameEnd: e, parent: current, hash: hash))
          if depth == 1 {
            if tags.named("__fixups__") || tags.named("__local_fixups__") { return nil }
            if symbolsNode < 0, tags.named("__symbols__") { symbolsNode = nodes.count - 1 }
          } else if depth == 2, tags.named("__overlay__") {
            isPlugin = true
          }
        }
        current = nodes.count - 1
        depth += 1
      case BlobTags.fdtEndNode:
        guard current >= 0 else { return nil }
        current = nodes[current].parent
        depth -= 1
      case BlobTags.fdtProp:
        // Outside any node, or after a child node (the printer writes a node's properties before its children).
        guard current >= 0, current == nodes.count - 1 else { return nil }
        if current == symbolsNode {
          symbols.append(Label(nameStart: tags.nameStart, nameEnd: tags.nameEnd, next: tags.valueStart))
          valueEnds.append(Int32(truncatingIfNeeded: tags.valueEnd))
        }
      case BlobTags.fdtNop:
        // libfdt 1.6.1 wants FDT_END right after the root closes.
        guard current >= 0 || nodes.isEmpty else { return nil }
      default:  // FDT_END
        guard current < 0, !nodes.isEmpty, fillSlots() else { return nil }
        return
      }
    }
  }

  /// Whether node `node` is named `blob[start..<end]`.
  private func isNamed(_ node: Int, _ start: Int, _ end: Int) -> Bool {
    let s = nodes[node].nameStart
    guard nodes[node].nameEnd - s == end - start else { return false }
    for i in 0..<(end - start) where blob[s + i] != blob[start + i] { return false }
    return true
  }

  /// The hash table of paths; false when two nodes have one path or a probe runs too long.
  private mutating func fillSlots() -> Bool {
    var size = 16
    while size < nodes.count * 2 { size <<= 1 }
    slots = Array(repeating: -1, count: size)
    for i in nodes.indices {
      var slot = Int(truncatingIfNeeded: nodes[i].hash) & (size - 1)
      var probes = 0
      while slots[slot] >= 0 {
        let other = Int(slots[slot])
        if nodes[other].hash == nodes[i].hash, samePath(other, i) { return false }
        probes += 1
        if probes > BlobDump.maxProbes { return false }
        slot = (slot + 1) & (size - 1)
      }
      slots[slot] = Int32(truncatingIfNeeded: i)
    }
    return true
  }

  /// Whether two nodes have the same path.
  private func samePath(_ a: Int, _ b: Int) -> Bool {
    var x = a
    var y = b
    while x != y {
      guard x > 0, y > 0, isNamed(x, nodes[y].nameStart, nodes[y].nameEnd) else { return false }
      x = nodes[x].parent
      y = nodes[y].parent
    }
    return true
  }

  /// Labels from `/__symbols__` as ``BlobRecovery`` gives them: in the order of the entries, each in front of the
  /// node's others unless the node has that label already; entries whose path names no node are skipped. False
  /// when the printer would leave a label out (not a DTS label), a path is not ASCII, or a lookup runs too long.
  mutating func addLabels() -> Bool {
    labels.reserveCapacity(symbols.count)
    for (i, symbol) in symbols.enumerated() {
      var end = symbol.next
      while end < Int(valueEnds[i]) && blob[end] != 0 {
        if blob[end] >= 0x80 { return false }
        end += 1
      }
      let node = find(symbol.next, end)
      if node == -2 { return false }
      if node < 0 { continue }
      let label = blob[symbol.nameStart..<symbol.nameEnd]
      guard DTSPrinter.isLabel(bytes: label) else { return false }
      var l = nodes[node].firstLabel
      var count = 0
      while l >= 0, blob[labels[l].nameStart..<labels[l].nameEnd] != label {
        l = labels[l].next
        count += 1
      }
      if l >= 0 { continue }
      if count >= BlobDump.maxLabels { return false }
      labels.append(Label(nameStart: symbol.nameStart, nameEnd: symbol.nameEnd, next: nodes[node].firstLabel))
      nodes[node].firstLabel = labels.count - 1
    }
    return true
  }

  /// The node at the path `blob[start..<end]` (split at `/`, empty components skipped, from the root, as
  /// ``BlobRecovery/node(atPath:in:)`` reads an ASCII path); -1 when there is none, -2 when the lookup runs too
  /// long.
  private func find(_ start: Int, _ end: Int) -> Int {
    var h = Self.fnvBasis
    var i = start
    while i < end {
      if blob[i] == 0x2F {
        i += 1
        continue
      }
      var j = i
      while j < end && blob[j] != 0x2F { j += 1 }
      h = Self.hash(h, blob, i, j)
      i = j
    }
    var slot = Int(truncatingIfNeeded: h) & (slots.count - 1)
    var probes = 0
    while slots[slot] >= 0 {
      let node = Int(slots[slot])
      if nodes[node].hash == h, isPath(of: node, start, end) { return node }
      probes += 1
      if probes > BlobDump.maxProbes { return -2 }
      slot = (slot + 1) & (slots.count - 1)
    }
    return -1
  }

  /// Whether `blob[start..<end]`, split at `/` with empty components skipped, is the path of `node`.
  private func isPath(of node: Int, _ start: Int, _ end: Int) -> Bool {
    var n = node
    var j = end
    while true {
      while j > start && blob[j - 1] == 0x2F { j -= 1 }
      if j == start { return n == 0 }
      guard n > 0 else { return false }
      let e = j
      while j > start && blob[j - 1] != 0x2F { j -= 1 }
      guard isNamed(n, j, e) else { return false }
      n = nodes[n].parent
    }
  }
}
