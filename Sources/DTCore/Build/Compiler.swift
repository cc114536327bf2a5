/// Options shared by every command that reads device-tree sources.
public struct FrontEndOptions: Sendable {
  /// `-I`: searched by `#include`, `/include/` and `/incbin/`.
  public var includePaths: [String] = []
  /// `-D NAME[=VALUE]` for the preprocessor (`__DTS__` is always defined).
  public var defines: [(name: String, value: String?)] = []
  /// Run the built-in C preprocessor on `.dts`/`.dtsi`/`.dtso` input (the kernel always does).
  public var preprocess = true
  public var limits = FrontEndLimits()
  /// Lexed headers kept on disk between runs (nil: every file is lexed; `--no-cache`).
  public var lexCache: LexCache?
  public init() {}
}

/// What reading a source produced: the tree as dtc's parser leaves it, plus everything that went wrong.
public struct ParsedSource {
  public var tree: DeviceTree
  public var diagnostics: [Diagnostic]
  /// True when the input could not be read at all (missing include, unreadable file, limit): exit 2.
  public var inputFailure: Bool
  /// True when there were syntax (or other parse-time) errors: dtc refuses such input.
  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
  public var text: PreprocessedSource?
  /// Every source file read (main file first).
  public var files: [FileID]
  /// The tokens the parser read, positioned in the original files (empty when the lexer stopped).
  public var tokens = TokenList()
}

/// Reads `.dts` sources: preprocess → lex → parse, with dtc's merge semantics.
public struct SourceReader: Sendable {
  public let sources: SourceManager
  public let options: FrontEndOptions
  public let cache: PreprocessorCache

  /// `cache` nil: a new one, with the disk cache of `options`, sharing includes between the files read (recorded
  /// from the second file on: reading one file records nothing).
  public init(sources: SourceManager, options: FrontEndOptions, cache: PreprocessorCache? = nil) {
    self.sources = sources
    self.options = options
    self.cache = cache ?? PreprocessorCache(disk: options.lexCache, sharesIncludes: true, firstRecordingUnit: 2)
  }

  /// Parses the file at `path`. Errors reading the main file are thrown; everything else is in the result.
  public func parse(path: String) throws(SourceError) -> ParsedSource {
    let file = try sources.load(path: path, accept: .regularFileOrStream)
    return parse(file: file)
  }

  public func parse(file: SourceFile) -> ParsedSource {
    var text: PreprocessedSource
    if options.preprocess {
      var ppOptions = PreprocessorOptions(includePaths: options.includePaths, defines: options.defines)
      ppOptions.defines.insert((name: "__DTS__", value: "1"), at: 0)
      text = Preprocessor(sources: sources, options: ppOptions, cache: cache).preprocess(file)
    } else {
      text = .raw(file)
    }
    var diagnostics = text.diagnostics
    if text.fatal {
      return ParsedSource(
        tree: DeviceTree(), diagnostics: diagnostics, inputFailure: true, text: text, files: text.files)
    }
    var lexer = Lexer(sources: sources, searchPaths: options.includePaths, limits: options.limits)
    var parser = Parser(
      tokens: TokenList(), sources: sources, searchPaths: options.includePaths, limits: options.limits, file: file.id)
    // Nesting recurses in the parser: give it a stack sized for the input limits, whatever thread calls us.
    runWithLargeStack {
      lexer.run(text, directory: Lexer.directory(of: file.path))
      if lexer.fatal { return }
      parser = Parser(
        tokens: lexer.tokens, sources: sources, searchPaths: options.includePaths, limits: options.limits,
        file: file.id)
      parser.parseFile()
    }
    diagnostics += lexer.diagnostics
    let files = text.files + lexer.includedFiles
    if lexer.fatal {
      return ParsedSource(
        tree: DeviceTree(), diagnostics: diagnostics, inputFailure: !lexer.stoppedBySyntax, text: text, files: files)
    }
    diagnostics += parser.diagnostics.map { Self.withMacroNotes($0, text: text) }
    let tree = DeviceTree(root: parser.root ?? Node(name: ""), reserves: parser.reserves, isPlugin: parser.isPlugin)
    tree.bootCPUID = Self.guessBootCPU(tree)
    return ParsedSource(
      tree: tree, diagnostics: diagnostics, inputFailure: parser.fatal, text: text, files: files,
      tokens: lexer.tokens)
  }

  /// A syntax error in text a macro produced is shown at the macro's invocation; a note for each macro the text
  /// came through points at its `#define`, where the mistake usually is.
  static func withMacroNotes(_ d: Diagnostic, text: PreprocessedSource) -> Diagnostic {
    guard d.rule == "syntax", let r = d.range else { return d }
    guard
      let segment = text.segments.first(where: {
        !$0.verbatim && $0.file == r.file && $0.srcStart <= r.start && r.end <= $0.srcEnd
      })
    else { return d }
    var out = d
    var context: Int32? = segment.context
    var seen = Set<Int32>()
    while let c = context, Int(c) < text.contexts.count, seen.insert(c).inserted {
      if case .macro(let name, _, let definition) = text.contexts[Int(c)].kind {
        out.notes.append(DiagnosticNote("in the expansion of macro '\(name)', defined here", at: definition))
      }
      context = text.contexts[Int(c)].parent
    }
    return out
  }

  /// dtc's guess: `reg` of the first child of `/cpus`, when it is one cell.
  static func guessBootCPU(_ tree: DeviceTree) -> UInt32 {
    guard let cpus = tree.node(atPath: "/cpus"), let first = cpus.children.first else { return 0 }
    return first.property("reg")?.value.singleCell ?? 0
  }
}

/// Options of `dtlint compile`.
public struct CompileOptions: Sendable {
  /// `-@`: emit `/__symbols__`.
  public var symbols = false
  /// `-b`: boot CPU id for the header (default: guessed from `/cpus` as dtc does).
  public var bootCPU: UInt32?
  /// Stop where dtc runs its checks: after the compile-time checks, reference fixups and `/omit-if-no-ref/`
  /// pruning, before `__symbols__`, `__fixups__` and `__local_fixups__` are generated (and before `-@` gives
  /// every labelled node a phandle). Linting uses this tree; `symbols` still decides which unreferenced labelled
  /// nodes are kept.
  public var stopBeforeGeneratedNodes = false
  public init() {}
}

/// The result of compiling a source to the tree dtc would write.
public struct Compilation {
  public var tree: DeviceTree
  public var diagnostics: [Diagnostic]
  public var inputFailure: Bool
  /// dtc would refuse to write output (syntax error or an error-level check failed).
  public var refused: Bool
}

extension SourceReader {
  /// Parse + dtc's post-parse semantics (error checks, phandles, symbols, fixups).
  public func compile(path: String, options: CompileOptions) throws(SourceError) -> Compilation {
    let parsed = try parse(path: path)
    return Self.finish(parsed, options: options)
  }

  public static func finish(_ parsed: ParsedSource, options: CompileOptions) -> Compilation {
    var diagnostics = parsed.diagnostics
    let tree = parsed.tree
    if parsed.inputFailure || parsed.hasErrors {
      return Compilation(tree: tree, diagnostics: diagnostics, inputFailure: parsed.inputFailure, refused: true)
    }
    if let deep = tree.nodeTooDeep() {
      // Nodes extended through `&label { … }` can nest deeper than any one block of the source did.
      diagnostics.append(
        Diagnostic(
          rule: "syntax", severity: .error, message: DeviceTree.tooDeepMessage, range: deep.nameRange ?? deep.range))
      return Compilation(tree: tree, diagnostics: diagnostics, inputFailure: true, refused: true)
    }
    if let b = options.bootCPU { tree.bootCPUID = b }
    var fixups = TreeFixups(tree: tree)
    if options.stopBeforeGeneratedNodes {
      fixups.runStructuralChecks()
      fixups.runReferenceFixups(symbols: options.symbols)
    } else {
      fixups.run(symbols: options.symbols)
    }
    diagnostics += fixups.diagnostics
    return Compilation(tree: tree, diagnostics: diagnostics, inputFailure: false, refused: fixups.hasErrors)
  }
}
