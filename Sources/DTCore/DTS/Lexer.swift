/// Tokens of dtc's source language.
public enum TokenKind: UInt8, Sendable {
  case string  // "…" (bytes = unescaped, NUL-terminated)
  case dtsV1  // /dts-v1/
  case plugin  // /plugin/
  case memreserve  // /memreserve/
  case bits  // /bits/
  case deleteProperty  // /delete-property/
  case deleteNode  // /delete-node/
  case omitIfNoRef  // /omit-if-no-ref/
  case label  // name:  (text = name)
  case literal  // integer (value)
  case charLiteral  // 'c' (value)
  case labelRef  // &label (text = label)
  case pathRef  // &{/path} or &{label/path} (text = inside of braces)
  case byte  // two hex digits inside [ ] (value)
  case incbin  // /incbin/
  case name  // property or node name (text)
  case lshift, rshift, le, ge, eq, ne, and, or
  case char  // any other single character (value = the byte)
  case eof
}

/// One token: plain data, so the parser copies it without reference counting. The text of a name, label or
/// reference and the bytes of a string live in its ``TokenList``'s arena (`value` is where they start there,
/// `length` how many bytes they take).
public struct Token: Sendable {
  public var kind: TokenKind
  public var range: SourceRange
  /// The number (literal, character literal, byte, character), or the arena offset of the token's text.
  public var value: UInt64 = 0
  /// Bytes of text in the arena (names, labels, references, strings with their closing NUL).
  var length: UInt32 = 0

  init(kind: TokenKind, range: SourceRange, value: UInt64 = 0) {
    self.kind = kind
    self.range = range
    self.value = value
  }

  /// (A scalar, not a Character: the literal is then a constant, not a grapheme to take apart on every call.)
  @inline(__always) func isChar(_ c: Unicode.Scalar) -> Bool { kind == .char && value == UInt64(c.value) }

  /// Kinds whose text is in the arena.
  var hasText: Bool {
    switch kind {
    case .string, .label, .labelRef, .pathRef, .name: true
    default: false
    }
  }
}

/// The lexer's tokens, with the text of those that carry some in one byte arena.
public struct TokenList: Sendable {
  public internal(set) var tokens: [Token] = []
  var arena: [UInt8] = []

  public init() {}

  public var count: Int { tokens.count }
  public var isEmpty: Bool { tokens.isEmpty }
  public var first: Token? { tokens.first }
  public var last: Token? { tokens.last }
  public subscript(i: Int) -> Token { tokens[i] }

  /// The bytes of a string (unescaped, NUL-terminated) or of a name, label or reference.
  func bytes(_ t: Token) -> ArraySlice<UInt8> {
    guard t.hasText else { return [] }
    let start = Int(t.value)
    return arena[start..<(start + Int(t.length))]
  }

  /// The name of a name or label token, the label or path of a reference; "" for other tokens.
  public func text(_ t: Token) -> String { String(decoding: bytes(t), as: UTF8.self) }

  /// Appends a token whose text `write` appends to the arena.
  private mutating func append(_ kind: TokenKind, _ range: SourceRange, writing write: (inout [UInt8]) -> Void) {
    var t = Token(kind: kind, range: range, value: UInt64(arena.count))
    write(&arena)
    t.length = UInt32(truncatingIfNeeded: arena.count - Int(t.value))
    tokens.append(t)
  }

  /// Appends a token whose text (or string bytes) is `text`.
  mutating func append(_ kind: TokenKind, _ range: SourceRange, text: some Collection<UInt8>) {
    append(kind, range) { $0.append(contentsOf: text) }
  }

  mutating func append(_ t: Token) { tokens.append(t) }

  /// Appends a string token: the unescaped bytes of `b[start..<end]` and a NUL.
  mutating func appendString(_ range: SourceRange, unescaping b: [UInt8], _ start: Int, _ end: Int) {
    append(.string, range) { arena in
      unescape(b, start, end, into: &arena)
      arena.append(0)
    }
  }

  /// The tokens from `start` on with their text, positioned to start an arena of their own (text is appended in
  /// token order, so it starts at the first of them that has any).
  func suffix(from start: Int) -> TokenList {
    var out = TokenList()
    let base = tokens[start...].first(where: \.hasText).map { Int($0.value) } ?? arena.count
    out.arena = Array(arena[base...])
    out.tokens = tokens[start...].map { t in
      var t = t
      if t.hasText { t.value -= UInt64(base) }
      return t
    }
    return out
  }

  /// Appends `other`'s tokens and their text.
  mutating func append(contentsOf other: TokenList) {
    let base = UInt64(arena.count)
    arena.append(contentsOf: other.arena)
    // (No reserveCapacity: an exact reservation at every region would copy the whole list each time.)
    for var t in other.tokens {
      if t.hasText { t.value += base }
      tokens.append(t)
    }
  }

  /// How the token reads in a message.
  func display(_ t: Token) -> String {
    switch t.kind {
    case .string: "string"
    case .dtsV1: "'/dts-v1/'"
    case .plugin: "'/plugin/'"
    case .memreserve: "'/memreserve/'"
    case .bits: "'/bits/'"
    case .deleteProperty: "'/delete-property/'"
    case .deleteNode: "'/delete-node/'"
    case .omitIfNoRef: "'/omit-if-no-ref/'"
    case .label: "label '\(text(t)):'"
    case .literal: "number"
    case .charLiteral: "character literal"
    case .labelRef: "reference '&\(text(t))'"
    case .pathRef: "reference '&{\(text(t))}'"
    case .byte: "byte"
    case .incbin: "'/incbin/'"
    case .name: "name '\(text(t))'"
    case .lshift: "'<<'"
    case .rshift: "'>>'"
    case .le: "'<='"
    case .ge: "'>='"
    case .eq: "'=='"
    case .ne: "'!='"
    case .and: "'&&'"
    case .or: "'||'"
    case .char:
      if t.value >= 0x21 && t.value < 0x7F {
        "'\(Character(Unicode.Scalar(UInt8(t.value))))'"
      } else {
        "byte 0x\(String(t.value, radix: 16))"
      }
    case .eof: "end of input"
    }
  }
}

/// Limits that keep hostile input from exhausting the machine.
public struct FrontEndLimits: Sendable {
  public var maxIncludeDepth = 200
  /// Node nesting in the source (the merged tree is held to the same limit): ``DeviceTree/maxDepth``.
  public var maxNodeDepth = DeviceTree.maxDepth
  /// Parentheses, unary operators and `?:` nested inside one cell expression.
  public var maxExpressionDepth = 1_000
  public var maxPropertyBytes = 16 << 20
  public var maxIncbinBytes = 64 << 20
  public init() {}
}

/// dtc's lexer, written from its documented behaviour: flex start conditions (INITIAL, V1, PROPNODENAME,
/// BYTESTRING) decide whether `0x10` is a number or a name; `/include/` splices in another file read as is.
struct Lexer {
  enum State: UInt8 { case initial, v1, propNodeName, byteString }

  let sources: SourceManager
  let searchPaths: [String]
  let limits: FrontEndLimits
  /// Where cpp line markers in the input put positions (dtc honours them).
  let presumed: PresumedPositions
  var tokens = TokenList()
  var diagnostics: [Diagnostic] = []
  /// Set with `fatal` when what stopped the lexer is a syntax error in the text (an unterminated string, character
  /// literal or comment): a finding (exit 1), not an input that could not be read (exit 2).
  var stoppedBySyntax = false
  var fatal = false
  var state: State = .initial
  var includeDepth = 0
  /// Files being spliced in by `/include/` (outermost first): a file that includes itself, directly or not, never
  /// ends, since DTS has no conditionals to stop the recursion.
  var includeStack: [String] = []
  /// Files read by `/include/`, for dependency lists.
  var includedFiles: [FileID] = []
  /// Shared include regions whose tokens were reused instead of lexed (``SharedTextRegion``).
  var regionsReused = 0

  /// Keywords that start with `/`, with the state each leaves the lexer in (nil: unchanged). Built once, not at
  /// every `/` (an array literal in the loop was an allocation per use).
  private static let keywords: [(StaticString, TokenKind, State?)] = [
    ("/dts-v1/", .dtsV1, .v1), ("/plugin/", .plugin, nil), ("/memreserve/", .memreserve, .v1),
    ("/bits/", .bits, .v1), ("/delete-property/", .deleteProperty, .propNodeName),
    ("/delete-node/", .deleteNode, .propNodeName), ("/omit-if-no-ref/", .omitIfNoRef, .propNodeName),
  ]
  /// Integer literal suffixes, longest first (one allocation per literal when written in the loop).
  private static let integerSuffixes: [StaticString] = ["ULL", "UL", "LL", "U", "L"]

  init(sources: SourceManager, searchPaths: [String], limits: FrontEndLimits) {
    self.sources = sources
    self.presumed = PresumedPositions(sources: sources)
    self.searchPaths = searchPaths
    self.limits = limits
  }

  mutating func error(_ message: String, _ range: SourceRange) {
    diagnostics.append(Diagnostic(rule: "syntax", severity: .error, message: message, range: range))
  }

  /// Tokenizes `text` (the main file after preprocessing, or an included file), appending to `tokens`.
  /// `directory` is where relative `/include/` and `/incbin/` names are looked up first.
  mutating func run(_ text: PreprocessedSource, directory: String) {
    var cursor = Cursor(text: text, presumed: presumed)
    let b = text.bytes
    let n = b.count
    // About one token per eight bytes of preprocessed device tree: a few growths instead of a dozen.
    if tokens.isEmpty { tokens.tokens.reserveCapacity(n / 8) }
    var i = 0
    if SourceFile.byteOrderMarkLength(b) > 0 {
      // Only text read as is starts with one: the preprocessor drops it, as cpp does, and dtc alone refuses it.
      error(
        "a UTF-8 byte order mark (ef bb bf) opens the file: dtc accepts one only where the C preprocessor removes "
          + "it (a file read with --no-cpp or by /include/ must be saved without it)", cursor.range(0, 3))
      fatal = true
      stoppedBySyntax = true
      return
    }
    var atLineStart = true
    // Includes shared with other units (``SharedTextRegion``): their tokens are reused when the lexer reaches one
    // in a state it was lexed from before, and kept for the others when it lexes a replayed one cleanly (no
    // diagnostic, no `/include/`, ending where the include's text ends, before a line break).
    let regions = includeDepth == 0 ? text.sharedRegions : []
    var ri = 0
    var fills: [(end: Int, record: IncludeRecord, tok: Int, diags: Int, incs: Int, state: State, lineStart: Bool)] = []
    var watch = regions.first?.start ?? Int.max

    @inline(__always) func isNameChar(_ c: UInt8) -> Bool {
      // [a-zA-Z0-9,._+*#?@-]
      switch c {
      case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2C, 0x2E, 0x5F, 0x2B, 0x2A, 0x23, 0x3F, 0x40, 0x2D: true
      default: false
      }
    }
    @inline(__always) func isLabelStart(_ c: UInt8) -> Bool {
      (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }
    @inline(__always) func isLabelChar(_ c: UInt8) -> Bool { isLabelStart(c) || (c >= 0x30 && c <= 0x39) }
    @inline(__always) func isHex(_ c: UInt8) -> Bool {
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }
    @inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
    func hasPrefix(_ s: StaticString, at p: Int) -> Bool {
      let len = s.utf8CodeUnitCount
      guard p + len <= n else { return false }
      return s.withUTF8Buffer { buf in
        for k in 0..<len where b[p + k] != buf[k] { return false }
        return true
      }
    }
    /// End of a string literal starting at `p` (the opening quote), or nil when flex's STRING rule fails.
    func stringEnd(_ p: Int) -> Int? {
      var j = p + 1
      while j < n {
        let c = b[j]
        if c == 0x22 { return j + 1 }
        if c == 0x5C {
          guard j + 1 < n, b[j + 1] != 0x0A else { return nil }
          j += 2
        } else {
          j += 1
        }
      }
      return nil
    }

    /// At a line break `i` (or the end): ends the regions being lexed for the first time that end here (keeping
    /// their tokens), and reuses the tokens of a region that starts here. True when `i` moved past one.
    func atRegionBoundary() -> Bool {
      var moved = false
      while let f = fills.last, i >= f.end {
        fills.removeLast()
        if i == f.end, diagnostics.count == f.diags, includedFiles.count == f.incs, f.end == n || b[f.end] == 0x0A {
          let lexed = LexedRegion(
            state: f.state.rawValue, atLineStart: f.lineStart, tokens: tokens.suffix(from: f.tok),
            exitState: state.rawValue, exitAtLineStart: atLineStart)
          f.record.lexed.withLock { list in
            if list.count < 4, !list.contains(where: { $0.state == lexed.state && $0.atLineStart == lexed.atLineStart })
            {
              list.append(lexed)
            }
          }
        }
      }
      while ri < regions.count, regions[ri].start <= i {
        let r = regions[ri]
        ri += 1
        guard r.start == i, r.end <= n else { continue }
        let code = state.rawValue
        let lineStart = atLineStart
        if r.end == n || b[r.end] == 0x0A,
          let lexed = r.record.lexed.withLock({ l in l.first { $0.state == code && $0.atLineStart == lineStart } })
        {
          tokens.append(contentsOf: lexed.tokens)
          regionsReused += 1
          i = r.end
          moved = true
          state = State(rawValue: lexed.exitState) ?? .initial
          atLineStart = lexed.exitAtLineStart
          cursor.seg = max(0, text.segmentIndex(containing: max(0, i - 1)))
          while ri < regions.count, regions[ri].start < r.end { ri += 1 }
          break
        }
        if r.replayed {
          fills.append((r.end, r.record, tokens.count, diagnostics.count, includedFiles.count, state, atLineStart))
        }
      }
      watch = min(fills.last?.end ?? Int.max, ri < regions.count ? regions[ri].start : Int.max)
      return moved
    }

    while i < n {
      let c = b[i]
      // Whitespace.
      if isSpace(c) {
        if c == 0x0A {
          // Shared regions start and end at line breaks.
          if i >= watch, atRegionBoundary() { continue }
          atLineStart = true
        }
        i += 1
        continue
      }
      // Comments.
      if c == 0x2F && i + 1 < n && b[i + 1] == 0x2A {
        var j = i + 2
        var closed = false
        while j + 1 < n {
          if b[j] == 0x2A && b[j + 1] == 0x2F {
            closed = true
            break
          }
          j += 1
        }
        if closed {
          i = j + 2
          continue
        }
        // Unterminated comment: flex would lex '/' as a character; report it clearly instead.
        error("unterminated comment", cursor.range(i, i + 2))
        fatal = true
        stoppedBySyntax = true
        return
      }
      if c == 0x2F && i + 1 < n && b[i + 1] == 0x2F {
        var j = i + 2
        while j < n && b[j] != 0x0A { j += 1 }
        i = j
        continue
      }
      let wasLineStart = atLineStart
      atLineStart = false
      // cpp line markers at line start: `# 12 "file"` / `#line 12 "file"` (positions follow them: the cursor's
      // `PresumedPositions`).
      if c == 0x23 && wasLineStart {
        var j = i + 1
        if hasPrefix("line", at: j) { j += 4 }
        var k = j
        while k < n && (b[k] == 0x20 || b[k] == 0x09) { k += 1 }
        if k > j, k < n, b[k] >= 0x30, b[k] <= 0x39 {
          while k < n && b[k] >= 0x30 && b[k] <= 0x39 { k += 1 }
          var m = k
          while m < n && (b[m] == 0x20 || b[m] == 0x09) { m += 1 }
          if m > k, m < n, b[m] == 0x22, let e = stringEnd(m) {
            var q = e
            var r = q
            while r < n && (b[r] == 0x20 || b[r] == 0x09) { r += 1 }
            if r > q, r < n, b[r] >= 0x30, b[r] <= 0x39 {
              while r < n && b[r] >= 0x30 && b[r] <= 0x39 { r += 1 }
              q = r
            }
            i = q
            continue
          }
        }
      }
      // /include/ "file"
      if c == 0x2F && hasPrefix("/include/", at: i) {
        var j = i + 9
        while j < n && isSpace(b[j]) { j += 1 }
        if j < n && b[j] == 0x22, let e = stringEnd(j) {
          let name = FileName.decode(unescape(b, j + 1, e - 1)).replacingNulls()
          let directive = cursor.range(i, e)
          i = e
          include(name, at: directive, directory: directory)
          if fatal { return }
          continue
        }
      }
      let start = i
      // Strings.
      if c == 0x22 {
        if let e = stringEnd(i) {
          tokens.appendString(cursor.range(start, e), unescaping: b, i + 1, e - 1)
          i = e
          continue
        }
        // flex would return the quote as a character the grammar has no use for; say what is wrong instead.
        var j = i + 1
        while j < n, b[j] != 0x22, !(b[j] == 0x5C && (j + 1 == n || b[j + 1] == 0x0A)) { j += b[j] == 0x5C ? 2 : 1 }
        error(
          j < n
            ? "unterminated string: a backslash ends a line inside it (a string cannot continue onto the next line)"
            : "unterminated string: no closing '\"' before the end of the file",
          cursor.range(i, i + 1))
        fatal = true
        stoppedBySyntax = true
        return
      }
      // Keywords starting with '/'.
      if c == 0x2F {
        var matched = false
        for (kw, kind, next) in Self.keywords where hasPrefix(kw, at: i) {
          let e = i + kw.utf8CodeUnitCount
          tokens.append(Token(kind: kind, range: cursor.range(i, e)))
          if let next { state = next }
          i = e
          matched = true
          break
        }
        if matched { continue }
        if (state == .initial || state == .v1) && hasPrefix("/incbin/", at: i) {
          tokens.append(Token(kind: .incbin, range: cursor.range(i, i + 8)))
          i += 8
          continue
        }
      }
      // Candidates decided by longest match: label `name:`, name (PROPNODENAME), literal (V1), byte (BYTESTRING).
      var labelEnd = -1
      if isLabelStart(c) {
        var j = i + 1
        while j < n && isLabelChar(b[j]) { j += 1 }
        if j < n && b[j] == 0x3A { labelEnd = j + 1 }
      }
      switch state {
      case .propNodeName:
        var j = i
        if c == 0x5C { j += 1 }
        let nameStart = j
        while j < n && isNameChar(b[j]) { j += 1 }
        if j > nameStart && j >= labelEnd {
          tokens.append(.name, cursor.range(start, j), text: b[nameStart..<j])
          state = .v1
          i = j
          continue
        }
      case .v1:
        if c >= 0x30 && c <= 0x39 {
          var j = i
          var isHexLiteral = false
          if c == 0x30 && j + 2 < n && (b[j + 1] == 0x78 || b[j + 1] == 0x58) && isHex(b[j + 2]) {
            isHexLiteral = true
            j += 2
            while j < n && isHex(b[j]) { j += 1 }
          } else {
            while j < n && b[j] >= 0x30 && b[j] <= 0x39 { j += 1 }
          }
          // Optional U, L, UL, LL, ULL suffix.
          for suffix in Self.integerSuffixes where hasPrefix(suffix, at: j) {
            j += suffix.utf8CodeUnitCount
            break
          }
          if j >= labelEnd {
            var t = Token(kind: .literal, range: cursor.range(start, j))
            t.value = parseLiteral(b, start, j, hex: isHexLiteral, range: t.range)
            tokens.append(t)
            i = j
            continue
          }
        }
      case .byteString:
        if isHex(c) && i + 1 < n && isHex(b[i + 1]) && labelEnd < i + 2 {
          tokens.append(
            Token(kind: .byte, range: cursor.range(i, i + 2), value: UInt64(hexValue(c) << 4 | hexValue(b[i + 1]))))
          i += 2
          continue
        }
        if c == 0x5D {
          tokens.append(Token(kind: .char, range: cursor.range(i, i + 1), value: UInt64(c)))
          state = .v1
          i += 1
          continue
        }
      case .initial:
        break
      }
      if labelEnd > 0 {
        tokens.append(.label, cursor.range(start, labelEnd), text: b[i..<(labelEnd - 1)])
        i = labelEnd
        continue
      }
      // Character literal '([^']|\\')*'
      if c == 0x27 {
        var j = i + 1
        var lastEnd = -1
        while j < n {
          if b[j] == 0x27 {
            lastEnd = j + 1
            if j - 1 > i && b[j - 1] == 0x5C {
              j += 1
              continue
            }
            break
          }
          j += 1
        }
        if lastEnd > 0 {
          var t = Token(kind: .charLiteral, range: cursor.range(start, lastEnd))
          let d = unescape(b, i + 1, lastEnd - 1)
          if d.isEmpty {
            error("empty character literal", t.range)
          } else {
            t.value = UInt64(d[0])
            if d.count > 1 {
              error("character literal has \(d.count) characters instead of 1", t.range)
            }
          }
          tokens.append(t)
          i = lastEnd
          continue
        }
        error("unterminated character literal: no closing \"'\" before the end of the file", cursor.range(i, i + 1))
        fatal = true
        stoppedBySyntax = true
        return
      }
      // References.
      if c == 0x26 && i + 1 < n {
        if isLabelStart(b[i + 1]) {
          var j = i + 2
          while j < n && isLabelChar(b[j]) { j += 1 }
          tokens.append(.labelRef, cursor.range(start, j), text: b[(i + 1)..<j])
          i = j
          continue
        }
        if b[i + 1] == 0x7B {
          var j = i + 2
          while j < n && (isNameChar(b[j]) || b[j] == 0x2F) { j += 1 }
          if j < n && b[j] == 0x7D {
            tokens.append(.pathRef, cursor.range(start, j + 1), text: b[(i + 2)..<j])
            i = j + 1
            continue
          }
        }
      }
      // Two-character operators.
      if i + 1 < n {
        let d = b[i + 1]
        var op: TokenKind?
        switch (c, d) {
        case (0x3C, 0x3C): op = .lshift
        case (0x3E, 0x3E): op = .rshift
        case (0x3C, 0x3D): op = .le
        case (0x3E, 0x3D): op = .ge
        case (0x3D, 0x3D): op = .eq
        case (0x21, 0x3D): op = .ne
        case (0x26, 0x26): op = .and
        case (0x7C, 0x7C): op = .or
        default: op = nil
        }
        if let op {
          tokens.append(Token(kind: op, range: cursor.range(i, i + 2)))
          i += 2
          continue
        }
      }
      // Any other character.
      tokens.append(Token(kind: .char, range: cursor.range(i, i + 1), value: UInt64(c)))
      if c == 0x5B {
        state = .byteString
      } else if c == 0x7B || c == 0x3B {
        state = .propNodeName
      }
      i += 1
    }
    if i >= watch { _ = atRegionBoundary() }
  }

  private func hexValue(_ c: UInt8) -> Int {
    switch c {
    case 0x30...0x39: Int(c) - 0x30
    case 0x41...0x46: Int(c) - 0x41 + 10
    default: Int(c) - 0x61 + 10
    }
  }

  /// strtoull(…, 0) semantics: `0x` hex, leading `0` octal, else decimal; a bad digit or overflow is an error.
  private mutating func parseLiteral(_ b: [UInt8], _ s: Int, _ e: Int, hex: Bool, range: SourceRange) -> UInt64 {
    var j = s
    var base: UInt64 = 10
    if hex {
      base = 16
      j += 2
    } else if b[s] == 0x30 && e - s > 1 {
      base = 8
    }
    var v: UInt64 = 0
    var overflow = false
    while j < e {
      let c = b[j]
      let digit: UInt64
      switch c {
      case 0x30...0x39: digit = UInt64(c - 0x30)
      case 0x41...0x46: digit = UInt64(c - 0x41 + 10)
      case 0x61...0x66: digit = UInt64(c - 0x61 + 10)
      default: digit = 99
      }
      if digit >= base {
        // Only U/L suffix letters may follow.
        var k = j
        while k < e && (b[k] == 0x55 || b[k] == 0x4C) { k += 1 }
        if k != e {
          error("bad integer literal '\(String(decoding: b[s..<e], as: UTF8.self))'", range)
        }
        break
      }
      let (m, o1) = v.multipliedReportingOverflow(by: base)
      let (a, o2) = m.addingReportingOverflow(digit)
      if o1 || o2 { overflow = true }
      v = a
      j += 1
    }
    if overflow {
      error("integer literal '\(String(decoding: b[s..<e], as: UTF8.self))' out of range", range)
      return UInt64.max
    }
    return v
  }

  private mutating func include(_ name: String, at directive: SourceRange, directory: String) {
    if includeDepth >= limits.maxIncludeDepth {
      error("/include/ nested more than \(limits.maxIncludeDepth) levels deep (include cycle?)", directive)
      fatal = true
      return
    }
    guard let path = Lexer.resolve(name, directory: directory, searchPaths: searchPaths) else {
      error("/include/ file \(Lexer.notFound(name, directory: directory, searchPaths: searchPaths))", directive)
      fatal = true
      return
    }
    if let first = includeStack.firstIndex(of: path) {
      let cycle = (includeStack[first...] + [path]).joined(separator: " -> ")
      error("/include/ cycle: \(cycle)", directive)
      fatal = true
      return
    }
    let file: SourceFile
    do {
      file = try sources.load(path: path)
    } catch {
      self.error("cannot read /include/ file '\(name)': \(error.reason)", directive)
      fatal = true
      return
    }
    if let reason = InputKind.notSourceReason(file.bytes) {
      self.error("/include/ file '\(file.path)': \(reason)", directive)
      fatal = true
      return
    }
    includedFiles.append(file.id)
    includeDepth += 1
    includeStack.append(path)
    run(.raw(file, includedAt: directive), directory: Lexer.directory(of: path))
    includeStack.removeLast()
    includeDepth -= 1
  }

  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return String(path[..<slash])
  }

  /// dtc's search: relative to the including file's directory, then each search path.
  static func resolve(_ name: String, directory: String, searchPaths: [String]) -> String? {
    candidates(name, directory: directory, searchPaths: searchPaths).first { SourceManager.fileExists($0) }
  }

  /// The paths dtc tries for `name`, in order.
  static func candidates(_ name: String, directory: String, searchPaths: [String]) -> [String] {
    if name.hasPrefix("/") { return [name] }
    return [directory.isEmpty ? name : directory + "/" + name]
      + searchPaths.map { dir in dir.isEmpty ? name : (dir.hasSuffix("/") ? dir + name : dir + "/" + name) }
  }

  /// "'name' not found (searched: …)", or "'name' is a directory (path)" when a directory was all there was.
  static func notFound(_ name: String, directory: String, searchPaths: [String]) -> String {
    let tried = candidates(name, directory: directory, searchPaths: searchPaths)
    if let dir = tried.first(where: { FileAccess.type(of: $0) == .directory }) {
      return "'\(name)' is a directory (\(dir)), not a file"
    }
    let searched = name.hasPrefix("/") ? [] : ([directory] + searchPaths).map { $0.isEmpty ? "." : $0 }
    return "'\(name)' not found" + (searched.isEmpty ? "" : " (searched: \(searched.joined(separator: ", ")))")
      + "; add the directory that holds it with -I DIR"
  }
}

/// dtc's string escapes: \a \b \t \n \v \f \r, octal \NNN, hex \xNN, anything else stands for itself.
func unescape(_ b: [UInt8], _ start: Int, _ end: Int) -> [UInt8] {
  var out: [UInt8] = []
  out.reserveCapacity(max(0, end - start))
  unescape(b, start, end, into: &out)
  return out
}

/// ``unescape(_:_:_:)`` appending to `out` (a string token's bytes go straight into the token arena, which grows
/// as arrays do: no exact reservation here, which would copy the arena at every string).
func unescape(_ b: [UInt8], _ start: Int, _ end: Int, into out: inout [UInt8]) {
  var i = start
  while i < end {
    let c = b[i]
    i += 1
    guard c == 0x5C, i < end else {
      out.append(c)
      continue
    }
    let e = b[i]
    i += 1
    switch e {
    case 0x61: out.append(0x07)
    case 0x62: out.append(0x08)
    case 0x74: out.append(0x09)
    case 0x6E: out.append(0x0A)
    case 0x76: out.append(0x0B)
    case 0x66: out.append(0x0C)
    case 0x72: out.append(0x0D)
    case 0x30...0x37:
      var v = Int(e - 0x30)
      var k = 1
      while k < 3 && i < end && b[i] >= 0x30 && b[i] <= 0x37 {
        v = v * 8 + Int(b[i] - 0x30)
        i += 1
        k += 1
      }
      out.append(UInt8(truncatingIfNeeded: v))
    case 0x78:
      var v = 0
      var k = 0
      while k < 2 && i < end {
        let h = b[i]
        let d: Int
        switch h {
        case 0x30...0x39: d = Int(h - 0x30)
        case 0x41...0x46: d = Int(h - 0x41 + 10)
        case 0x61...0x66: d = Int(h - 0x61 + 10)
        default: d = -1
        }
        if d < 0 { break }
        v = v * 16 + d
        i += 1
        k += 1
      }
      out.append(UInt8(truncatingIfNeeded: v))
    default:
      out.append(e)
    }
  }
}

extension String {
  func replacingNulls() -> String { contains("\0") ? replacingOccurrences(of: "\0", with: "") : self }
}

/// Maps output offsets of a ``PreprocessedSource`` to original ranges, walking segments forward.
/// Ranges in files with cpp line markers are moved where the markers put them (``PresumedPositions``).
struct Cursor {
  let text: PreprocessedSource
  let presumed: PresumedPositions
  var seg = 0
  /// The file of the last range and whether it has line markers: almost every token is in a file without any, and
  /// asking the presumed positions for each of them cost more than placing it (issue 20).
  private var lastFile = FileID(-1)
  private var lastFileHasMarkers = false

  init(text: PreprocessedSource, presumed: PresumedPositions) {
    self.text = text
    self.presumed = presumed
  }

  /// The current segment when it is verbatim: output `[outStart, outEnd)` came from `file` at `srcStart` on. A
  /// token inside it (most are) is placed by one subtraction. Set only for files without line markers.
  private var fast: (outStart: Int, outEnd: Int, srcStart: UInt32, file: FileID)?

  mutating func range(_ start: Int, _ end: Int) -> SourceRange {
    if let f = fast, start >= f.outStart, end <= f.outEnd {
      return SourceRange(
        file: f.file, start: f.srcStart &+ UInt32(truncatingIfNeeded: start - f.outStart),
        end: f.srcStart &+ UInt32(truncatingIfNeeded: end - f.outStart))
    }
    let r = slowRange(start, end)
    let segs = text.segments
    if seg < segs.count, segs[seg].verbatim, !lastFileHasMarkers {
      let outEnd = seg + 1 < segs.count ? Int(segs[seg + 1].outStart) : text.bytes.count
      fast = (Int(segs[seg].outStart), outEnd, segs[seg].srcStart, segs[seg].file)
    } else {
      fast = nil
    }
    return r
  }

  private mutating func slowRange(_ start: Int, _ end: Int) -> SourceRange {
    let segs = text.segments
    // Empty text (an empty file, or one the preprocessor left nothing of): the start of the main file.
    guard !segs.isEmpty else { return SourceRange(file: text.files.first ?? FileID(0), start: 0, end: 0) }
    if seg >= segs.count || Int(segs[seg].outStart) > start { seg = 0 }
    while seg + 1 < segs.count && Int(segs[seg + 1].outStart) <= start { seg += 1 }
    let r = text.originalRange(start: start, end: end, segment: seg)
    if r.file != lastFile {
      lastFile = r.file
      lastFileHasMarkers = presumed.hasMarkers(r.file)
    }
    return lastFileHasMarkers ? presumed.map(r) : r
  }
}
