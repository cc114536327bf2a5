/// Writes a tree as DTS source the way dtc 1.8.1 does with `-O dts` (`treesource.c`): `/dts-v1/;`, `/plugin/;`
/// for overlays, `/memreserve/` lines, one tab per level, labels before names, and values typed by their markers
/// (`<0x01 0x02>`, `"strings"`, `[bytes]`, `/bits/ 16 <…>`, `&label` or `&{/path}` for phandle references).
///
/// Deliberate differences from dtc:
/// - A byte that is neither printable nor a C escape inside a string is written `\xNN`; dtc 1.8.1 sign-extends it
///   (`\xffffffe9`), which its own parser then reads back wrongly.
/// - Markers that do not fit the bytes (a string span without its NUL, cells that do not divide the span, a type
///   marker that does not start at offset 0) are dropped and the value is typed again from its bytes, where dtc
///   would abort or lose bytes. Such markers never come from dtc's parser or from ``DTBReader``.
/// - Path references (`&label` outside `< >`) print as the path string they stand for, as dtc prints them.
/// - What DTS cannot express is left out, so the text always compiles (dtc writes it and then refuses it): a label
///   that is not `[a-zA-Z_][a-zA-Z0-9_]*` (a blob's `__symbols__` may name anything) is skipped, a reference to one
///   prints as the cell the blob holds, and a property or node whose name is empty or has characters outside
///   `[a-zA-Z0-9,._+*#?@-]` is written as a `/* … */` comment saying what and why. Each is listed in
///   ``Omission``s for the caller to warn about.
public enum DTSPrinter {
  /// Something of the tree that DTS cannot express, left out of the text (with a comment where it stood).
  public struct Omission: Sendable, Equatable {
    /// The node it belongs to (the parent for a node left out).
    public var nodePath: String
    /// What was left out and why, as the comment says it.
    public var message: String
  }

  public static func print(_ tree: DeviceTree) -> String {
    var omitted: [Omission] = []
    return print(tree, omitted: &omitted)
  }

  /// The text, and in `omitted` what it leaves out because DTS cannot express it.
  public static func print(_ tree: DeviceTree, omitted: inout [Omission]) -> String {
    var out = "/dts-v1/;\n"
    if tree.isPlugin { out += "/plugin/;\n" }
    out += "\n"
    for re in tree.reserves {
      writeLabels(re.labels, of: "/memreserve/", path: "/", into: &out, omitted: &omitted)
      out += "/memreserve/\t0x\(hex(re.address, width: 16)) 0x\(hex(re.size, width: 16));\n"
    }
    writeTree(tree.root, into: &out, omitted: &omitted)
    return out
  }

  /// dtc's LABEL: `[a-zA-Z_][a-zA-Z0-9_]*`.
  public static func isLabel(_ s: String) -> Bool {
    guard let first = s.utf8.first, first == 0x5F || isLetter(first) else { return false }
    return s.utf8.allSatisfy { $0 == 0x5F || isLetter($0) || isDigit($0) }
  }

  /// A property or node name dtc's lexer reads back: one or more of `[a-zA-Z0-9,._+*#?@-]`.
  public static func isName(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy(isNameByte)
  }

  /// A path `&{…}` can hold: `/` and name characters, each component a name.
  static func isPathReference(_ s: String) -> Bool {
    s.hasPrefix("/") && s.split(separator: "/").allSatisfy { isName(String($0)) }
  }

  private static func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
  private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
  private static func isNameByte(_ c: UInt8) -> Bool {
    switch c {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2C, 0x2E, 0x5F, 0x2B, 0x2A, 0x23, 0x3F, 0x40, 0x2D: true
    default: false
    }
  }

  /// `text` quoted for a `/* … */` comment: escaped as a DTS string, `*/` broken up.
  private static func commented(_ text: String) -> String {
    quoted(text).replacingOccurrences(of: "*/", with: "*\\/")
  }

  /// Why a name is left out.
  private static func unwritable(_ name: String) -> String {
    name.isEmpty
      ? "DTS cannot write an empty name, left out"
      : "DTS cannot write this name (only [a-zA-Z0-9,._+*#?@-]), left out"
  }

  /// `label: ` for each valid label; the others in one comment.
  private static func writeLabels(
    _ labels: [String], of what: String, path: String, into out: inout String, omitted: inout [Omission]
  ) {
    let bad = labels.filter { !isLabel($0) }
    if !bad.isEmpty {
      let message =
        (bad.count == 1 ? "label " : "labels ") + bad.map(commented).joined(separator: ", ") + " of " + what
        + (bad.count == 1 ? ": not a DTS label" : ": not DTS labels") + " ([a-zA-Z_][a-zA-Z0-9_]*), left out"
      omitted.append(Omission(nodePath: path, message: message))
      out += "/* \(message) */ "
    }
    for l in labels where isLabel(l) { out += "\(l): " }
  }

  /// The value as dtc writes it after `name`: ` = <0x01>;`, or `;` when empty (no newline).
  public static func valueText(_ value: PropertyValue) -> String {
    var out = ""
    writeValue(value, into: &out)
    return out
  }

  // MARK: - Nodes

  /// Depth costs heap, not call stack. A node whose name DTS cannot express is left out with what is below it.
  private static func writeTree(_ root: Node, into out: inout String, omitted: inout [Omission]) {
    var skipping: Node?
    root.traverse(
      enter: { node, level in
        if skipping != nil { return }
        if level > 0 { out += "\n" }
        if level > 0 && !isName(node.name) {
          skipping = node
          var below = -1
          node.traverse(enter: { _, _ in below += 1 }, exit: { _, _ in })
          let message =
            "node \(commented(node.name))"
            + (below > 0 ? " and the \(below) node\(below == 1 ? "" : "s") below it" : "") + ": "
            + unwritable(node.name)
          omitted.append(Omission(nodePath: node.parent?.path ?? "/", message: message))
          indent(level, into: &out)
          out += "/* \(message) */\n"
          return
        }
        openNode(node, level: level, into: &out, omitted: &omitted)
      },
      exit: { node, level in
        if let s = skipping {
          if s === node { skipping = nil }
          return
        }
        indent(level, into: &out)
        out += "};\n"
      })
  }

  private static func openNode(_ node: Node, level: Int, into out: inout String, omitted: inout [Omission]) {
    indent(level, into: &out)
    let path = node.path
    writeLabels(node.labels, of: "this node", path: path, into: &out, omitted: &omitted)
    out += node.name.isEmpty ? "/ {\n" : "\(node.name) {\n"
    for p in node.properties where !p.deleted {
      indent(level + 1, into: &out)
      guard isName(p.name) else {
        let message = "property \(commented(p.name)): " + unwritable(p.name)
        omitted.append(Omission(nodePath: path, message: message))
        out += "/* \(message) */\n"
        continue
      }
      writeLabels(p.labels, of: "property \(p.name)", path: path, into: &out, omitted: &omitted)
      out += p.name
      writeValue(p.value, into: &out)
      out += "\n"
    }
  }

  private static func indent(_ level: Int, into out: inout String) {
    for _ in 0..<level { out += "\t" }
  }

  // MARK: - Values

  private static func writeValue(_ value: PropertyValue, into out: inout String) {
    if value.bytes.isEmpty {
      out += ";"
      return
    }
    out += " =" + typed(value).text + ";"
  }

  /// The markers a value prints with, and its text (` <0x01>, "a"`, with a leading space): the value's own
  /// markers, types guessed where it has none; when they do not fit the bytes, typed again from the bytes keeping
  /// references and labels; as a last resort bytes with labels. An empty value has no markers and no text.
  static func typed(_ value: PropertyValue) -> (markers: [ValueMarker], text: String) {
    let bytes = value.bytes
    if bytes.isEmpty { return ([], "") }
    var markers = sanitized(value.markers, length: bytes.count)
    let guessed = ValueTyping.guessedMarkers(PropertyValue(bytes: bytes, markers: markers))
    if let text = render(bytes, guessed) { return (guessed, text) }
    // The type markers do not fit the bytes: type the value again, keeping references and labels.
    markers.removeAll { $0.isTypeMarker }
    let retyped = ValueTyping.guessedMarkers(PropertyValue(bytes: bytes, markers: markers))
    if let text = render(bytes, retyped) { return (retyped, text) }
    // References that cannot be cells where they stand (unaligned, overlapping): bytes, labels kept.
    markers.removeAll { $0.kind != .label }
    markers.insert(ValueMarker(kind: .cells(bits: 8), offset: 0), at: 0)
    return (markers, render(bytes, markers) ?? "")
  }

  /// Markers that point inside the value and carry what they need, in offset order.
  private static func sanitized(_ markers: [ValueMarker], length: Int) -> [ValueMarker] {
    var kept = markers.filter { m in
      guard m.offset >= 0, m.offset <= length else { return false }
      switch m.kind {
      // A reference DTS cannot spell (a blob's `__fixups__` may name anything) prints as the cell it holds.
      case .phandleReference: return m.ref.map { isLabel($0) || isPathReference($0) } ?? false
      case .label: return m.ref.map(isLabel) ?? false
      case .cells(let bits): return [8, 16, 32, 64].contains(bits)
      default: return true
      }
    }
    if !zip(kept, kept.dropFirst()).allSatisfy({ $0.offset <= $1.offset }) {
      kept = kept.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
    }
    return kept
  }

  /// dtc's `write_propval` loop over a typed marker list; nil when the markers do not fit the bytes.
  private static func render(_ bytes: [UInt8], _ markers: [ValueMarker]) -> String? {
    guard let firstType = markers.first(where: \.isTypeMarker), firstType.offset == 0 else { return nil }
    let len = bytes.count
    // Where the data of each marker ends: the offset of the next type marker after it, or the end.
    var dataEnd = [Int](repeating: len, count: markers.count)
    var nextType = len
    for i in markers.indices.reversed() {
      dataEnd[i] = nextType
      if markers[i].isTypeMarker { nextType = markers[i].offset }
    }
    // dtc prints the first phandle reference found at a chunk's offset.
    var refAt: [Int: String] = [:]
    for m in markers where m.kind == .phandleReference {
      if refAt[m.offset] == nil, let ref = m.ref { refAt[m.offset] = ref }
    }
    var out = ""
    var emit: ValueMarker.Kind?
    for (i, m) in markers.enumerated() {
      let chunkEnd = i + 1 < markers.count ? markers[i + 1].offset : len
      let chunkLen = chunkEnd - m.offset
      let dataLen = dataEnd[i] - m.offset
      if m.isTypeMarker {
        emit = m.kind
        out += " " + openDelimiter(m.kind)
      } else if m.kind == .label, let ref = m.ref {
        out += " \(ref):"
      }
      guard let type = emit, chunkLen > 0 else { continue }
      let chunk = bytes[m.offset..<chunkEnd]
      switch type {
      case .string:
        guard let s = stringText(chunk) else { return nil }
        out += s
      case .cells(bits: 32):
        guard chunkLen % 4 == 0 else { return nil }
        if let ref = refAt[m.offset] {
          out += ref.hasPrefix("/") ? "&{\(ref)}" : "&\(ref)"
          if chunkLen > 4 {
            out += " "
            out += intText(chunk.dropFirst(4), width: 4)
          }
        } else {
          out += intText(chunk, width: 4)
        }
        if dataLen > chunkLen { out += " " }
      case .cells(let bits):
        guard chunkLen % (bits / 8) == 0 else { return nil }
        out += intText(chunk, width: bits / 8)
      default:
        return nil
      }
      if chunkLen == dataLen {
        out += closeDelimiter(type)
        if m.offset + chunkLen != len { out += "," }
        emit = nil
      }
    }
    return out
  }

  private static func openDelimiter(_ kind: ValueMarker.Kind) -> String {
    switch kind {
    case .cells(bits: 8): "["
    case .cells(bits: 32): "<"
    case .cells(let bits): "/bits/ \(bits) <"
    default: ""
    }
  }

  private static func closeDelimiter(_ kind: ValueMarker.Kind) -> String {
    switch kind {
    case .cells(bits: 8): "]"
    case .cells: ">"
    default: ""
    }
  }

  /// Big-endian integers of `width` bytes, space separated: `0x%02x` for cells, `%02x` for bytes.
  private static func intText(_ chunk: ArraySlice<UInt8>, width: Int) -> String {
    var parts: [String] = []
    var i = chunk.startIndex
    while i + width <= chunk.endIndex {
      var v: UInt64 = 0
      for b in chunk[i..<(i + width)] { v = v << 8 | UInt64(b) }
      parts.append(width == 1 ? hex(v, width: 2) : "0x" + hex(v, width: 2))
      i += width
    }
    return parts.joined(separator: " ")
  }

  /// `text` as a quoted DTS string.
  static func quoted(_ text: String) -> String {
    stringText(ArraySlice(Array(text.utf8) + [0])) ?? "\"\""
  }

  /// A quoted C string for a chunk that ends with NUL; NULs inside become `\0`.
  private static func stringText(_ chunk: ArraySlice<UInt8>) -> String? {
    guard chunk.last == 0 else { return nil }
    var s: [UInt8] = [UInt8(ascii: "\"")]
    for c in chunk.dropLast() {
      switch c {
      case 0x07: s += Array("\\a".utf8)
      case 0x08: s += Array("\\b".utf8)
      case 0x09: s += Array("\\t".utf8)
      case 0x0a: s += Array("\\n".utf8)
      case 0x0b: s += Array("\\v".utf8)
      case 0x0c: s += Array("\\f".utf8)
      case 0x0d: s += Array("\\r".utf8)
      case UInt8(ascii: "\\"): s += Array("\\\\".utf8)
      case UInt8(ascii: "\""): s += Array("\\\"".utf8)
      case 0: s += Array("\\0".utf8)
      case 0x20..<0x7f: s.append(c)
      default: s += Array("\\x\(hex(UInt64(c), width: 2))".utf8)
      }
    }
    s.append(UInt8(ascii: "\""))
    return String(decoding: s, as: UTF8.self)
  }

  /// Lower-case hex, zero-padded to at least `width` digits.
  static func hex(_ v: UInt64, width: Int) -> String {
    let digits = String(v, radix: 16)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
  }
}
