import Synchronization

// Sharing the work of an `#include` between the translation units of one run (issue 20).
//
// Most of a board is its SoC's `.dtsi` files and headers, read again for every board. When an include is read at a
// clean point (top level: no macro expansion, argument collection or directive in progress), the engine records
// what reading it depended on and what it did; a later include of the same file (found the same way, with the same
// options) whose dependencies hold in the new translation unit replays the record instead of reading the file:
//
// - depended on: the definition (the very `MacroDef`, or its absence) of every name looked up before the include
//   itself defined it (every identifier read is a lookup, as are `defined`, `#ifdef`, `#undef` and the check for a
//   redefinition), whether each nested file was already `#pragma once`d, how deep the include stack was (room for
//   the nested includes), the macro-expansion and output budgets left, and the output writer's state where it can
//   matter (whether the output is empty, a pending paste-avoidance space, and the current line or last token when
//   they are in one of the files read);
// - did: the output bytes, source-map segments and contexts (renumbered to where they land), diagnostics, files
//   read, `#pragma once` marks, macros defined or undefined (replayed in the table), tokens counted against the
//   expansion budget, and the output writer's state after it.
//
// Nothing is recorded when reading the include used a built-in macro whose value depends on where it is read
// (`__COUNTER__`, `__LINE__`, `__FILE__`, `__INCLUDE_LEVEL__`, `__BASE_FILE__`, dates), used `#import`, read the
// main file, stopped (fatal error), or ended anywhere but at a clean point. The DTS lexer reuses its tokens for a
// replayed region the same way (``IncludeRecord/lexed``), when it reaches the region in the same state.

/// Which include a record is for: the file, the `-I` directory it was found in (for `#include_next` inside), and
/// the options that decide how it is read.
struct IncludeKey: Hashable {
  var file: Int32
  var foundIn: Int
  var options: String
}

/// The output writer's state before an include, as far as reading the include can see it. Files are kept only
/// when the include reads them (any other file compares unequal to all of its tokens alike).
struct WriterEntry: Equatable {
  var avoidPaste: Bool
  var outEmpty: Bool
  var segmentsEmpty: Bool
  var curLineFile: Int32
  var curLine: Int
  var lastFile: Int32
  var lastEnd: UInt32
  var lastCtx: Int32
}

/// The output writer's state after an include (contexts relative to the include's first one).
struct WriterExit: Sendable {
  var avoidPaste: Bool
  var padSource: PadSrc
  var prevTok: Tok?
  var prevSpelling: [UInt8]
  var pendingLine: Tok?
  var pendingSpelling: [UInt8]
  var curLineFile: Int32
  var curLine: Int
  var lastFile: Int32
  var lastEnd: UInt32
  var lastCtx: Int32
}

/// What reading one include depended on and did (see the comment at the top of this file).
final class IncludeRecord: Sendable {
  let source: SourceFile
  let deps: [(id: Int32, def: MacroDef?)]
  let onceDeps: [(file: Int32, marked: Bool)]
  let writes: [(id: Int32, def: MacroDef?)]
  let onceAdds: [Int32]
  let pushed: [FileID]
  let lexedFiles: [LexedFile]
  let touched: Set<Int32>
  let maxRelativeDepth: Int
  let expanded: Int
  /// The main file of the unit that recorded it (the segment an empty output starts with names it).
  let recordedMain: Int32
  /// Nil when the include wrote nothing (the writer's state then does not matter and is not changed).
  let entry: WriterEntry?
  let exit: WriterExit?
  let bytes: [UInt8]
  /// `outStart` relative to the include's first byte; `context` relative to its first context (-1: context 0).
  let segments: [SourceMapSegment]
  /// The include's own file context comes first (remade with the new `includedAt`); parents relative.
  let contexts: [SourceContext]
  let diagnostics: [Diagnostic]
  /// The DTS lexer's tokens for `bytes`, by the lexer state it started in.
  let lexed = Mutex<[LexedRegion]>([])

  init(
    source: SourceFile, deps: [(id: Int32, def: MacroDef?)], onceDeps: [(file: Int32, marked: Bool)],
    writes: [(id: Int32, def: MacroDef?)],
    onceAdds: [Int32], pushed: [FileID], lexedFiles: [LexedFile], touched: Set<Int32>, maxRelativeDepth: Int,
    expanded: Int, recordedMain: Int32, entry: WriterEntry?, exit: WriterExit?, bytes: [UInt8],
    segments: [SourceMapSegment], contexts: [SourceContext], diagnostics: [Diagnostic]
  ) {
    self.source = source
    self.deps = deps
    self.onceDeps = onceDeps
    self.writes = writes
    self.onceAdds = onceAdds
    self.pushed = pushed
    self.lexedFiles = lexedFiles
    self.touched = touched
    self.maxRelativeDepth = maxRelativeDepth
    self.expanded = expanded
    self.recordedMain = recordedMain
    self.entry = entry
    self.exit = exit
    self.bytes = bytes
    self.segments = segments
    self.contexts = contexts
    self.diagnostics = diagnostics
  }
}

/// The DTS lexer's result for a shared region, started in `state` (at a line start or not).
struct LexedRegion: Sendable {
  var state: UInt8
  var atLineStart: Bool
  var tokens: TokenList
  var exitState: UInt8
  var exitAtLineStart: Bool
}

/// Output bytes `start..<end` of a translation unit are an include's replayed (or freshly recorded) text.
struct SharedTextRegion: Sendable {
  var start: Int
  var end: Int
  var record: IncludeRecord
  /// The text was replayed (the record was used a second time): only then does the lexer keep its tokens, so
  /// that a record no other unit uses holds no tokens.
  var replayed: Bool
}

/// An include being recorded (engine-local).
final class IncludeRecorder {
  let key: IncludeKey
  let source: SourceFile
  let file: Int32
  let entryDepth: Int
  let outStart: Int
  let segStart: Int
  let ctxBase: Int
  let diagStart: Int
  let expandedStart: Int
  let includerCtx: Int32
  let entryRaw: WriterEntry
  let lineChangesAtStart: Int
  let writesAtStart: Int
  let streamsAtStart: Int
  var poisoned = false
  /// Per identifier: 0 not seen, 1 read (a dependency), 2 written.
  var seen: [UInt8] = []
  var deps: [(id: Int32, def: MacroDef?)] = []
  var written: [Int32] = []
  var onceDeps: [(file: Int32, marked: Bool)] = []
  var onceAdds: [Int32] = []
  var pushed: [FileID] = []
  var lexedFiles: [LexedFile] = []
  var touched = Set<Int32>()
  var maxRelativeDepth = 0

  init(
    key: IncludeKey, source: SourceFile, entryDepth: Int, outStart: Int, segStart: Int, ctxBase: Int, diagStart: Int,
    expandedStart: Int, includerCtx: Int32, entryRaw: WriterEntry, lineChanges: Int, writes: Int, streams: Int
  ) {
    self.key = key
    self.source = source
    self.file = source.id.raw
    self.entryDepth = entryDepth
    self.outStart = outStart
    self.segStart = segStart
    self.ctxBase = ctxBase
    self.diagStart = diagStart
    self.expandedStart = expandedStart
    self.includerCtx = includerCtx
    self.entryRaw = entryRaw
    self.lineChangesAtStart = lineChanges
    self.writesAtStart = writes
    self.streamsAtStart = streams
  }

  @inline(__always) func mark(_ id: Int32) -> UInt8 {
    let i = Int(id)
    if i >= seen.count { seen.append(contentsOf: repeatElement(0, count: i + 1 - seen.count + 256)) }
    return seen[i]
  }

  func read(_ id: Int32, _ current: MacroDef?) {
    guard id >= 0, mark(id) == 0 else { return }
    seen[Int(id)] = 1
    deps.append((id, current))
  }

  func write(_ id: Int32, old: MacroDef?) {
    guard id >= 0 else { return }
    let m = mark(id)
    if m == 2 { return }
    if m == 0 { deps.append((id, old)) }
    seen[Int(id)] = 2
    written.append(id)
  }

  func once(_ file: Int32, _ marked: Bool) {
    if onceAdds.contains(file) || onceDeps.contains(where: { $0.file == file }) { return }
    onceDeps.append((file, marked))
  }
}

extension PreprocessorCache {
  /// Records for `key` (at most a few: one per distinct set of conditions met so far).
  func includeRecords(_ key: IncludeKey) -> [IncludeRecord] {
    includes.withLock { $0[key] ?? [] }
  }

  func addIncludeRecord(_ r: IncludeRecord, for key: IncludeKey) {
    includes.withLock { m in
      var list = m[key] ?? []
      guard list.count < Self.maxRecordsPerInclude else { return }
      list.append(r)
      m[key] = list
    }
    recorded.add(1, ordering: .relaxed)
  }
}

extension PPEngine {
  /// Whether the engine is at a point where an include can be shared: top level, nothing pending.
  var atCleanPoint: Bool {
    cache.sharesIncludes && contexts.isEmpty && lookahead.isEmpty && preventExpansion == 0 && recursion == 0
      && parsingArgs == 0 && !inDirective && !suppressOutput && !fatal && !stopped
      && !(segments.last.map { Int($0.outStart) == out.count } ?? false)
  }

  /// The output writer's state now, as is.
  var writerState: WriterEntry {
    WriterEntry(
      avoidPaste: avoidPaste, outEmpty: out.isEmpty, segmentsEmpty: segments.isEmpty, curLineFile: curLineFile,
      curLine: curLine, lastFile: lastFile, lastEnd: lastEnd, lastCtx: lastCtx)
  }

  func writerEntry(touched: Set<Int32>) -> WriterEntry { normalized(writerState, touched: touched) }

  func normalized(_ e: WriterEntry, touched: Set<Int32>) -> WriterEntry {
    var e = e
    if !touched.contains(e.curLineFile) {
      e.curLineFile = -2
      e.curLine = 0
    }
    if !touched.contains(e.lastFile) {
      e.lastFile = -2
      e.lastEnd = 0
      e.lastCtx = 0
    }
    return e
  }

  var expansionBudget: Int { max(options.maxOutputBytes / 16, 1 << 16) }

  // MARK: Noting what a recorded include does

  @inline(never) func noteRead(_ id: Int32) {
    let cur = id >= 0 && Int(id) < macros.count ? macros[Int(id)] : nil
    for r in recorders { r.read(id, cur) }
  }

  @inline(never) func noteWrite(_ id: Int32) {
    let cur = id >= 0 && Int(id) < macros.count ? macros[Int(id)] : nil
    for r in recorders { r.write(id, old: cur) }
  }

  func noteOnce(_ file: Int32, _ marked: Bool) {
    for r in recorders { r.once(file, marked) }
  }

  func notePush(_ id: FileID, _ lx: LexedFile) {
    for r in recorders {
      r.pushed.append(id)
      if r.touched.insert(id.raw).inserted { r.lexedFiles.append(lx) }
    }
  }

  func noteDepth() {
    for r in recorders { r.maxRelativeDepth = max(r.maxRelativeDepth, files.count - r.entryDepth) }
  }

  func poisonRecorders() {
    for r in recorders { r.poisoned = true }
  }

  /// A token is streamed: it must come after a line change inside the include (else the writer's state before
  /// the include, which is not recorded, would decide it).
  @inline(never) func noteStream() {
    for r in recorders where lineChanges == r.lineChangesAtStart { r.poisoned = true }
  }

  // MARK: Recording

  func includeKey(_ file: SourceFile, foundIn: Int) -> IncludeKey {
    IncludeKey(file: file.id.raw, foundIn: foundIn, options: optionsKey)
  }

  func beginRecording(_ file: SourceFile, foundIn: Int, includer fi: Int) {
    let r = IncludeRecorder(
      key: includeKey(file, foundIn: foundIn), source: file, entryDepth: files.count, outStart: out.count,
      segStart: segments.count, ctxBase: outContexts.count, diagStart: diagnostics.count,
      expandedStart: expandedTokens, includerCtx: files[fi].ctx,
      entryRaw: writerState, lineChanges: lineChanges, writes: writeCount, streams: streamCount)
    recorders.append(r)
  }

  /// Called when the include stack is back to `recorders.last`'s depth: stores the record if it is sound.
  func finishRecording() {
    guard let r = recorders.popLast() else { return }
    guard !r.poisoned, atCleanPointAfter, !r.touched.contains(main.id.raw) else { return }
    let base = Int32(r.ctxBase)
    func rel(_ c: Int32) -> Int32? { c >= base ? c - base : (c == -1 ? -1 : nil) }
    // Contexts: the first is the include's own (its parent the includer's); all others point inside.
    var ctxs = Array(outContexts[r.ctxBase...])
    guard let first = ctxs.first, case .file(let f, _) = first.kind, f.raw == r.file, first.parent == r.includerCtx
    else { return }
    for k in ctxs.indices.dropFirst() {
      guard let p = ctxs[k].parent, p >= base else { return }
      ctxs[k].parent = p - base
    }
    ctxs[0].parent = nil
    // Segments: contexts inside, or context 0 of the segment an empty output starts with.
    var segs = Array(segments[r.segStart...])
    for k in segs.indices {
      let c = segs[k].context
      if c >= base {
        segs[k].context = c - base
      } else if c == 0 && r.entryRaw.segmentsEmpty && k == 0 && segs[k].file == main.id {
        segs[k].context = -1
      } else {
        return
      }
      segs[k].outStart = segs[k].outStart &- UInt32(r.outStart)
    }
    let diags = Array(diagnostics[r.diagStart...])
    for d in diags {
      if let range = d.range, !r.touched.contains(range.file.raw) { return }
    }
    var entry: WriterEntry? = nil
    var exit: WriterExit? = nil
    let changed =
      lineChanges != r.lineChangesAtStart || writeCount != r.writesAtStart || streamCount != r.streamsAtStart
    if changed || out.count != r.outStart {
      guard lineChanges != r.lineChangesAtStart, writeCount != r.writesAtStart else { return }
      entry = normalized(r.entryRaw, touched: r.touched)
      func relTok(_ t: Tok?) -> (Tok?, [UInt8])? {
        guard var t else { return (nil, []) }
        guard let c = rel(t.ctx) else { return nil }
        t.ctx = c
        if t.spBase == -1 { return (t, Array(spelling(t))) }
        return (t, [])
      }
      guard let (p, ps) = relTok(prevTok), let (pl, pls) = relTok(pendingLine) else { return }
      var lc: Int32 = -1
      if lastFile >= 0 {
        guard let c = rel(lastCtx) else { return }
        lc = c
      }
      exit = WriterExit(
        avoidPaste: avoidPaste, padSource: padSource, prevTok: p, prevSpelling: ps, pendingLine: pl,
        pendingSpelling: pls, curLineFile: curLineFile, curLine: curLine, lastFile: lastFile,
        lastEnd: lastFile >= 0 ? lastEnd : 0, lastCtx: lc)
    }
    let record = IncludeRecord(
      source: r.source, deps: r.deps, onceDeps: r.onceDeps, writes: r.written.map { ($0, macro(unnoted: $0)) },
      onceAdds: r.onceAdds,
      pushed: r.pushed, lexedFiles: r.lexedFiles, touched: r.touched, maxRelativeDepth: r.maxRelativeDepth,
      expanded: expandedTokens - r.expandedStart, recordedMain: main.id.raw, entry: entry, exit: exit,
      bytes: Array(out[r.outStart...]), segments: segs, contexts: ctxs, diagnostics: diags)
    cache.addIncludeRecord(record, for: r.key)
    if out.count > r.outStart {
      regions.append(SharedTextRegion(start: r.outStart, end: out.count, record: record, replayed: false))
    }
  }

  /// The include just ended at a clean point (nothing of it pending).
  private var atCleanPointAfter: Bool {
    contexts.isEmpty && lookahead.isEmpty && preventExpansion == 0 && recursion == 0 && parsingArgs == 0
      && !inDirective && !fatal && !stopped
  }

  @inline(__always) func macro(unnoted id: Int32) -> MacroDef? {
    let i = Int(id)
    return i >= 0 && i < macros.count ? macros[i] : nil
  }

  // MARK: Replaying

  /// Replays a record of `file` whose conditions hold here. False when there is none.
  func replayInclude(_ file: SourceFile, foundIn: Int, includer fi: Int, at range: SourceRange) -> Bool {
    let records = cache.includeRecords(includeKey(file, foundIn: foundIn))
    guard !records.isEmpty else { return false }
    for rec in records where rec.source === file && holds(rec) {
      replay(rec, file: file, includer: fi, at: range)
      return true
    }
    return false
  }

  func holds(_ rec: IncludeRecord) -> Bool {
    if rec.touched.contains(main.id.raw) { return false }
    if files.count + rec.maxRelativeDepth >= options.maxIncludeDepth { return false }
    if expandedTokens &+ rec.expanded > expansionBudget { return false }
    if out.count + rec.bytes.count > options.maxOutputBytes { return false }
    if let e = rec.entry, writerEntry(touched: rec.touched) != e { return false }
    for d in rec.deps where macro(unnoted: d.id) !== d.def { return false }
    for o in rec.onceDeps where onceFiles.contains(o.file) != o.marked { return false }
    // The files it read are still the ones their paths name.
    for lx in rec.lexedFiles where sources.loaded(path: lx.source.path) !== lx.source { return false }
    return true
  }

  func replay(_ rec: IncludeRecord, file: SourceFile, includer fi: Int, at range: SourceRange) {
    let outBase = UInt32(out.count)
    let ctxBase = Int32(outContexts.count)
    // What outer recordings must see.
    if !recorders.isEmpty {
      for d in rec.deps { noteRead(d.id) }
      for o in rec.onceDeps { noteOnce(o.file, o.marked) }
      for id in rec.pushed {
        if let lx = rec.lexedFiles.first(where: { $0.source.id == id }) { notePush(id, lx) }
      }
      for r in recorders {
        r.maxRelativeDepth = max(r.maxRelativeDepth, files.count + rec.maxRelativeDepth - r.entryDepth)
      }
    }
    for lx in rec.lexedFiles {
      let id = Int(lx.source.id.raw)
      if id >= lexedByID.count { lexedByID.append(contentsOf: repeatElement(nil, count: id + 1 - lexedByID.count)) }
      if lexedByID[id] == nil { lexedByID[id] = lx }
    }
    if rec.exit != nil {
      lineChanges += 1
      writeCount += 1
      streamCount += 1
    }
    out.append(contentsOf: rec.bytes)
    for var s in rec.segments {
      s.outStart = s.outStart &+ outBase
      s.context = s.context < 0 ? 0 : s.context + ctxBase
      if s.file.raw == rec.recordedMain { s.file = main.id }
      segments.append(s)
    }
    for (k, var c) in rec.contexts.enumerated() {
      if k == 0 {
        c = SourceContext(kind: .file(file.id, includedAt: range), parent: files[fi].ctx)
      } else if let p = c.parent {
        c.parent = p + ctxBase
      }
      outContexts.append(c)
    }
    diagnostics.append(contentsOf: rec.diagnostics)
    for id in rec.pushed where filesSeen.insert(id.raw).inserted { filesRead.append(id) }
    for f in rec.onceAdds {
      onceFiles.insert(f)
      for r in recorders where !r.onceAdds.contains(f) { r.onceAdds.append(f) }
    }
    for w in rec.writes { setMacro(w.id, w.def) }
    expandedTokens &+= rec.expanded
    if let x = rec.exit {
      func place(_ t: Tok?, _ spelling: [UInt8]) -> Tok? {
        guard var t else { return nil }
        t.ctx = t.ctx < 0 ? -1 : t.ctx + ctxBase
        if t.spBase == -1 {
          t.spStart = UInt32(pool.count)
          pool.append(contentsOf: spelling)
        }
        return t
      }
      avoidPaste = x.avoidPaste
      padSource = x.padSource
      prevTok = place(x.prevTok, x.prevSpelling)
      pendingLine = place(x.pendingLine, x.pendingSpelling)
      curLineFile = x.curLineFile
      curLine = x.curLine
      lastFile = x.lastFile
      lastEnd = x.lastEnd
      lastCtx = x.lastCtx < 0 ? -1 : x.lastCtx + ctxBase
    }
    if !rec.bytes.isEmpty {
      regions.append(SharedTextRegion(start: Int(outBase), end: out.count, record: rec, replayed: true))
    }
    cache.replayed.add(1, ordering: .relaxed)
  }
}
