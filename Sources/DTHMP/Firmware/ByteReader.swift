import DTYAML

/// Bounds-checked reads of little- or big-endian integers from untrusted bytes. Every read names what it reads in its
/// error; offsets and lengths are checked before any index, with overflow-reporting arithmetic.
struct ByteReader {
  let bytes: [UInt8]
  let bigEndian: Bool
  let path: String
  /// Added to offsets in messages (the position of `bytes` in the file).
  var base: UInt64 = 0

  var count: Int { bytes.count }

  func fail(_ what: String, _ message: String) -> InputError {
    InputError(path: path, key: what, message: message)
  }

  /// `[offset, offset + length)` lies inside the bytes; returns the start as an index.
  func range(_ offset: UInt64, _ length: UInt64, _ what: String) throws(InputError) -> Int {
    let (end, overflow) = offset.addingReportingOverflow(length)
    guard !overflow, end <= UInt64(bytes.count), let start = Int(exactly: offset) else {
      throw fail(
        what,
        "\(length) bytes at offset \(hex(base &+ offset)) run past the end of the data (\(hex(base &+ UInt64(bytes.count))))"
      )
    }
    return start
  }

  func u8(_ offset: UInt64, _ what: String) throws(InputError) -> UInt8 {
    bytes[try range(offset, 1, what)]
  }

  func u16(_ offset: UInt64, _ what: String) throws(InputError) -> UInt16 {
    let i = try range(offset, 2, what)
    let a = UInt16(bytes[i])
    let b = UInt16(bytes[i + 1])
    return bigEndian ? a << 8 | b : b << 8 | a
  }

  func u32(_ offset: UInt64, _ what: String) throws(InputError) -> UInt32 {
    let i = try range(offset, 4, what)
    var v: UInt32 = 0
    for k in 0..<4 {
      let byte = UInt32(bytes[i + (bigEndian ? k : 3 - k)])
      v = v << 8 | byte
    }
    return v
  }

  func u64(_ offset: UInt64, _ what: String) throws(InputError) -> UInt64 {
    let i = try range(offset, 8, what)
    var v: UInt64 = 0
    for k in 0..<8 {
      let byte = UInt64(bytes[i + (bigEndian ? k : 7 - k)])
      v = v << 8 | byte
    }
    return v
  }

  /// A 32- or 64-bit word.
  func word(_ offset: UInt64, wide: Bool, _ what: String) throws(InputError) -> UInt64 {
    wide ? try u64(offset, what) : UInt64(try u32(offset, what))
  }

  /// A NUL-padded fixed-size name field.
  func fixedString(_ offset: UInt64, length: UInt64, _ what: String) throws(InputError) -> String {
    let i = try range(offset, length, what)
    let field = bytes[i..<(i + Int(length))]
    let end = field.firstIndex(of: 0) ?? field.endIndex
    return String(decoding: field[field.startIndex..<end], as: UTF8.self)
  }

  /// A NUL-terminated string starting at `offset` and ending before `limit`.
  func cString(_ offset: UInt64, limit: UInt64, _ what: String) throws(InputError) -> String {
    let end = min(limit, UInt64(bytes.count))
    guard offset < end, let start = Int(exactly: offset), let stop = Int(exactly: end) else {
      throw fail(what, "string offset \(hex(offset)) outside its table")
    }
    guard let nul = bytes[start..<stop].firstIndex(of: 0) else {
      throw fail(what, "string at \(hex(offset)) is not NUL-terminated inside its table")
    }
    return String(decoding: bytes[start..<nul], as: UTF8.self)
  }

  /// A sub-reader over `[offset, offset + length)`.
  func slice(_ offset: UInt64, _ length: UInt64, _ what: String) throws(InputError) -> ByteReader {
    let i = try range(offset, length, what)
    return ByteReader(
      bytes: Array(bytes[i..<(i + Int(length))]), bigEndian: bigEndian, path: path, base: base &+ offset)
  }
}

func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }

/// `a * b`, nil on overflow.
func product(_ a: UInt64, _ b: UInt64) -> UInt64? {
  let (p, o) = a.multipliedReportingOverflow(by: b)
  return o ? nil : p
}

/// `a + b`, nil on overflow.
func sum(_ a: UInt64, _ b: UInt64) -> UInt64? {
  let (s, o) = a.addingReportingOverflow(b)
  return o ? nil : s
}
