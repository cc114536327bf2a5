// `#if` / `#elif` expressions: intmax_t / uintmax_t arithmetic as GCC does it.

struct PPNum {
  var v: UInt64
  var unsigned: Bool
  var s: Int64 { Int64(bitPattern: v) }
  var isTrue: Bool { v != 0 }
  static func int(_ x: Int64) -> PPNum { PPNum(v: UInt64(bitPattern: x), unsigned: false) }
  static func bool(_ b: Bool) -> PPNum { PPNum(v: b ? 1 : 0, unsigned: false) }
}

struct PPExprError: Error {
  var message: String
  var tok: Tok?
}

extension PPEngine {
  /// Evaluates the expression of a `#if`/`#elif` directive; errors make it false.
  func evalIf(_ d: Directive, _ lx: LexedFile, _ fi: Int) -> Bool {
    let range = directiveRange(d, lx)
    var problem: PPExprError? = nil
    let toks: [Tok] = withDirectiveTokens(d, fi) {
      var r: [Tok] = []
      while true {
        let t = getToken()
        if t.kind == .eof { break }
        if t.kind == .padding { continue }
        if t.kind == .name && t.ident == Interner.kDefined {
          if let v = parseDefined(t, &problem) { r.append(v) } else { break }
          continue
        }
        if t.kind == .name && (t.ident == Interner.kHasInclude || t.ident == Interner.kHasIncludeNext) {
          if let v = parseHasInclude(t, fi, &problem) { r.append(v) } else { break }
          continue
        }
        r.append(t)
      }
      return r
    }
    if stopped { return false }
    if let p = problem {
      diag(.error, p.message, p.tok.flatMap { rangeOf($0) } ?? range)
      return false
    }
    let dname = spellingString(lx.toks[Int(d.nameTok)])
    if toks.isEmpty {
      diag(.error, "#\(dname) with no expression", range)
      return false
    }
    var p = ExprParser(engine: self, toks: toks)
    do throws(PPExprError) {
      let v = try p.parseComma()
      if p.pos < toks.count {
        let t = toks[p.pos]
        if t.kind == .closeParen {
          throw PPExprError(message: "missing '(' in expression", tok: t)
        }
        if t.kind == .colon { throw PPExprError(message: "':' without preceding '?'", tok: t) }
        throw PPExprError(message: "missing binary operator before token \"\(spellingString(t))\"", tok: t)
      }
      return v.isTrue
    } catch {
      diag(.error, error.message, error.tok.flatMap { rangeOf($0) } ?? range)
      return false
    }
  }

  func valueToken(_ v: Bool, like: Tok) -> Tok {
    var t = like
    t.kind = .number
    t.spBase = -2
    t.spStart = v ? 1 : 0
    t.spLen = 1
    t.ident = -1
    return t
  }

  func parseDefined(_ op: Tok, _ problem: inout PPExprError?) -> Tok? {
    preventExpansion += 1
    defer { preventExpansion -= 1 }
    var t = getToken()
    while t.kind == .padding { t = getToken() }
    var paren = false
    if t.kind == .openParen {
      paren = true
      t = getToken()
      while t.kind == .padding { t = getToken() }
    }
    guard t.kind == .name else {
      problem = PPExprError(message: "operator \"defined\" requires an identifier", tok: t.kind == .eof ? op : t)
      return nil
    }
    let v = isDefined(t.ident)
    if paren {
      var c = getToken()
      while c.kind == .padding { c = getToken() }
      if c.kind != .closeParen {
        problem = PPExprError(message: "missing ')' after \"defined\"", tok: c.kind == .eof ? t : c)
        return nil
      }
    }
    return valueToken(v, like: op)
  }

  func parseHasInclude(_ op: Tok, _ fi: Int, _ problem: inout PPExprError?) -> Tok? {
    let opName = identName(op.ident)
    var t = getToken()
    while t.kind == .padding { t = getToken() }
    guard t.kind == .openParen else {
      problem = PPExprError(message: "missing '(' before \"\(opName)\" operand", tok: op)
      return nil
    }
    t = getToken()
    while t.kind == .padding { t = getToken() }
    var name: String? = nil
    var angled = false
    if t.kind == .string || t.kind == .headerName {
      angled = t.kind == .headerName
      name = String(decoding: spelling(t).dropFirst().dropLast(), as: UTF8.self)
    } else if t.kind == .less {
      var s: [UInt8] = []
      while true {
        let u = getToken()
        if u.kind == .padding { continue }
        if u.kind == .eof { break }
        if u.kind == .greater {
          name = String(decoding: s, as: UTF8.self)
          break
        }
        if u.prevWhite && !s.isEmpty { s.append(0x20) }
        s.append(contentsOf: spelling(u))
      }
      angled = true
    }
    guard let name else {
      problem = PPExprError(message: "operator \"\(opName)\" requires a header-name", tok: t)
      return nil
    }
    var c = getToken()
    while c.kind == .padding { c = getToken() }
    if c.kind != .closeParen {
      problem = PPExprError(message: "missing ')' after \"\(opName)\" operand", tok: c.kind == .eof ? t : c)
      return nil
    }
    let next = op.ident == Interner.kHasIncludeNext
    var found = false
    if name.hasPrefix("/") {
      found = fileExists(name)
    } else {
      for (dir, _) in searchDirs(angled: angled, next: next, fi: fi) {
        let path = dir.isEmpty ? name : dir.hasSuffix("/") ? dir + name : dir + "/" + name
        if fileExists(path) {
          found = true
          break
        }
      }
    }
    return valueToken(found, like: op)
  }
}

/// Recursive descent over the macro-expanded tokens of a `#if` line.
struct ExprParser {
  let engine: PPEngine
  let toks: [Tok]
  var pos = 0
  /// Inside an operand that is not evaluated (`0 && x`, the untaken arm of `?:`): no division-by-zero errors.
  var skipEval = 0
  var depth = 0

  init(engine: PPEngine, toks: [Tok]) {
    self.engine = engine
    self.toks = toks
  }

  var peek: TK? { pos < toks.count ? toks[pos].kind : nil }

  mutating func enter() throws(PPExprError) {
    depth += 1
    if depth > 500 {
      throw PPExprError(message: "#if expression nested too deeply", tok: pos < toks.count ? toks[pos] : nil)
    }
  }

  mutating func parseComma() throws(PPExprError) -> PPNum {
    var v = try parseCond()
    while peek == .comma {
      pos += 1
      v = try parseCond()
    }
    return v
  }

  mutating func parseCond() throws(PPExprError) -> PPNum {
    try enter()
    defer { depth -= 1 }
    let c = try parseBinary(0)
    guard peek == .query else { return c }
    let q = toks[pos]
    pos += 1
    if !c.isTrue { skipEval += 1 }
    let a = try parseComma()
    if !c.isTrue { skipEval -= 1 }
    guard peek == .colon else {
      throw PPExprError(message: "'?' without following ':'", tok: pos < toks.count ? toks[pos] : q)
    }
    pos += 1
    if c.isTrue { skipEval += 1 }
    let b = try parseCond()
    if c.isTrue { skipEval -= 1 }
    let uns = a.unsigned || b.unsigned
    var r = c.isTrue ? a : b
    r.unsigned = uns
    return r
  }

  static func precedence(_ k: TK) -> Int {
    switch k {
    case .orOr: 1
    case .andAnd: 2
    case .or: 3
    case .xor: 4
    case .and: 5
    case .eqEq, .notEq: 6
    case .less, .greater, .lessEq, .greaterEq: 7
    case .lshift, .rshift: 8
    case .plus, .minus: 9
    case .mult, .div, .mod: 10
    default: 0
    }
  }

  mutating func parseBinary(_ minPrec: Int) throws(PPExprError) -> PPNum {
    try enter()
    defer { depth -= 1 }
    var lhs = try parseUnary()
    while let k = peek {
      let prec = Self.precedence(k)
      if prec == 0 || prec <= minPrec { break }
      let opTok = toks[pos]
      pos += 1
      let rhs: PPNum
      if k == .orOr || k == .andAnd {
        let short = (k == .orOr) == lhs.isTrue
        if short { skipEval += 1 }
        rhs = try parseBinary(prec)
        if short { skipEval -= 1 }
        lhs = .bool(k == .orOr ? (lhs.isTrue || rhs.isTrue) : (lhs.isTrue && rhs.isTrue))
        continue
      }
      rhs = try parseBinary(prec)
      lhs = try apply(k, lhs, rhs, opTok)
    }
    return lhs
  }

  func apply(_ k: TK, _ a0: PPNum, _ b0: PPNum, _ op: Tok) throws(PPExprError) -> PPNum {
    var a = a0
    var b = b0
    if k != .lshift && k != .rshift {
      let u = a.unsigned || b.unsigned
      a.unsigned = u
      b.unsigned = u
    }
    let u = a.unsigned
    switch k {
    case .plus: return PPNum(v: a.v &+ b.v, unsigned: u)
    case .minus: return PPNum(v: a.v &- b.v, unsigned: u)
    case .mult: return PPNum(v: a.v &* b.v, unsigned: u)
    case .div, .mod:
      if b.v == 0 {
        if skipEval > 0 { return PPNum(v: 0, unsigned: u) }
        throw PPExprError(message: "division by zero in #if", tok: op)
      }
      if u { return PPNum(v: k == .div ? a.v / b.v : a.v % b.v, unsigned: true) }
      if a.s == Int64.min && b.s == -1 { return k == .div ? a : .int(0) }
      return .int(k == .div ? a.s / b.s : a.s % b.s)
    case .lshift, .rshift:
      // A negative count shifts the other way.
      var left = k == .lshift
      var n: UInt64 = b.v
      if !b.unsigned && b.s < 0 {
        left.toggle()
        n = b.s == Int64.min ? UInt64(1) << 63 : UInt64(-b.s)
      }
      if left {
        return PPNum(v: n >= 64 ? 0 : a.v << n, unsigned: a.unsigned)
      }
      if a.unsigned { return PPNum(v: n >= 64 ? 0 : a.v >> n, unsigned: true) }
      return .int(n >= 64 ? (a.s < 0 ? -1 : 0) : a.s >> Int64(n))
    case .less: return .bool(u ? a.v < b.v : a.s < b.s)
    case .greater: return .bool(u ? a.v > b.v : a.s > b.s)
    case .lessEq: return .bool(u ? a.v <= b.v : a.s <= b.s)
    case .greaterEq: return .bool(u ? a.v >= b.v : a.s >= b.s)
    case .eqEq: return .bool(a.v == b.v)
    case .notEq: return .bool(a.v != b.v)
    case .and: return PPNum(v: a.v & b.v, unsigned: u)
    case .or: return PPNum(v: a.v | b.v, unsigned: u)
    case .xor: return PPNum(v: a.v ^ b.v, unsigned: u)
    default: return a
    }
  }

  mutating func parseUnary() throws(PPExprError) -> PPNum {
    try enter()
    defer { depth -= 1 }
    guard pos < toks.count else {
      throw PPExprError(message: "#if with no expression", tok: toks.last)
    }
    let t = toks[pos]
    switch t.kind {
    case .plus:
      pos += 1
      return try parseUnary()
    case .minus:
      pos += 1
      let v = try parseUnary()
      return PPNum(v: 0 &- v.v, unsigned: v.unsigned)
    case .compl:
      pos += 1
      let v = try parseUnary()
      return PPNum(v: ~v.v, unsigned: v.unsigned)
    case .not:
      pos += 1
      let v = try parseUnary()
      return .bool(!v.isTrue)
    case .openParen:
      pos += 1
      let v = try parseComma()
      guard peek == .closeParen else {
        throw PPExprError(message: "missing ')' in expression", tok: pos < toks.count ? toks[pos] : t)
      }
      pos += 1
      return v
    case .number:
      pos += 1
      if t.spBase == -2 { return .int(Int64(t.spStart)) }
      return try engine.parseNumber(t)
    case .char, .wideChar:
      pos += 1
      return try engine.parseChar(t)
    case .name:
      pos += 1
      return .int(0)
    default:
      let sp = engine.spellingString(t)
      if t.kind == .closeParen || t.kind.isOperator {
        throw PPExprError(message: "operator '\(sp)' has no left operand", tok: t)
      }
      throw PPExprError(message: "token \"\(sp)\" is not valid in preprocessor expressions", tok: t)
    }
  }
}

extension PPEngine {
  func parseNumber(_ t: Tok) throws(PPExprError) -> PPNum {
    let sp = Array(spelling(t))
    let text = String(decoding: sp, as: UTF8.self)
    var i = 0
    var base: UInt64 = 10
    if sp.count >= 2 && sp[0] == 0x30 && (sp[1] == 0x78 || sp[1] == 0x58) {
      base = 16
      i = 2
    } else if sp.count >= 2 && sp[0] == 0x30 && (sp[1] == 0x62 || sp[1] == 0x42) {
      base = 2
      i = 2
    } else if sp.count >= 1 && sp[0] == 0x30 {
      base = 8
    }
    // Floating point?
    for c in sp {
      if c == 0x2E { throw PPExprError(message: "floating constant in preprocessor expression", tok: t) }
    }
    if base == 10 || base == 8, sp.contains(where: { $0 == 0x65 || $0 == 0x45 }),
      !sp.contains(where: { $0 == 0x78 || $0 == 0x58 })
    {
      // 1e5 is a float; but a suffix never contains 'e'.
      throw PPExprError(message: "floating constant in preprocessor expression", tok: t)
    }
    var v: UInt64 = 0
    var overflow = false
    var digits = 0
    while i < sp.count {
      let c = sp[i]
      var d: UInt64
      if c >= 0x30 && c <= 0x39 {
        d = UInt64(c - 0x30)
      } else if base == 16 && c >= 0x61 && c <= 0x66 {
        d = UInt64(c - 0x61 + 10)
      } else if base == 16 && c >= 0x41 && c <= 0x46 {
        d = UInt64(c - 0x41 + 10)
      } else {
        break
      }
      if d >= base {
        if base == 8 && d < 10 {
          throw PPExprError(message: "invalid digit \"\(d)\" in octal constant", tok: t)
        }
        if base == 2 && d < 10 {
          throw PPExprError(message: "invalid digit \"\(d)\" in binary constant", tok: t)
        }
        break
      }
      let (m, o1) = v.multipliedReportingOverflow(by: base)
      let (s, o2) = m.addingReportingOverflow(d)
      if o1 || o2 { overflow = true }
      v = s
      digits += 1
      i += 1
    }
    if (base == 16 || base == 2) && digits == 0 {
      throw PPExprError(
        message: "invalid suffix \"\(String(decoding: sp[min(2, sp.count)...], as: UTF8.self))\" on integer constant",
        tok: t)
    }
    // Suffix.
    let suffix = String(decoding: sp[i...], as: UTF8.self)
    let valid: Set<String> = [
      "", "u", "U", "l", "L", "ul", "uL", "Ul", "UL", "lu", "lU", "Lu", "LU", "ll", "LL", "ull", "uLL", "Ull", "ULL",
      "llu", "llU", "LLu", "LLU",
    ]
    guard valid.contains(suffix) else {
      throw PPExprError(message: "invalid suffix \"\(suffix)\" on integer constant", tok: t)
    }
    if overflow {
      diag(.warning, "integer constant is too large for its type", rangeOf(t))
    }
    var unsigned = suffix.contains("u") || suffix.contains("U")
    if !unsigned && v > UInt64(Int64.max) {
      if base == 10 {
        diag(.warning, "integer constant is so large that it is unsigned", rangeOf(t))
      }
      unsigned = true
    }
    _ = text
    return PPNum(v: v, unsigned: unsigned)
  }

  func parseChar(_ t: Tok) throws(PPExprError) -> PPNum {
    let sp = Array(spelling(t))
    guard let q = sp.firstIndex(of: 0x27), sp.count >= q + 2 else { return .int(0) }
    let prefix = sp[..<q]
    var width = 8
    var unsignedChar = false
    if prefix.elementsEqual("L".utf8) {
      width = 32
    } else if prefix.elementsEqual("u".utf8) {
      width = 16
      unsignedChar = true
    } else if prefix.elementsEqual("U".utf8) {
      width = 32
      unsignedChar = true
    } else if prefix.elementsEqual("u8".utf8) {
      unsignedChar = true
    }
    var chars: [UInt64] = []
    var i = q + 1
    let end = sp.count - 1
    while i < end {
      var c = UInt64(sp[i])
      if sp[i] == 0x5C && i + 1 < end {
        i += 1
        let e = sp[i]
        switch e {
        case 0x6E: c = 10
        case 0x74: c = 9
        case 0x72: c = 13
        case 0x61: c = 7
        case 0x62: c = 8
        case 0x66: c = 12
        case 0x76: c = 11
        case 0x65, 0x45: c = 27
        case 0x78:
          c = 0
          var k = i + 1
          var any = false
          while k < end, let h = hexValue(sp[k]) {
            c = (c &<< 4) | UInt64(h)
            k += 1
            any = true
          }
          if !any { diag(.error, "\\x used with no following hex digits", rangeOf(t)) }
          i = k - 1
        case 0x30...0x37:
          c = 0
          var k = i
          var n = 0
          while k < end, n < 3, sp[k] >= 0x30, sp[k] <= 0x37 {
            c = c * 8 + UInt64(sp[k] - 0x30)
            k += 1
            n += 1
          }
          i = k - 1
        default: c = UInt64(e)
        }
        if width < 64 { c &= (UInt64(1) << UInt64(width)) - 1 }
      }
      chars.append(c)
      i += 1
    }
    if chars.isEmpty { throw PPExprError(message: "empty character constant", tok: t) }
    if width == 8 {
      var r: UInt64 = 0
      let n = min(chars.count, 4)
      if chars.count > 4 {
        diag(.warning, "character constant too long for its type", rangeOf(t))
      } else if chars.count > 1 {
        diag(.warning, "multi-character character constant", rangeOf(t))
      }
      for c in chars.suffix(n) { r = (r << 8) | (c & 0xFF) }
      let w = n > 1 ? 32 : 8
      let uns = n > 1 ? false : unsignedChar
      let mask: UInt64 = (UInt64(1) << UInt64(w)) - 1
      if uns || r & (UInt64(1) << UInt64(w - 1)) == 0 { r &= mask } else { r |= ~mask }
      return PPNum(v: r, unsigned: false)
    }
    var r = chars.last ?? 0
    let mask: UInt64 = (UInt64(1) << UInt64(width)) - 1
    if unsignedChar || r & (UInt64(1) << UInt64(width - 1)) == 0 { r &= mask } else { r |= ~mask }
    return PPNum(v: r, unsigned: unsignedChar && width == 32 ? false : false)
  }

  func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case 0x30...0x39: c - 0x30
    case 0x61...0x66: c - 0x61 + 10
    case 0x41...0x46: c - 0x41 + 10
    default: nil
    }
  }
}
