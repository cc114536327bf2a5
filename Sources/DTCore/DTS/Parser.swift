/// Parses dtc's source language and builds the tree with dtc's semantics as it goes: top-level `&ref { }` blocks
/// are resolved against the tree built so far, node bodies are merged property by property and child by child,
/// deletions keep their slots. Syntax errors are collected (with recovery) instead of stopping at the first.
struct Parser {
  private struct Unwind: Error {}

  /// Syntax errors reported before the parser gives up on a file.
  static let maxErrors = 100

  /// The lexer's tokens and their text, not copied: the end of input is `eofToken`, at index `list.count` (or the
  /// lexer's own last token when it is one).
  private let list: TokenList
  private let eofToken: Token
  /// The index of the end of input (`pos` stops there).
  private let eofIndex: Int
  private var pos = 0
  private let sources: SourceManager
  private let searchPaths: [String]
  private let limits: FrontEndLimits
  private(set) var diagnostics: [Diagnostic] = []
  private(set) var fatal = false
  /// Too many syntax errors: parsing stopped (the errors are findings, not an unreadable input).
  private var gaveUp = false
  private var lastErrorPos = -1
  private var depth = 0
  /// Nesting of parentheses, unary operators and `?:` in the expression being parsed (each level recurses).
  private var expressionDepth = 0

  private(set) var root: Node?
  private(set) var reserves: [ReserveEntry] = []
  private(set) var isPlugin = false
  private var fragmentCounter = 0
  private var labels = LabelIndex()

  /// `file` is the main file: where "end of input" is when there are no tokens at all (an empty file).
  init(tokens: TokenList, sources: SourceManager, searchPaths: [String], limits: FrontEndLimits, file: FileID) {
    self.list = tokens
    self.sources = sources
    self.searchPaths = searchPaths
    self.limits = limits
    if let last = tokens.last, last.kind == .eof {
      eofToken = last
      eofIndex = tokens.count - 1
    } else {
      let end = tokens.last?.range ?? SourceRange(file: file, start: 0, end: 0)
      eofToken = Token(kind: .eof, range: SourceRange(file: end.file, start: end.end, end: end.end))
      eofIndex = tokens.count
    }
  }

  // MARK: - Token helpers

  private var tok: Token { pos < eofIndex ? list.tokens[pos] : eofToken }
  /// The current token's kind (without copying the token).
  private var kind: TokenKind { pos < eofIndex ? list.tokens[pos].kind : .eof }
  private func peek(_ k: Int = 1) -> Token {
    let i = min(pos + k, eofIndex)
    return i < eofIndex ? list.tokens[i] : eofToken
  }
  private mutating func advance() -> Token {
    let t = tok
    if pos < eofIndex { pos += 1 }
    return t
  }
  /// A token's text (``TokenList/text(_:)``).
  private func text(_ t: Token) -> String { list.text(t) }
  @inline(__always) private func at(_ c: Unicode.Scalar) -> Bool { pos < eofIndex && list.tokens[pos].isChar(c) }

  private mutating func error(_ message: String, _ range: SourceRange) {
    diagnostics.append(Diagnostic(rule: "syntax", severity: .error, message: message, range: range))
  }

  /// Reports a syntax error at the current token (once per position) and unwinds to a recovery point.
  private mutating func syntaxError(expected: String) throws(Unwind) -> Never {
    if lastErrorPos != pos {
      lastErrorPos = pos
      error("syntax error: expected \(expected), found \(list.display(tok))", tok.range)
      if diagnostics.count >= Self.maxErrors {
        error("too many errors (\(Self.maxErrors)); stopping here", tok.range)
        gaveUp = true
      }
    }
    throw Unwind()
  }

  private mutating func expect(_ c: Unicode.Scalar, _ what: String? = nil) throws(Unwind) -> Token {
    guard at(c) else { try syntaxError(expected: what ?? "'\(c)'") }
    return advance()
  }

  /// The `;` that ends property `name`. When it is missing and the next token starts a new line (or closes the
  /// node), the error is placed just after the property, where the `;` belongs, with a fix-it; parsing goes on as
  /// if it were there, so the next property is read normally.
  private mutating func endOfProperty(_ name: Token) throws(Unwind) -> Token {
    if at(";") { return advance() }
    let previous = pos > 0 ? list.tokens[pos - 1] : tok
    let startsNewLine =
      previous.range.file != tok.range.file
      || sources[tok.range.file].lineColumn(at: tok.range.start).line
        > sources[previous.range.file].lineColumn(at: previous.range.end).line
    guard pos > 0, tok.kind != .eof, at("}") || startsNewLine else { try syntaxError(expected: "';' or '='") }
    let end = SourceRange(file: previous.range.file, start: previous.range.end, end: previous.range.end)
    diagnostics.append(
      Diagnostic(
        rule: "syntax", severity: .error, message: "syntax error: missing ';' after property '\(text(name))'",
        range: end, fixes: [FixIt(message: "insert ';'", edits: [TextEdit(range: end, replacement: ";")])]))
    lastErrorPos = pos
    return previous
  }

  /// Skips to just after the next `;` at this nesting level, or to a `}` that closes the current block.
  private mutating func recover() {
    var nesting = 0
    while kind != .eof {
      if at("{") {
        nesting += 1
      } else if at("}") {
        if nesting == 0 { return }
        nesting -= 1
      } else if at(";") && nesting == 0 {
        _ = advance()
        return
      }
      _ = advance()
    }
  }

  // MARK: - File

  mutating func parseFile() {
    // headers: (/dts-v1/ ; [/plugin/ ;])+
    var flags: (v1: Bool, plugin: Bool)?
    while kind == .dtsV1 {
      let start = advance()
      var plugin = false
      do {
        _ = try expect(";")
        if kind == .plugin {
          _ = advance()
          _ = try expect(";")
          plugin = true
        }
      } catch { recover() }
      if let f = flags, f.plugin != plugin {
        error("header flags don't match earlier ones", start.range)
      }
      if flags == nil { flags = (true, plugin) }
    }
    guard let flags else {
      // A syntax finding (exit 1), not an unreadable input: the file was read, it is just not dtc's language.
      var d = Diagnostic(
        rule: "syntax", severity: .error,
        message: "syntax error: expected '/dts-v1/;' at the start of the file, found \(list.display(tok))",
        range: tok.range)
      if sources[tok.range.file].path.hasSuffix(".dtsi") {
        d.notes.append(
          DiagnosticNote(
            "a .dtsi is a fragment meant to be included: check the .dts files that include it (dtlint check "
              + "--dtsi includers FILE.dtsi), or add '/dts-v1/;' if it is a complete tree"))
      } else {
        d.fixes.append(
          FixIt(
            message: "add '/dts-v1/;' as the first line",
            edits: [TextEdit(range: SourceRange(file: tok.range.file, start: 0, end: 0), replacement: "/dts-v1/;\n\n")])
        )
      }
      diagnostics.append(d)
      root = Node(name: "")
      return
    }
    isPlugin = flags.plugin

    // memreserves
    while true {
      var save = pos
      var entryLabels: [String] = []
      while kind == .label {
        entryLabels.append(text(advance()))
      }
      guard kind == .memreserve else {
        pos = save
        break
      }
      let kw = advance()
      do {
        let addr = try integerPrim()
        let size = try integerPrim()
        let semi = try expect(";")
        var labelEntries: [LabelEntry] = []
        for l in entryLabels.reversed() { addLabel(l, to: &labelEntries) }
        reserves.append(
          ReserveEntry(
            address: addr, size: size, labels: labelEntries.map(\.name), range: kw.range.extended(to: semi.range)))
      } catch { recover() }
      save = pos
    }

    // devicetree
    var first = true
    while kind != .eof && !fatal && !gaveUp {
      do {
        try topLevelItem(first: first)
        first = false
      } catch {
        if fatal || gaveUp { break }
        recover()
        if at("}") { _ = advance() }
      }
    }
    if root == nil {
      // Only possible after errors (or an empty tree section).
      if diagnostics.isEmpty { error("syntax error: expected a root node '/ { … };'", tok.range) }
      root = Node(name: "")
    }
  }

  private mutating func topLevelItem(first: Bool) throws(Unwind) {
    if at("/") {
      let slash = advance()
      let n = try nodeDef()
      if let root {
        merge(into: root, n)
      } else {
        n.name = ""
        n.nameRange = slash.range
        root = n
        labels.indexSubtree(n)
      }
      return
    }
    if first && root == nil {
      // `&ref { … }` as the first item: only allowed (as a fragment) in a plugin.
      guard kind == .labelRef || kind == .pathRef else {
        try syntaxError(expected: "'/' (the root node) or, in an overlay, '&label'")
      }
      let ref = advance()
      let body = try nodeDef()
      if !isPlugin {
        error("label or path \(text(ref)) not found", ref.range)
      } else if isRelative(text(ref)) {
        error("label-relative reference \(text(ref)) not supported in plugin", ref.range)
      }
      let r = Node(name: "")
      r.definitions = [ref.range]
      root = r
      addOrphan(body, ref: ref)
      return
    }
    guard root != nil else { try syntaxError(expected: "'/'") }
    switch kind {
    case .label:
      let label = advance()
      guard kind == .labelRef || kind == .pathRef else {
        try syntaxError(expected: "'&label' or '&{/path}'")
      }
      let ref = advance()
      let body = try nodeDef()
      if isPlugin && isRelative(text(ref)) {
        error("label-relative reference \(text(ref)) not supported in plugin", label.range)
      }
      if let target = lookup(text(ref)) {
        let name = text(label)
        addLabel(name, to: &target.labelEntries)
        labels.add(name, target)
        merge(into: target, body)
      } else {
        error("label or path \(text(ref)) not found", ref.range)
      }
    case .pathRef:
      let ref = advance()
      let body = try nodeDef()
      if isPlugin {
        if isRelative(text(ref)) {
          error("label-relative reference \(text(ref)) not supported in plugin", ref.range)
        }
        addOrphan(body, ref: ref)
      } else if let target = lookup(text(ref)) {
        merge(into: target, body)
      } else {
        error("label or path \(text(ref)) not found", ref.range)
      }
    case .labelRef:
      let ref = advance()
      let body = try nodeDef()
      if let target = lookup(text(ref)) {
        merge(into: target, body)
      } else if isPlugin {
        addOrphan(body, ref: ref)
      } else {
        error("label or path \(text(ref)) not found", ref.range)
      }
    case .deleteNode, .omitIfNoRef:
      let kw = advance()
      guard kind == .labelRef || kind == .pathRef else {
        try syntaxError(expected: "'&label' or '&{/path}'")
      }
      let ref = advance()
      _ = try expect(";")
      if let target = lookup(text(ref)) {
        if kw.kind == .deleteNode {
          target.markDeleted()
        } else {
          target.omitIfNoRef = true
        }
      } else {
        error("label or path \(text(ref)) not found", ref.range)
      }
    default:
      try syntaxError(expected: "'/', '&label { … }', '/delete-node/' or '/omit-if-no-ref/'")
    }
  }

  private func isRelative(_ ref: String) -> Bool {
    guard let f = ref.first, f != "/" else { return false }
    return ref.dropFirst().contains("/")
  }

  private mutating func lookup(_ ref: String) -> Node? {
    guard let root else { return nil }
    return resolveReference(ref, root: root, labels: &labels)
  }

  /// dtc's `add_orphan_node`: an overlay block whose target is outside this file becomes `fragment@N`.
  private mutating func addOrphan(_ body: Node, ref: Token) {
    guard let root else { return }
    let prop: Property
    let target = text(ref)
    if target.hasPrefix("/") {
      var v = PropertyValue(bytes: Array(target.utf8) + [0])
      v.markers = [ValueMarker(kind: .string, offset: 0, ref: target, range: ref.range)]
      prop = Property(name: "target-path", value: v, range: ref.range)
    } else {
      var v = PropertyValue(markers: [ValueMarker(kind: .phandleReference, offset: 0, ref: target, range: ref.range)])
      v.appendCell(0xFFFF_FFFF)
      prop = Property(name: "target", value: v, range: ref.range)
    }
    body.name = "__overlay__"
    let fragment = Node(name: "fragment@\(fragmentCounter)")
    fragmentCounter += 1
    fragment.properties = [prop]
    fragment.addChild(body)
    fragment.definitions = body.definitions
    fragment.nameRange = ref.range
    root.addChild(fragment)
    labels.indexSubtree(fragment)
  }

  // MARK: - Merging (dtc's merge_nodes)

  private mutating func merge(into old: Node, _ new: Node) {
    old.deleted = false
    for l in new.labelEntries {
      addLabel(l.name, to: &old.labelEntries)
      labels.add(l.name, old)
    }
    // dtc's first-of-that-name lookups (deleted ones included), by table when the blocks are big: a root of
    // 500 000 nodes extended by a second `/ { … }` of as many would otherwise be quadratic.
    let big = old.properties.count + new.properties.count > 32 || old.children.count + new.children.count > 32
    var oldProperties: [String: Property] = [:]
    var oldChildren: [String: Node] = [:]
    if big {
      for p in old.properties where oldProperties[p.name] == nil { oldProperties[p.name] = p }
      for c in old.children where oldChildren[c.name] == nil { oldChildren[c.name] = c }
    }
    func oldProperty(_ name: String) -> Property? {
      big ? oldProperties[name] : old.properties.first { $0.name == name }
    }
    func oldChild(_ name: String) -> Node? {
      big ? oldChildren[name] : old.children.first { $0.name == name }
    }
    for np in new.properties {
      if np.deleted {
        if let op = oldProperty(np.name) { op.markDeleted() }
        continue
      }
      if let op = oldProperty(np.name) {
        for l in np.labelEntries { addLabel(l.name, to: &op.labelEntries) }
        op.value = np.value
        op.deleted = false
        op.range = np.range
        op.nameRange = np.nameRange
      } else {
        old.properties.append(np)
        if big { oldProperties[np.name] = np }
      }
    }
    for nc in new.children {
      if nc.deleted {
        if let oc = oldChild(nc.name) { oc.markDeleted() }
        continue
      }
      if let oc = oldChild(nc.name) {
        merge(into: oc, nc)
      } else {
        old.addChild(nc)
        if big { oldChildren[nc.name] = nc }
        labels.indexSubtree(nc)
      }
    }
    old.definitions.append(contentsOf: new.definitions)
  }

  // MARK: - Nodes

  /// `{ proplist subnodes } ;` → a detached node (name set by the caller).
  private mutating func nodeDef() throws(Unwind) -> Node {
    let open = try expect("{")
    depth += 1
    defer { depth -= 1 }
    if depth > limits.maxNodeDepth {
      error("nodes are nested more than \(limits.maxNodeDepth) levels deep", open.range)
      fatal = true
      throw Unwind()
    }
    let node = Node(name: "")
    var sawSubnode = false
    while !at("}") && kind != .eof {
      do {
        try bodyItem(node, sawSubnode: &sawSubnode)
      } catch {
        if fatal || gaveUp { throw error }
        recover()
      }
    }
    _ = try expect("}", "'}'")
    let semi = try expect(";", "';' after '}'")
    node.definitions = [open.range.extended(to: semi.range)]
    return node
  }

  private mutating func bodyItem(_ node: Node, sawSubnode: inout Bool) throws(Unwind) {
    var itemLabels: [Token] = []
    var omit = false
    while kind == .label || kind == .omitIfNoRef {
      if kind == .omitIfNoRef { omit = true } else { itemLabels.append(tok) }
      _ = advance()
    }
    switch kind {
    case .deleteProperty where !omit:
      let kw = advance()
      guard kind == .name else { try syntaxError(expected: "a property name") }
      let name = advance()
      _ = try expect(";")
      if sawSubnode { error("properties must precede subnodes", kw.range) }
      let p = Property(name: text(name), deleted: true, range: kw.range, nameRange: name.range)
      for l in itemLabels.reversed() { addLabel(text(l), to: &p.labelEntries) }
      node.properties.append(p)
    case .deleteNode:
      let kw = advance()
      guard kind == .name else { try syntaxError(expected: "a node name") }
      let name = advance()
      let semi = try expect(";")
      let child = Node(name: text(name))
      child.deleted = true
      child.omitIfNoRef = omit
      child.definitions = [kw.range.extended(to: semi.range)]
      child.nameRange = name.range
      for l in itemLabels.reversed() { addLabel(text(l), to: &child.labelEntries) }
      node.addChild(child)
      sawSubnode = true
    case .name:
      let name = advance()
      if at("{") {
        let child = try nodeDef()
        child.name = text(name)
        child.nameRange = name.range
        child.omitIfNoRef = omit
        for l in itemLabels.reversed() { addLabel(text(l), to: &child.labelEntries) }
        node.addChild(child)
        sawSubnode = true
        return
      }
      if omit { try syntaxError(expected: "'{' (/omit-if-no-ref/ applies to nodes)") }
      let value: PropertyValue
      if at("=") {
        _ = advance()
        value = try propData()
      } else {
        value = .empty
      }
      let semi = try endOfProperty(name)
      if sawSubnode {
        error("properties must precede subnodes", name.range)
      }
      if value.bytes.count > limits.maxPropertyBytes {
        error(
          "property '\(text(name))' is \(value.bytes.count) bytes, over the limit of \(limits.maxPropertyBytes)",
          name.range)
        fatal = true
      }
      let p = Property(
        name: text(name), value: value, range: name.range.extended(to: semi.range), nameRange: name.range)
      for l in itemLabels.reversed() { addLabel(text(l), to: &p.labelEntries) }
      node.properties.append(p)
    default:
      try syntaxError(expected: "a property or node name")
    }
  }

  // MARK: - Property values

  private mutating func propData() throws(Unwind) -> PropertyValue {
    var data = PropertyValue()
    let size = valueSize()
    data.bytes.reserveCapacity(size.bytes)
    data.markers.reserveCapacity(size.markers)
    while true {
      while kind == .label {
        let l = advance()
        data.markers.append(ValueMarker(kind: .label, offset: data.bytes.count, ref: text(l), range: l.range))
      }
      switch kind {
      case .string:
        let s = advance()
        data.markers.append(ValueMarker(kind: .string, offset: data.bytes.count, range: s.range))
        data.bytes.append(contentsOf: list.bytes(s))
      case .bits:
        _ = advance()
        guard kind == .literal else { try syntaxError(expected: "8, 16, 32 or 64 after /bits/") }
        let lit = advance()
        var bits = Int(clamping: lit.value)
        if ![8, 16, 32, 64].contains(bits) {
          error("array elements must be 8, 16, 32 or 64-bits", lit.range)
          bits = 32
        }
        _ = try expect("<")
        try cellArray(bits: bits, into: &data)
      case .char where at("<"):
        _ = advance()
        try cellArray(bits: 32, into: &data)
      case .char where at("["):
        _ = advance()
        data.markers.append(ValueMarker(kind: .cells(bits: 8), offset: data.bytes.count))
        while kind == .byte || kind == .label {
          let t = advance()
          if t.kind == .byte {
            data.bytes.append(UInt8(truncatingIfNeeded: t.value))
          } else {
            data.markers.append(ValueMarker(kind: .label, offset: data.bytes.count, ref: text(t), range: t.range))
          }
        }
        _ = try expect("]", "hex bytes or ']'")
      case .labelRef, .pathRef:
        let r = advance()
        let target = text(r)
        data.markers.append(ValueMarker(kind: .string, offset: data.bytes.count, ref: target, range: r.range))
        data.markers.append(ValueMarker(kind: .pathReference, offset: data.bytes.count, ref: target, range: r.range))
      case .incbin:
        try incbin(into: &data)
      default:
        try syntaxError(expected: "a value (string, '<cells>', '[bytes]', '&reference' or '/incbin/')")
      }
      while kind == .label {
        let l = advance()
        data.markers.append(ValueMarker(kind: .label, offset: data.bytes.count, ref: text(l), range: l.range))
      }
      if at(",") {
        _ = advance()
        continue
      }
      return data
    }
  }

  /// About how many bytes and markers the value from the current token to its `;` takes (exact for the common
  /// forms: strings, 32-bit cells, references, byte strings): the value's two arrays are sized once instead of
  /// growing element by element, each growth a new allocation and a copy (issue 20).
  private func valueSize() -> (bytes: Int, markers: Int) {
    var bytes = 0
    var markers = 0
    var cellBytes = 4
    var i = pos
    scan: while i < eofIndex {
      let t = list.tokens[i]
      switch t.kind {
      case .string:
        bytes += Int(t.length)
        markers += 1
      case .literal, .charLiteral:
        bytes += cellBytes
        if i > 0, list.tokens[i - 1].kind == .bits, t.value <= 64 { cellBytes = max(1, Int(t.value) / 8) }
      case .byte:
        bytes += 1
      case .labelRef, .pathRef:
        bytes += cellBytes
        markers += 2
      case .label:
        markers += 1
      case .char:
        switch t.value {
        case 0x3C, 0x5B: markers += 1  // < [
        case 0x3E: cellBytes = 4  // >
        case 0x3B, 0x7B, 0x7D: break scan  // ; { }
        default: break
        }
      case .eof: break scan
      default: break
      }
      i += 1
    }
    return (bytes, markers)
  }

  private mutating func cellArray(bits: Int, into data: inout PropertyValue) throws(Unwind) {
    data.markers.append(ValueMarker(kind: .cells(bits: bits), offset: data.bytes.count))
    while !at(">") {
      switch kind {
      case .label:
        let l = advance()
        data.markers.append(ValueMarker(kind: .label, offset: data.bytes.count, ref: text(l), range: l.range))
      case .labelRef, .pathRef:
        let r = advance()
        if bits == 32 {
          data.markers.append(
            ValueMarker(kind: .phandleReference, offset: data.bytes.count, ref: text(r), range: r.range))
        } else {
          error("references are only allowed in arrays with 32-bit elements", r.range)
        }
        appendInteger(bits == 64 ? UInt64.max : (UInt64(1) << UInt64(bits)) &- 1, bits: bits, to: &data)
      case .literal, .charLiteral:
        let v = try integerPrim()
        appendInteger(v, bits: bits, to: &data)
      case .char where at("("):
        let v = try integerPrim()
        appendInteger(v, bits: bits, to: &data)
      default:
        try syntaxError(expected: "a number, '(expression)', '&reference' or '>'")
      }
    }
    _ = advance()
  }

  /// Appends the low `bits` of `v`, big-endian (one append of the cell's bytes, not one per byte).
  private func appendInteger(_ v: UInt64, bits: Int, to data: inout PropertyValue) {
    switch bits {
    case 32: withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).bigEndian) { data.bytes.append(contentsOf: $0) }
    case 64: withUnsafeBytes(of: v.bigEndian) { data.bytes.append(contentsOf: $0) }
    case 16: withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).bigEndian) { data.bytes.append(contentsOf: $0) }
    default: data.bytes.append(UInt8(truncatingIfNeeded: v))
    }
  }

  private mutating func incbin(into data: inout PropertyValue) throws(Unwind) {
    let kw = advance()
    _ = try expect("(")
    guard kind == .string else { try syntaxError(expected: "a file name string") }
    let nameTok = advance()
    var offset: UInt64 = 0
    var length: UInt64? = nil
    if at(",") {
      _ = advance()
      offset = try integerPrim()
      _ = try expect(",")
      length = try integerPrim()
    }
    let close = try expect(")")
    let range = kw.range.extended(to: close.range)
    let name = FileName.decode(list.bytes(nameTok).dropLast())
    let dir = Lexer.directory(of: sources[kw.range.file].path)
    guard let path = Lexer.resolve(name, directory: dir, searchPaths: searchPaths) else {
      error("/incbin/ file \(Lexer.notFound(name, directory: dir, searchPaths: searchPaths))", range)
      fatal = true
      return
    }
    // With a length only the window is read (pread), as dtc seeks and reads it: the file may be a large image or
    // a device. Without one the rest of the file is read, up to the /incbin/ limit.
    let bytes: [UInt8]
    do {
      if let length, length != UInt64.max {
        guard length <= UInt64(limits.maxIncbinBytes) else {
          error(
            "/incbin/ length \(length) of '\(name)' is larger than the limit of \(limits.maxIncbinBytes) bytes",
            range)
          fatal = true
          return
        }
        bytes = try FileAccess.readWindow(path, offset: offset, length: Int(length))
      } else {
        let whole = try SourceManager.readBytes(path: path, limit: limits.maxIncbinBytes)
        guard offset <= UInt64(whole.count) else {
          error("couldn't seek to offset \(offset) in '\(name)'", range)
          fatal = true
          return
        }
        bytes = Array(whole[Int(offset)...])
      }
    } catch {
      self.error("cannot read /incbin/ file '\(name)': \(error.reason)", range)
      fatal = true
      return
    }
    data.markers.append(ValueMarker(kind: .cells(bits: 8), offset: data.bytes.count))
    data.bytes.append(contentsOf: bytes)
  }

  // MARK: - Integer expressions (uint64 arithmetic, dtc's operator set and precedence)

  private mutating func integerPrim() throws(Unwind) -> UInt64 {
    switch kind {
    case .literal, .charLiteral:
      return advance().value
    case .char where at("("):
      _ = advance()
      let v = try expr()
      _ = try expect(")")
      return v
    default:
      try syntaxError(expected: "a number or '(expression)'")
    }
  }

  /// Counts one level of expression nesting; past the limit the input is refused before it exhausts the stack.
  private mutating func enterExpression() throws(Unwind) {
    if expressionDepth >= limits.maxExpressionDepth {
      error("expression nested more than \(limits.maxExpressionDepth) levels deep", tok.range)
      fatal = true
      throw Unwind()
    }
    expressionDepth += 1
  }

  private mutating func expr() throws(Unwind) -> UInt64 {
    try enterExpression()
    defer { expressionDepth -= 1 }
    let c = try logicalOr()
    if at("?") {
      _ = advance()
      let a = try expr()
      _ = try expect(":")
      let b = try expr()
      return c != 0 ? a : b
    }
    return c
  }

  private mutating func logicalOr() throws(Unwind) -> UInt64 {
    var v = try logicalAnd()
    while kind == .or {
      _ = advance()
      let r = try logicalAnd()
      v = (v != 0 || r != 0) ? 1 : 0
    }
    return v
  }

  private mutating func logicalAnd() throws(Unwind) -> UInt64 {
    var v = try bitOr()
    while kind == .and {
      _ = advance()
      let r = try bitOr()
      v = (v != 0 && r != 0) ? 1 : 0
    }
    return v
  }

  private mutating func bitOr() throws(Unwind) -> UInt64 {
    var v = try bitXor()
    while at("|") {
      _ = advance()
      v |= try bitXor()
    }
    return v
  }

  private mutating func bitXor() throws(Unwind) -> UInt64 {
    var v = try bitAnd()
    while at("^") {
      _ = advance()
      v ^= try bitAnd()
    }
    return v
  }

  private mutating func bitAnd() throws(Unwind) -> UInt64 {
    var v = try equality()
    while at("&") {
      _ = advance()
      v &= try equality()
    }
    return v
  }

  private mutating func equality() throws(Unwind) -> UInt64 {
    var v = try relational()
    while kind == .eq || kind == .ne {
      let op = advance().kind
      let r = try relational()
      v = ((op == .eq) == (v == r)) ? 1 : 0
    }
    return v
  }

  private mutating func relational() throws(Unwind) -> UInt64 {
    var v = try shift()
    while at("<") || at(">") || kind == .le || kind == .ge {
      let op = advance()
      let r = try shift()
      let result: Bool
      switch op.kind {
      case .le: result = v <= r
      case .ge: result = v >= r
      default: result = op.isChar("<") ? v < r : v > r
      }
      v = result ? 1 : 0
    }
    return v
  }

  private mutating func shift() throws(Unwind) -> UInt64 {
    var v = try additive()
    while kind == .lshift || kind == .rshift {
      let op = advance().kind
      let r = try additive()
      if r >= 64 {
        v = 0
      } else {
        v = op == .lshift ? v << r : v >> r
      }
    }
    return v
  }

  private mutating func additive() throws(Unwind) -> UInt64 {
    var v = try multiplicative()
    while at("+") || at("-") {
      let plus = advance().isChar("+")
      let r = try multiplicative()
      v = plus ? v &+ r : v &- r
    }
    return v
  }

  private mutating func multiplicative() throws(Unwind) -> UInt64 {
    let startRange = tok.range
    var v = try unary()
    while at("*") || at("/") || at("%") {
      let op = advance()
      let endRange = tok.range
      let r = try unary()
      if op.isChar("*") {
        v = v &* r
      } else if r == 0 {
        error("division by zero", startRange.extended(to: endRange))
        v = 0
      } else {
        v = op.isChar("/") ? v / r : v % r
      }
    }
    return v
  }

  private mutating func unary() throws(Unwind) -> UInt64 {
    guard at("-") || at("~") || at("!") else { return try integerPrim() }
    let negate = at("-")
    let complement = at("~")
    _ = advance()
    // `- - - … 1` recurses once per operator.
    try enterExpression()
    defer { expressionDepth -= 1 }
    let v = try unary()
    if negate { return 0 &- v }
    if complement { return ~v }
    return v == 0 ? 1 : 0
  }

}

/// Finds labelled nodes quickly while keeping dtc's answer (the first live node in pre-order with a live label).
struct LabelIndex {
  private var byLabel: [String: [Node]] = [:]

  mutating func add(_ label: String, _ node: Node) {
    if let list = byLabel[label], list.contains(where: { $0 === node }) { return }
    byLabel[label, default: []].append(node)
  }

  mutating func indexSubtree(_ node: Node) {
    for l in node.labelEntries where !l.deleted { add(l.name, node) }
    for c in node.children { indexSubtree(c) }
  }

  /// The node carrying `label`, or nil. Falls back to a tree walk when several candidates are live.
  func lookup(_ label: String, root: Node) -> Node? {
    guard let list = byLabel[label] else { return nil }
    var live: Node?
    var count = 0
    for n in list where isLive(n, root: root) && n.labelEntries.contains(where: { $0.name == label && !$0.deleted }) {
      live = n
      count += 1
    }
    if count <= 1 { return live }
    return DeviceTree(root: root).node(withLabel: label)
  }

  private func isLive(_ n: Node, root: Node) -> Bool {
    var cur: Node? = n
    while let c = cur {
      if c.deleted { return false }
      if c === root { return true }
      cur = c.parent
    }
    return false
  }
}

/// dtc's `get_node_by_ref`: `/path`, `label`, or `label/sub/path`.
func resolveReference(_ ref: String, root: Node, labels: inout LabelIndex) -> Node? {
  if ref == "/" { return root }
  var base = root
  var path = Substring(ref)
  if !ref.hasPrefix("/") {
    let label: Substring
    // Byte search: a Character search walks graphemes, and every `&label` of the tree comes through here.
    if let slash = ref.utf8.firstIndex(of: UInt8(ascii: "/")) {
      label = ref[..<slash]
      path = ref[ref.utf8.index(after: slash)...]
    } else {
      label = ref[...]
      path = ""
    }
    guard !label.isEmpty, let n = labels.lookup(String(label), root: root) else { return nil }
    base = n
    if path.isEmpty { return n }
  }
  return nodeByPath(base, path)
}

/// dtc's `get_node_by_path`: components compared with full node names; deleted nodes are skipped.
func nodeByPath(_ start: Node, _ path: Substring) -> Node? {
  var n = start
  var rest = path
  while rest.first == "/" { rest = rest.dropFirst() }
  if rest.isEmpty { return n.deleted ? nil : n }
  while true {
    let comp: Substring
    if let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/")) {
      comp = rest[..<slash]
      rest = rest[rest.utf8.index(after: slash)...]
      guard let c = n.children.first(where: { !$0.deleted && $0.name == comp }) else { return nil }
      n = c
      while rest.first == "/" { rest = rest.dropFirst() }
      if rest.isEmpty { return n.deleted ? nil : n }
    } else {
      return n.children.first(where: { !$0.deleted && $0.name == rest })
    }
  }
}
