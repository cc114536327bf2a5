/// How dtc types a property value it has no source for: dtc 1.8's `treesource.c` (`add_marker`,
/// `guess_value_type`, `guess_type_markers`), followed step by step.
///
/// dtc keeps markers in a linked list and walks it through "slots" (pointers to a `next` field); the quirks of
/// its output (each phandle reference in a `< >` of its own, string lists split at every NUL) come from that walk,
/// so it is reproduced here on a linked list held in arrays: insertions cost O(1) and a whole value is typed in
/// linear time even when a hostile blob gives it hundreds of thousands of references.
enum ValueTyping {
  /// dtc's marker list. A slot is the index of the item whose `next` link it is, or -1 for the list head.
  struct MarkerList {
    private(set) var items: [ValueMarker]
    private var next: [Int]
    private var head: Int

    init(_ markers: [ValueMarker]) {
      items = markers
      next = markers.indices.map { $0 + 1 < markers.count ? $0 + 1 : -1 }
      head = markers.isEmpty ? -1 : 0
    }

    /// The item a slot links to, or -1 at the end of the list.
    func target(_ slot: Int) -> Int { slot < 0 ? head : next[slot] }

    private mutating func link(_ slot: Int, to i: Int) {
      if slot < 0 { head = i } else { next[slot] = i }
    }

    /// dtc's `add_marker`: from `slot` on, skip markers before the offset; at most one type marker per offset,
    /// before the others; no two equal markers at one offset. Returns the slot after the new marker, or the slot
    /// of the marker that made it unnecessary.
    mutating func add(from slot: Int, _ marker: ValueMarker) -> Int {
      var s = slot
      while target(s) >= 0, items[target(s)].offset < marker.offset { s = target(s) }
      var t = target(s)
      if t >= 0, items[t].offset == marker.offset, items[t].isTypeMarker {
        if marker.isTypeMarker { return s }
        s = t
        t = target(s)
      }
      if t >= 0, items[t].offset == marker.offset, items[t].kind == marker.kind { return s }
      items.append(marker)
      next.append(t)
      link(s, to: items.count - 1)
      return items.count - 1
    }

    /// The markers in list order.
    var markers: [ValueMarker] {
      var out: [ValueMarker] = []
      out.reserveCapacity(items.count)
      var i = head
      while i >= 0 {
        out.append(items[i])
        i = next[i]
      }
      return out
    }
  }

  /// Bytes dtc's decompiler accepts inside a string: printable ASCII, NUL, and the C escapes `\a` to `\r`.
  static func isStringByte(_ c: UInt8) -> Bool {
    (c >= 0x20 && c < 0x7f) || c == 0 || (c >= 0x07 && c <= 0x0d)
  }

  /// dtc's `guess_value_type` for `bytes[offset ..< offset+length]` (`length > 0`): a string (adding a marker at
  /// the start of every further string of a list), else 32-bit cells when the length allows, else bytes.
  /// String markers are added from `slot`, where dtc starts from the list head: every marker before `slot` lies at
  /// or before `offset`, so both walks end at the same place.
  static func guessType(
    _ bytes: [UInt8], offset: Int, length: Int, list: inout MarkerList, from slot: Int
  ) -> ValueMarker.Kind {
    let guess = classify(bytes, offset: offset, length: length)
    if guess.list {
      var s = slot
      forEachFurtherString(bytes, offset: offset, end: offset + length) {
        s = list.add(from: s, ValueMarker(kind: .string, offset: $0))
      }
    }
    return guess.kind
  }

  /// What `guess_value_type` makes of `bytes[offset ..< offset+length]`, and whether it is a string list (more
  /// than one NUL).
  static func classify(_ bytes: [UInt8], offset: Int, length: Int) -> (kind: ValueMarker.Kind, list: Bool) {
    let end = offset + length
    guard length > 0, offset >= 0, end <= bytes.count else { return (.cells(bits: 8), false) }
    let notString: (kind: ValueMarker.Kind, list: Bool) = (length % 4 == 0 ? .cells(bits: 32) : .cells(bits: 8), false)
    // dtc counts the bytes that cannot be in a string; one is enough to know (cells are mostly not text).
    var nuls = 0
    for i in offset..<end {
      let c = bytes[i]
      if !isStringByte(c) { return notString }
      if c == 0 { nuls += 1 }
    }
    if bytes[end - 1] == 0, nuls <= length - nuls { return (.string, nuls > 1) }
    return notString
  }

  /// Calls `body` with the offset of each string after the first in a string list ending with NUL at `end - 1`.
  static func forEachFurtherString(_ bytes: [UInt8], offset: Int, end: Int, _ body: (Int) -> Void) {
    var i = offset
    while bytes[i] != 0 { i += 1 }
    i += 1
    while i < end {
      body(i)
      while bytes[i] != 0 { i += 1 }
      i += 1
    }
  }

  /// The markers of a value with type markers added where it has none (dtc's `guess_type_markers`). The walk
  /// stops at the first type marker it meets, keeping what it added before it.
  ///
  /// Two cases are answered without dtc's list: markers that start with a type marker (the walk stops at once:
  /// the markers as they are), and no markers at all (one guess over the whole value: its type at 0, then a string
  /// marker at each further string of a list, in offset order). ``generalGuessedMarkers(_:_:)`` is the list walk;
  /// a test compares both on the same values.
  static func guessedMarkers(_ bytes: [UInt8], _ markers: [ValueMarker]) -> [ValueMarker] {
    if let first = markers.first {
      if first.isTypeMarker { return markers }
      return generalGuessedMarkers(bytes, markers)
    }
    if bytes.isEmpty { return [] }
    let guess = classify(bytes, offset: 0, length: bytes.count)
    var out = [ValueMarker(kind: guess.kind, offset: 0)]
    if guess.list {
      forEachFurtherString(bytes, offset: 0, end: bytes.count) { out.append(ValueMarker(kind: .string, offset: $0)) }
    }
    return out
  }

  /// dtc's `guess_type_markers` walk over its marker list, for any markers.
  static func generalGuessedMarkers(_ bytes: [UInt8], _ markers: [ValueMarker]) -> [ValueMarker] {
    var list = MarkerList(markers)
    var offset = 0
    var slot = -1
    while list.target(slot) >= 0 {
      var cur = list.target(slot)
      if list.items[cur].isTypeMarker { return list.markers }
      if list.items[cur].offset > offset {
        let kind = guessType(
          bytes, offset: offset, length: list.items[cur].offset - offset, list: &list, from: slot)
        slot = list.add(from: slot, ValueMarker(kind: kind, offset: offset))
        cur = list.target(slot)
        guard cur >= 0 else { break }
        offset = list.items[cur].offset
      }
      if list.items[cur].kind == .phandleReference {
        slot = list.add(from: slot, ValueMarker(kind: .cells(bits: 32), offset: offset))
        offset += 4
        guard list.target(slot) >= 0 else { break }  // dtc would follow a null link here
      }
      slot = list.target(slot)
    }
    if offset < bytes.count {
      let kind = guessType(bytes, offset: offset, length: bytes.count - offset, list: &list, from: slot)
      _ = list.add(from: slot, ValueMarker(kind: kind, offset: offset))
    }
    return list.markers
  }
}
