/// Path arithmetic for reports and for files that name other files relative to themselves (purely textual: symbolic
/// links are not resolved).
public enum PathDisplay {
  /// `path` relative to `directory` when it lies below it, otherwise `path` itself (normalised). A relative
  /// `path` is taken as relative to `directory` already.
  public static func relative(_ path: String, to directory: String) -> String {
    if !path.hasPrefix("/") { return normalize(path) }
    let p = normalize(path)
    let d = normalize(directory)
    if d == "/" { return p == "/" ? "." : String(p.dropFirst()) }
    if p == d { return "." }
    if p.hasPrefix(d + "/") { return String(p.dropFirst(d.count + 1)) }
    return p
  }

  /// `path` made absolute against `directory` and normalised.
  public static func absolute(_ path: String, in directory: String) -> String {
    normalize(path.hasPrefix("/") ? path : directory + "/" + path)
  }

  /// Removes `.` components, empty components and `dir/..` pairs (leading `..` of a relative path stay).
  public static func normalize(_ path: String) -> String {
    if path.utf8.allSatisfy({ $0 < 0x80 }) { return normalizeASCII(path) }
    let absolute = path.hasPrefix("/")
    var parts: [Substring] = []
    for c in path.split(separator: "/", omittingEmptySubsequences: true) {
      if c == "." { continue }
      if c == "..", let last = parts.last, last != ".." {
        parts.removeLast()
        continue
      }
      if c == "..", absolute, parts.isEmpty { continue }
      parts.append(c)
    }
    var joined = absolute ? "/" : ""
    for (i, part) in parts.enumerated() {
      if i > 0 { joined += "/" }
      joined += part
    }
    return joined.isEmpty ? "." : joined
  }

  /// ``normalize(_:)`` of an ASCII path, on its bytes (a byte is a character there: the same components, compared
  /// the same way). Most paths are ASCII, and this runs at every start (the configuration search, the report).
  private static func normalizeASCII(_ path: String) -> String {
    let bytes = Array(path.utf8)
    let slash = UInt8(ascii: "/")
    let dot = UInt8(ascii: ".")
    let absolute = bytes.first == slash
    // Start and end of each component kept.
    var parts: [(start: Int, end: Int)] = []
    func isDotDot(_ p: (start: Int, end: Int)) -> Bool {
      p.end - p.start == 2 && bytes[p.start] == dot && bytes[p.start + 1] == dot
    }
    var i = 0
    while i < bytes.count {
      if bytes[i] == slash {
        i += 1
        continue
      }
      var end = i
      while end < bytes.count && bytes[end] != slash { end += 1 }
      let part = (start: i, end: end)
      i = end
      if end - part.start == 1 && bytes[part.start] == dot { continue }
      if isDotDot(part) {
        if let last = parts.last, !isDotDot(last) {
          parts.removeLast()
          continue
        }
        if absolute && parts.isEmpty { continue }
      }
      parts.append(part)
    }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 1)
    if absolute { out.append(slash) }
    for (n, p) in parts.enumerated() {
      if n > 0 { out.append(slash) }
      out.append(contentsOf: bytes[p.start..<p.end])
    }
    if out.isEmpty { return "." }
    return String(decoding: out, as: UTF8.self)
  }

  /// Percent-encodes a path for use in a URI (RFC 3986 unreserved characters and `/` stay as they are).
  public static func uriEncoded(_ path: String) -> String {
    var out = ""
    for b in path.utf8 {
      switch b {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
        UInt8(ascii: "~"), UInt8(ascii: "/"):
        out.unicodeScalars.append(Unicode.Scalar(b))
      default:
        let hex = String(b, radix: 16, uppercase: true)
        out += "%" + (hex.count == 1 ? "0" + hex : hex)
      }
    }
    return out
  }

  /// `file:///…` URI of an absolute path (a directory URI ends with `/` when `directory` is true).
  public static func fileURI(_ absolutePath: String, directory: Bool = false) -> String {
    var p = normalize(absolutePath)
    if directory && !p.hasSuffix("/") { p += "/" }
    return "file://" + uriEncoded(p)
  }
}
