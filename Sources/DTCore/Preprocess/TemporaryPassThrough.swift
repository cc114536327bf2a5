// TEMPORARY until the preprocessor lands: passes the file through unchanged.
public struct PreprocessorOptions: Sendable {
  public var includePaths: [String]
  public var defines: [(name: String, value: String?)]
  public init(includePaths: [String] = [], defines: [(name: String, value: String?)] = []) {
    self.includePaths = includePaths
    self.defines = defines
  }
}
public final class PreprocessorCache: Sendable { public init() {} }
public final class Preprocessor {
  let sources: SourceManager
  public init(sources: SourceManager, options: PreprocessorOptions, cache: PreprocessorCache? = nil) {
    self.sources = sources
  }
  public func preprocess(_ file: SourceFile) -> PreprocessedSource { .raw(file) }
}
