/// How dtc types a property value it has no source for: the marker-list rules of dtc 1.8's `treesource.c`
/// (`add_marker`, `guess_value_type`, `guess_type_markers`), re-expressed over an array of markers.
///
/// A marker list is kept the way dtc keeps it: offsets never decrease, at most one type marker per offset, and a
/// type marker comes before the other markers at its offset. Positions in the array play the part of dtc's
/// "slot" pointers: a slot is the index of the marker it holds, and `markers.count` is the empty slot at the end.
enum ValueTyping {
  /// Inserts `marker` at its place, searching from `slot` on, unless an equivalent marker is already there.
  /// Returns the slot after the inserted marker, or the slot of the marker that made the insertion unnecessary.
  @discardableResult
  static func addMarker(_ markers: inout [ValueMarker], from slot: Int, _ marker: ValueMarker) -> Int {
    var i = max(0, min(slot, markers.count))
    while i < markers.count, markers[i].offset < marker.offset { i += 1 }
    if i < markers.count, markers[i].offset == marker.offset, markers[i].isTypeMarker {
      if marker.isTypeMarker { return i }
      i += 1
    }
    if i < markers.count, markers[i].offset == marker.offset, markers[i].kind == marker.kind { return i }
    markers.insert(marker, at: i)
    return i + 1
  }

  /// Bytes dtc's decompiler accepts inside a string: printable ASCII, NUL, and the C escapes `\a` to `\r`.
  static func isStringByte(_ c: UInt8) -> Bool {
    (c >= 0x20 && c < 0x7f) || c == 0 || (c >= 0x07 && c <= 0x0d)
  }

  /// Guesses the type of `bytes[offset ..< offset+length]` (`length > 0`); for a list of several strings it also
  /// adds a string marker at the start of every string after the first, as dtc does.
  static func guessType(
    _ bytes: [UInt8], offset: Int, length: Int, markers: inout [ValueMarker]
  ) -> ValueMarker.Kind {
    let end = offset + length
    guard length > 0, offset >= 0, end <= bytes.count else { return .cells(bits: 8) }
    var notString = 0
    var nuls = 0
    for i in offset..<end {
      if !isStringByte(bytes[i]) { notString += 1 }
      if bytes[i] == 0 { nuls += 1 }
    }
    if bytes[end - 1] == 0, notString == 0, nuls <= length - nuls {
      if nuls > 1 {
        // A marker at the start of each further string.
        var slot = 0
        var i = offset
        while i < end, bytes[i] != 0 { i += 1 }
        i += 1
        while i < end {
          slot = addMarker(&markers, from: slot, ValueMarker(kind: .string, offset: i))
          while i < end, bytes[i] != 0 { i += 1 }
          i += 1
        }
      }
      return .string
    }
    return length % 4 == 0 ? .cells(bits: 32) : .cells(bits: 8)
  }

  /// The markers of `value` with type markers added where it has none (dtc's `guess_type_markers`): a value that
  /// already has a type marker keeps its markers as they are.
  static func guessedMarkers(_ value: PropertyValue) -> [ValueMarker] {
    var markers = value.markers
    let bytes = value.bytes
    var offset = 0
    var slot = 0
    while slot < markers.count {
      if markers[slot].isTypeMarker { return markers }
      if markers[slot].offset > offset {
        let kind = guessType(bytes, offset: offset, length: markers[slot].offset - offset, markers: &markers)
        slot = addMarker(&markers, from: slot, ValueMarker(kind: kind, offset: offset))
        guard slot < markers.count else { break }
        offset = markers[slot].offset
      }
      if markers[slot].kind == .phandleReference {
        slot = addMarker(&markers, from: slot, ValueMarker(kind: .cells(bits: 32), offset: offset))
        offset += 4
        guard slot < markers.count else { break }
      }
      slot += 1
    }
    if offset < bytes.count {
      let kind = guessType(bytes, offset: offset, length: bytes.count - offset, markers: &markers)
      addMarker(&markers, from: slot, ValueMarker(kind: kind, offset: offset))
    }
    return markers
  }
}
