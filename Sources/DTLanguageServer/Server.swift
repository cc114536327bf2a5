import DTCore
import DTRules
import Foundation

/// An error answered to a request: a JSON-RPC error code and a message.
struct RequestError: Error {
  var code: Int
  var message: String

  static let parseError = -32700
  static let invalidRequest = -32600
  static let methodNotFound = -32601
  static let invalidParams = -32602
  static let internalError = -32603
  static let serverNotInitialized = -32002

  static func invalidParams(_ m: String) -> RequestError { RequestError(code: invalidParams, message: m) }
}

/// `dtlint lsp`: the Language Server Protocol over a pair of file descriptors (stdin and stdout), one message at
/// a time on the calling thread.
///
/// Open documents are given to the source manager as overrides, so what is checked is the text in the editor,
/// including an edited `.dtsi` read through the trees that include it. An edit marks the checks that read the
/// document; they run once no more input is waiting (a burst of keystrokes is one check), or before a request about
/// the document is answered. Files and their lexed form stay cached between checks: a re-check preprocesses again
/// only what changed.
public final class LanguageServer {
  /// The settings of documents in a directory.
  public typealias SettingsProvider = (_ directory: String) -> Result<ProjectSettings, SettingsProblem>
  /// An index of the trees under `root` that include a file (see `IncluderLookup`).
  public typealias IncluderIndexFactory = (_ root: String, _ includePaths: [String]) -> any IncluderLookup

  /// At most this many trees check a `.dtsi` (open ones first, then the includers in path order).
  public static let maxIncluderTrees = 4

  let settingsFor: SettingsProvider
  let makeIncluderIndex: IncluderIndexFactory
  let version: String
  let writer: MessageWriter
  let log: (String) -> Void

  var initialized = false
  var shutdownRequested = false
  /// Set by `exit`: the process ends with this status.
  var exitStatus: Int32?
  var workspaceFolders: [String] = []

  struct Document {
    var uri: String
    var path: String
    var version: Int?
    var text: [UInt8]
  }
  var documents: [String: Document] = [:]

  struct AnalysisKey: Hashable, Comparable {
    var path: String
    var alone: Bool
    static func < (a: AnalysisKey, b: AnalysisKey) -> Bool { (a.path, a.alone ? 1 : 0) < (b.path, b.alone ? 1 : 0) }
  }

  var generation = Generation()
  var settingsCache: [String: Result<ProjectSettings, SettingsProblem>] = [:]
  var includerIndexes: [String: any IncluderLookup] = [:]
  /// The checks each open document is seen through.
  var documentAnalyses: [String: [AnalysisKey]] = [:]
  var analyses: [AnalysisKey: Analysis] = [:]
  var dirty: Set<AnalysisKey> = []
  /// What was last published, by path.
  var published: [String: JSONValue] = [:]
  /// Modification time and size of the files on disk the checks read (and of the configuration files), to notice
  /// when another program changes them.
  var stamps: [String: FileStamp] = [:]

  struct FileStamp: Equatable {
    var seconds: Int
    var nanoseconds: Int
    var size: Int

    init?(_ path: String) {
      var st = stat()
      guard stat(path, &st) == 0 else { return nil }
      seconds = Int(st.st_mtim.tv_sec)
      nanoseconds = Int(st.st_mtim.tv_nsec)
      size = Int(st.st_size)
    }
  }

  public init(
    settings: @escaping SettingsProvider, includers: @escaping IncluderIndexFactory, version: String,
    output: Int32 = STDOUT_FILENO, log: @escaping (String) -> Void = { _ in }
  ) {
    self.settingsFor = settings
    self.makeIncluderIndex = includers
    self.version = version
    self.writer = MessageWriter(fileDescriptor: output)
    self.log = log
  }

  /// Serves until `exit` or the end of the input; returns the exit status (0 after `shutdown` then `exit`).
  public func run(input: Int32 = STDIN_FILENO) -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    let reader = MessageReader(fileDescriptor: input)
    while true {
      while let frame = reader.next() {
        handle(frame)
        if let s = exitStatus { return s }
      }
      if reader.atEnd { break }
      if !dirty.isEmpty {
        // Input first: a burst of edits becomes one check.
        if reader.fill(wait: false) { continue }
        checkDirty()
        continue
      }
      reader.fill(wait: true)
    }
    log("the input ended without an exit notification")
    return 1
  }

  // MARK: - Messages

  func handle(_ frame: MessageReader.Frame) {
    switch frame {
    case .malformed(let why):
      log("malformed input: \(why)")
      sendError(id: .null, RequestError(code: RequestError.parseError, message: why))
    case .message(let body):
      let message: JSONValue
      do {
        message = try JSONReader.parse(body)
      } catch {
        log("malformed message: \(error)")
        sendError(id: .null, RequestError(code: RequestError.parseError, message: error.description))
        return
      }
      dispatch(message)
    }
  }

  func dispatch(_ message: JSONValue) {
    guard case .object(let o) = message else {
      sendError(id: .null, RequestError(code: RequestError.invalidRequest, message: "a message must be a JSON object"))
      return
    }
    let id = o["id"]
    if let id {
      switch id {
      case .int, .string: break
      default:
        sendError(
          id: .null,
          RequestError(code: RequestError.invalidRequest, message: "a request id must be a number or a string"))
        return
      }
    }
    guard let method = o["method"]?.stringValue else {
      // A response to a request of ours (none is sent) or nonsense.
      if id == nil || (o["result"] == nil && o["error"] == nil) {
        sendError(id: id ?? .null, RequestError(code: RequestError.invalidRequest, message: "no method"))
      }
      return
    }
    let params = o["params"] ?? .null
    if let id {
      let result: JSONValue
      do {
        result = try request(method, params)
      } catch {
        sendError(id: id, error)
        return
      }
      writer.send(.object(["jsonrpc": .string("2.0"), "id": id, "result": result]))
    } else {
      notification(method, params)
    }
  }

  func sendError(id: JSONValue, _ e: RequestError) {
    writer.send(
      .object([
        "jsonrpc": .string("2.0"), "id": id,
        "error": .object(["code": .int(e.code), "message": .string(e.message)]),
      ]))
  }

  func notify(_ method: String, _ params: JSONValue) {
    writer.send(.object(["jsonrpc": .string("2.0"), "method": .string(method), "params": params]))
  }

  func request(_ method: String, _ params: JSONValue) throws(RequestError) -> JSONValue {
    if method == "initialize" {
      guard !initialized else {
        throw RequestError(code: RequestError.invalidRequest, message: "initialize was already received")
      }
      return initialize(params)
    }
    guard initialized else {
      throw RequestError(code: RequestError.serverNotInitialized, message: "the server is not initialized yet")
    }
    guard !shutdownRequested else {
      throw RequestError(code: RequestError.invalidRequest, message: "the server is shutting down")
    }
    switch method {
    case "shutdown":
      shutdownRequested = true
      return .null
    case "textDocument/definition": return try definition(params)
    case "textDocument/references": return try references(params)
    case "textDocument/hover": return try hover(params)
    case "textDocument/documentSymbol": return try documentSymbols(params)
    case "textDocument/completion": return try completion(params)
    case "textDocument/codeAction": return try codeActions(params)
    default:
      throw RequestError(code: RequestError.methodNotFound, message: "method not supported: \(method)")
    }
  }

  func notification(_ method: String, _ params: JSONValue) {
    if method == "exit" {
      exitStatus = shutdownRequested ? 0 : 1
      return
    }
    guard initialized, !shutdownRequested else { return }
    switch method {
    case "textDocument/didOpen": didOpen(params)
    case "textDocument/didChange": didChange(params)
    case "textDocument/didSave": didSave(params)
    case "textDocument/didClose": didClose(params)
    case "workspace/didChangeWatchedFiles", "workspace/didChangeConfiguration": startOver()
    default: break  // initialized, $/cancelRequest, $/setTrace …: nothing to do
    }
  }

  func initialize(_ params: JSONValue) -> JSONValue {
    initialized = true
    for f in params["workspaceFolders"]?.arrayValue ?? [] {
      if let p = f["uri"]?.stringValue.flatMap(FileURI.path) { workspaceFolders.append(p) }
    }
    if workspaceFolders.isEmpty, let p = params["rootUri"]?.stringValue.flatMap(FileURI.path) {
      workspaceFolders.append(p)
    } else if workspaceFolders.isEmpty, let p = params["rootPath"]?.stringValue, p.hasPrefix("/") {
      workspaceFolders.append(PathDisplay.normalize(p))
    }
    return .object([
      "capabilities": .object([
        "positionEncoding": .string("utf-16"),
        "textDocumentSync": .object([
          "openClose": .bool(true), "change": .int(2), "save": .object(["includeText": .bool(false)]),
        ]),
        "definitionProvider": .bool(true),
        "referencesProvider": .bool(true),
        "hoverProvider": .bool(true),
        "documentSymbolProvider": .bool(true),
        "completionProvider": .object(["triggerCharacters": .array([.string("&")]), "resolveProvider": .bool(false)]),
        "codeActionProvider": .object(["codeActionKinds": .array([.string("quickfix")])]),
      ]),
      "serverInfo": .object(["name": .string("dtlint"), "version": .string(version)]),
    ])
  }

  // MARK: - Documents

  static func isDeviceTree(_ path: String) -> Bool {
    path.hasSuffix(".dts") || path.hasSuffix(".dtsi") || path.hasSuffix(".dtso")
  }

  func textDocument(_ params: JSONValue) throws(RequestError) -> (uri: String, path: String) {
    guard let uri = params["textDocument"]?["uri"]?.stringValue else {
      throw .invalidParams("textDocument.uri is missing")
    }
    guard let path = FileURI.path(uri) else { throw .invalidParams("not a file: URI: \(uri)") }
    return (uri, path)
  }

  func didOpen(_ params: JSONValue) {
    guard let doc = try? textDocument(params), let text = params["textDocument"]?["text"]?.stringValue else {
      log("didOpen without a document or its text")
      return
    }
    documents[doc.path] = Document(
      uri: doc.uri, path: doc.path, version: params["textDocument"]?["version"]?.intValue, text: Array(text.utf8))
    guard Self.isDeviceTree(doc.path) else { return }
    register(doc.path)
    documentAnalyses[doc.path] = analysesFor(doc.path)
    touch(doc.path)
  }

  func didChange(_ params: JSONValue) {
    guard let doc = try? textDocument(params), var d = documents[doc.path] else { return }
    for change in params["contentChanges"]?.arrayValue ?? [] {
      guard let text = change["text"]?.stringValue else { continue }
      if let range = change["range"], let start = LSPPosition(range["start"]), let end = LSPPosition(range["end"]) {
        let file = SourceFile(id: FileID(0), path: d.path, bytes: d.text)
        let s = Int(file.offset(at: start))
        let e = max(s, Int(file.offset(at: end)))
        d.text.replaceSubrange(s..<e, with: Array(text.utf8))
      } else {
        d.text = Array(text.utf8)
      }
    }
    d.version = params["textDocument"]?["version"]?.intValue ?? d.version
    documents[doc.path] = d
    guard Self.isDeviceTree(doc.path) else { return }
    register(doc.path)
    touch(doc.path)
  }

  func didSave(_ params: JSONValue) {
    guard let doc = try? textDocument(params) else { return }
    if doc.path.hasSuffix("/" + Configuration.fileName) {
      startOver()
      return
    }
    guard Self.isDeviceTree(doc.path) else { return }
    // Includes may have changed: find the includers of .dtsi documents again.
    includerIndexes = [:]
    for p in documents.keys where Self.isDeviceTree(p) {
      let now = analysesFor(p)
      if now != documentAnalyses[p] {
        documentAnalyses[p] = now
        for k in now where analyses[k] == nil { dirty.insert(k) }
      }
    }
    touch(doc.path)
  }

  func didClose(_ params: JSONValue) {
    guard let doc = try? textDocument(params), documents.removeValue(forKey: doc.path) != nil else { return }
    documentAnalyses[doc.path] = nil
    generation.sources.setOverride(path: doc.path, bytes: nil)
    generation.bases = generation.bases.filter { (_, b) in (try? b.get().paths.contains(doc.path)) != true }
    // Checks that read the document read the file on disk again; checks no open document needs go.
    touch(doc.path)
    let needed = Set(documentAnalyses.values.joined())
    var gone: Set<String> = []
    for (k, a) in analyses where !needed.contains(k) {
      gone.formUnion(diagnosticPaths(a))
      analyses[k] = nil
      dirty.remove(k)
    }
    gone.insert(doc.path)
    publish(paths: gone)
  }

  /// Gives the document's text to the source manager (a new generation when the old one holds too much).
  func register(_ path: String) {
    guard let d = documents[path] else { return }
    generation.documentBytes += d.text.count
    if generation.documentBytes > Generation.maxDocumentBytes {
      log("starting a new cache generation (\(generation.documentBytes >> 20) MB of document text)")
      generation = Generation()
      for doc in documents.values where Self.isDeviceTree(doc.path) {
        generation.sources.setOverride(path: doc.path, bytes: doc.text)
      }
      dirty.formUnion(analyses.keys)
      return
    }
    generation.sources.setOverride(path: path, bytes: d.text)
  }

  /// Marks the checks that read `path` (and those of its document) to run again.
  func touch(_ path: String) {
    for (k, a) in analyses where a.filePaths.contains(path) || k.path == path { dirty.insert(k) }
    for k in documentAnalyses[path] ?? [] { dirty.insert(k) }
    generation.bases = generation.bases.filter { (_, b) in (try? b.get().paths.contains(path)) != true }
  }

  /// Settings, includers and caches read again: a configuration file changed, or files on disk did.
  func startOver() {
    settingsCache = [:]
    includerIndexes = [:]
    generation = Generation()
    for doc in documents.values where Self.isDeviceTree(doc.path) {
      generation.sources.setOverride(path: doc.path, bytes: doc.text)
    }
    for p in documents.keys where Self.isDeviceTree(p) { documentAnalyses[p] = analysesFor(p) }
    dirty.formUnion(analyses.keys)
    for ks in documentAnalyses.values { dirty.formUnion(ks) }
  }

  func settings(forDirectory dir: String) -> Result<ProjectSettings, SettingsProblem> {
    if let s = settingsCache[dir] { return s }
    let s = settingsFor(dir)
    settingsCache[dir] = s
    return s
  }

  static func directory(of path: String) -> String { PathDisplay.normalize(path + "/..") }

  /// The checks a document is seen through: its own tree, or for a `.dtsi` the trees that include it (open ones
  /// first), or the `.dtsi` alone when none does.
  func analysesFor(_ path: String) -> [AnalysisKey] {
    guard path.hasSuffix(".dtsi") else { return [AnalysisKey(path: path, alone: false)] }
    var trees: [String] = []
    for (k, a) in analyses.sorted(by: { $0.key < $1.key })
    where !k.alone && documents[k.path] != nil && a.filePaths.contains(path) {
      trees.append(k.path)
    }
    if case .success(let s) = settings(forDirectory: Self.directory(of: path)) {
      let root = projectRoot(of: path, settings: s)
      let index: any IncluderLookup
      if let i = includerIndexes[root] {
        index = i
      } else {
        let started = DispatchTime.now().uptimeNanoseconds
        index = makeIncluderIndex(root, s.frontEnd.includePaths)
        includerIndexes[root] = index
        log("indexed the includes under \(root) in \((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000) ms")
      }
      for t in index.includers(of: path) where !trees.contains(t) { trees.append(t) }
    }
    if trees.isEmpty { return [AnalysisKey(path: path, alone: true)] }
    return trees.prefix(Self.maxIncluderTrees).map { AnalysisKey(path: $0, alone: false) }
  }

  /// Where the includers of a `.dtsi` are looked for: the configuration's directory, else the workspace folder
  /// holding the file, else its directory.
  func projectRoot(of path: String, settings: ProjectSettings) -> String {
    if let c = settings.configPath { return Self.directory(of: canonicalPath(c)) }
    if let f = workspaceFolders.filter({ path.hasPrefix($0 + "/") }).max(by: { $0.count < $1.count }) { return f }
    return Self.directory(of: path)
  }

  // MARK: - Checking and publishing

  /// Files another program changed since the checks read them (a `git checkout`, a build): forgotten, so the
  /// checks that read them run again; a changed configuration file starts everything over.
  func refreshFromDisk() {
    var configs = Set<String>()
    for case .success(let s) in settingsCache.values { if let c = s.configPath { configs.insert(canonicalPath(c)) } }
    var read = Set<String>()
    for a in analyses.values { read.formUnion(a.filePaths) }
    read.subtract(documents.keys)
    var changed: [String] = []
    for p in read.union(configs) {
      let now = FileStamp(p)
      if let before = stamps[p], before != now { changed.append(p) }
      stamps[p] = now
    }
    guard !changed.isEmpty else { return }
    log("changed on disk: \(changed.sorted().joined(separator: ", "))")
    if changed.contains(where: configs.contains) {
      startOver()
      return
    }
    includerIndexes = [:]
    for p in changed {
      generation.sources.setOverride(path: p, bytes: nil)
      touch(p)
    }
  }

  /// Runs the checks marked dirty that an open document needs, then publishes what changed.
  func checkDirty(only wanted: Set<AnalysisKey>? = nil) {
    refreshFromDisk()
    let needed = Set(documentAnalyses.values.joined())
    var run = dirty.intersection(needed)
    if let wanted { run.formIntersection(wanted) }
    dirty.subtract(run)
    guard !run.isEmpty else { return }
    var paths: Set<String> = []
    for k in run.sorted() {
      if let old = analyses[k] { paths.formUnion(diagnosticPaths(old)) }
      let a = check(k)
      if !a.parsedCleanly, let old = analyses[k] { a.previousVocabulary = old.vocabulary() }
      analyses[k] = a
      paths.formUnion(diagnosticPaths(a))
      paths.insert(k.path)
      for p in a.filePaths where stamps[p] == nil && documents[p] == nil { stamps[p] = FileStamp(p) }
    }
    // Open documents seen through these checks get their diagnostics again even when unchanged (with the version).
    for (p, ks) in documentAnalyses where !run.isDisjoint(with: ks) { paths.insert(p) }
    publish(paths: paths, always: Set(documentAnalyses.filter { !run.isDisjoint(with: $0.value) }.keys))
  }

  func check(_ k: AnalysisKey) -> Analysis {
    switch settings(forDirectory: Self.directory(of: k.path)) {
    case .failure(let p):
      let a = Analysis(
        path: k.path, mode: .tree,
        settings: ProjectSettings(
          configPath: nil, frontEnd: FrontEndOptions(), selection: RuleSelection(), hmp: .defaults, base: nil),
        generation: generation)
      a.unlocated.append((.error, "not checked: \(p.message)"))
      if let f = p.file, let l = p.line { a.external.append((canonicalPath(f), l, p.message)) }
      log("\(k.path): not checked: \(p.message)")
      return a
    case .success(let s):
      let a = Analysis(path: k.path, mode: k.alone ? .fragmentAlone : .tree, settings: s, generation: generation)
      a.run()
      log(
        "checked \(k.path) in \(String(format: "%.1f", a.milliseconds)) ms (\(a.diagnostics.count) findings, "
          + "\(generation.cache.filesLexed) files lexed in this generation)")
      return a
    }
  }

  /// Paths an analysis has something to say about.
  func diagnosticPaths(_ a: Analysis) -> Set<String> {
    var out: Set<String> = [a.path]
    for d in a.diagnostics { if let r = d.range { out.insert(canonicalPath(a.sources[r.file].path)) } }
    for e in a.external { out.insert(e.path) }
    return out
  }

  func uri(for path: String) -> String { documents[path]?.uri ?? FileURI.uri(path) }

  /// Publishes the diagnostics of `paths`, gathered from every check (each finding once), when they changed or
  /// the path is in `always`.
  func publish(paths: Set<String>, always: Set<String> = []) {
    for path in paths.sorted() {
      var items: [JSONValue] = []
      var seen = Set<JSONValue>()
      for (_, a) in analyses.sorted(by: { $0.key < $1.key }) {
        for d in lspDiagnostics(of: a, in: path) where seen.insert(d).inserted { items.append(d) }
      }
      let value = JSONValue.array(items)
      if published[path] ?? .array([]) == value && !always.contains(path) { continue }
      if items.isEmpty { published[path] = nil } else { published[path] = value }
      var params: [String: JSONValue] = ["uri": .string(uri(for: path)), "diagnostics": value]
      if let v = documents[path]?.version { params["version"] = .int(v) }
      notify("textDocument/publishDiagnostics", .object(params))
    }
  }

  static func severity(_ s: Severity) -> JSONValue {
    switch s {
    case .error: .int(1)
    case .warning: .int(2)
    case .note: .int(3)
    }
  }

  /// A location in the protocol's terms.
  func location(_ r: SourceRange, in sources: SourceManager) -> JSONValue {
    let f = sources[r.file]
    return .object(["uri": .string(uri(for: canonicalPath(f.path))), "range": f.lspRange(r)])
  }

  func lspDiagnostic(_ d: Diagnostic, in sources: SourceManager) -> JSONValue? {
    guard let r = d.range else { return nil }
    var message = d.message
    var related: [JSONValue] = []
    for n in d.notes {
      if let nr = n.range {
        related.append(.object(["location": location(nr, in: sources), "message": .string(n.message)]))
      } else {
        message += "\nnote: \(n.message)"
      }
    }
    var o: [String: JSONValue] = [
      "range": sources[r.file].lspRange(r), "severity": Self.severity(d.severity), "code": .string(d.rule),
      "source": .string("dtlint"), "message": .string(message),
    ]
    if !related.isEmpty { o["relatedInformation"] = .array(related) }
    return .object(o)
  }

  /// The protocol diagnostics of one check located in `path`; problems without a position go to the top of the
  /// checked file.
  func lspDiagnostics(of a: Analysis, in path: String) -> [JSONValue] {
    var out: [JSONValue] = []
    let top = JSONValue.object([
      "start": LSPPosition(line: 0, character: 0).json, "end": LSPPosition(line: 0, character: 0).json,
    ])
    func atTop(_ s: Severity, _ message: String, code: String) -> JSONValue {
      .object([
        "range": top, "severity": Self.severity(s), "code": .string(code), "source": .string("dtlint"),
        "message": .string(message),
      ])
    }
    for d in a.diagnostics {
      if let r = d.range {
        if canonicalPath(a.sources[r.file].path) == path, let v = lspDiagnostic(d, in: a.sources) { out.append(v) }
      } else if a.path == path {
        let at = d.nodePath.map { " (at \($0)\(d.property.map { ":" + $0 } ?? ""))" } ?? ""
        out.append(atTop(d.severity, d.message + at, code: d.rule))
      }
    }
    if a.path == path {
      for (s, m) in a.unlocated { out.append(atTop(s, m, code: "input")) }
      if a.mode == .fragmentAlone {
        out.append(
          atTop(
            .note,
            "not checked: no .dts or .dtso under the project includes this file (a .dtsi alone is not a complete "
              + "tree); open or create a tree that includes it",
            code: "input"))
      }
    }
    for e in a.external where e.path == path {
      let p = LSPPosition(line: max(0, e.line - 1), character: 0).json
      out.append(
        .object([
          "range": .object(["start": p, "end": p]), "severity": .int(1), "code": .string("configuration"),
          "source": .string("dtlint"), "message": .string(e.message),
        ]))
    }
    return out
  }
}
