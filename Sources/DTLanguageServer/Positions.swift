import DTCore
import DTRules

/// A position as the protocol counts it: 0-based line, 0-based character in UTF-16 code units.
public struct LSPPosition: Hashable, Sendable, Comparable {
  public var line: Int
  public var character: Int
  public init(line: Int, character: Int) {
    self.line = line
    self.character = character
  }
  public static func < (a: LSPPosition, b: LSPPosition) -> Bool {
    (a.line, a.character) < (b.line, b.character)
  }

  var json: JSONValue { .object(["line": .int(line), "character": .int(character)]) }

  init?(_ v: JSONValue?) {
    guard let v, let l = v["line"]?.intValue, let c = v["character"]?.intValue, l >= 0, c >= 0 else { return nil }
    self.init(line: l, character: c)
  }
}

extension SourceFile {
  /// The protocol position of byte `offset` (clamped to the file).
  func lspPosition(at offset: UInt32) -> LSPPosition {
    let o = min(offset, UInt32(bytes.count))
    let lc = lineColumn(at: o)
    let s = Int(lineStarts[lc.line - 1])
    return LSPPosition(line: lc.line - 1, character: Self.utf16Count(bytes, s, Int(o)))
  }

  /// The byte offset of a protocol position; a character past the end of its line is the end of the line (without
  /// its line break), a line past the end of the file is the end of the file.
  func offset(at p: LSPPosition) -> UInt32 {
    guard p.line < lineStarts.count else { return UInt32(bytes.count) }
    let s = Int(lineStarts[p.line])
    var e = p.line + 1 < lineStarts.count ? Int(lineStarts[p.line + 1]) : bytes.count
    while e > s, bytes[e - 1] == 0x0A || bytes[e - 1] == 0x0D { e -= 1 }
    var units = 0
    var i = s
    while i < e, units < p.character {
      let b = bytes[i]
      let n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
      units += n == 4 ? 2 : 1
      i = min(e, i + n)
    }
    return UInt32(i)
  }

  func lspRange(_ r: SourceRange) -> JSONValue {
    .object(["start": lspPosition(at: r.start).json, "end": lspPosition(at: r.end).json])
  }

  /// UTF-16 code units of `bytes[from..<to]` read as UTF-8 (a byte that does not start a sequence counts one).
  static func utf16Count(_ bytes: [UInt8], _ from: Int, _ to: Int) -> Int {
    var units = 0
    var i = from
    while i < to {
      let b = bytes[i]
      if b < 0x80 || b < 0xC0 {
        // ASCII, or a stray continuation byte (shown as U+FFFD).
        units += 1
        i += 1
      } else {
        let n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
        units += n == 4 ? 2 : 1
        i += n
      }
    }
    return units
  }
}

/// `file:` URIs and paths.
public enum FileURI {
  /// The absolute path of a `file:` URI (nil for other schemes and malformed URIs).
  public static func path(_ uri: String) -> String? {
    guard uri.hasPrefix("file://") else { return nil }
    var rest = Array(uri.utf8.dropFirst(7))
    // An authority (`localhost`) before the path.
    if let slash = rest.firstIndex(of: UInt8(ascii: "/")) {
      let host = String(decoding: rest[..<slash], as: UTF8.self)
      guard host.isEmpty || host == "localhost" else { return nil }
      rest = Array(rest[slash...])
    } else {
      return nil
    }
    if let q = rest.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
      rest = Array(rest[..<q])
    }
    var out: [UInt8] = []
    var i = 0
    while i < rest.count {
      if rest[i] == UInt8(ascii: "%") {
        guard i + 2 < rest.count, let h = hexDigit(rest[i + 1]), let l = hexDigit(rest[i + 2]) else { return nil }
        out.append(h << 4 | l)
        i += 3
      } else {
        out.append(rest[i])
        i += 1
      }
    }
    guard let p = String(validating: out, as: UTF8.self), !p.contains("\0") else { return nil }
    return PathDisplay.normalize(p)
  }

  public static func uri(_ path: String) -> String { PathDisplay.fileURI(path) }
}
