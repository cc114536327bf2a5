/// A blob that cannot be read, or overlays that cannot be applied. The message names the file and what is wrong.
public struct BlobError: Error, CustomStringConvertible, Sendable, Equatable {
  public enum Kind: Sendable, Hashable {
    /// Empty, too short for a magic number, or a wrong magic number.
    case notABlob
    /// The file ends before what the header promises.
    case truncated
    /// Header fields that contradict each other or the file (offsets, sizes, overlapping blocks).
    case badHeader
    /// A version libfdt cannot read.
    case badVersion
    /// The structure block is not a well-formed tree (tags, nesting, names, property name offsets).
    case badStructure
    /// Nodes nested deeper than ``DTBReader/maxDepth``.
    case tooDeep
    /// An overlay whose `__fixups__`/`__local_fixups__` point outside its own properties: a malformed input (exit 2),
    /// refused before libfdt, which would read or write out of bounds.
    case malformedOverlay
    /// libfdt could not apply an overlay.
    case overlay
  }

  public var path: String
  public var kind: Kind
  public var reason: String
  /// For an overlay that does not apply: the fragments (`fragment@1`) that failed, in the overlay's order.
  public var fragments: [String] = []

  public init(path: String, kind: Kind, reason: String) {
    self.path = path
    self.kind = kind
    self.reason = reason
  }

  public var description: String { "\(path): \(reason)" }
}
