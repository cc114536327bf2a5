/// What kind of input a file is: decided by content (FDT magic) first, then by extension.
public enum InputKind: Sendable {
  case source  // .dts, .dtsi, .dtso and anything else that is not a blob
  case blob  // .dtb, .dtbo or anything starting with the FDT magic

  public static func detect(path: String, bytes: [UInt8]) -> InputKind {
    if DTBReader.isBlob(bytes) { return .blob }
    // A .dtb/.dtbo without the magic is a damaged blob ("not a device tree blob", exit 2), not a source.
    if path.hasSuffix(".dtb") || path.hasSuffix(".dtbo") { return .blob }
    return .source
  }
}

/// A device tree read from any supported input, with the diagnostics reading it produced.
public struct LoadedTree {
  public var tree: DeviceTree
  public var kind: InputKind
  public var diagnostics: [Diagnostic]
  /// The source could not be read or parsed into a tree (exit 2 for read errors, 1 for syntax errors).
  public var inputFailure: Bool
  public var refused: Bool
  /// Source files read (main file first); empty for a blob.
  public var files: [FileID] = []
}

extension SourceReader {
  /// Loads `path` as a blob (through libfdt) or compiles it as a source (dtc semantics, without `-@`
  /// unless asked).
  public func load(path: String, options: CompileOptions = CompileOptions()) throws(LoadError) -> LoadedTree {
    let file: SourceFile
    do {
      file = try sources.load(path: path, accept: .regularFileOrStream)
    } catch {
      throw LoadError(path: path, reason: error.reason)
    }
    if InputKind.detect(path: path, bytes: file.bytes) == .blob {
      do {
        let tree = try DTBReader.read(file.bytes, path: path)
        return LoadedTree(tree: tree, kind: .blob, diagnostics: [], inputFailure: false, refused: false)
      } catch {
        var e = LoadError(path: path, reason: error.description)
        e.blob = error.kind
        throw e
      }
    }
    let parsed = parse(file: file)
    let c = Self.finish(parsed, options: options)
    return LoadedTree(
      tree: c.tree, kind: .source, diagnostics: c.diagnostics, inputFailure: c.inputFailure, refused: c.refused,
      files: parsed.files)
  }
}

/// An input that could not be read at all (exit 2).
public struct LoadError: Error, CustomStringConvertible, Sendable {
  public var path: String
  public var reason: String
  /// What is wrong with the blob, when the file was read but is not a valid device tree blob.
  public var blob: BlobError.Kind?
  public var description: String { reason.hasPrefix(path) ? reason : "\(path): \(reason)" }
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
}
