import DTCore
import DTHMP
import DTRules
import Foundation

/// The settings a document is checked with: `.dtlint.yaml` found upwards from its directory, then the options the
/// server was started with, resolved exactly as `dtlint check` resolves them.
public struct ProjectSettings: Sendable {
  /// The configuration file that was read, if any.
  public var configPath: String?
  /// Include directories (absolute), defines, preprocessing.
  public var frontEnd: FrontEndOptions
  public var selection: RuleSelection
  public var hmp: HMPContext
  /// The configured base (absolute): overlays are checked against it.
  public var base: String?

  public init(configPath: String?, frontEnd: FrontEndOptions, selection: RuleSelection, hmp: HMPContext, base: String?)
  {
    self.configPath = configPath
    self.frontEnd = frontEnd
    self.selection = selection
    self.hmp = hmp
    self.base = base
  }
}

/// Why the settings of a directory cannot be used (a bad `.dtlint.yaml`, a manifest that does not load), and
/// where, when a file and line are known.
public struct SettingsProblem: Error, Sendable {
  public var message: String
  public var file: String?
  public var line: Int?
  public init(message: String, file: String? = nil, line: Int? = nil) {
    self.message = message
    self.file = file
    self.line = line
  }
}

/// The `.dts`/`.dtso` files of a project that include a `.dtsi`, directly or not.
public protocol IncluderLookup {
  func includers(of path: String) -> [String]
}

/// One source manager and preprocessor cache, shared by every check until the text they hold for edited documents
/// grows too large: then a new generation starts (and every file is read and lexed once more).
final class Generation {
  let sources = SourceManager()
  let cache = PreprocessorCache()
  let suppressions: Suppressions
  /// Bytes of document text registered in this generation.
  var documentBytes = 0
  /// Checked bases, by path.
  var bases: [String: Result<BaseTree, SettingsProblem>] = [:]

  init() {
    suppressions = Suppressions(sources: sources)
  }

  /// Each registration of a document's text also leaves its lexed form in the cache (about ten times the text):
  /// past this much text, a new generation (one full re-read, a first check's time) frees both.
  static let maxDocumentBytes = 8 << 20
}

/// A configured base, loaded as overlay chains need it, with its index for navigation.
struct BaseTree {
  var loaded: LoadedTree
  var index: SyntaxIndex
  var paths: Set<String>
}

/// Canonical form of a path in the source manager: absolute and normalised.
func canonicalPath(_ p: String) -> String {
  p.hasPrefix("/") ? PathDisplay.normalize(p) : PathDisplay.absolute(p, in: FileManager.default.currentDirectoryPath)
}

/// The labels of a tree and the nodes carrying them (the first in pre-order, as dtc resolves them).
func labelPaths(_ tree: DeviceTree) -> [String: String] {
  var out: [String: String] = [:]
  tree.root.traverse(
    enter: { n, _ in
      for l in n.labelEntries where !l.deleted && out[l.name] == nil { out[l.name] = n.path }
    }, exit: { _, _ in })
  return out
}

/// The path `&label`, `&{/path}` or `&{label/sub}` names in a tree with these labels.
func referencePath(_ ref: String, labels: [String: String]) -> String? {
  if ref.hasPrefix("/") { return ref }
  if let slash = ref.firstIndex(of: "/") {
    guard let p = labels[String(ref[..<slash])] else { return nil }
    return (p == "/" ? "" : p) + ref[slash...]
  }
  return labels[ref]
}

/// One check of one tree: what `dtlint check FILE` reports for it, and what the editor features need to answer
/// questions about it (the source's index, the merged tree, the labels).
final class Analysis {
  enum Mode {
    /// A `.dts` (or a `.dtso`/`/plugin/` overlay, against the configured base when there is one).
    case tree
    /// A `.dtsi` no tree includes: read for navigation, not checked.
    case fragmentAlone
  }

  let path: String
  private(set) var mode: Mode
  let settings: ProjectSettings
  let generation: Generation
  var sources: SourceManager { generation.sources }

  /// Every file read (the base's too for an overlay), and their canonical paths.
  var files: [FileID] = []
  var filePaths: Set<String> = []
  /// Findings, after suppression comments.
  var diagnostics: [Diagnostic] = []
  /// Problems without a position in a source (shown at the top of the main file).
  var unlocated: [(Severity, String)] = []
  var parsed: ParsedSource?
  /// The tree values are read from: the compiled tree, or the base with the overlay applied.
  var tree = DeviceTree()
  /// Labels of the trees references resolve in (the overlay's own, then its base's).
  var labels: [String: String] = [:]
  var index = SyntaxIndex()
  var baseIndex: SyntaxIndex?
  var basePath: String?
  /// Milliseconds the check took.
  var milliseconds = 0.0
  private var vocabularyCache: (labels: [String: String], properties: [String])?
  /// The vocabulary of the previous check, when this one did not parse cleanly (the user is typing).
  var previousVocabulary: (labels: [String: String], properties: [String])?
  /// Settings problems located in another file (a `.dtlint.yaml` line).
  var external: [(path: String, line: Int, message: String)] = []

  init(path: String, mode: Mode, settings: ProjectSettings, generation: Generation) {
    self.path = path
    self.mode = mode
    self.settings = settings
    self.generation = generation
  }

  /// Checks the tree at `path` (its open documents as the editor has them).
  func run() {
    let started = DispatchTime.now().uptimeNanoseconds
    defer { milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6 }
    // Deep trees recurse in the front end and in the rules: on a large stack, as `check` runs them.
    runWithLargeStack { self.check() }
  }

  private func check() {
    let file: SourceFile
    do {
      file = try sources.load(path: path)
    } catch {
      unlocated.append((.error, "not checked: \(error.reason)"))
      return
    }
    let reader = SourceReader(sources: sources, options: settings.frontEnd, cache: generation.cache)
    let parsed = reader.parse(file: file)
    self.parsed = parsed
    files = parsed.files.isEmpty ? [file.id] : parsed.files
    let ownLabels = labelPaths(parsed.tree)
    labels = ownLabels
    index = SyntaxIndex(tokens: parsed.tokens, plugin: parsed.tree.isPlugin) {
      referencePath($0, labels: ownLabels)
    }

    // A .dtsi that starts with /dts-v1/; is a complete tree of its own.
    if mode == .fragmentAlone && parsed.tokens.first?.kind == .dtsV1 { mode = .tree }
    if mode == .fragmentAlone {
      tree = parsed.tree
      filePaths = Set(files.map { canonicalPath(sources[$0].path) })
      return
    }
    let isOverlay = path.hasSuffix(".dtso") || parsed.tree.isPlugin || SourceScan.hasPluginDirective(file)
    // The configured base is checked without the manifest, as `check` checks it (the manifest describes the
    // system with the overlays applied).
    let isConfiguredBaseWithManifest = settings.base.map(canonicalPath) == path && settings.hmp.manifest != nil
    let runner = CheckRunner(
      reader: reader, registry: .shared, selection: settings.selection, hmp: settings.hmp,
      suppressions: generation.suppressions)

    if isOverlay, let base = settings.base.map(canonicalPath), base != path {
      checkAgainst(base: base, reader: reader, runner: runner, parsed: parsed)
    } else {
      var options = CompileOptions()
      options.stopBeforeGeneratedNodes = true
      let compiled = SourceReader.finish(parsed, options: options)
      tree = compiled.tree
      diagnostics = runner.findings(
        of: compiled.tree, frontEnd: compiled.diagnostics, input: .source, files: files,
        withoutManifest: isConfiguredBaseWithManifest)
      if isOverlay && settings.base == nil {
        unlocated.append(
          (
            .note,
            "an overlay checked without a base: targets and cell sizes are unknown, so dtc's fragment warnings "
              + "are expected; set base: in .dtlint.yaml to check it against its base"
          ))
      }
    }
    filePaths = Set(files.map { canonicalPath(sources[$0].path) })
    if parsed.inputFailure { reportStopped(parsed, main: file) }
  }

  /// A source that could not be read completely because of a file it includes (a missing header, a `#error` in a
  /// .dtsi): the tree was not checked, and the main file says so at the `#include` that led there, so the document
  /// is not silently clean.
  private func reportStopped(_ parsed: ParsedSource, main: SourceFile) {
    guard let first = parsed.diagnostics.first(where: { $0.severity == .error }), let r = first.range,
      r.file != main.id
    else { return }
    let f = sources[r.file]
    let message = "not checked: \(first.message) (in \(f.path):\(f.lineColumn(at: r.start).line))"
    let contexts = parsed.text?.contexts ?? []
    var file = r.file
    for _ in 0..<contexts.count {
      guard
        let at = contexts.lazy.compactMap({ c -> SourceRange? in
          if case .file(let id, let inc?) = c.kind, id == file { return inc }
          return nil
        }).first
      else { break }
      if at.file == main.id {
        diagnostics.append(Diagnostic(rule: "input", severity: .error, message: message, range: at))
        return
      }
      file = at.file
    }
    unlocated.append((.error, message))
  }

  /// An overlay applied to the configured base with libfdt, as `check` does for overlays when `base:` is set:
  /// only findings in the overlay are reported.
  private func checkAgainst(base: String, reader: SourceReader, runner: CheckRunner, parsed: ParsedSource) {
    basePath = base
    let loadedBase: BaseTree
    switch Self.base(base, reader: reader, generation: generation) {
    case .success(let b): loadedBase = b
    case .failure(let p):
      unlocated.append((.error, "not checked against the base \(base): \(p.message)"))
      return
    }
    baseIndex = loadedBase.index
    if loadedBase.loaded.inputFailure || loadedBase.loaded.refused {
      let count = loadedBase.loaded.diagnostics.count { $0.severity == .error }
      unlocated.append(
        (.error, "not checked: the base \(base) does not compile (\(count) error\(count == 1 ? "" : "s"))"))
      files += loadedBase.loaded.files
      return
    }
    let chain: AppliedChain
    do {
      chain = try reader.applyChain(base: loadedBase.loaded, basePath: base, overlays: [path])
    } catch {
      unlocated.append((.error, "not checked: " + InputAdvice.explain(error)))
      return
    }
    let overlayFiles = chain.overlays.flatMap { $0.files }
    var seen = Set<FileID>()
    files = (files + overlayFiles + chain.base.files).filter { seen.insert($0).inserted }
    diagnostics = runner.findings(of: chain, onlyOverlay: true)
    tree = chain.merged ?? chain.base.tree
    // References in the overlay resolve in its own labels first, then in the base's.
    labels = labelPaths(chain.base.tree).merging(labels) { _, own in own }
    // Fragments land where their targets are in the base: the index names those nodes by their base paths.
    var landing: [String: String] = [:]
    for f in chain.overlays.first?.fragments ?? [] {
      if let to = f.resolvedPath { landing[f.node.path + "/__overlay__"] = to }
    }
    func mapped(_ p: String?) -> String? {
      guard let p else { return nil }
      for (from, to) in landing where p == from || p.hasPrefix(from + "/") {
        return (to == "/" ? "" : to) + p.dropFirst(from.count)
      }
      return p
    }
    for i in index.blocks.indices { index.blocks[i].path = mapped(index.blocks[i].path) }
    for i in index.properties.indices { index.properties[i].path = mapped(index.properties[i].path) }
    for i in index.labels.indices { index.labels[i].path = mapped(index.labels[i].path) }
  }

  /// The configured base, loaded once per generation until one of its files is edited.
  static func base(_ path: String, reader: SourceReader, generation: Generation) -> Result<BaseTree, SettingsProblem> {
    if let b = generation.bases[path] { return b }
    let result: Result<BaseTree, SettingsProblem>
    do {
      let loaded = try reader.loadBase(path: path)
      var index = SyntaxIndex()
      if loaded.kind == .source, let file = try? reader.sources.load(path: path) {
        let parsed = reader.parse(file: file)
        let baseLabels = labelPaths(loaded.tree)
        index = SyntaxIndex(tokens: parsed.tokens, plugin: false) { referencePath($0, labels: baseLabels) }
      }
      let paths = Set(loaded.files.map { canonicalPath(reader.sources[$0].path) } + [path])
      result = .success(BaseTree(loaded: loaded, index: index, paths: paths))
    } catch {
      result = .failure(SettingsProblem(message: InputAdvice.explain(error), file: path))
    }
    generation.bases[path] = result
    return result
  }

  // MARK: - Questions

  /// The file IDs this analysis read for a document path.
  func fileIDs(for path: String) -> Set<FileID> {
    Set(files.filter { canonicalPath(sources[$0].path) == path })
  }

  /// Labels (with the paths of their nodes) and property names of the tree, for completion; with those of the
  /// previous check when this one did not parse cleanly, so that half-typed text does not empty the list.
  func vocabulary() -> (labels: [String: String], properties: [String]) {
    if let v = vocabularyCache { return v }
    var names = Set<String>()
    tree.root.traverse(enter: { n, _ in for p in n.liveProperties { names.insert(p.name) } }, exit: { _, _ in })
    var all = labels
    if let p = previousVocabulary {
      all.merge(p.labels) { now, _ in now }
      names.formUnion(p.properties)
    }
    let v = (all, names.sorted())
    vocabularyCache = v
    return v
  }

  /// Whether the source parsed without syntax errors.
  var parsedCleanly: Bool {
    guard let parsed else { return false }
    return !parsed.inputFailure && !parsed.hasErrors
  }
}
