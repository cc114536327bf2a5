/// A JSON document built in memory and written with sorted keys, so reports are byte-for-byte deterministic
/// whatever Foundation's encoder does on the platform. `null` is a value, not an absent key: report contracts
/// (Documentation/Report.md) keep every key present.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// `nil` becomes `null`.
  public static func string(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
  public static func int(_ i: Int?) -> JSONValue { i.map { .int($0) } ?? .null }

  /// Pretty-printed (two-space indent, `"key": value`), keys sorted by their UTF-8 bytes, non-ASCII text kept
  /// as UTF-8, `/` not escaped. Ends with a newline.
  public func serialized() -> String {
    var out = ""
    write(into: &out, indent: 0)
    out += "\n"
    return out
  }

  /// On one line, no spaces (for tests and compact output).
  public func compact() -> String {
    var out = ""
    writeCompact(into: &out)
    return out
  }

  private static func sortedKeys(_ o: [String: JSONValue]) -> [String] {
    o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  private func write(into out: inout String, indent: Int) {
    switch self {
    case .array(let a) where !a.isEmpty:
      let pad = String(repeating: "  ", count: indent + 1)
      out += "[\n"
      for (i, v) in a.enumerated() {
        out += pad
        v.write(into: &out, indent: indent + 1)
        out += i + 1 < a.count ? ",\n" : "\n"
      }
      out += String(repeating: "  ", count: indent) + "]"
    case .object(let o) where !o.isEmpty:
      let pad = String(repeating: "  ", count: indent + 1)
      out += "{\n"
      let keys = Self.sortedKeys(o)
      for (i, k) in keys.enumerated() {
        out += pad
        Self.writeString(k, into: &out)
        out += ": "
        o[k]!.write(into: &out, indent: indent + 1)
        out += i + 1 < keys.count ? ",\n" : "\n"
      }
      out += String(repeating: "  ", count: indent) + "}"
    default:
      writeCompact(into: &out)
    }
  }

  private func writeCompact(into out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .string(let s): Self.writeString(s, into: &out)
    case .array(let a):
      out += "["
      for (i, v) in a.enumerated() {
        if i > 0 { out += "," }
        v.writeCompact(into: &out)
      }
      out += "]"
    case .object(let o):
      out += "{"
      for (i, k) in Self.sortedKeys(o).enumerated() {
        if i > 0 { out += "," }
        Self.writeString(k, into: &out)
        out += ":"
        o[k]!.writeCompact(into: &out)
      }
      out += "}"
    }
  }

  private static func writeString(_ s: String, into out: inout String) {
    out += "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if u.value < 0x20 || u.value == 0x7F {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    out += "\""
  }
}
