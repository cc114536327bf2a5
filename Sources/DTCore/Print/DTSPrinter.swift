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
///
/// The text is written as UTF-8 bytes into one buffer (``printBytes(_:omitted:)``), byte by byte where it can be:
/// a large blob's dump is mostly hex digits, and building them as `String`s cost five times what reading the blob
/// does (issue 20). `dump` writes the same text for most blobs without building their tree (``BlobDump``), with the
/// value writers below (``writeGuessedValue(_:from:to:into:)``).
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
    String(decoding: printBytes(tree, omitted: &omitted), as: UTF8.self)
  }

  /// The text as UTF-8 bytes, and in `omitted` what it leaves out because DTS cannot express it.
  public static func printBytes(_ tree: DeviceTree, omitted: inout [Omission]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(1 << 16)
    out.append(text: "/dts-v1/;\n")
    if tree.isPlugin { out.append(text: "/plugin/;\n") }
    out.append(0x0A)
    for re in tree.reserves {
      writeLabels(re.labels, of: "/memreserve/", path: "/", into: &out, omitted: &omitted)
      out.append(text: "/memreserve/\t0x")
      appendHex(re.address, width: 16, into: &out)
      out.append(text: " 0x")
      appendHex(re.size, width: 16, into: &out)
      out.append(text: ";\n")
    }
    writeTree(tree.root, into: &out, omitted: &omitted)
    return out
  }

  /// dtc's LABEL: `[a-zA-Z_][a-zA-Z0-9_]*`.
  public static func isLabel(_ s: String) -> Bool { isLabel(bytes: s.utf8) }

  /// A property or node name dtc's lexer reads back: one or more of `[a-zA-Z0-9,._+*#?@-]`.
  public static func isName(_ s: String) -> Bool { isName(bytes: s.utf8) }

  /// ``isLabel(_:)`` on the UTF-8 bytes of a label.
  static func isLabel(bytes s: some Collection<UInt8>) -> Bool {
    guard let first = s.first, first == 0x5F || isLetter(first) else { return false }
    return s.allSatisfy { $0 == 0x5F || isLetter($0) || isDigit($0) }
  }

  /// ``isName(_:)`` on the UTF-8 bytes of a name.
  static func isName(bytes s: some Collection<UInt8>) -> Bool {
    !s.isEmpty && s.allSatisfy(isNameByte)
  }

  /// A path `&{…}` can hold: `/` and name characters, each component a name.
  static func isPathReference(_ s: String) -> Bool {
    // Components split as `split(separator: "/")` does: empty ones (`//`, a trailing `/`) are skipped.
    guard s.utf8.first == 0x2F else { return false }
    return s.utf8.allSatisfy { $0 == 0x2F || isNameByte($0) }
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

  /// `label: ` for each valid label; the others in one comment. `path` is asked for only when one is left out.
  private static func writeLabels(
    _ labels: [String], of what: @autoclosure () -> String, path: @autoclosure () -> String,
    into out: inout [UInt8], omitted: inout [Omission]
  ) {
    if labels.isEmpty { return }
    if !labels.allSatisfy(isLabel) {
      let bad = labels.filter { !isLabel($0) }
      let message =
        (bad.count == 1 ? "label " : "labels ") + bad.map(commented).joined(separator: ", ") + " of " + what()
        + (bad.count == 1 ? ": not a DTS label" : ": not DTS labels") + " ([a-zA-Z_][a-zA-Z0-9_]*), left out"
      omitted.append(Omission(nodePath: path(), message: message))
      out.append(text: "/* \(message) */ ")
    }
    for l in labels where isLabel(l) {
      out.append(text: l)
      out.append(text: ": ")
    }
  }

  /// The value as dtc writes it after `name`: ` = <0x01>;`, or `;` when empty (no newline).
  public static func valueText(_ value: PropertyValue) -> String {
    var out: [UInt8] = []
    writeValue(value, into: &out)
    return String(decoding: out, as: UTF8.self)
  }

  // MARK: - Nodes

  /// Depth costs heap, not call stack. A node whose name DTS cannot express is left out with what is below it.
  private static func writeTree(_ root: Node, into out: inout [UInt8], omitted: inout [Omission]) {
    var skipping: Node?
    root.traverse(
      enter: { node, level in
        if skipping != nil { return }
        if level > 0 { out.append(0x0A) }
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
          out.append(text: "/* \(message) */\n")
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
        out.append(text: "};\n")
      })
  }

  private static func openNode(_ node: Node, level: Int, into out: inout [UInt8], omitted: inout [Omission]) {
    indent(level, into: &out)
    writeLabels(node.labels, of: "this node", path: node.path, into: &out, omitted: &omitted)
    if node.name.isEmpty {
      out.append(text: "/ {\n")
    } else {
      out.append(text: node.name)
      out.append(text: " {\n")
    }
    for p in node.properties where !p.deleted {
      indent(level + 1, into: &out)
      guard isName(p.name) else {
        let message = "property \(commented(p.name)): " + unwritable(p.name)
        omitted.append(Omission(nodePath: node.path, message: message))
        out.append(text: "/* \(message) */\n")
        continue
      }
      writeLabels(p.labels, of: "property \(p.name)", path: node.path, into: &out, omitted: &omitted)
      out.append(text: p.name)
      writeValue(p.value, into: &out)
      out.append(0x0A)
    }
  }

  static func indent(_ level: Int, into out: inout [UInt8]) {
    for _ in 0..<level { out.append(0x09) }
  }

  // MARK: - Values

  private static func writeValue(_ value: PropertyValue, into out: inout [UInt8]) {
    if value.bytes.isEmpty {
      out.append(0x3B)
      return
    }
    out.append(text: " =")
    _ = writeTyped(value, into: &out)
    out.append(0x3B)
  }

  /// `bytes[start..<end]`, a value without markers, as ``writeValue(_:into:)`` writes it with the markers a blob's
  /// value gets (``ValueTyping/guessedMarkers(_:_:)`` of no markers): ` = "a", "b";`, ` = <0x01>;`, ` = [01];`, or
  /// `;` when empty. The type is dtc's guess (``ValueTyping/classify(_:offset:length:)``), written without making
  /// the markers.
  static func writeGuessedValue(_ bytes: [UInt8], from start: Int, to end: Int, into out: inout [UInt8]) {
    if start >= end {
      out.append(0x3B)
      return
    }
    out.append(0x20)
    out.append(0x3D)
    switch ValueTyping.classify(bytes, offset: start, length: end - start).kind {
    case .string:
      // One quoted string for each of the list, as the string markers of a list cut it.
      var s = start
      ValueTyping.forEachFurtherString(bytes, offset: start, end: end) { next in
        out.append(0x20)
        _ = appendString(bytes[s..<next], into: &out)
        out.append(0x2C)
        s = next
      }
      out.append(0x20)
      _ = appendString(bytes[s..<end], into: &out)
    case .cells(bits: 32):
      out.append(0x20)
      out.append(0x3C)
      appendInts(bytes[start..<end], width: 4, into: &out)
      out.append(0x3E)
    default:
      out.append(0x20)
      out.append(0x5B)
      appendInts(bytes[start..<end], width: 1, into: &out)
      out.append(0x5D)
    }
    out.append(0x3B)
  }

  /// The markers a value prints with, and its text (` <0x01>, "a"`, with a leading space): the value's own
  /// markers, types guessed where it has none; when they do not fit the bytes, typed again from the bytes keeping
  /// references and labels; as a last resort bytes with labels. An empty value has no markers and no text.
  static func typed(_ value: PropertyValue) -> (markers: [ValueMarker], text: String) {
    var out: [UInt8] = []
    let markers = writeTyped(value, into: &out)
    return (markers, String(decoding: out, as: UTF8.self))
  }

  /// ``typed(_:)`` writing the text into `out`; returns the markers.
  private static func writeTyped(_ value: PropertyValue, into out: inout [UInt8]) -> [ValueMarker] {
    let bytes = value.bytes
    if bytes.isEmpty { return [] }
    var markers = sanitized(value.markers, length: bytes.count)
    let guessed = ValueTyping.guessedMarkers(bytes, markers)
    let start = out.count
    if render(bytes, guessed, into: &out) { return guessed }
    // The type markers do not fit the bytes: type the value again, keeping references and labels.
    out.removeSubrange(start...)
    markers.removeAll { $0.isTypeMarker }
    let retyped = ValueTyping.guessedMarkers(bytes, markers)
    if render(bytes, retyped, into: &out) { return retyped }
    out.removeSubrange(start...)
    // References that cannot be cells where they stand (unaligned, overlapping): bytes, labels kept.
    markers.removeAll { $0.kind != .label }
    markers.insert(ValueMarker(kind: .cells(bits: 8), offset: 0), at: 0)
    if !render(bytes, markers, into: &out) { out.removeSubrange(start...) }
    return markers
  }

  /// Whether a marker points inside the value and carries what it needs.
  private static func isUsable(_ m: ValueMarker, length: Int) -> Bool {
    guard m.offset >= 0, m.offset <= length else { return false }
    switch m.kind {
    // A reference DTS cannot spell (a blob's `__fixups__` may name anything) prints as the cell it holds.
    case .phandleReference: return m.ref.map { isLabel($0) || isPathReference($0) } ?? false
    case .label: return m.ref.map(isLabel) ?? false
    case .cells(let bits): return bits == 8 || bits == 16 || bits == 32 || bits == 64
    default: return true
    }
  }

  /// Markers that point inside the value and carry what they need, in offset order (the value's own array when
  /// all of them do and are in order, as a blob's and the parser's are).
  private static func sanitized(_ markers: [ValueMarker], length: Int) -> [ValueMarker] {
    var clean = true
    var last = Int.min
    for m in markers {
      if m.offset < last || !isUsable(m, length: length) {
        clean = false
        break
      }
      last = m.offset
    }
    if clean { return markers }
    var kept = markers.filter { isUsable($0, length: length) }
    if !zip(kept, kept.dropFirst()).allSatisfy({ $0.offset <= $1.offset }) {
      kept = kept.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
    }
    return kept
  }

  /// dtc's `write_propval` loop over a typed marker list, appended to `out`; false (with part of the text
  /// written) when the markers do not fit the bytes.
  private static func render(_ bytes: [UInt8], _ markers: [ValueMarker], into out: inout [UInt8]) -> Bool {
    guard let firstType = markers.first(where: \.isTypeMarker), firstType.offset == 0 else { return false }
    let len = bytes.count
    // dtc prints the first phandle reference found at a chunk's offset. In offset order (every list this gets is)
    // the markers at one offset are together: the first reference of the run is found by a scan from its start.
    var sorted = true
    var hasReferences = false
    for (i, m) in markers.enumerated() {
      if i > 0, markers[i - 1].offset > m.offset { sorted = false }
      if m.kind == .phandleReference { hasReferences = true }
    }
    var refAt: [Int: String] = [:]
    if hasReferences && !sorted {
      for m in markers where m.kind == .phandleReference {
        if refAt[m.offset] == nil, let ref = m.ref { refAt[m.offset] = ref }
      }
    }
    var runStart = 0
    func reference(at i: Int) -> String? {
      guard hasReferences else { return nil }
      let offset = markers[i].offset
      if !sorted { return refAt[offset] }
      var j = runStart
      while j < markers.count, markers[j].offset == offset {
        if markers[j].kind == .phandleReference, let ref = markers[j].ref { return ref }
        j += 1
      }
      return nil
    }
    // Where the data of each marker ends: the offset of the next type marker after it, or the end.
    var nextType = 0
    var emit: ValueMarker.Kind?
    for i in markers.indices {
      let m = markers[i]
      if i == 0 || markers[i - 1].offset != m.offset { runStart = i }
      if nextType <= i {
        nextType = i + 1
        while nextType < markers.count, !markers[nextType].isTypeMarker { nextType += 1 }
      }
      let dataEnd = nextType < markers.count ? markers[nextType].offset : len
      let chunkEnd = i + 1 < markers.count ? markers[i + 1].offset : len
      let chunkLen = chunkEnd - m.offset
      let dataLen = dataEnd - m.offset
      if m.isTypeMarker {
        emit = m.kind
        out.append(0x20)
        switch m.kind {
        case .cells(bits: 8): out.append(0x5B)
        case .cells(bits: 32): out.append(0x3C)
        case .cells(let bits):
          out.append(text: "/bits/ ")
          out.append(text: String(bits))
          out.append(text: " <")
        default: break
        }
      } else if m.kind == .label, let ref = m.ref {
        out.append(0x20)
        out.append(text: ref)
        out.append(0x3A)
      }
      guard let type = emit, chunkLen > 0 else { continue }
      // dtc's walk adds a cell marker 4 bytes after each reference, past the end for a reference in the last 3
      // bytes (which no parser or blob makes): such markers do not fit.
      guard chunkEnd <= len else { return false }
      let chunk = bytes[m.offset..<chunkEnd]
      switch type {
      case .string:
        guard appendString(chunk, into: &out) else { return false }
      case .cells(bits: 32):
        guard chunkLen % 4 == 0 else { return false }
        if let ref = reference(at: i) {
          if ref.utf8.first == 0x2F {
            out.append(text: "&{")
            out.append(text: ref)
            out.append(0x7D)
          } else {
            out.append(0x26)
            out.append(text: ref)
          }
          if chunkLen > 4 {
            out.append(0x20)
            appendInts(chunk.dropFirst(4), width: 4, into: &out)
          }
        } else {
          appendInts(chunk, width: 4, into: &out)
        }
        if dataLen > chunkLen { out.append(0x20) }
      case .cells(let bits):
        guard chunkLen % (bits / 8) == 0 else { return false }
        appendInts(chunk, width: bits / 8, into: &out)
      default:
        return false
      }
      if chunkLen == dataLen {
        switch type {
        case .cells(bits: 8): out.append(0x5D)
        case .cells: out.append(0x3E)
        default: break
        }
        if m.offset + chunkLen != len { out.append(0x2C) }
        emit = nil
      }
    }
    return true
  }

  /// Big-endian integers of `width` bytes, space separated: `0x%02x` for cells, `%02x` for bytes.
  ///
  /// This and ``appendString(_:into:)`` write a large blob's dump byte by byte: into the array's spare capacity
  /// (`OutputSpan`), made once for the whole chunk, not through `append`, which checks the array is not shared for
  /// every byte.
  static func appendInts(_ chunk: ArraySlice<UInt8>, width: Int, into out: inout [UInt8]) {
    let count = chunk.count / width
    guard count > 0 else { return }
    // Each integer: a space, `0x`, at most two digits a byte.
    out.append(addingCapacity: count * (2 * width + 3)) { text in
      let bytes = chunk.span
      var i = 0
      while i + width <= bytes.count {
        if i > 0 { text.append(0x20) }
        var v: UInt64 = 0
        for k in i..<(i + width) { v = v << 8 | UInt64(bytes[k]) }
        if width > 1 {
          text.append(0x30)
          text.append(0x78)
        }
        appendHex(v, width: 2, into: &text)
        i += width
      }
    }
  }

  /// `text` as a quoted DTS string.
  static func quoted(_ text: String) -> String {
    var out: [UInt8] = []
    if !appendString(ArraySlice(Array(text.utf8) + [0]), into: &out) { return "\"\"" }
    return String(decoding: out, as: UTF8.self)
  }

  /// A quoted C string for a chunk that ends with NUL; NULs inside become `\0`. False when it does not end with
  /// NUL (nothing written).
  static func appendString(_ chunk: ArraySlice<UInt8>, into out: inout [UInt8]) -> Bool {
    guard chunk.last == 0 else { return false }
    // Each byte at most `\xNN`, and the quotes.
    out.append(addingCapacity: 4 * chunk.count + 2) { text in
      text.append(0x22)
      let bytes = chunk.span
      for i in 0..<(bytes.count - 1) {
        let c = bytes[i]
        if c >= 0x20 && c < 0x7f && c != 0x5C && c != 0x22 {
          text.append(c)
          continue
        }
        let escape: UInt8
        switch c {
        case 0x07: escape = 0x61  // \a
        case 0x08: escape = 0x62  // \b
        case 0x09: escape = 0x74  // \t
        case 0x0a: escape = 0x6E  // \n
        case 0x0b: escape = 0x76  // \v
        case 0x0c: escape = 0x66  // \f
        case 0x0d: escape = 0x72  // \r
        case 0x5C, 0x22: escape = c
        case 0: escape = 0x30  // \0
        default:
          text.append(0x5C)
          text.append(0x78)
          appendHex(UInt64(c), width: 2, into: &text)
          continue
        }
        text.append(0x5C)
        text.append(escape)
      }
      text.append(0x22)
    }
    return true
  }

  /// Lower-case hex, zero-padded to at least `width` digits, appended.
  static func appendHex(_ v: UInt64, width: Int, into out: inout [UInt8]) {
    out.append(addingCapacity: max(width, 16)) { appendHex(v, width: width, into: &$0) }
  }

  /// ``appendHex(_:width:into:)`` into spare capacity (at least `max(width, 16)` bytes).
  static func appendHex(_ v: UInt64, width: Int, into text: inout OutputSpan<UInt8>) {
    let digits = max(width, 1, (64 - v.leadingZeroBitCount + 3) / 4)
    var shift = (digits - 1) * 4
    while shift >= 0 {
      let d = shift >= 64 ? 0 : UInt8(truncatingIfNeeded: (v >> UInt64(shift)) & 0xF)
      text.append(d < 10 ? 0x30 + d : 0x57 + d)
      shift -= 4
    }
  }

  /// Lower-case hex, zero-padded to at least `width` digits.
  static func hex(_ v: UInt64, width: Int) -> String {
    var out: [UInt8] = []
    appendHex(v, width: width, into: &out)
    return String(decoding: out, as: UTF8.self)
  }
}

extension [UInt8] {
  /// Appends the UTF-8 bytes of `text`.
  @inline(__always)
  mutating func append(text: String) {
    var text = text
    text.withUTF8 { append(contentsOf: $0) }
  }
}
