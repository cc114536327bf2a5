import Foundation

// Macro expansion, following GCC's algorithm (contexts, padding tokens, painted identifiers) so that the spacing
// of the output matches `cpp`'s.

extension PPEngine {
  /// The next fully macro-expanded token (GCC's `cpp_get_token`).
  func getToken() -> Tok {
    while true {
      if stopped { return Tok.eof(.input) }
      var t: Tok
      if contexts.isEmpty {
        t = lexToken()
      } else {
        let ci = contexts.count - 1
        let p = contexts[ci].pos
        if p < contexts[ci].toks.count {
          t = contexts[ci].toks[p]
          contexts[ci].pos = p + 1
          if contexts[ci].override && t.kind != .padding && t.kind != .eof {
            t.file = contexts[ci].oFile
            t.start = contexts[ci].oStart
            t.end = contexts[ci].oEnd
            t.ctx = contexts[ci].oCtx
            t.flags &= ~TF.verbatim
          }
          if t.flags & TF.pasteLeft != 0 {
            let src = t.asPadSrc
            pasteAll(t)
            if inDirective { continue }
            return Tok.padding(src)
          }
        } else {
          popContext()
          if inDirective { continue }
          return Tok.padding(.none)
        }
      }
      if t.kind != .name || t.flags & TF.noExpand != 0 { return t }
      let id = t.ident
      if id == Interner.kPragmaOp && preventExpansion == 0 && !inDirective && macro(id) == nil {
        if doPragmaOperator(t) { continue }
        return t
      }
      guard let m = macro(id) else { return t }
      if !disabled[Int(id)] {
        if preventExpansion > 0 { return t }
        if enterMacro(m, t) {
          if inDirective { continue }
          return Tok.padding(t.asPadSrc)
        }
        return t
      }
      t.flags |= TF.noExpand
      return t
    }
  }

  func popContext() {
    guard let c = contexts.popLast() else { return }
    if c.macro >= 0 {
      let below = contexts.last?.macro ?? -1
      if below != c.macro && Int(c.macro) < disabled.count { disabled[Int(c.macro)] = false }
    }
  }

  /// The macro of the innermost context (contexts pushed "for" no macro continue the current one).
  var currentMacro: Int32 { contexts.last?.macro ?? -1 }

  func pushTokens(_ toks: [Tok], macro: Int32) {
    contexts.append(Ctx(toks: toks, pos: 0, macro: macro, override: false))
  }

  func checkDepth(_ at: Tok) -> Bool {
    if contexts.count > options.maxExpansionDepth || recursion > options.maxExpansionDepth {
      fatalError("macro expansion nested more than \(options.maxExpansionDepth) levels deep", rangeOf(at))
      return false
    }
    return true
  }

  /// Starts expanding `m` (its name token is `name`). False when a function-like macro is not invoked.
  func enterMacro(_ m: MacroDef, _ name: Tok) -> Bool {
    guard checkDepth(name) else { return false }
    if m.builtin != .none {
      let t = builtinToken(m, name)
      pushTokens([t], macro: currentMacro)
      return true
    }
    var args: [MacroArg] = []
    var inv = rangeOf(name) ?? SourceRange(file: main.id, start: 0, end: 0)
    if m.funLike {
      preventExpansion += 1
      parsingArgs = 1
      let r = funlikeInvocation(m, name)
      parsingArgs = 0
      preventExpansion -= 1
      guard let r else { return false }
      args = r.args
      if let close = rangeOf(r.close), close.file == inv.file { inv = inv.extended(to: close) }
    }
    var octx: Int32 = -1
    if !inDirective && !suppressOutput {
      octx = Int32(outContexts.count)
      outContexts.append(
        SourceContext(
          kind: .macro(name: identName(m.name), invocation: inv, definition: m.definition),
          parent: name.ctx >= 0 ? name.ctx : nil))
    }
    if m.funLike && !m.params.isEmpty {
      if octx >= 0 {
        for a in args.indices {
          for k in args[a].raw.indices { args[a].raw[k].ctx = octx }
        }
      }
      guard let toks = replaceArgs(m, &args, inv, octx) else { return false }
      expandedTokens &+= toks.count
      contexts.append(Ctx(toks: toks, pos: 0, macro: m.name, override: false))
    } else {
      expandedTokens &+= m.body.count
      contexts.append(
        Ctx(
          toks: m.body, pos: 0, macro: m.name, override: true, oFile: Int32(inv.file.raw), oStart: inv.start,
          oEnd: inv.end, oCtx: octx))
    }
    disabled[Int(m.name)] = true
    let budget = max(options.maxOutputBytes / 16, 1 << 16)
    if expandedTokens > budget {
      fatalError("macro expansion produced more than \(budget) tokens (macro explosion?)", rangeOf(name))
      return false
    }
    return true
  }

  /// Looks for the `(` of a function-like macro call, then collects the arguments.
  func funlikeInvocation(_ m: MacroDef, _ name: Tok) -> (args: [MacroArg], close: Tok)? {
    var padding: Tok? = nil
    var t: Tok
    while true {
      t = getToken()
      if t.kind != .padding { break }
      if let p = padding {
        if p.padSrc == .none || (p.padSrc == .noWhite && t.padSrc == .none) { padding = t }
      } else {
        padding = t
      }
    }
    if t.kind == .openParen {
      parsingArgs = 2
      return collectArgs(m, name)
    }
    if t.kind != .eof || t.aux == EOFKind.argEnd.rawValue {
      backup(t)
      if let p = padding { pushTokens([p], macro: currentMacro) }
    }
    return nil
  }

  func collectArgs(_ m: MacroDef, _ name: Tok) -> (args: [MacroArg], close: Tok)? {
    let paramc = m.params.count
    var args: [[Tok]] = []
    var t: Tok
    repeat {
      var cur: [Tok] = []
      var depth = 0
      while true {
        t = getToken()
        if t.kind == .padding {
          if cur.isEmpty { continue }
        } else if t.kind == .openParen {
          depth += 1
        } else if t.kind == .closeParen {
          if depth == 0 { break }
          depth -= 1
        } else if t.kind == .comma {
          if depth == 0 && !(m.variadic && args.count + 1 == paramc) { break }
        } else if t.kind == .eof || (t.kind == .hash && t.flags & TF.bol != 0) {
          break
        }
        cur.append(t)
        if cur.count > Self.maxArgTokens {
          fatalError("macro argument longer than \(Self.maxArgTokens) tokens", rangeOf(name))
          return nil
        }
      }
      while let l = cur.last, l.kind == .padding { cur.removeLast() }
      if args.count <= paramc || args.isEmpty { args.append(cur) } else { args[args.count - 1] = cur }
    } while t.kind != .closeParen && t.kind != .eof && !stopped
    if stopped { return nil }
    let mname = identName(m.name)
    if t.kind == .eof {
      if t.aux == EOFKind.argEnd.rawValue { backup(t) }
      diag(.error, "unterminated argument list invoking macro \"\(mname)\"", rangeOf(name))
      return nil
    }
    var argc = args.count
    if argc == 1 && paramc == 0 && args[0].isEmpty { argc = 0 }
    var ok = argc == paramc
    if argc < paramc {
      if argc + 1 == paramc && m.variadic {
        ok = true
      } else {
        diag(.error, "macro \"\(mname)\" requires \(paramc) arguments, but only \(argc) given", rangeOf(name))
      }
    } else if argc > paramc {
      diag(.error, "macro \"\(mname)\" passed \(argc) arguments, but takes just \(paramc)", rangeOf(name))
    }
    guard ok else { return nil }
    var margs: [MacroArg] = []
    margs.reserveCapacity(paramc)
    for i in 0..<paramc { margs.append(MacroArg(raw: i < args.count ? args[i] : [])) }
    if m.variadic && paramc > 0 && (argc < paramc || (argc == 1 && args[0].isEmpty)) {
      margs[paramc - 1].isNull = true
    }
    return (margs, t)
  }

  /// Fully expands an argument (before substitution).
  func expandArg(_ a: inout MacroArg) -> [Tok] {
    if let e = a.expanded { return e }
    if a.raw.isEmpty {
      a.expanded = []
      return []
    }
    recursion += 1
    defer { recursion -= 1 }
    if recursion > options.maxExpansionDepth {
      fatalError("macro arguments nested more than \(options.maxExpansionDepth) levels deep", rangeOf(a.raw[0]))
      a.expanded = []
      return []
    }
    var toks = a.raw
    toks.append(Tok.eof(.argEnd))
    pushTokens(toks, macro: currentMacro)
    let depth = contexts.count
    var r: [Tok] = []
    r.reserveCapacity(a.raw.count)
    while true {
      let t = getToken()
      if t.kind == .eof { break }
      r.append(t)
      if r.count > Self.maxArgTokens {
        fatalError("macro argument expands to more than \(Self.maxArgTokens) tokens", rangeOf(a.raw[0]))
        break
      }
    }
    while contexts.count >= depth && !contexts.isEmpty { popContext() }
    a.expanded = r
    return r
  }

  /// Substitutes the arguments into the replacement list (GCC's `replace_args`).
  func replaceArgs(_ m: MacroDef, _ args: inout [MacroArg], _ inv: SourceRange, _ octx: Int32) -> [Tok]? {
    let body = m.body
    var out: [Tok] = []
    out.reserveCapacity(body.count + 8)
    let ifile = Int32(inv.file.raw)
    // __VA_OPT__ state: 0 none, 1 expecting '(', >= 2 inside (paren depth + 1).
    var vaState = 0
    var vaInclude = true
    var vaStart = -1  // out.count when the __VA_OPT__ group began
    var vaStartPasted = false
    var i = 0
    while i < body.count {
      var src = body[i]
      let prevPaste = i > 0 && body[i - 1].flags & TF.pasteLeft != 0
      if m.variadic {
        if src.kind == .name && src.ident == Interner.kVaOpt && vaState == 0 {
          vaState = 1
          vaStartPasted = prevPaste
          if !prevPaste && i > 0 && !inDirective { out.append(Tok.padding(src.asPadSrc)) }
          vaStart = out.count
          // Does __VA_ARGS__ expand to anything?
          let last = m.params.count - 1
          vaInclude = false
          if last >= 0 {
            for t in expandArg(&args[last]) where t.kind != .padding {
              vaInclude = true
              break
            }
          }
          i += 1
          continue
        }
        if vaState == 1 {
          if src.kind == .openParen {
            vaState = 2
          } else {
            diag(.error, "__VA_OPT__ must be followed by an open parenthesis", inv)
            vaState = 0
          }
          i += 1
          continue
        }
        if vaState >= 2 {
          if src.kind == .openParen {
            vaState += 1
          } else if src.kind == .closeParen {
            vaState -= 1
            if vaState == 1 {
              vaState = 0
              // End of the group.
              if vaStart >= 0 && vaStart == out.count && vaStart > 0 && vaStartPasted {
                out[vaStart - 1].flags &= ~TF.pasteLeft
              }
              if src.flags & TF.pasteLeft != 0 {
                while out.count > vaStart, let l = out.last, l.kind == .padding, l.padSrc == .none { out.removeLast() }
                if out.count > vaStart, let l = out.last, l.kind != .padding {
                  out[out.count - 1].flags |= TF.pasteLeft
                }
              } else if !inDirective {
                out.append(Tok.padding(.none))
              }
              i += 1
              continue
            }
          }
          if !vaInclude {
            i += 1
            continue
          }
        }
      }
      if src.kind != .macroArg {
        src.file = ifile
        src.start = inv.start
        src.end = inv.end
        src.ctx = octx
        src.flags &= ~TF.verbatim
        out.append(src)
        i += 1
        continue
      }
      let ai = Int(src.aux)
      guard ai < args.count else {
        i += 1
        continue
      }
      var pasteIdx = -1
      var from: [Tok]
      let atVaStart = vaState >= 2 && out.count == vaStart
      if src.flags & TF.stringify != 0 {
        from = [stringify(args[ai].raw, like: src, inv: inv, octx: octx)]
      } else if src.flags & TF.pasteLeft != 0 {
        from = args[ai].raw
      } else if prevPaste {
        from = args[ai].raw
        if !out.isEmpty {
          let li = out.count - 1
          if out[li].kind == .comma && m.variadic && ai == m.params.count - 1 {
            if args[ai].isNull { out.removeLast() } else { pasteIdx = li }
          } else if from.isEmpty {
            pasteIdx = li
          }
        }
      } else {
        from = expandArg(&args[ai])
        if stopped { return nil }
        if atVaStart {
          var k = 0
          while k < from.count, from[k].kind == .padding { k += 1 }
          if k > 0 { from.removeFirst(k) }
        }
      }
      if !inDirective && i > 0 && !prevPaste && !atVaStart {
        out.append(Tok.padding(src.asPadSrc))
      }
      if !from.isEmpty {
        out.append(contentsOf: from)
        if src.flags & TF.pasteLeft != 0 { pasteIdx = out.count - 1 }
      }
      if !inDirective && src.flags & TF.pasteLeft == 0 {
        out.append(Tok.padding(.none))
      }
      if pasteIdx >= 0 && pasteIdx < out.count {
        out[pasteIdx].flags = (out[pasteIdx].flags & ~TF.pasteLeft) | (src.flags & TF.pasteLeft)
      }
      if out.count > Self.maxArgTokens {
        fatalError("macro expansion longer than \(Self.maxArgTokens) tokens", inv)
        return nil
      }
      i += 1
    }
    if vaState != 0 { diag(.error, "unterminated __VA_OPT__", inv) }
    return out
  }

  /// `#arg`.
  func stringify(_ toks: [Tok], like: Tok, inv: SourceRange, octx: Int32) -> Tok {
    var s: [UInt8] = [0x22]
    var source: PadSrc = .none
    var backslashes = 0
    for t in toks {
      if t.kind == .padding {
        if source == .none || (source == .noWhite && t.padSrc == .none) { source = t.padSrc }
        continue
      }
      let escape =
        t.kind == .string || t.kind == .char || t.kind == .wideString || t.kind == .wideChar
        || t.kind == .headerName
      if s.count > 1 {
        if source == .none { source = t.asPadSrc }
        if source == .white { s.append(0x20) }
      }
      source = .none
      let sp = spelling(t)
      if escape {
        for c in sp {
          if c == 0x22 || c == 0x5C { s.append(0x5C) }
          if c == 0x0A {
            s.append(0x5C)
            s.append(0x6E)
            continue
          }
          s.append(c)
        }
      } else {
        s.append(contentsOf: sp)
      }
      if t.kind == .other && sp.first == 0x5C { backslashes += 1 } else { backslashes = 0 }
    }
    if backslashes & 1 == 1 {
      diag(.warning, "invalid string literal, ignoring final '\\'", inv)
      s.removeLast()
    }
    s.append(0x22)
    var r = makeToken(.string, s, like: like)
    r.file = Int32(inv.file.raw)
    r.start = inv.start
    r.end = inv.end
    r.ctx = octx
    r.flags = like.flags & (TF.prevWhite | TF.pasteLeft)
    return r
  }

  /// Pastes `lhs` with the following token(s) of the current context, then pushes the result.
  func pasteAll(_ first: Tok) {
    var lhs = first
    let ci = contexts.count - 1
    while true {
      guard contexts[ci].pos < contexts[ci].toks.count else { break }
      var rhs = contexts[ci].toks[contexts[ci].pos]
      contexts[ci].pos += 1
      if contexts[ci].override && rhs.kind != .padding {
        rhs.file = contexts[ci].oFile
        rhs.start = contexts[ci].oStart
        rhs.end = contexts[ci].oEnd
        rhs.ctx = contexts[ci].oCtx
        rhs.flags &= ~TF.verbatim
      }
      if rhs.kind == .padding { break }
      if let r = pasteTokens(lhs, rhs) {
        lhs = r
      } else {
        contexts[ci].pos -= 1
        break
      }
      if rhs.flags & TF.pasteLeft == 0 { break }
    }
    lhs.flags &= ~TF.pasteLeft
    pushTokens([lhs], macro: currentMacro)
  }

  /// The token spelled `lhs` followed by `rhs`, or nil if that is not exactly one token (silently, as in
  /// assembler mode).
  func pasteTokens(_ lhs: Tok, _ rhs: Tok) -> Tok? {
    var buf = Array(spelling(lhs))
    if lhs.kind == .div && rhs.kind != .eq { buf.append(0x20) }
    buf.append(contentsOf: spelling(rhs))
    guard let kind = PPLexer.singleTokenKind(buf) else { return nil }
    var r = makeToken(kind, buf, like: lhs)
    if kind == .name { r.ident = interner.intern(buf[...]) }
    if rhs.file == lhs.file && lhs.file >= 0 {
      r.start = min(lhs.start, rhs.start)
      r.end = max(lhs.end, rhs.end)
    }
    r.flags = lhs.flags & TF.prevWhite
    return r
  }

  // MARK: Built-in macros

  func quoted(_ s: String) -> [UInt8] {
    var r: [UInt8] = [0x22]
    for c in s.utf8 {
      if c == 0x22 || c == 0x5C { r.append(0x5C) }
      r.append(c)
    }
    r.append(0x22)
    return r
  }

  func builtinToken(_ m: MacroDef, _ name: Tok) -> Tok {
    // Its value depends on where it is read: an include using one is not shared.
    poisonRecorders()
    var kind = TK.number
    var text: [UInt8]
    switch m.builtin {
    case .file:
      kind = .string
      text = quoted(files.last?.presumedName ?? main.path)
    case .baseFile:
      kind = .string
      text = quoted(main.path)
    case .fileName:
      kind = .string
      let p = files.last?.presumedName ?? main.path
      text = quoted(p.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? p)
    case .line:
      var line = 1
      if name.file >= 0, Int(name.file) < lexedByID.count, let lx = lexedByID[Int(name.file)] {
        line = lx.source.lineColumn(at: name.start).line
        if let f = files.last, f.lexed.source.id.raw == name.file { line &+= f.lineDelta }
      }
      text = Array(String(line).utf8)
    case .counter:
      text = Array(String(counter).utf8)
      counter &+= 1
    case .includeLevel:
      text = Array(String(max(0, files.count - 1)).utf8)
    case .date, .time, .timestamp:
      kind = .string
      var now = time(nil)
      var tmv = tm()
      localtime_r(&now, &tmv)
      var buf = [Int8](repeating: 0, count: 64)
      let fmt = m.builtin == .date ? "%b %e %Y" : m.builtin == .time ? "%H:%M:%S" : "%a %b %e %H:%M:%S %Y"
      let n = strftime(&buf, buf.count, fmt, &tmv)
      text = quoted(String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    case .none:
      text = []
    }
    var t = makeToken(kind, text, like: name)
    t.flags = name.flags & TF.prevWhite
    if !inDirective && !suppressOutput {
      let octx = Int32(outContexts.count)
      outContexts.append(
        SourceContext(
          kind: .macro(
            name: identName(m.name), invocation: rangeOf(name) ?? SourceRange(file: main.id, start: 0, end: 0),
            definition: nil),
          parent: name.ctx >= 0 ? name.ctx : nil))
      t.ctx = octx
    }
    return t
  }

  /// `_Pragma("...")`: consumed, produces nothing. True when it was well formed.
  func doPragmaOperator(_ name: Tok) -> Bool {
    preventExpansion += 1
    defer { preventExpansion -= 1 }
    var t = getToken()
    while t.kind == .padding { t = getToken() }
    guard t.kind == .openParen else {
      diag(.error, "_Pragma takes a parenthesized string literal", rangeOf(name))
      if t.kind != .eof || t.aux == EOFKind.argEnd.rawValue { backup(t) }
      return false
    }
    t = getToken()
    while t.kind == .padding { t = getToken() }
    guard t.kind == .string || t.kind == .wideString else {
      diag(.error, "_Pragma takes a parenthesized string literal", rangeOf(name))
      return true
    }
    t = getToken()
    while t.kind == .padding { t = getToken() }
    if t.kind != .closeParen {
      diag(.error, "_Pragma takes a parenthesized string literal", rangeOf(name))
    }
    return true
  }
}

extension PPLexer {
  /// The kind of the single token spelled by `buf`, or nil if `buf` is not exactly one token.
  static func singleTokenKind(_ buf: [UInt8]) -> TK? {
    guard !buf.isEmpty else { return nil }
    var lx = PPLexer(fileID: FileID(0), hasMap: false, map: [])
    buf.withUnsafeBufferPointer { lx.run($0) }
    guard lx.toks.count == 1, lx.toks[0].start == 0, Int(lx.toks[0].end) == buf.count, lx.problems.isEmpty else {
      return nil
    }
    let k = lx.toks[0].kind
    // An unterminated quote is not a token one can paste into.
    if k == .other && (buf.first == 0x22 || buf.first == 0x27) && buf.count > 1 { return nil }
    return k
  }
}
