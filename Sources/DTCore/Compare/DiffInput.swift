/// One side of a comparison, read: a source (`.dts`, `.dtso` as written), a blob, or a base with overlays applied.
public struct DiffInput {
  /// As the user wrote it (`board.dtb+hmp.dtbo`).
  public var spec: String
  /// The files it was made of: one, or a base followed by its overlays.
  public var parts: [String]
  /// The merged tree, with source positions where its parts are sources.
  public var tree: DeviceTree
  /// Non-fatal diagnostics from reading the parts (dtc's warnings and the like).
  public var diagnostics: [Diagnostic]
  /// Whether the tree's values carry their type markers; false for a blob read by ``DiffBlobReader``, whose values
  /// are typed when printed (``TreeDiff/compare(_:_:options:)-(DiffInput,_,_)``).
  public var typesGuessed = true
}

/// An input that cannot be compared: unreadable, not a device tree, a source dtc would refuse, an overlay that
/// does not apply.
public struct DiffInputError: Error, CustomStringConvertible {
  public var spec: String
  public var message: String
  /// The error diagnostics behind it (with positions, for rendering), when there are some.
  public var diagnostics: [Diagnostic]
  public var description: String { message }
}

extension SourceReader {
  /// The files a spec names: itself when a file of that name exists, else the `+`-separated parts
  /// (`BASE+OV1+OV2`). nil when a part is empty.
  public static func diffParts(_ spec: String, fileExists: (String) -> Bool = SourceManager.fileExists) -> [String]? {
    if fileExists(spec) || !spec.contains("+") { return [spec] }
    let parts = spec.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
    return parts.contains(where: \.isEmpty) ? nil : parts
  }

  /// Reads one side of a comparison: a single file compiled or read as it is (a `.dtso` is compared as written,
  /// applied to nothing), or a chain `BASE+OV1+…` applied with libfdt (``applyChain(base:overlays:)``).
  public func loadForDiff(_ spec: String) throws(DiffInputError) -> DiffInput {
    guard let parts = Self.diffParts(spec) else {
      throw DiffInputError(
        spec: spec, message: "\(spec): empty part in the chain (expected BASE+OVERLAY+…)", diagnostics: [])
    }
    func errors(_ ds: [Diagnostic]) -> [Diagnostic] { ds.filter { $0.severity == .error } }
    if parts.count == 1 {
      // A blob straight from its bytes when it can be (``DiffBlobReader``); anything else, and every error, as
      // any command reads it.
      if let file = try? sources.load(path: spec, accept: .regularFileOrStream),
        InputKind.detect(path: spec, bytes: file.bytes) == .blob, let tree = DiffBlobReader.read(file.bytes)
      {
        return DiffInput(spec: spec, parts: parts, tree: tree, diagnostics: [], typesGuessed: false)
      }
      let loaded: LoadedTree
      do {
        loaded = try load(path: spec)
      } catch {
        throw DiffInputError(spec: spec, message: error.description, diagnostics: [])
      }
      if loaded.inputFailure {
        throw DiffInputError(spec: spec, message: "\(spec): cannot be read", diagnostics: errors(loaded.diagnostics))
      }
      if loaded.refused {
        throw DiffInputError(
          spec: spec, message: "\(spec): not compared: the source has errors", diagnostics: errors(loaded.diagnostics))
      }
      return DiffInput(spec: spec, parts: parts, tree: loaded.tree, diagnostics: loaded.diagnostics)
    }
    let chain: AppliedChain
    do {
      chain = try applyChain(base: parts[0], overlays: Array(parts.dropFirst()))
    } catch {
      throw DiffInputError(spec: spec, message: error.description, diagnostics: [])
    }
    if chain.inputFailure {
      throw DiffInputError(spec: spec, message: "\(spec): cannot be read", diagnostics: errors(chain.diagnostics))
    }
    if let s = chain.skipped.first {
      let ov = chain.overlays[s.overlay]
      var why = "its target \(s.fragment.targetDescription) is not in the tree it is applied to"
      if s.fragment.targetLabel != nil, chain.base.tree.root.child("__symbols__") == nil {
        why += " (the base has no /__symbols__: compile it with -@)"
      }
      throw DiffInputError(
        spec: spec, message: "\(spec): \(ov.path): \(s.fragment.node.name) does not apply: \(why)",
        diagnostics: [])
    }
    guard !chain.refused, let merged = chain.merged else {
      let reason = errors(chain.diagnostics).first.map { ": " + $0.message } ?? ""
      throw DiffInputError(
        spec: spec, message: "\(spec): the overlays could not be applied\(reason)",
        diagnostics: errors(chain.diagnostics))
    }
    return DiffInput(spec: spec, parts: parts, tree: merged, diagnostics: chain.diagnostics)
  }
}
