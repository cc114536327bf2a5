import Foundation

/// Options of one preprocessor run (`cpp -nostdinc -undef -x assembler-with-cpp` semantics).
public struct PreprocessorOptions: Sendable {
  /// `-I` directories, searched in order.
  public var includePaths: [String]
  /// `-D` options in order (a nil value means "1").
  public var defines: [(name: String, value: String?)]
  public var maxIncludeDepth: Int = 200
  /// Nested macro expansion levels.
  public var maxExpansionDepth: Int = 1000
  /// Output size at which preprocessing stops (a macro bomb). The largest arm64 kernel tree preprocesses to about
  /// 155 KB. Macro expansion has a budget of a sixteenth of this in tokens (1 Mi by default), so a macro that
  /// doubles at each level stops within seconds, before its source map outgrows memory.
  public var maxOutputBytes: Int = 16 << 20

  public init(includePaths: [String] = [], defines: [(name: String, value: String?)] = []) {
    self.includePaths = includePaths
    self.defines = defines
  }
}

/// The C preprocessor, as the Linux kernel runs GCC's on device trees. One instance per translation unit (it may be
/// reused; each `preprocess` call starts from a clean state).
public final class Preprocessor {
  public let sources: SourceManager
  public let options: PreprocessorOptions
  public let cache: PreprocessorCache

  public init(sources: SourceManager, options: PreprocessorOptions, cache: PreprocessorCache? = nil) {
    self.sources = sources
    self.options = options
    self.cache = cache ?? PreprocessorCache()
  }

  public func preprocess(_ file: SourceFile) -> PreprocessedSource {
    let engine = PPEngine(sources: sources, options: options, cache: cache, main: file)
    runWithLargeStack { engine.run() }
    return engine.result()
  }
}

/// One conditional group being processed.
struct CondFrame {
  var wasSkipping: Bool
  var sawElse: Bool
  var taken: Bool
  var kind: DirKind
  var range: SourceRange
}

/// A file being read.
struct OpenFile {
  let lexed: LexedFile
  var pos: Int
  let ctx: Int32
  var conds: [CondFrame] = []
  /// Index into `lexed.directives` of the next directive at or after `pos` (for skipping).
  var dirCursor: Int = 0
  /// Index of the `-I` directory the file was found in (-1: not found through -I).
  let foundIn: Int
  /// Directory part of the file's path ("" for none).
  let dir: String
  /// `#line` adjustments.
  var presumedName: String
  var lineDelta: Int = 0
}

/// A pushed token list (macro expansion, pasted token, argument being pre-expanded...).
struct Ctx {
  var toks: [Tok]
  var pos: Int
  var macro: Int32
  /// Object-like macro bodies are shared, not copied: their map location is applied when a token is read.
  var override: Bool
  var oFile: Int32 = -1
  var oStart: UInt32 = 0
  var oEnd: UInt32 = 0
  var oCtx: Int32 = -1
}

/// A collected macro argument.
struct MacroArg {
  var raw: [Tok]
  var expanded: [Tok]? = nil
  var isNull = false
}

final class PPEngine {
  let sources: SourceManager
  let options: PreprocessorOptions
  let cache: PreprocessorCache
  let interner: Interner
  let main: SourceFile

  // Output.
  @exclusivity(unchecked) var out: [UInt8] = []
  @exclusivity(unchecked) var segments: [SourceMapSegment] = []
  @exclusivity(unchecked) var outContexts: [SourceContext] = []
  @exclusivity(unchecked) var diagnostics: [Diagnostic] = []
  @exclusivity(unchecked) var fatal = false
  @exclusivity(unchecked) var stopped = false
  @exclusivity(unchecked) var filesRead: [FileID] = []
  @exclusivity(unchecked) var filesSeen = Set<Int32>()
  @exclusivity(unchecked) var onceFiles = Set<Int32>()
  @exclusivity(unchecked) var suppressOutput = false

  // Printer state (GCC's token streamer).
  @exclusivity(unchecked) var avoidPaste = false
  @exclusivity(unchecked) var padSource: PadSrc = .none
  @exclusivity(unchecked) var prevTok: Tok? = nil
  @exclusivity(unchecked) var pendingLine: Tok? = nil
  @exclusivity(unchecked) var curLineFile: Int32 = -1
  @exclusivity(unchecked) var curLine = 0
  @exclusivity(unchecked) var lastFile: Int32 = -1
  @exclusivity(unchecked) var lastEnd: UInt32 = 0
  @exclusivity(unchecked) var lastCtx: Int32 = -1

  // Files.
  @exclusivity(unchecked) var lexedByID: [LexedFile?] = []
  @exclusivity(unchecked) var files: [OpenFile] = []
  @exclusivity(unchecked) var lookahead: [Tok] = []
  @exclusivity(unchecked) var skipping = false

  // Macros.
  @exclusivity(unchecked) var macros: [MacroDef?] = []
  @exclusivity(unchecked) var disabled: [Bool] = []
  @exclusivity(unchecked) var contexts: [Ctx] = []
  @exclusivity(unchecked) var preventExpansion = 0
  @exclusivity(unchecked) var parsingArgs = 0
  @exclusivity(unchecked) var inDirective = false
  @exclusivity(unchecked) var directiveEnd = 0
  @exclusivity(unchecked) var pool: [UInt8] = []
  @exclusivity(unchecked) var counter = 0
  @exclusivity(unchecked) var recursion = 0
  @exclusivity(unchecked) var expandedTokens = 0
  @exclusivity(unchecked) var commandLineID: Int32 = -1

  // Sharing includes between translation units (SharedIncludes.swift).
  @exclusivity(unchecked) var recorders: [IncludeRecorder] = []
  @exclusivity(unchecked) var regions: [SharedTextRegion] = []
  @exclusivity(unchecked) var lineChanges = 0
  @exclusivity(unchecked) var writeCount = 0
  @exclusivity(unchecked) var streamCount = 0
  let optionsKey: String
  /// Whether this unit records its includes (``PreprocessorCache/firstRecordingUnit``).
  @exclusivity(unchecked) var records = false

  static let maxArgTokens = 8 << 20

  init(sources: SourceManager, options: PreprocessorOptions, cache: PreprocessorCache, main: SourceFile) {
    self.sources = sources
    self.options = options
    self.cache = cache
    self.interner = cache.interner
    self.main = main
    optionsKey =
      options.includePaths.joined(separator: "\u{0}")
      + "\u{0}\(options.maxIncludeDepth),\(options.maxExpansionDepth),\(options.maxOutputBytes)"
  }

  func result() -> PreprocessedSource {
    var r = PreprocessedSource(
      bytes: out, segments: segments, contexts: outContexts, diagnostics: diagnostics, fatal: fatal, files: filesRead)
    if !fatal {
      // Outer regions first (an include recorded around one replayed inside it starts at or before it).
      r.sharedRegions = regions.sorted { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
    }
    return r
  }

  // MARK: Diagnostics

  func diag(_ severity: Severity, _ message: String, _ range: SourceRange?, notes: [DiagnosticNote] = []) {
    diagnostics.append(
      Diagnostic(rule: "preprocessor", severity: severity, message: message, range: range, notes: notes))
  }

  func rangeOf(_ t: Tok) -> SourceRange? {
    guard t.file >= 0 else { return nil }
    return SourceRange(file: FileID(t.file), start: t.start, end: t.end)
  }

  func fatalError(_ message: String, _ range: SourceRange?) {
    poisonRecorders()
    diag(.error, message, range)
    fatal = true
    stopped = true
  }

  // MARK: Spellings

  @inline(__always)
  func spelling(_ t: Tok) -> ArraySlice<UInt8> {
    let s = Int(t.spStart)
    let e = s + Int(t.spLen)
    if t.spBase < 0 {
      if t.spBase == -2 { return ArraySlice(t.spStart == 0 ? [0x30] : [0x31]) }
      return pool[s..<e]
    }
    let fid = Int(t.spBase >> 1)
    guard fid < lexedByID.count, let lx = lexedByID[fid] else { return [] }
    if t.spBase & 1 == 1 { return lx.pool[s..<e] }
    return lx.source.bytes[s..<e]
  }

  func spellingString(_ t: Tok) -> String { String(decoding: spelling(t), as: UTF8.self) }

  func identName(_ id: Int32) -> String { interner.name(id) }

  /// A new token spelled `bytes`, mapped (non-verbatim) to `like`'s location.
  func makeToken(_ kind: TK, _ bytes: some Collection<UInt8>, like: Tok, ident: Int32 = -1) -> Tok {
    let s = pool.count
    if s + bytes.count > Int(Int32.max) {
      // Only a pathological input gets here (endless stringizing or pasting).
      fatalError("too much text created by # and ## (over 2 GiB)", rangeOf(like))
      return Tok(
        kind: kind, flags: 0, aux: 0, ident: ident, spBase: -1, spStart: 0, spLen: 0, file: like.file,
        start: like.start, end: like.end, ctx: like.ctx)
    }
    pool.append(contentsOf: bytes)
    return Tok(
      kind: kind, flags: like.flags & TF.prevWhite, aux: 0, ident: ident, spBase: -1, spStart: UInt32(s),
      spLen: UInt32(pool.count - s), file: like.file, start: like.start, end: like.end, ctx: like.ctx)
  }

  func lexed(_ f: SourceFile) -> LexedFile {
    let id = Int(f.id.raw)
    if id < lexedByID.count, let l = lexedByID[id], l.source === f { return l }
    let l = cache.lexed(f)
    if id >= lexedByID.count { lexedByID.append(contentsOf: repeatElement(nil, count: id + 1 - lexedByID.count)) }
    lexedByID[id] = l
    return l
  }

  // MARK: Running

  func run() {
    if cache.sharesIncludes {
      records = cache.unitsStarted.add(1, ordering: .relaxed).newValue >= cache.firstRecordingUnit
    }
    // Built-in macros.
    for m in Self.builtins { setMacro(m.name, m) }
    // Predefined macros and -D options, read from a virtual file.
    var text = "#define __STDC__ 1\n#define __STDC_HOSTED__ 1\n#define __ASSEMBLER__ 1\n"
    for d in options.defines {
      var name = d.name
      var value = d.value ?? "1"
      if d.value == nil, let eq = name.firstIndex(of: "=") {
        value = String(name[name.index(after: eq)...])
        name = String(name[..<eq])
      }
      text += "#define \(name) \(value.replacingOccurrences(of: "\n", with: " "))\n"
    }
    let cl = cache.commandLineFile(text: text, sources: sources)
    commandLineID = cl.id.raw
    outContexts.append(SourceContext(kind: .file(main.id, includedAt: nil), parent: nil))
    suppressOutput = true
    pushFile(cl, ctx: 0, foundIn: -1, record: false)
    while !stopped {
      let t = getToken()
      if t.kind == .eof && files.isEmpty { break }
    }
    suppressOutput = false
    guard !stopped else { return }
    pushFile(main, ctx: 0, foundIn: -1, record: true)
    while !stopped {
      let t = getToken()
      if t.kind == .eof {
        if files.isEmpty { break }
        continue
      }
      stream(t)
    }
    if let l = out.last, l != 0x0A { appendSeparator(0x0A) }
  }

  /// The built-in macros (one object each for every unit, so that a shared include can depend on them).
  static let builtins: [MacroDef] = [
    (Interner.kFile, MacroDef.Builtin.file), (Interner.kLine, .line), (Interner.kCounter, .counter),
    (Interner.kIncludeLevel, .includeLevel), (Interner.kBaseFile, .baseFile), (Interner.kFileName, .fileName),
    (Interner.kDate, .date), (Interner.kTime, .time), (Interner.kTimestamp, .timestamp),
  ].map { MacroDef(name: $0.0, funLike: false, params: [], variadic: false, body: [], definition: nil, builtin: $0.1) }

  func setMacro(_ id: Int32, _ m: MacroDef?) {
    if !recorders.isEmpty { noteWrite(id) }
    let i = Int(id)
    if i >= macros.count {
      let n = max(i + 1, interner.count)
      macros.append(contentsOf: repeatElement(nil, count: n - macros.count))
      disabled.append(contentsOf: repeatElement(false, count: n - disabled.count))
    }
    macros[i] = m
  }

  @inline(__always) func macro(_ id: Int32) -> MacroDef? {
    if !recorders.isEmpty { noteRead(id) }
    let i = Int(id)
    return i >= 0 && i < macros.count ? macros[i] : nil
  }

  func isDefined(_ id: Int32) -> Bool {
    macro(id) != nil || id == Interner.kHasInclude || id == Interner.kHasIncludeNext
  }

  // MARK: Files

  func pushFile(_ f: SourceFile, ctx: Int32, foundIn: Int, record: Bool) {
    let lx = lexed(f)
    if record && filesSeen.insert(f.id.raw).inserted { filesRead.append(f.id) }
    if record && !recorders.isEmpty { notePush(f.id, lx) }
    var dir = ""
    if let slash = f.path.lastIndex(of: "/") {
      dir = String(f.path[..<slash])
      if dir.isEmpty { dir = "/" }
    }
    files.append(OpenFile(lexed: lx, pos: 0, ctx: ctx, foundIn: foundIn, dir: dir, presumedName: f.path))
    skipping = false
    for p in lx.problems {
      diag(.error, p.message, SourceRange(file: f.id, start: p.offset, end: p.offset &+ 2))
    }
  }

  func popFile() {
    guard let f = files.popLast() else { return }
    for c in f.conds.reversed() {
      let name: String
      switch c.kind {
      case .ifdef: name = "#ifdef"
      case .ifndef: name = "#ifndef"
      case .else_: name = "#else"
      case .elif: name = "#elif"
      case .elifdef: name = "#elifdef"
      case .elifndef: name = "#elifndef"
      default: name = "#if"
      }
      diag(.error, "unterminated \(name)", c.range)
    }
    skipping = false
    if let r = recorders.last, files.count == r.entryDepth { finishRecording() }
  }

  /// Next token straight from the current file (GCC's `_cpp_lex_direct`), skipping groups that are excluded.
  func lexDirect() -> Tok {
    while true {
      if stopped || files.isEmpty { return Tok.eof(.input) }
      let fi = files.count - 1
      let pos = files[fi].pos
      if inDirective {
        if pos >= directiveEnd { return Tok.eof(.directiveEnd) }
      }
      let lx = files[fi].lexed
      if pos >= lx.toks.count {
        if parsingArgs > 0 || inDirective { return Tok.eof(.input) }
        popFile()
        continue
      }
      if skipping {
        // Jump to the next directive line.
        var c = files[fi].dirCursor
        let dirs = lx.directives
        while c < dirs.count, Int(dirs[c].hashTok) < pos { c += 1 }
        files[fi].dirCursor = c
        if c >= dirs.count {
          files[fi].pos = lx.toks.count
          continue
        }
        files[fi].pos = Int(dirs[c].hashTok)
      }
      let p = files[fi].pos
      var t = lx.toks[p]
      files[fi].pos = p + 1
      t.ctx = files[fi].ctx
      if parsingArgs == 2 && t.flags & TF.bol != 0 { t.flags |= TF.prevWhite }
      return t
    }
  }

  /// GCC's `_cpp_lex_token`: directives are handled transparently, and line changes reported to the printer.
  func lexToken() -> Tok {
    while true {
      let t: Tok
      if let la = lookahead.popLast() { t = la } else { t = lexDirect() }
      if t.flags & TF.bol != 0 && t.kind != .eof && !inDirective {
        if t.kind == .hash && parsingArgs != 1 && t.ident >= 0 {
          if handleDirective(t) { continue }
        }
        if skipping { continue }
        if parsingArgs == 0 && !suppressOutput { lineChange(t) }
      }
      return t
    }
  }

  /// Steps back one token (only the last one read).
  func backup(_ t: Tok) {
    if contexts.isEmpty {
      lookahead.append(t)
    } else {
      let ci = contexts.count - 1
      if contexts[ci].pos > 0 { contexts[ci].pos -= 1 }
    }
  }

  // MARK: Directives

  func directiveRange(_ d: Directive, _ lx: LexedFile) -> SourceRange {
    let h = lx.toks[Int(d.hashTok)]
    let last = lx.toks[max(Int(d.hashTok), Int(d.endTok) - 1)]
    return SourceRange(file: lx.source.id, start: h.start, end: last.end)
  }

  func tokRange(_ lx: LexedFile, _ i: Int32) -> SourceRange {
    let t = lx.toks[Int(max(0, min(i, Int32(lx.toks.count - 1))))]
    return SourceRange(file: lx.source.id, start: t.start, end: t.end)
  }

  /// Handles the directive starting at `hash` (a `#` at the start of a line). Returns false when the line is not a
  /// directive (assembler mode: the `#` is text).
  func handleDirective(_ hash: Tok) -> Bool {
    guard let fi = files.indices.last else { return false }
    let lx = files[fi].lexed
    let di = Int(hash.ident)
    guard di >= 0, di < lx.directives.count, lx.directives[di].hashTok == files[fi].pos - 1 else { return false }
    let d = lx.directives[di]
    if d.kind == .notDirective {
      if skipping {
        files[fi].pos = Int(d.endTok)
        return true
      }
      return false
    }
    files[fi].pos = Int(d.endTok)
    if skipping && !d.kind.isConditional { return true }
    let savedArgs = parsingArgs
    let savedPrevent = preventExpansion
    parsingArgs = 0
    preventExpansion = 0
    defer {
      if savedArgs != 0 {
        parsingArgs = savedArgs
        preventExpansion = savedPrevent
      }
    }
    switch d.kind {
    case .define: doDefine(d, lx)
    case .undef: doUndef(d, lx)
    case .include, .includeNext, .import_:
      if savedArgs != 0 {
        diag(.error, "#include nested in a macro argument list", directiveRange(d, lx))
        return true
      }
      doInclude(d, lx, fi)
    case .if_, .ifdef, .ifndef, .elif, .elifdef, .elifndef, .else_, .endif: doConditional(d, lx, fi)
    case .error:
      diag(.error, "#error \(restOfLine(d, lx))", directiveRange(d, lx))
      fatal = true
    case .warning: diag(.warning, "#warning \(restOfLine(d, lx))", directiveRange(d, lx))
    case .line: doLine(d, lx, fi)
    case .pragma:
      let n = Int(d.nameTok) + 1
      if n < Int(d.endTok), lx.toks[n].kind == .name, lx.toks[n].ident == Interner.kOnce {
        onceFiles.insert(lx.source.id.raw)
        for r in recorders where !r.onceAdds.contains(lx.source.id.raw) { r.onceAdds.append(lx.source.id.raw) }
      }
    case .ident, .sccs, .assert_, .unassert, .null, .notDirective: break
    }
    return true
  }

  /// The text of the directive after its name, tokens separated as in the source (GCC's rendering).
  func restOfLine(_ d: Directive, _ lx: LexedFile) -> String {
    var s: [UInt8] = []
    var i = Int(d.nameTok) + 1
    while i < Int(d.endTok) {
      let t = lx.toks[i]
      if !s.isEmpty && t.prevWhite { s.append(0x20) }
      s.append(contentsOf: spelling(t))
      i += 1
    }
    return String(decoding: s, as: UTF8.self)
  }

  func extraTokens(_ d: Directive, _ lx: LexedFile, after i: Int, _ name: String) {
    if i < Int(d.endTok) {
      diag(.warning, "extra tokens at end of #\(name) directive", tokRange(lx, Int32(i)))
    }
  }

  func doDefine(_ d: Directive, _ lx: LexedFile) {
    guard let m = d.macro else {
      diag(.error, d.problem ?? "invalid #define", tokRange(lx, d.problemTok))
      return
    }
    if let p = d.problem { diag(.warning, p, tokRange(lx, d.problemTok)) }
    let def = lx.source.id.raw == commandLineID ? nil : m.definition
    let md = def == m.definition ? m : cache.commandLineMacro(m)
    if let old = macro(m.name) {
      if old.builtin != .none {
        diag(.warning, "\"\(identName(m.name))\" redefined", md.definition)
      } else if old !== m && !sameDefinition(old, md) {
        var notes: [DiagnosticNote] = []
        if let od = old.definition {
          notes.append(DiagnosticNote("this is the location of the previous definition", at: od))
        }
        diag(.warning, "\"\(identName(m.name))\" redefined", md.definition, notes: notes)
      }
    }
    setMacro(m.name, md)
  }

  func sameDefinition(_ a: MacroDef, _ b: MacroDef) -> Bool {
    guard a.funLike == b.funLike, a.variadic == b.variadic, a.params == b.params, a.body.count == b.body.count
    else { return false }
    let mask = TF.prevWhite | TF.stringify | TF.pasteLeft
    for i in a.body.indices {
      let x = a.body[i]
      let y = b.body[i]
      if x.kind != y.kind || x.aux != y.aux || (x.flags & mask) != (y.flags & mask) { return false }
      if x.kind != .macroArg && spelling(x) != spelling(y) { return false }
    }
    return true
  }

  func doUndef(_ d: Directive, _ lx: LexedFile) {
    let i = Int(d.nameTok) + 1
    guard i < Int(d.endTok) else {
      diag(.error, "no macro name given in #undef directive", directiveRange(d, lx))
      return
    }
    let t = lx.toks[i]
    guard t.kind == .name else {
      diag(.error, "macro names must be identifiers", tokRange(lx, Int32(i)))
      return
    }
    if t.ident == Interner.kDefined {
      diag(.error, "\"defined\" cannot be used as a macro name", tokRange(lx, Int32(i)))
      return
    }
    if let m = macro(t.ident), m.builtin != .none {
      diag(.warning, "undefining \"\(identName(t.ident))\"", tokRange(lx, Int32(i)))
    }
    if macro(t.ident) != nil { setMacro(t.ident, nil) }
    extraTokens(d, lx, after: i + 1, "undef")
  }

  // MARK: Conditionals

  func doConditional(_ d: Directive, _ lx: LexedFile, _ fi: Int) {
    let range = directiveRange(d, lx)
    switch d.kind {
    case .if_, .ifdef, .ifndef:
      if skipping {
        files[fi].conds.append(CondFrame(wasSkipping: true, sawElse: false, taken: true, kind: d.kind, range: range))
        return
      }
      let v: Bool
      if d.kind == .if_ { v = evalIf(d, lx, fi) } else { v = evalIfdef(d, lx) != (d.kind == .ifndef) }
      files[fi].conds.append(CondFrame(wasSkipping: false, sawElse: false, taken: v, kind: d.kind, range: range))
      skipping = !v
    case .elif, .elifdef, .elifndef:
      guard var top = files[fi].conds.popLast() else {
        diag(.error, "#\(d.kind == .elif ? "elif" : d.kind == .elifdef ? "elifdef" : "elifndef") without #if", range)
        return
      }
      if top.sawElse {
        diag(.error, "#elif after #else", range, notes: [DiagnosticNote("the conditional began here", at: top.range)])
      }
      top.kind = d.kind
      if top.wasSkipping {
        skipping = true
      } else if top.taken {
        skipping = true
      } else {
        skipping = false
        let v: Bool
        if d.kind == .elif { v = evalIf(d, lx, fi) } else { v = evalIfdef(d, lx) != (d.kind == .elifndef) }
        top.taken = v
        skipping = !v
      }
      files[fi].conds.append(top)
    case .else_:
      guard var top = files[fi].conds.popLast() else {
        diag(.error, "#else without #if", range)
        return
      }
      if top.sawElse {
        diag(.error, "#else after #else", range, notes: [DiagnosticNote("the conditional began here", at: top.range)])
      }
      top.sawElse = true
      top.kind = .else_
      skipping = top.wasSkipping || top.taken
      top.taken = true
      files[fi].conds.append(top)
      if !skipping || !top.wasSkipping { extraTokens(d, lx, after: Int(d.nameTok) + 1, "else") }
    case .endif:
      guard let top = files[fi].conds.popLast() else {
        diag(.error, "#endif without #if", range)
        return
      }
      skipping = top.wasSkipping
      if !top.wasSkipping { extraTokens(d, lx, after: Int(d.nameTok) + 1, "endif") }
    default: break
    }
  }

  func evalIfdef(_ d: Directive, _ lx: LexedFile) -> Bool {
    let i = Int(d.nameTok) + 1
    let name = lx.toks[Int(d.nameTok)]
    let dn = spellingString(name)
    guard i < Int(d.endTok) else {
      diag(.error, "no macro name given in #\(dn) directive", directiveRange(d, lx))
      return false
    }
    let t = lx.toks[i]
    guard t.kind == .name else {
      diag(.error, "macro names must be identifiers", tokRange(lx, Int32(i)))
      return false
    }
    extraTokens(d, lx, after: i + 1, dn)
    return isDefined(t.ident)
  }

  /// Runs `body` with the base lexer reading the directive's tokens after its name (macro-expanded by getToken).
  func withDirectiveTokens<R>(_ d: Directive, _ fi: Int, _ body: () -> R) -> R {
    let savedPos = files[fi].pos
    let savedLookahead = lookahead
    lookahead = []
    files[fi].pos = Int(d.nameTok) + 1
    inDirective = true
    directiveEnd = Int(d.endTok)
    let depth = contexts.count
    let r = body()
    while contexts.count > depth { popContext() }
    inDirective = false
    if fi < files.count { files[fi].pos = savedPos }
    lookahead = savedLookahead
    return r
  }

  func doLine(_ d: Directive, _ lx: LexedFile, _ fi: Int) {
    let toks: [Tok] = withDirectiveTokens(d, fi) {
      var r: [Tok] = []
      while true {
        let t = getToken()
        if t.kind == .eof { break }
        if t.kind != .padding { r.append(t) }
      }
      return r
    }
    guard let first = toks.first, first.kind == .number,
      let n = Int(spellingString(first)), n >= 0
    else {
      let what = toks.first.map { "\"\(spellingString($0))\"" } ?? "end of line"
      diag(.error, "\(what) after #line is not a positive integer", directiveRange(d, lx))
      return
    }
    // The line after the directive gets number n.
    let lastTok = lx.toks[max(Int(d.hashTok), Int(d.endTok) - 1)]
    let physical = lx.source.lineColumn(at: lastTok.end).line + 1
    files[fi].lineDelta = n - physical
    if toks.count > 1 {
      if toks[1].kind == .string {
        let s = spelling(toks[1])
        files[fi].presumedName = String(decoding: s.dropFirst().dropLast(), as: UTF8.self)
      } else {
        diag(.error, "invalid filename \"\(spellingString(toks[1]))\"", directiveRange(d, lx))
      }
    }
  }

  // MARK: Include

  func doInclude(_ d: Directive, _ lx: LexedFile, _ fi: Int) {
    let range = directiveRange(d, lx)
    let dname = spellingString(lx.toks[Int(d.nameTok)])
    var name: String? = nil
    var angled = false
    let i = Int(d.nameTok) + 1
    if i < Int(d.endTok), lx.toks[i].kind == .headerName || lx.toks[i].kind == .string {
      let t = lx.toks[i]
      angled = t.kind == .headerName
      name = FileName.decode(spelling(t).dropFirst().dropLast())
      extraTokens(d, lx, after: i + 1, dname)
    } else if i < Int(d.endTok) {
      // Computed include: macro-expand the line.
      let toks: [Tok] = withDirectiveTokens(d, fi) {
        var r: [Tok] = []
        while true {
          let t = getToken()
          if t.kind == .eof { break }
          if t.kind != .padding { r.append(t) }
        }
        return r
      }
      if let f = toks.first {
        if f.kind == .string {
          name = FileName.decode(spelling(f).dropFirst().dropLast())
        } else if f.kind == .headerName {
          name = FileName.decode(spelling(f).dropFirst().dropLast())
          angled = true
        } else if f.kind == .less {
          var s: [UInt8] = []
          var k = 1
          var closed = false
          while k < toks.count {
            if toks[k].kind == .greater {
              closed = true
              break
            }
            if toks[k].prevWhite && !s.isEmpty { s.append(0x20) }
            s.append(contentsOf: spelling(toks[k]))
            k += 1
          }
          if closed {
            name = FileName.decode(s)
            angled = true
          } else {
            fatalError("missing terminating > character", range)
            return
          }
        }
      }
    }
    guard let name else {
      fatalError("#\(dname) expects \"FILENAME\" or <FILENAME>", range)
      return
    }
    if name.isEmpty {
      fatalError("empty filename in #\(dname)", range)
      return
    }
    let next = d.kind == .includeNext
    guard let (file, foundIn, searched) = findInclude(name, angled: angled, next: next, fi: fi, at: range) else {
      if stopped { return }  // found but unreadable: already reported
      let dirs = searchDirs(angled: angled, next: next, fi: fi).map { $0.dir.isEmpty ? "." : $0.dir }
      // cpp skips a directory while searching; when nothing else was found, say that is what the name named.
      let paths =
        name.hasPrefix("/") ? [name] : dirs.map { $0 == "." ? name : ($0.hasSuffix("/") ? $0 + name : $0 + "/" + name) }
      if let dir = paths.first(where: { FileAccess.type(of: $0) == .directory }) {
        fatalError("'\(name)' is a directory (\(dir)), not a file", range)
        return
      }
      fatalError(
        "'\(name)' not found (searched: \(dirs.isEmpty ? "no directories" : dirs.joined(separator: ", "))); add the "
          + "directory that holds it with -I DIR", range)
      return
    }
    _ = searched
    if let reason = InputKind.notSourceReason(file.bytes) {
      fatalError("#\(dname) '\(file.path)': \(reason)", range)
      return
    }
    if !recorders.isEmpty { noteDepth() }
    if files.count >= options.maxIncludeDepth {
      // Guarded recursion is legal C, so a cycle is only an error once it is this deep; name the loop when there is one.
      let cycle = files.lastIndex { $0.presumedName == file.path }.map {
        "; include cycle: " + (files[$0...].map(\.presumedName) + [file.path]).joined(separator: " -> ")
      }
      fatalError(
        "#include nested depth \(files.count) exceeds maximum of \(options.maxIncludeDepth) (including '\(file.path)'\(cycle ?? "; include cycle?"))",
        range)
      return
    }
    if !recorders.isEmpty { noteOnce(file.id.raw, onceFiles.contains(file.id.raw)) }
    if onceFiles.contains(file.id.raw) { return }
    if d.kind == .import_ {
      poisonRecorders()
      if filesSeen.contains(file.id.raw) { return }
    }
    let shareable = d.kind != .import_ && atCleanPoint
    if shareable {
      if replayInclude(file, foundIn: foundIn, includer: fi, at: range) { return }
      if records { beginRecording(file, foundIn: foundIn, includer: fi) }
    }
    let ctx = Int32(outContexts.count)
    outContexts.append(SourceContext(kind: .file(file.id, includedAt: range), parent: files[fi].ctx))
    pushFile(file, ctx: ctx, foundIn: foundIn, record: true)
  }

  /// Directories to search, each with its -I index (-1 for the includer's directory).
  func searchDirs(angled: Bool, next: Bool, fi: Int) -> [(dir: String, index: Int)] {
    var r: [(String, Int)] = []
    if next && fi >= 0 && fi < files.count && files[fi].foundIn >= 0 {
      let start = files[fi].foundIn + 1
      if start < options.includePaths.count {
        for k in start..<options.includePaths.count { r.append((options.includePaths[k], k)) }
      }
      return r
    }
    if !angled, fi >= 0, fi < files.count { r.append((files[fi].dir, -1)) }
    for (k, p) in options.includePaths.enumerated() { r.append((p, k)) }
    return r
  }

  func findInclude(_ name: String, angled: Bool, next: Bool, fi: Int, at: SourceRange?) -> (SourceFile, Int, [String])?
  {
    if name.hasPrefix("/") {
      if let f = loadFile(name, at: at) { return (f, -1, [name]) }
      return nil
    }
    var searched: [String] = []
    for (dir, idx) in searchDirs(angled: angled, next: next, fi: fi) {
      let path: String
      if dir.isEmpty { path = name } else if dir.hasSuffix("/") { path = dir + name } else { path = dir + "/" + name }
      searched.append(path)
      if let f = loadFile(path, at: at) { return (f, idx, searched) }
      if stopped { return nil }
    }
    return nil
  }

  func fileExists(_ path: String) -> Bool {
    sources.loaded(path: path) != nil || SourceManager.fileExists(path)
  }

  func loadFile(_ path: String, at: SourceRange?) -> SourceFile? {
    if let f = sources.loaded(path: path) { return f }
    guard SourceManager.fileExists(path) else { return nil }
    do {
      return try sources.load(path: path)
    } catch {
      fatalError(error.description, at)
      return nil
    }
  }
}
