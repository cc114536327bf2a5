// Writing the output: GCC's rules for where a space goes between two tokens, verbatim copies of the original text
// where possible (so a file without macros maps back with very few segments), and the source map.

extension PPEngine {
  /// A new line of source starts with `t` (GCC's line-change callback).
  func lineChange(_ t: Tok) {
    lineChanges &+= 1
    pendingLine = t
    prevTok = nil
    padSource = .none
  }

  /// GCC's token streamer.
  func stream(_ t: Tok) {
    if t.kind == .padding {
      avoidPaste = true
      if padSource == .none || (padSource == .noWhite && t.padSrc == .none) { padSource = t.padSrc }
      return
    }
    if t.kind == .eof { return }
    if !recorders.isEmpty { noteStream() }
    streamCount &+= 1
    var space = false
    if avoidPaste {
      var s = padSource
      if s == .none { s = t.asPadSrc }
      if s == .white {
        space = true
      } else if let p = prevTok {
        space = needsSpace(p, t)
      } else {
        space = t.kind == .hash
      }
    } else if t.flags & TF.prevWhite != 0 {
      space = true
    }
    avoidPaste = false
    padSource = .none
    prevTok = t
    write(t, space: space)
  }

  /// GCC's `cpp_avoid_paste`: whether printing `b` right after `a` could make a different token.
  func needsSpace(_ a: Tok, _ b: Tok) -> Bool {
    var c: UInt8 = 0  // first character of b if it is an operator
    if b.kind.isOperator { c = spelling(b).first ?? 0 }
    if a.kind.rawValue <= TK.lastEq.rawValue && c == 0x3D { return true }
    switch a.kind {
    case .greater: return c == 0x3E
    case .less: return c == 0x3C || c == 0x25 || c == 0x3A
    case .plus: return c == 0x2B
    case .minus: return c == 0x2D || c == 0x3E
    case .div: return c == 0x2F || c == 0x2A
    case .mod: return c == 0x3A || c == 0x3E
    case .and: return c == 0x26
    case .or: return c == 0x7C
    case .colon: return c == 0x3A || c == 0x3E
    case .deref: return c == 0x2A
    case .dot: return c == 0x2E || c == 0x25 || b.kind == .number
    case .hash: return c == 0x23 || c == 0x25
    case .name: return b.kind == .name || b.kind == .char || b.kind == .string
    case .number: return b.kind == .number || b.kind == .name || c == 0x2E || c == 0x2B || c == 0x2D
    case .other: return b.kind == .name && spelling(a).first == 0x5C
    default: return false
    }
  }

  @inline(__always) func fileBytes(_ file: Int32) -> [UInt8]? {
    let i = Int(file)
    guard i >= 0, i < lexedByID.count, let lx = lexedByID[i] else { return nil }
    return lx.source.bytes
  }

  /// Whether `bytes[from..<to]` is only whitespace (newlines allowed or not).
  func onlyWhitespace(_ bytes: [UInt8], _ from: Int, _ to: Int, newlines: Bool) -> Bool {
    guard from <= to, to <= bytes.count else { return false }
    var i = from
    while i < to {
      let c = bytes[i]
      if c == 0x20 || c == 0x09 || c == 0x0C || c == 0x0B || c == 0x0D || (newlines && c == 0x0A) {
        i += 1
        continue
      }
      return false
    }
    return true
  }

  func line(of file: Int32, _ offset: UInt32) -> Int {
    let i = Int(file)
    guard i >= 0, i < lexedByID.count, let lx = lexedByID[i] else { return 0 }
    return lx.source.lineColumn(at: offset).line
  }

  func write(_ t: Tok, space: Bool) {
    writeCount &+= 1
    let verbatim = t.flags & TF.verbatim != 0
    if let pl = pendingLine {
      pendingLine = nil
      let plLine = line(of: pl.file, pl.start)
      // The text between the previous token and this one may be plain whitespace: copy it as it is.
      if verbatim, t.file == lastFile, t.ctx == lastCtx, t.start >= lastEnd, let b = fileBytes(t.file),
        onlyWhitespace(b, Int(lastEnd), Int(t.start), newlines: true)
      {
        curLineFile = pl.file
        curLine = plLine
        appendVerbatim(t, from: lastEnd)
        return
      }
      var n = 1
      if out.isEmpty {
        n = pl.file == main.id.raw ? max(0, plLine - 1) : 0
      } else if pl.file == curLineFile && plLine > curLine {
        n = plLine - curLine
      }
      for _ in 0..<n { appendSeparator(0x0A) }
      curLineFile = pl.file
      curLine = plLine
      // Indentation.
      if verbatim, let b = fileBytes(t.file), let lx = lexedByID[Int(t.file)] {
        let ls = lx.source.lineStarts[max(0, lx.source.lineColumn(at: t.start).line - 1)]
        if ls < t.start, onlyWhitespace(b, Int(ls), Int(t.start), newlines: false) {
          appendVerbatim(t, from: ls)
          return
        }
      }
      if space { appendSeparator(0x20) }
      appendToken(t)
      return
    }
    if space {
      if verbatim, t.file == lastFile, t.ctx == lastCtx, t.start > lastEnd, let b = fileBytes(t.file),
        onlyWhitespace(b, Int(lastEnd), Int(t.start), newlines: false)
      {
        appendVerbatim(t, from: lastEnd)
        return
      }
      appendSeparator(0x20)
    }
    appendToken(t)
  }

  /// Copies original bytes `from..<t.end` of `t`'s file (whitespace, then the token itself).
  func appendVerbatim(_ t: Tok, from: UInt32) {
    guard let b = fileBytes(t.file), from <= t.start, Int(t.end) <= b.count else {
      appendToken(t)
      return
    }
    // The whitespace part joins the token's segment.
    var tt = t
    tt.start = from
    tt.spBase = t.file &* 2
    tt.spStart = from
    tt.spLen = t.end &- from
    if t.spBase != t.file &* 2 || t.spStart != t.start {
      // Cleaned spelling (splices): copy the whitespace, then the spelling.
      startSegment(file: t.file, start: from, end: t.start, verbatim: true, ctx: t.ctx)
      out.append(contentsOf: b[Int(from)..<Int(t.start)])
      appendToken(t)
      return
    }
    appendToken(tt)
  }

  func appendToken(_ t: Tok) {
    let verbatim = t.flags & TF.verbatim != 0
    if suppressOutput { return }
    if t.file >= 0 {
      startSegment(file: t.file, start: t.start, end: t.end, verbatim: verbatim, ctx: t.ctx)
    } else if segments.isEmpty {
      startSegment(file: main.id.raw, start: 0, end: 0, verbatim: false, ctx: 0)
    }
    out.append(contentsOf: spelling(t))
    if verbatim {
      lastFile = t.file
      lastEnd = t.end
      lastCtx = t.ctx
      // Only a clean copy keeps the segment's byte-for-byte correspondence.
      if t.spLen != t.end &- t.start, let l = segments.indices.last {
        segments[l].verbatim = false
      }
    } else {
      forgetLastToken()
    }
    if out.count > options.maxOutputBytes {
      fatalError("preprocessed output exceeds \(options.maxOutputBytes) bytes", rangeOf(t))
    }
  }

  func appendSeparator(_ c: UInt8) {
    if suppressOutput { return }
    if segments.isEmpty {
      segments.append(
        SourceMapSegment(
          outStart: UInt32(truncatingIfNeeded: out.count), file: main.id, srcStart: 0, verbatim: false, srcEnd: 0,
          context: 0))
    }
    out.append(c)
    forgetLastToken()
  }

  /// No verbatim token is the last one written (its end and context then do not matter: they are cleared, so
  /// that the writer's state after an include is all the include's own, see ``IncludeRecord``).
  @inline(__always) func forgetLastToken() {
    lastFile = -1
    lastEnd = 0
    lastCtx = -1
  }

  /// Makes the next output bytes map to `start..<end` of `file`, extending the current segment when it already
  /// does.
  func startSegment(file: Int32, start: UInt32, end: UInt32, verbatim: Bool, ctx: Int32) {
    let outPos = UInt32(truncatingIfNeeded: out.count)
    let c = ctx < 0 ? 0 : ctx
    if let li = segments.indices.last {
      let last = segments[li]
      if last.file.raw == file && last.context == c && last.verbatim == verbatim {
        if verbatim {
          if last.srcStart &+ (outPos &- last.outStart) == start {
            if end > last.srcEnd { segments[li].srcEnd = end }
            return
          }
        } else if last.srcStart == start && last.srcEnd == end {
          return
        }
      }
      if last.outStart == outPos {
        segments[li] = SourceMapSegment(
          outStart: outPos, file: FileID(file), srcStart: start, verbatim: verbatim, srcEnd: end, context: c)
        return
      }
    }
    segments.append(
      SourceMapSegment(
        outStart: outPos, file: FileID(file), srcStart: start, verbatim: verbatim, srcEnd: end, context: c))
  }
}
