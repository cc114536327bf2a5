/// A run of a property value with one type, as ``DTSPrinter`` prints it: what a `< >`, `[ ]` or `"…"` of the
/// printed text holds.
public struct ValueSpan: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// NUL-terminated string(s).
    case string
    /// Big-endian integers of this many bits (8 for `[bytes]`).
    case cells(bits: Int)
  }
  public var kind: Kind
  /// Byte range in the value.
  public var range: Range<Int>
  /// Phandle references inside the span: byte offset -> the name the printer writes after `&`.
  public var references: [Int: String]

  public init(kind: Kind, range: Range<Int>, references: [Int: String] = [:]) {
    self.kind = kind
    self.range = range
    self.references = references
  }
}

extension DTSPrinter {
  /// The value as the printer writes it after `name =`, without the leading ` = ` and the `;`
  /// (`<&clk 0x01>, <&clk 0x02>`, `"okay"`); empty for an empty value.
  public static func valueBody(_ value: PropertyValue) -> String {
    let text = typed(value).text
    return text.hasPrefix(" ") ? String(text.dropFirst()) : text
  }

  /// The typed spans of the value, cut where the printer opens a new `< >`, `[ ]` or string: the same markers
  /// (the value's own, types guessed where it has none, and the same fallbacks when they do not fit).
  public static func spans(_ value: PropertyValue) -> [ValueSpan] {
    let markers = typed(value).markers
    let length = value.bytes.count
    var spans: [ValueSpan] = []
    // One pass: a type marker opens a span that runs to the next type marker; references land in the open span.
    var open: ValueSpan?
    func close(at end: Int) {
      guard var s = open else { return }
      s.range = s.range.lowerBound..<end
      if !s.range.isEmpty { spans.append(s) }
      open = nil
    }
    for m in markers {
      switch m.kind {
      case .string, .cells:
        close(at: m.offset)
        if case .cells(let bits) = m.kind {
          open = ValueSpan(kind: .cells(bits: bits), range: m.offset..<m.offset)
        } else {
          open = ValueSpan(kind: .string, range: m.offset..<m.offset)
        }
      case .phandleReference:
        if let ref = m.ref, open != nil, open!.references[m.offset] == nil { open!.references[m.offset] = ref }
      default:
        break
      }
    }
    close(at: length)
    return spans
  }
}
