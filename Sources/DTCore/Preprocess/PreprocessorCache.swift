import Synchronization

/// Identifier interning: every identifier spelling gets a small integer id, shared by all files lexed through the
/// same cache, so macro tables are plain arrays indexed by id.
final class Interner: Sendable {
  private struct State {
    var ids: [[UInt8]: Int32] = [:]
    var names: [String] = []
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
    _ = intern(Self.fixedNames.map { Array($0.utf8) })
  }

  /// Ids for a batch of spellings (one lock).
  func intern(_ spellings: [[UInt8]]) -> [Int32] {
    state.withLock { s in
      spellings.map { sp in
        if let v = s.ids[sp] { return v }
        let v = Int32(s.names.count)
        s.ids[sp] = v
        s.names.append(String(decoding: sp, as: UTF8.self))
        return v
      }
    }
  }

  func intern(_ spelling: ArraySlice<UInt8>) -> Int32 {
    intern([Array(spelling)])[0]
  }

  func name(_ id: Int32) -> String {
    state.withLock { s in id >= 0 && Int(id) < s.names.count ? s.names[Int(id)] : "?" }
  }

  var count: Int { state.withLock { $0.names.count } }
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

  public init() {}

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
      let l = PPLexer.lex(file, interner: interner)
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
