import Synchronization

/// Identifier interning: every identifier spelling gets a small integer id, shared by all files lexed through the
/// same cache, so macro tables are plain arrays indexed by id.
final class Interner: Sendable {
  private struct State {
    var table = ByteStrings(capacity: 4096)
    /// Spellings as strings, made when first asked for (diagnostics and source maps need few of them).
    var names: [String?] = []
  }
  private let state = Mutex(State())

  /// Fixed ids of the names the preprocessor itself cares about (interned first, in this order).
  static let fixedNames: [String] = [
    "defined", "__VA_ARGS__", "__VA_OPT__", "__has_include", "__has_include_next", "_Pragma",
    "__FILE__", "__LINE__", "__COUNTER__", "__INCLUDE_LEVEL__", "__BASE_FILE__", "__FILE_NAME__",
    "__DATE__", "__TIME__", "__TIMESTAMP__",
    // Directive names.
    "define", "undef", "include", "include_next", "import", "if", "ifdef", "ifndef", "elif", "elifdef",
    "elifndef", "else", "endif", "error", "warning", "line", "pragma", "ident", "sccs", "assert", "unassert",
    "once",
  ]
  static let kDefined: Int32 = 0
  static let kVaArgs: Int32 = 1
  static let kVaOpt: Int32 = 2
  static let kHasInclude: Int32 = 3
  static let kHasIncludeNext: Int32 = 4
  static let kPragmaOp: Int32 = 5
  static let kFile: Int32 = 6
  static let kLine: Int32 = 7
  static let kCounter: Int32 = 8
  static let kIncludeLevel: Int32 = 9
  static let kBaseFile: Int32 = 10
  static let kFileName: Int32 = 11
  static let kDate: Int32 = 12
  static let kTime: Int32 = 13
  static let kTimestamp: Int32 = 14
  static let kFirstDirective: Int32 = 15
  static let kOnce: Int32 = 36
  static let directiveKinds: [DirKind] = [
    .define, .undef, .include, .includeNext, .import_, .if_, .ifdef, .ifndef, .elif, .elifdef, .elifndef, .else_,
    .endif, .error, .warning, .line, .pragma, .ident, .sccs, .assert_, .unassert,
  ]

  static func directiveKind(_ id: Int32) -> DirKind? {
    let i = Int(id) - Int(kFirstDirective)
    guard i >= 0, i < directiveKinds.count else { return nil }
    return directiveKinds[i]
  }

  init() {
    for n in Self.fixedNames { _ = intern(Array(n.utf8)[...]) }
  }

  /// Global ids for the spellings of a file's local table, in its order (one lock).
  func intern(_ local: ByteStrings) -> [Int32] {
    state.withLock { s in
      var ids = [Int32](repeating: 0, count: local.count)
      local.bytes.withUnsafeBufferPointer { b in
        guard let base = b.baseAddress else { return }
        for i in 0..<local.count {
          let r = local.range(Int32(i))
          ids[i] = s.table.insert(base + r.lowerBound, r.count, hash: local.hashes[i])
        }
      }
      return ids
    }
  }

  func intern(_ spelling: ArraySlice<UInt8>) -> Int32 {
    spelling.withUnsafeBufferPointer { b in
      let p = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
      let h = ByteStrings.hash(p, b.count)
      return state.withLock { $0.table.insert(p, b.count, hash: h) }
    }
  }

  func name(_ id: Int32) -> String {
    state.withLock { s in
      guard id >= 0, Int(id) < s.table.count else { return "?" }
      let i = Int(id)
      if i < s.names.count, let n = s.names[i] { return n }
      if s.names.count < s.table.count {
        s.names.append(contentsOf: repeatElement(nil, count: s.table.count - s.names.count))
      }
      let n = String(decoding: s.table.bytes[s.table.range(id)], as: UTF8.self)
      s.names[i] = n
      return n
    }
  }

  var count: Int { state.withLock { $0.table.count } }
}

/// Shares work between translation units preprocessed in one run, possibly on several threads: each file is
/// lexed (and its directives parsed) once, however many boards include it.
public final class PreprocessorCache: Sendable {
  let interner = Interner()
  /// One slot per file; its lock is held while the file is lexed, so threads asking for the same header at the
  /// same time wait for the first one instead of lexing it again.
  private final class Slot: Sendable {
    let source: SourceFile
    let value = Mutex<LexedFile?>(nil)
    init(source: SourceFile) { self.source = source }
  }
  private let files = Mutex([Int32: Slot]())
  private let commandLines = Mutex(0)
  private let lexes = Mutex(0)

  /// Lexed files kept on disk between runs (nil: none).
  let disk: LexCache?
  /// Whether includes read at a clean point are recorded and replayed in other units (SharedIncludes.swift). Off
  /// by default: a cache shared by units whose files may change between them (the language server's) must not
  /// share; ``SourceReader`` turns it on for the cache it makes for one run.
  public let sharesIncludes: Bool
  let includes = Mutex([IncludeKey: [IncludeRecord]]())
  static let maxRecordsPerInclude = 8
  let recorded = Atomic<Int>(0)
  let replayed = Atomic<Int>(0)
  /// Command-line macros without their definition place, one object per definition (shared includes depend on
  /// the object).
  private let commandLineMacros = Mutex([ObjectIdentifier: (original: MacroDef, stripped: MacroDef)]())

  /// The first unit (counting from 1, in the order they start) whose includes are recorded: a run of one unit
  /// (one board checked or compiled) gains nothing from recording.
  let firstRecordingUnit: Int
  let unitsStarted = Atomic<Int>(0)

  public init(disk: LexCache? = nil, sharesIncludes: Bool = false, firstRecordingUnit: Int = 1) {
    self.disk = disk
    self.sharesIncludes = sharesIncludes
    self.firstRecordingUnit = firstRecordingUnit
  }

  /// How many includes were recorded for sharing, and how many were replayed instead of being read again.
  public var includesRecorded: Int { recorded.load(ordering: .relaxed) }
  public var includesReplayed: Int { replayed.load(ordering: .relaxed) }

  func commandLineMacro(_ m: MacroDef) -> MacroDef {
    commandLineMacros.withLock { memo in
      // The original is kept, so its identifier is not reused by another object.
      if let d = memo[ObjectIdentifier(m)], d.original === m { return d.stripped }
      let d = MacroDef(
        name: m.name, funLike: m.funLike, params: m.params, variadic: m.variadic, body: m.body, definition: nil)
      memo[ObjectIdentifier(m)] = (m, d)
      return d
    }
  }

  /// How many files have been lexed through this cache (each at most once).
  public var filesLexed: Int { lexes.withLock { $0 } }

  /// The lexed form of `file` (lexing it now if no one has yet).
  func lexed(_ file: SourceFile) -> LexedFile {
    let slot = files.withLock { m -> Slot in
      if let s = m[file.id.raw], s.source === file { return s }
      let s = Slot(source: file)
      m[file.id.raw] = s
      return s
    }
    return slot.value.withLock { v in
      if let v { return v }
      let l = PPLexer.lex(file, interner: interner, cache: disk)
      v = l
      lexes.withLock { $0 += 1 }
      return l
    }
  }

  /// The virtual file holding the predefined macros and `-D` options (one per distinct text and manager).
  func commandLineFile(text: String, sources: SourceManager) -> SourceFile {
    commandLines.withLock { m in
      var n = 0
      while true {
        let path = n == 0 ? "<command-line>" : "<command-line>#\(n)"
        if let f = sources.loaded(path: path) {
          if f.bytes.elementsEqual(text.utf8) { return f }
          n += 1
          continue
        }
        return sources.addVirtualFile(path: path, text: text)
      }
    }
  }
}

/// A set of byte strings, each with a dense id in insertion order: open addressing over FNV-1a hashes, the
/// spellings kept back to back in one buffer (no allocation per string).
struct ByteStrings: Sendable {
  private(set) var bytes: [UInt8] = []
  /// End of string `i` in `bytes` (it starts where string `i - 1` ends).
  private(set) var ends: [UInt32] = []
  private(set) var hashes: [UInt32] = []
  private var slots: [Int32]

  init(capacity: Int = 64) {
    var n = 16
    while n < capacity * 2 { n <<= 1 }
    slots = [Int32](repeating: -1, count: n)
  }

  var count: Int { ends.count }

  func range(_ id: Int32) -> Range<Int> {
    let i = Int(id)
    return (i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i])
  }

  @inline(__always)
  static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
    var h: UInt32 = 2_166_136_261
    for i in 0..<n { h = (h ^ UInt32(p[i])) &* 16_777_619 }
    return h
  }

  /// The id of the `n` bytes at `p` (whose hash is `hash`), adding them if new.
  mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, hash h: UInt32) -> Int32 {
    let mask = slots.count - 1
    var i = Int(h) & mask
    let found: Int32? = slots.withUnsafeBufferPointer { sl in
      hashes.withUnsafeBufferPointer { hs in
        ends.withUnsafeBufferPointer { es in
          bytes.withUnsafeBufferPointer { bs in
            while true {
              let v = sl[i]
              if v < 0 { return nil }
              if hs[Int(v)] == h {
                let e = Int(es[Int(v)])
                let s = v == 0 ? 0 : Int(es[Int(v) - 1])
                if e - s == n {
                  var k = 0
                  while k < n, bs[s + k] == p[k] { k += 1 }
                  if k == n { return v }
                }
              }
              i = (i + 1) & mask
            }
          }
        }
      }
    }
    if let found { return found }
    let id = Int32(ends.count)
    bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
    ends.append(UInt32(bytes.count))
    hashes.append(h)
    slots[i] = id
    if ends.count * 2 > slots.count { grow() }
    return id
  }

  /// A set made of distinct strings stored back to back (`ends`, `hashes` as this type keeps them), as ``LexCache``
  /// reads them back: no string is compared or hashed again. Nil when `ends` do not fit `bytes`.
  init?(bytes: [UInt8], ends: [UInt32], hashes: [UInt32]) {
    guard ends.count == hashes.count else { return nil }
    var previous: UInt32 = 0
    for e in ends {
      guard e >= previous else { return nil }
      previous = e
    }
    guard Int(previous) == bytes.count else { return nil }
    self.bytes = bytes
    self.ends = ends
    self.hashes = hashes
    slots = []
    rebuildSlots(count: 16)
  }

  private mutating func grow() { rebuildSlots(count: slots.count * 2) }

  private mutating func rebuildSlots(count: Int) {
    var n = count
    while n < ends.count * 2 + 2 { n <<= 1 }
    slots = Self.slots(hashes: hashes, count: n)
  }

  /// An open-addressing table of `count` slots (a power of two) holding entry `i` at the first free slot from
  /// `hashes[i]` on (linear probing); -1 marks a free slot.
  static func slots(hashes: [UInt32], count: Int) -> [Int32] {
    var ns = [Int32](repeating: -1, count: count)
    let mask = count - 1
    for (id, h) in hashes.enumerated() {
      var i = Int(h) & mask
      while ns[i] >= 0 { i = (i + 1) & mask }
      ns[i] = Int32(id)
    }
    return ns
  }
}
