/// What dtc 1.8 recovers from a blob it decompiles, in dtc's order (`dtc.c`, `livetree.c`, `treesource.c`):
/// 1. node phandles from `phandle` (else `linux,phandle`), first node wins on duplicates (the `explicit_phandles`
///    check);
/// 2. labels from `/__symbols__`: each property `label = "/path"` labels that node, the latest label first;
/// 3. phandle references from `/__fixups__` (`label = "path:prop:offset"`, the reference names the label);
/// 4. phandle references from `/__local_fixups__` (offsets in the mirrored property; the reference names the target
///    node's first label, else its path);
/// 5. type markers guessed from the bytes (`guess_type_markers`).
/// Entries that do not fit (missing node, property or offset) are skipped, as dtc skips them with a warning.
/// `isPlugin` is set when the root has `__fixups__` or `__local_fixups__` (dtc) or a fragment with `__overlay__`.
enum BlobRecovery {
  static func recover(_ tree: DeviceTree) {
    let phandles = assignPhandles(tree.root)
    let root = tree.root
    tree.isPlugin =
      root.child("__fixups__") != nil || root.child("__local_fixups__") != nil
      || root.liveChildren.contains { $0.child("__overlay__") != nil }
    if let symbols = root.child("__symbols__") { labelsFromSymbols(symbols, tree) }
    var refs = References()
    if let fixups = root.child("__fixups__") { referencesFromFixups(fixups, tree, &refs) }
    if let local = root.child("__local_fixups__") { referencesFromLocalFixups(local, root, phandles, &refs) }
    refs.attach()
    root.walk { node in
      for p in node.properties where !p.deleted {
        p.value.markers = ValueTyping.guessedMarkers(p.value.bytes, p.value.markers)
      }
    }
  }

  /// Phandle references found for each property, in the order dtc adds them. dtc inserts each into the sorted
  /// marker list and drops a second reference at an offset that already has one; sorting once at the end and
  /// keeping the first reference per offset gives the same list without quadratic insertion.
  struct References {
    private var found: [ObjectIdentifier: (property: Property, markers: [ValueMarker])] = [:]

    mutating func add(_ property: Property, offset: Int, ref: String) {
      found[ObjectIdentifier(property), default: (property, [])].markers.append(
        ValueMarker(kind: .phandleReference, offset: offset, ref: ref))
    }

    func attach() {
      for (property, markers) in found.values {
        let sorted = markers.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }
        var kept: [ValueMarker] = []
        for (_, m) in sorted where kept.last?.offset != m.offset { kept.append(m) }
        property.value.markers = kept
      }
    }
  }

  static func isValidPhandle(_ v: UInt32) -> Bool { v != 0 && v != 0xffff_ffff }

  /// Sets `node.phandle` and returns the nodes by phandle.
  static func assignPhandles(_ root: Node) -> [UInt32: Node] {
    var byPhandle: [UInt32: Node] = [:]
    root.walk { node in
      func value(_ name: String) -> UInt32 {
        guard let v = node.property(name)?.value.singleCell, isValidPhandle(v) else { return 0 }
        return v
      }
      var ph = value("phandle")
      if ph == 0 { ph = value("linux,phandle") }
      guard ph != 0, byPhandle[ph] == nil else { return }
      node.phandle = ph
      byPhandle[ph] = node
    }
    return byPhandle
  }

  /// The bytes of a C string: up to the first NUL, or all of them.
  static func cString(_ bytes: [UInt8]) -> String {
    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
  }

  private static func labelsFromSymbols(_ symbols: Node, _ tree: DeviceTree) {
    for p in symbols.properties where !p.deleted {
      guard let node = node(atPath: p.value.bytes, in: tree) else { continue }
      if !node.labelEntries.contains(where: { !$0.deleted && $0.name == p.name }) {
        node.labels.insert(p.name, at: 0)
      }
    }
  }

  /// `tree.node(atPath: cString(bytes))`: the node at the path a C string holds. A path of ASCII bytes is split at
  /// each `/` byte without building the whole string (a large blob has a thousand symbols); any other path is
  /// split as a `String`, by characters, as ``DeviceTree/node(atPath:)`` does.
  static func node(atPath bytes: [UInt8], in tree: DeviceTree) -> Node? {
    let end = bytes.firstIndex(of: 0) ?? bytes.count
    var ascii = true
    for i in 0..<end where bytes[i] >= 0x80 {
      ascii = false
      break
    }
    guard ascii else { return tree.node(atPath: cString(bytes)) }
    var n = tree.root
    var i = 0
    while i < end {
      if bytes[i] == 0x2F {
        i += 1
        continue
      }
      var j = i
      while j < end && bytes[j] != 0x2F { j += 1 }
      guard let c = n.child(String(decoding: bytes[i..<j], as: UTF8.self)) else { return nil }
      n = c
      i = j
    }
    return n
  }

  /// `__fixups__` entries are NUL-terminated `path:property:offset` strings.
  private static func referencesFromFixups(_ fixups: Node, _ tree: DeviceTree, _ refs: inout References) {
    let colon = UInt8(ascii: ":")
    for fp in fixups.properties where !fp.deleted {
      let v = fp.value.bytes
      var start = 0
      while start < v.count {
        guard let nul = v[start...].firstIndex(of: 0) else { break }  // unterminated entry: dtc stops here
        let entry = v[start..<nul]
        start = nul + 1
        guard let c1 = entry.firstIndex(of: colon), let c2 = entry[(c1 + 1)...].firstIndex(of: colon) else { continue }
        guard let node = tree.node(atPath: String(decoding: entry[..<c1], as: UTF8.self)),
          let prop = node.property(String(decoding: entry[(c1 + 1)..<c2], as: UTF8.self))
        else { continue }
        guard let offset = strtol(entry[(c2 + 1)...]), offset >= 0, offset + 4 <= prop.value.bytes.count else {
          continue
        }
        refs.add(prop, offset: offset, ref: fp.name)
      }
    }
  }

  /// `__local_fixups__` mirrors the tree; each property lists offsets of phandles in the same-named property.
  private static func referencesFromLocalFixups(
    _ fixups: Node, _ node: Node, _ phandles: [UInt32: Node], _ refs: inout References
  ) {
    for lfp in fixups.properties where !lfp.deleted {
      guard let prop = node.property(lfp.name), let offsets = lfp.value.cells else { continue }
      for off in offsets {
        let offset = Int(off)
        guard offset + 4 <= prop.value.bytes.count else { continue }
        let ph = BlobHeader.be32(prop.value.bytes, offset)
        guard isValidPhandle(ph), let target = phandles[ph] else { continue }
        refs.add(prop, offset: offset, ref: target.labels.first ?? target.path)
      }
    }
    for sub in fixups.children where !sub.deleted {
      if let child = node.child(sub.name) { referencesFromLocalFixups(sub, child, phandles, &refs) }
    }
  }

  /// C's `strtol(s, NULL, 0)` for the offsets in fixup entries: leading space, sign, `0x` hex, `0` octal, digits
  /// up to the first that does not fit. nil when the value does not fit in an `Int`.
  static func strtol(_ s: ArraySlice<UInt8>) -> Int? {
    var i = s.startIndex
    while i < s.endIndex, s[i] == 0x20 || (s[i] >= 0x09 && s[i] <= 0x0d) { i += 1 }
    var negative = false
    if i < s.endIndex, s[i] == UInt8(ascii: "-") || s[i] == UInt8(ascii: "+") {
      negative = s[i] == UInt8(ascii: "-")
      i += 1
    }
    func digit(_ c: UInt8) -> Int? {
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(c - UInt8(ascii: "a")) + 10
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(c - UInt8(ascii: "A")) + 10
      default: nil
      }
    }
    var base = 10
    if i < s.endIndex, s[i] == UInt8(ascii: "0") {
      if i + 2 < s.endIndex, (s[i + 1] | 0x20) == UInt8(ascii: "x"), let d = digit(s[i + 2]), d < 16 {
        base = 16
        i += 2
      } else {
        base = 8
      }
    }
    var value = 0
    while i < s.endIndex, let d = digit(s[i]), d < base {
      let (m, o1) = value.multipliedReportingOverflow(by: base)
      let (a, o2) = m.addingReportingOverflow(d)
      if o1 || o2 { return nil }
      value = a
      i += 1
    }
    return negative ? -value : value
  }
}
