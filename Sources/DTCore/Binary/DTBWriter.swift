/// Writes a tree as a flattened device tree blob, byte for byte as dtc 1.8.1 writes it with `-O dtb`
/// (`flattree.c`, `dt_to_blob`), without libfdt.
///
/// Layout: header, memory reservation map (at the header size rounded up to 8, entries then a zero entry),
/// structure block (nodes pre-order: FDT_BEGIN_NODE, name, properties in list order, children, FDT_END_NODE;
/// then FDT_END), strings block. Deleted nodes and properties are skipped. No padding options (`-p`, `-S`, `-a`,
/// `-R`) are offered.
public enum DTBWriter {
  /// The versions dtc can write (`-V`). 17 is the default and the only one anyone needs today.
  public static let supportedVersions: Set<Int> = [1, 2, 3, 16, 17]

  /// The blob of `tree` in the given format version (one of ``supportedVersions``; others are a programming error).
  public static func blob(of tree: DeviceTree, version: Int = 17) -> [UInt8] {
    precondition(supportedVersions.contains(version), "unsupported device tree blob version \(version)")
    let old = version < 16  // full paths as names, 8-byte aligned large values, "name" properties
    var strings = StringTable()
    var dt: [UInt8] = []
    appendStruct(tree.root, old: old, into: &dt, strings: &strings)
    append32(0x9, to: &dt)  // FDT_END

    let headerSize = version <= 1 ? 28 : version <= 2 ? 32 : version <= 16 ? 36 : 40
    let reserveOffset = (headerSize + 7) & ~7
    let reserveSize = (tree.reserves.count + 1) * 16
    let structOffset = reserveOffset + reserveSize
    let stringsOffset = structOffset + dt.count
    let totalSize = stringsOffset + strings.bytes.count

    var blob: [UInt8] = []
    blob.reserveCapacity(totalSize)
    let fields: [Int] = [
      0xd00d_feed, totalSize, structOffset, stringsOffset, reserveOffset, version, version <= 3 ? 1 : 16,
      version >= 2 ? Int(tree.bootCPUID) : -1, strings.bytes.count, dt.count,
    ]
    for f in fields.prefix(headerSize / 4) { append32(UInt32(truncatingIfNeeded: f), to: &blob) }
    blob += repeatElement(0, count: reserveOffset - headerSize)
    for r in tree.reserves {
      append64(r.address, to: &blob)
      append64(r.size, to: &blob)
    }
    blob += repeatElement(0, count: 16)
    blob += dt
    blob += strings.bytes
    return blob
  }

  // MARK: - Structure block

  /// Pre-order; deep trees cost heap, not call stack.
  private static func appendStruct(_ root: Node, old: Bool, into dt: inout [UInt8], strings: inout StringTable) {
    root.traverse(
      enter: { node, _ in beginNode(node, old: old, into: &dt, strings: &strings) },
      exit: { _, _ in append32(0x2, to: &dt) })  // FDT_END_NODE
  }

  /// FDT_BEGIN_NODE, the name, and the node's properties.
  private static func beginNode(_ node: Node, old: Bool, into dt: inout [UInt8], strings: inout StringTable) {
    append32(0x1, to: &dt)  // FDT_BEGIN_NODE
    dt += cBytes(old ? node.path : node.name)
    dt.append(0)
    align(&dt, 4)
    var sawName = false
    for p in node.properties where !p.deleted {
      if p.name == "name" { sawName = true }
      appendProperty(nameOffset: strings.offset(of: cBytes(p.name)), value: p.value.bytes, old: old, into: &dt)
    }
    if old, !sawName {
      appendProperty(
        nameOffset: strings.offset(of: Array("name".utf8)), value: cBytes(String(node.baseName)) + [0], old: old,
        into: &dt)
    }
  }

  private static func appendProperty(nameOffset: Int, value: [UInt8], old: Bool, into dt: inout [UInt8]) {
    append32(0x3, to: &dt)  // FDT_PROP
    append32(UInt32(truncatingIfNeeded: value.count), to: &dt)
    append32(UInt32(truncatingIfNeeded: nameOffset), to: &dt)
    if old, value.count >= 8 { align(&dt, 8) }
    dt += value
    align(&dt, 4)
  }

  /// A name as C sees it: its bytes up to the first NUL.
  private static func cBytes(_ s: String) -> [UInt8] {
    var b = Array(s.utf8)
    if let nul = b.firstIndex(of: 0) { b.removeSubrange(nul...) }
    return b
  }

  private static func align(_ b: inout [UInt8], _ n: Int) {
    while b.count % n != 0 { b.append(0) }
  }

  private static func append32(_ v: UInt32, to b: inout [UInt8]) {
    b.append(UInt8(truncatingIfNeeded: v >> 24))
    b.append(UInt8(truncatingIfNeeded: v >> 16))
    b.append(UInt8(truncatingIfNeeded: v >> 8))
    b.append(UInt8(truncatingIfNeeded: v))
  }

  private static func append64(_ v: UInt64, to b: inout [UInt8]) {
    append32(UInt32(truncatingIfNeeded: v >> 32), to: &b)
    append32(UInt32(truncatingIfNeeded: v), to: &b)
  }
}

/// dtc's strings block: a name is stored once, on first use, unless it already occurs in the block as a
/// NUL-terminated tail of a stored string (`names` reuses the end of `reg-names`). dtc finds the first such
/// occurrence with `memmem` over the whole block; here every stored string's tails are indexed as it is appended,
/// so each lookup is one probe of a hash table whose entries point into the block itself (no array per tail, no
/// per-byte `Hasher`: a compile hashed and allocated more for this table than it spent writing the blob).
struct StringTable {
  private(set) var bytes: [UInt8] = []
  /// The indexed tails (up to `maxIndexed` bytes, each ending where a stored string ends), at their first
  /// occurrence: where each starts in `bytes`, its length and its hash. `slots` is the open-addressing table.
  private var tailStart: [Int32] = []
  private var tailLength: [UInt8] = []
  private var tailHash: [UInt32] = []
  private var slots = [Int32](repeating: -1, count: 64)
  /// Strings longer than `maxIndexed`: only their last `maxIndexed` tails are indexed.
  private var longStrings: [Range<Int>] = []
  private let maxIndexed = 64

  /// FNV-1a folded from the last byte to the first, so that the tails of a string are hashed in one pass.
  @inline(__always) private static func step(_ h: UInt32, _ c: UInt8) -> UInt32 { (h ^ UInt32(c)) &* 16_777_619 }
  private static let seed: UInt32 = 2_166_136_261

  /// The offset of `name` (without NUL) in the block, appending it when it does not occur yet.
  mutating func offset(of name: [UInt8]) -> Int {
    if name.count <= maxIndexed {
      var h = Self.seed
      for c in name.reversed() { h = Self.step(h, c) }
      let (slot, found) = probe(hash: h, count: name.count) { at in bytes[at..<(at + name.count)].elementsEqual(name) }
      if found { return Int(tailStart[Int(slots[slot])]) }
    } else {
      for r in longStrings where r.count >= name.count && bytes[(r.upperBound - name.count)..<r.upperBound] == name[...]
      {
        return r.upperBound - name.count
      }
    }
    let start = bytes.count
    bytes += name
    bytes.append(0)
    let end = start + name.count
    if name.count > maxIndexed { longStrings.append(start..<end) }
    // Every tail of the new string, from the empty one at its end to the longest indexed: the first occurrence of
    // each is kept.
    var h = Self.seed
    var k = end
    while true {
      let length = end - k
      let (slot, found) = probe(hash: h, count: length) { [bytes] at in
        bytes[at..<(at + length)].elementsEqual(bytes[k..<end])
      }
      if !found { add(start: k, length: length, hash: h, slot: slot) }
      if k == max(start, end - maxIndexed) { break }
      k -= 1
      h = Self.step(h, bytes[k])
    }
    return start
  }

  /// The slot of the tail of `count` bytes with hash `hash` that `matches` (given where a candidate starts), or the
  /// empty slot where it would go.
  private func probe(hash: UInt32, count: Int, matches: (Int) -> Bool) -> (slot: Int, found: Bool) {
    let mask = slots.count - 1
    var i = Int(hash) & mask
    while true {
      let e = slots[i]
      if e < 0 { return (i, false) }
      let entry = Int(e)
      if tailHash[entry] == hash, Int(tailLength[entry]) == count, matches(Int(tailStart[entry])) { return (i, true) }
      i = (i + 1) & mask
    }
  }

  private mutating func add(start: Int, length: Int, hash: UInt32, slot: Int) {
    slots[slot] = Int32(tailStart.count)
    tailStart.append(Int32(start))
    tailLength.append(UInt8(length))
    tailHash.append(hash)
    if tailStart.count * 2 > slots.count { slots = ByteStrings.slots(hashes: tailHash, count: slots.count * 2) }
  }
}
