// Lexing of one file into preprocessing tokens, done once per file and shared (immutable) between translation
// units through `PreprocessorCache`. Directive lines are pre-parsed here too, since what a `#define` defines does
// not depend on the state of the translation unit.

/// Directive names.
enum DirKind: UInt8, Sendable {
  case define, undef, include, includeNext, import_, if_, ifdef, ifndef, elif, elifdef, elifndef, else_, endif
  case error, warning, line, pragma, ident, sccs, assert_, unassert
  /// `#` alone on its line.
  case null
  /// `#` followed by something that is not a directive name: plain text in assembler mode.
  case notDirective

  var isConditional: Bool {
    switch self {
    case .if_, .ifdef, .ifndef, .elif, .elifdef, .elifndef, .else_, .endif: true
    default: false
    }
  }
  var isInclude: Bool { self == .include || self == .includeNext || self == .import_ }
}

/// A pre-parsed directive line.
struct Directive: Sendable {
  var kind: DirKind
  /// Token index of the `#`.
  var hashTok: Int32
  /// Token index of the directive name (== hashTok + 1 when present).
  var nameTok: Int32
  /// One past the last token of the line.
  var endTok: Int32
  /// For `#define`: the macro (nil when the definition is invalid).
  var macro: MacroDef?
  /// For `#define`/`#undef`: a problem found while parsing.
  var problem: String?
  var problemTok: Int32
}

/// A macro definition. Immutable, so definitions in cached headers are shared by every translation unit.
final class MacroDef: Sendable {
  enum Builtin: UInt8, Sendable {
    case none, file, line, counter, includeLevel, baseFile, fileName, date, time, timestamp
  }
  let name: Int32
  let funLike: Bool
  /// Parameter identifier ids (the variadic one last; `__VA_ARGS__` for `...`).
  let params: [Int32]
  let variadic: Bool
  /// Replacement list; parameters appear as `.macroArg` tokens.
  let body: [Tok]
  /// Where the definition is (the macro name in the `#define` line), nil for built-ins and the command line.
  let definition: SourceRange?
  let builtin: Builtin

  init(
    name: Int32, funLike: Bool, params: [Int32], variadic: Bool, body: [Tok], definition: SourceRange?,
    builtin: Builtin = .none
  ) {
    self.name = name
    self.funLike = funLike
    self.params = params
    self.variadic = variadic
    self.body = body
    self.definition = definition
    self.builtin = builtin
  }
}

/// One file, lexed.
final class LexedFile: Sendable {
  let source: SourceFile
  let toks: [Tok]
  /// Clean spellings of tokens that contained line splices.
  let pool: [UInt8]
  let directives: [Directive]
  /// Problems found while lexing (offset in the file, message), e.g. an unterminated comment.
  let problems: [(offset: UInt32, message: String)]
  /// True when the whole file contains no byte that the output could not copy verbatim (no comments, splices).
  let hasSplices: Bool

  init(
    source: SourceFile, toks: [Tok], pool: [UInt8], directives: [Directive],
    problems: [(offset: UInt32, message: String)], hasSplices: Bool
  ) {
    self.source = source
    self.toks = toks
    self.pool = pool
    self.directives = directives
    self.problems = problems
    self.hasSplices = hasSplices
  }
}

/// Lexes whole files. Identifiers are interned through `intern` in one batch at the end.
struct PPLexer {
  /// What lexing a file's bytes gives, before its identifiers are interned and its directives parsed: it depends
  /// on the bytes alone (``LexCache`` keeps it between runs).
  struct Output {
    var toks: [Tok]
    var pool: [UInt8]
    /// The file's distinct identifiers; `.name` tokens carry ids into it.
    var localNames: ByteStrings
    var directiveLines: [(Int32, Int32)]
    var problems: [(offset: UInt32, message: String)]
    var hasSplices: Bool
  }

  static func lex(_ file: SourceFile, interner: Interner) -> LexedFile {
    finish(scan(file), file: file, interner: interner)
  }

  /// The tokens of `file` (from `cache` when it has them; stored there when they were made here).
  static func lex(_ file: SourceFile, interner: Interner, cache: LexCache?) -> LexedFile {
    guard let cache, file.bytes.count >= cache.minFileSize else { return lex(file, interner: interner) }
    if var cached = cache.load(file.bytes) {
      let raw = file.id.raw
      for i in cached.toks.indices {
        cached.toks[i].file = raw
        cached.toks[i].spBase = raw &* 2 &+ cached.toks[i].spBase
      }
      return finish(cached, file: file, interner: interner)
    }
    let out = scan(file)
    cache.store(out, content: file.bytes)
    return finish(out, file: file, interner: interner)
  }

  static func scan(_ file: SourceFile) -> Output {
    let raw = file.bytes
    // Remove line splices (backslash, optional horizontal space, newline) up front, keeping a map back to the
    // original offsets. Most files have none: then the map is the identity.
    var clean: [UInt8] = []
    var map: [UInt32] = []
    var hasSplices = false
    raw.withUnsafeBufferPointer { b in
      var i = 0
      let n = b.count
      var found = false
      while i < n {
        if b[i] == 0x5C, spliceEnd(b, i) != nil {
          found = true
          break
        }
        i += 1
      }
      guard found else { return }
      hasSplices = true
      clean.reserveCapacity(n)
      map.reserveCapacity(n + 1)
      i = 0
      while i < n {
        if b[i] == 0x5C, let e = spliceEnd(b, i) {
          i = e
          continue
        }
        clean.append(b[i])
        map.append(UInt32(i))
        i += 1
      }
      map.append(UInt32(n))
    }
    var lx = PPLexer(fileID: file.id, hasMap: hasSplices, map: map)
    if hasSplices {
      clean.withUnsafeBufferPointer { lx.run($0) }
    } else {
      raw.withUnsafeBufferPointer { lx.run($0) }
    }
    return Output(
      toks: lx.toks, pool: lx.pool, localNames: lx.localNames, directiveLines: lx.directiveLines,
      problems: lx.problems, hasSplices: hasSplices)
  }

  /// Interns the identifiers of `out` and pre-parses its directives.
  static func finish(_ out: Output, file: SourceFile, interner: Interner) -> LexedFile {
    var toks = out.toks
    let ids = interner.intern(out.localNames)
    for i in toks.indices where toks[i].kind == .name {
      toks[i].ident = ids[Int(toks[i].ident)]
    }
    var dirs: [Directive] = []
    dirs.reserveCapacity(out.directiveLines.count)
    for (h, e) in out.directiveLines {
      let d = parseDirective(toks: &toks, hash: h, end: e, file: file, pool: out.pool)
      toks[Int(h)].ident = Int32(dirs.count)
      dirs.append(d)
    }
    return LexedFile(
      source: file, toks: toks, pool: out.pool, directives: dirs, problems: out.problems, hasSplices: out.hasSplices)
  }

  /// If a splice starts at `i` (a backslash), the index after it.
  @inline(__always)
  static func spliceEnd(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
    var j = i + 1
    let n = b.count
    while j < n, b[j] == 0x20 || b[j] == 0x09 || b[j] == 0x0C || b[j] == 0x0B { j += 1 }
    if j < n, b[j] == 0x0A { return j + 1 }
    if j + 1 < n, b[j] == 0x0D, b[j + 1] == 0x0A { return j + 2 }
    return nil
  }

  let fileID: FileID
  let hasMap: Bool
  let map: [UInt32]
  var toks: [Tok] = []
  var pool: [UInt8] = []
  /// The file's distinct identifiers; tokens carry local ids until they are interned at the end.
  var localNames = ByteStrings(capacity: 1024)
  var directiveLines: [(Int32, Int32)] = []
  var problems: [(offset: UInt32, message: String)] = []

  init(fileID: FileID, hasMap: Bool, map: [UInt32]) {
    self.fileID = fileID
    self.hasMap = hasMap
    self.map = map
  }

  @inline(__always) func orig(_ i: Int) -> UInt32 { hasMap ? map[i] : UInt32(truncatingIfNeeded: i) }

  mutating func localIdent(_ c: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Int32 {
    let p = c.baseAddress! + s
    return localNames.insert(p, e - s, hash: ByteStrings.hash(p, e - s))
  }

  mutating func add(_ kind: TK, _ c: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, _ flags: UInt8, ident: Int32 = -1)
  {
    let os = orig(s)
    let oe = e > s ? orig(e - 1) &+ 1 : os
    var t = Tok(
      kind: kind, flags: flags | TF.verbatim, aux: 0, ident: ident, spBase: Int32(fileID.raw) &* 2, spStart: os,
      spLen: oe &- os, file: fileID.raw, start: os, end: oe, ctx: -1)
    if Int(oe - os) != e - s {
      // The token contains a splice: keep its clean spelling aside.
      t.spBase = Int32(fileID.raw) &* 2 &+ 1
      t.spStart = UInt32(pool.count)
      t.spLen = UInt32(e - s)
      pool.append(contentsOf: c[s..<e])
    }
    toks.append(t)
  }

  mutating func run(_ c: UnsafeBufferPointer<UInt8>) {
    let n = c.count
    toks.reserveCapacity(n / 4 + 16)
    // A UTF-8 byte order mark opening the file is skipped, as GCC's cpp does (editors on Windows write one).
    var p = SourceFile.byteOrderMarkLength(c)
    var bol = true
    var white = false
    var lineFirst = 0  // token index of the first token of the current logical line
    // Directive-line state: 0 = not in a directive, 1 = just after the `#`, 2 = include line (a header name may
    // follow), 3 = #if/#elif line, 4 = other directive.
    var dstate = 0
    var hasIncl = 0  // in a #if line: 1 after __has_include, 2 after its `(`
    func endLine(_ me: inout PPLexer) {
      if dstate != 0 {
        me.directiveLines.append((Int32(lineFirst), Int32(me.toks.count)))
      }
      dstate = 0
      hasIncl = 0
    }
    while p < n {
      let ch = c[p]
      if ch == 0x0A {
        p += 1
        if !bol { endLine(&self) }
        bol = true
        white = false
        continue
      }
      if isHSpace(ch) {
        white = true
        p += 1
        continue
      }
      if ch == 0x2F, p + 1 < n {  // '/'
        let nx = c[p + 1]
        if nx == 0x2A {  // /* ... */
          var j = p + 2
          var closed = false
          while j + 1 < n {
            if c[j] == 0x2A && c[j + 1] == 0x2F {
              closed = true
              break
            }
            j += 1
          }
          if !closed {
            problems.append((orig(p), "unterminated comment"))
            p = n
          } else {
            p = j + 2
          }
          white = true
          continue
        }
        if nx == 0x2F {  // // ...
          var j = p + 2
          while j < n, c[j] != 0x0A { j += 1 }
          p = j
          white = true
          continue
        }
      }
      let s = p
      var flags: UInt8 = 0
      if bol {
        flags |= TF.bol
        lineFirst = toks.count
      }
      if white { flags |= TF.prevWhite }
      bol = false
      white = false

      // Header names in #include lines and __has_include operands.
      if ch == 0x3C, dstate == 2 || (dstate == 3 && hasIncl == 2) {
        var j = p + 1
        while j < n, c[j] != 0x0A, c[j] != 0x3E { j += 1 }
        if j < n, c[j] == 0x3E {
          p = j + 1
          add(.headerName, c, s, p, flags)
          if dstate == 2 { dstate = 4 }
          hasIncl = 0
          continue
        }
      }

      if isIdentStart(ch) {
        var j = p + 1
        while j < n, isIdentChar(c[j]) { j += 1 }
        // String and character literal prefix.
        if j < n, c[j] == 0x22 || c[j] == 0x27 {
          // Only `L` is a literal prefix in assembler mode (GCC enables u, U and u8 for C only).
          if j - p == 1 && ch == 0x4C {
            p = lexQuoted(c, s, j, flags, wide: true)
            continue
          }
        }
        p = j
        let id = localIdent(c, s, j)
        add(.name, c, s, j, flags, ident: id)
        // Directive tracking.
        if dstate == 1 {
          let word = c[s..<j]
          if word.elementsEqual("include".utf8) || word.elementsEqual("include_next".utf8)
            || word.elementsEqual("import".utf8)
          {
            dstate = 2
          } else if word.elementsEqual("if".utf8) || word.elementsEqual("elif".utf8) {
            dstate = 3
          } else {
            dstate = 4
          }
        } else if dstate == 3 {
          let word = c[s..<j]
          hasIncl =
            (word.elementsEqual("__has_include".utf8) || word.elementsEqual("__has_include_next".utf8)) ? 1 : 0
        }
        continue
      }
      if dstate == 1 { dstate = 4 }
      if dstate == 3 {
        if hasIncl == 1 && ch == 0x28 {
          hasIncl = 2
        } else if hasIncl == 2 && ch == 0x22 {
          hasIncl = 0
        } else {
          hasIncl = 0
        }
      }
      if dstate == 2 && ch != 0x3C { dstate = 4 }

      if isDigit(ch) || (ch == 0x2E && p + 1 < n && isDigit(c[p + 1])) {
        var j = p + 1
        while j < n {
          let d = c[j]
          if isIdentChar(d) || d == 0x2E {
            j += 1
          } else if (d == 0x2B || d == 0x2D),
            c[j - 1] == 0x65 || c[j - 1] == 0x45 || c[j - 1] == 0x70 || c[j - 1] == 0x50
          {
            j += 1
          } else {
            break
          }
        }
        p = j
        add(.number, c, s, j, flags)
        continue
      }
      if ch == 0x22 || ch == 0x27 {
        p = lexQuoted(c, s, p, flags, wide: false)
        continue
      }
      // Punctuators (no digraphs in assembler mode).
      @inline(__always) func at(_ k: Int) -> UInt8 { p + k < n ? c[p + k] : 0 }
      var kind = TK.other
      var len = 1
      switch ch {
      case 0x3D: if at(1) == 0x3D { kind = .eqEq; len = 2 } else { kind = .eq }
      case 0x21: if at(1) == 0x3D { kind = .notEq; len = 2 } else { kind = .not }
      case 0x3E:
        if at(1) == 0x3E {
          if at(2) == 0x3D { kind = .rshiftEq; len = 3 } else { kind = .rshift; len = 2 }
        } else if at(1) == 0x3D {
          kind = .greaterEq; len = 2
        } else {
          kind = .greater
        }
      case 0x3C:
        if at(1) == 0x3C {
          if at(2) == 0x3D { kind = .lshiftEq; len = 3 } else { kind = .lshift; len = 2 }
        } else if at(1) == 0x3D {
          kind = .lessEq; len = 2
        } else {
          kind = .less
        }
      case 0x2B:
        if at(1) == 0x2B {
          kind = .plusPlus; len = 2
        } else if at(1) == 0x3D {
          kind = .plusEq; len = 2
        } else {
          kind = .plus
        }
      case 0x2D:
        if at(1) == 0x2D {
          kind = .minusMinus; len = 2
        } else if at(1) == 0x3D {
          kind = .minusEq; len = 2
        } else if at(
          1) == 0x3E
        {
          kind = .deref
          len = 2
        } else {
          kind = .minus
        }
      case 0x2A: if at(1) == 0x3D { kind = .multEq; len = 2 } else { kind = .mult }
      case 0x2F: if at(1) == 0x3D { kind = .divEq; len = 2 } else { kind = .div }
      case 0x25: if at(1) == 0x3D { kind = .modEq; len = 2 } else { kind = .mod }
      case 0x26:
        if at(1) == 0x26 {
          kind = .andAnd; len = 2
        } else if at(1) == 0x3D {
          kind = .andEq; len = 2
        } else {
          kind = .and
        }
      case 0x7C:
        if at(1) == 0x7C {
          kind = .orOr; len = 2
        } else if at(1) == 0x3D {
          kind = .orEq; len = 2
        } else {
          kind = .or
        }
      case 0x5E: if at(1) == 0x3D { kind = .xorEq; len = 2 } else { kind = .xor }
      case 0x7E: kind = .compl
      case 0x3F: kind = .query
      case 0x3A: kind = .colon
      case 0x2C: kind = .comma
      case 0x28: kind = .openParen
      case 0x29: kind = .closeParen
      case 0x5B: kind = .openSquare
      case 0x5D: kind = .closeSquare
      case 0x7B: kind = .openBrace
      case 0x7D: kind = .closeBrace
      case 0x3B: kind = .semicolon
      case 0x2E: if at(1) == 0x2E && at(2) == 0x2E { kind = .ellipsis; len = 3 } else { kind = .dot }
      case 0x23:
        if at(1) == 0x23 {
          kind = .paste; len = 2
        } else {
          kind = .hash
          if flags & TF.bol != 0 { dstate = 1 }
        }
      default: kind = .other
      }
      p += len
      add(kind, c, s, p, flags)
    }
    if !bol { endLine(&self) }
  }

  /// Lexes a character or string literal whose quote is at `q` (prefix, if any, starts at `s`). In assembler
  /// mode an unterminated literal is an `other` token running to the end of the line.
  mutating func lexQuoted(_ c: UnsafeBufferPointer<UInt8>, _ s: Int, _ q: Int, _ flags: UInt8, wide: Bool) -> Int {
    let n = c.count
    let term = c[q]
    var j = q + 1
    var terminated = false
    while j < n {
      let d = c[j]
      if d == 0x5C, j + 1 < n, c[j + 1] != 0x0A {
        j += 2
        continue
      }
      if d == term {
        j += 1
        terminated = true
        break
      }
      if d == 0x0A { break }
      j += 1
    }
    if j > n { j = n }
    let kind: TK
    if terminated {
      kind = term == 0x22 ? (wide ? .wideString : .string) : (wide ? .wideChar : .char)
    } else {
      kind = .other
    }
    add(kind, c, s, j, flags)
    return j
  }
}

// MARK: - Directive pre-parsing

extension PPLexer {
  static func spelling(_ t: Tok, _ file: SourceFile, _ pool: [UInt8]) -> ArraySlice<UInt8> {
    let base = t.spBase
    let s = Int(t.spStart)
    let e = s + Int(t.spLen)
    if base & 1 == 1 { return pool[s..<e] }
    return file.bytes[s..<e]
  }

  static func parseDirective(toks: inout [Tok], hash: Int32, end: Int32, file: SourceFile, pool: [UInt8]) -> Directive {
    var d = Directive(
      kind: .null, hashTok: hash, nameTok: hash + 1, endTok: end, macro: nil, problem: nil, problemTok: hash)
    let ni = Int(hash) + 1
    guard ni < Int(end) else { return d }
    let nt = toks[ni]
    guard nt.kind == .name else {
      d.kind = .notDirective
      return d
    }
    guard let kind = Interner.directiveKind(nt.ident) else {
      d.kind = .notDirective
      return d
    }
    d.kind = kind
    if kind == .define {
      parseDefine(&d, toks: &toks, file: file, pool: pool)
    }
    return d
  }

  static func parseDefine(_ d: inout Directive, toks: inout [Tok], file: SourceFile, pool: [UInt8]) {
    var i = Int(d.nameTok) + 1
    let end = Int(d.endTok)
    guard i < end else {
      d.problem = "no macro name given in #define directive"
      d.problemTok = d.nameTok
      return
    }
    let nameTok = toks[i]
    guard nameTok.kind == .name else {
      d.problem = "macro names must be identifiers"
      d.problemTok = Int32(i)
      return
    }
    if nameTok.ident == Interner.kDefined || nameTok.ident == Interner.kHasInclude
      || nameTok.ident == Interner.kHasIncludeNext
    {
      d.problem = "\"\(String(decoding: spelling(nameTok, file, pool), as: UTF8.self))\" cannot be used as a macro name"
      d.problemTok = Int32(i)
      return
    }
    let definition = SourceRange(file: file.id, start: nameTok.start, end: nameTok.end)
    i += 1
    var funLike = false
    var params: [Int32] = []
    var variadic = false
    if i < end, toks[i].kind == .openParen, !toks[i].prevWhite {
      funLike = true
      i += 1
      // Parameter list.
      var expectName = true
      var closed = false
      while i < end {
        let t = toks[i]
        if expectName {
          if t.kind == .closeParen && params.isEmpty && !variadic {
            closed = true
            i += 1
            break
          }
          if t.kind == .name {
            if t.ident == Interner.kVaArgs {
              d.problem = "__VA_ARGS__ can only appear in the expansion of a C99 variadic macro"
              d.problemTok = Int32(i)
              return
            }
            if params.contains(t.ident) {
              d.problem = "duplicate macro parameter \"\(String(decoding: spelling(t, file, pool), as: UTF8.self))\""
              d.problemTok = Int32(i)
              return
            }
            params.append(t.ident)
            i += 1
            // Named variadic: `args...`
            if i < end, toks[i].kind == .ellipsis {
              variadic = true
              i += 1
              if i < end, toks[i].kind == .closeParen {
                closed = true
                i += 1
                break
              }
              d.problem = "missing ')' in macro parameter list"
              d.problemTok = Int32(min(i, end - 1))
              return
            }
            expectName = false
            continue
          }
          if t.kind == .ellipsis {
            variadic = true
            params.append(Interner.kVaArgs)
            i += 1
            if i < end, toks[i].kind == .closeParen {
              closed = true
              i += 1
              break
            }
            d.problem = "missing ')' in macro parameter list"
            d.problemTok = Int32(min(i, end - 1))
            return
          }
          d.problem =
            t.kind == .closeParen
            ? "parameter name missing"
            : "expected parameter name, found \"\(String(decoding: spelling(t, file, pool), as: UTF8.self))\""
          d.problemTok = Int32(i)
          return
        } else {
          if t.kind == .comma {
            expectName = true
            i += 1
            continue
          }
          if t.kind == .closeParen {
            closed = true
            i += 1
            break
          }
          d.problem = "expected ',' or ')', found \"\(String(decoding: spelling(t, file, pool), as: UTF8.self))\""
          d.problemTok = Int32(i)
          return
        }
      }
      if !closed {
        d.problem = "missing ')' in macro parameter list"
        d.problemTok = Int32(end - 1)
        return
      }
    }
    // Replacement list.
    var body: [Tok] = []
    body.reserveCapacity(end - i)
    var pendingStringify = false
    var k = i
    while k < end {
      var t = toks[k]
      k += 1
      if funLike && t.kind == .name, let pi = params.firstIndex(of: t.ident) {
        t.kind = .macroArg
        t.aux = UInt16(truncatingIfNeeded: pi)
      } else if t.kind == .name && t.ident == Interner.kVaArgs && !variadic {
        // GCC only pedwarns; keep it as a plain identifier.
      }
      if funLike && t.kind == .hash && !pendingStringify {
        // `#` must be followed by a parameter; in assembler mode anything else is left alone.
        if k < end, toks[k].kind == .name,
          params.contains(toks[k].ident) || (variadic && toks[k].ident == Interner.kVaOpt)
        {
          pendingStringify = true
          // Keep the whitespace of the `#` for the parameter.
          let white = t.flags & TF.prevWhite
          var p = toks[k]
          k += 1
          if p.ident == Interner.kVaOpt {
            // `#__VA_OPT__(...)`: keep both tokens, the expander handles it.
            body.append(t)
            body.append(p)
            pendingStringify = false
            continue
          }
          p.kind = .macroArg
          p.aux = UInt16(truncatingIfNeeded: params.firstIndex(of: p.ident) ?? 0)
          p.flags = (p.flags & ~TF.prevWhite) | white | TF.stringify
          body.append(p)
          pendingStringify = false
          continue
        }
      }
      if t.kind == .paste {
        if body.isEmpty {
          d.problem = "'##' cannot appear at either end of a macro expansion"
          d.problemTok = Int32(k - 1)
          return
        }
        if k >= end {
          d.problem = "'##' cannot appear at either end of a macro expansion"
          d.problemTok = Int32(k - 1)
          return
        }
        body[body.count - 1].flags |= TF.pasteLeft
        // The token after ## keeps its own whitespace flag (GCC drops PREV_WHITE of the RHS? it keeps it).
        continue
      }
      body.append(t)
    }
    if !body.isEmpty { body[0].flags &= ~TF.prevWhite }
    d.macro = MacroDef(
      name: nameTok.ident, funLike: funLike, params: params, variadic: variadic, body: body, definition: definition)
    // Object-like macros need whitespace after the name (C99); GCC only warns.
    if !funLike, i < end, !toks[i].prevWhite {
      d.problem = "missing whitespace after the macro name"
      d.problemTok = Int32(i)
    }
  }
}
