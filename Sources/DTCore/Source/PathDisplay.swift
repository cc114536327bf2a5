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
    let joined = parts.joined(separator: "/")
    if absolute { return "/" + joined }
    return joined.isEmpty ? "." : joined
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
