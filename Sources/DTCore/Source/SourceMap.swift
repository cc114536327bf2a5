/// Why a run of preprocessed text exists: the file it was read from (and where that file was included),
/// or the macro expansion that produced it.
public struct SourceContext: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// Text read from a file; `includedAt` is the `#include`/`/include/` directive (nil for the main file).
    case file(FileID, includedAt: SourceRange?)
    /// Text produced by expanding `macro`, invoked at `invocation`, defined at `definition`.
    case macro(name: String, invocation: SourceRange, definition: SourceRange?)
  }
  public var kind: Kind
  /// The enclosing context (the includer for a file, the file or outer expansion for a macro).
  public var parent: Int32?
  public init(kind: Kind, parent: Int32?) {
    self.kind = kind
    self.parent = parent
  }
}

/// Maps a byte range of preprocessed output back to the original file.
public struct SourceMapSegment: Sendable, Hashable {
  /// First output byte covered by this segment; the segment extends to the next segment's `outStart`.
  public var outStart: UInt32
  public var file: FileID
  /// Original offset of the segment's first byte.
  public var srcStart: UInt32
  /// For a verbatim segment, output byte `outStart + i` came from `srcStart + i`. Otherwise (macro body text,
  /// stringified or pasted tokens) every byte maps to the whole range `[srcStart, srcEnd)`.
  public var verbatim: Bool
  public var srcEnd: UInt32
  /// Index into ``PreprocessedSource/contexts``.
  public var context: Int32
  public init(outStart: UInt32, file: FileID, srcStart: UInt32, verbatim: Bool, srcEnd: UInt32, context: Int32) {
    self.outStart = outStart
    self.file = file
    self.srcStart = srcStart
    self.verbatim = verbatim
    self.srcEnd = srcEnd
    self.context = context
  }
}

/// The text the DTS lexer reads, plus where every byte of it came from.
public struct PreprocessedSource: Sendable {
  public var bytes: [UInt8]
  /// Sorted by `outStart`; the first segment starts at 0 (when `bytes` is not empty).
  public var segments: [SourceMapSegment]
  public var contexts: [SourceContext]
  /// Problems found while preprocessing (`rule == "preprocessor"`).
  public var diagnostics: [Diagnostic]
  /// True when preprocessing could not finish (missing include, `#error`, limit reached): the output must not be
  /// compiled, and the CLI exits 2.
  public var fatal: Bool
  /// Every file read, the main file first.
  public var files: [FileID]
  /// Output ranges that are an include shared with other units of the run (the DTS lexer reuses its tokens).
  var sharedRegions: [SharedTextRegion] = []

  public init(
    bytes: [UInt8], segments: [SourceMapSegment], contexts: [SourceContext], diagnostics: [Diagnostic] = [],
    fatal: Bool = false, files: [FileID]
  ) {
    self.bytes = bytes
    self.segments = segments
    self.contexts = contexts
    self.diagnostics = diagnostics
    self.fatal = fatal
    self.files = files
  }

  /// A file read as is (no preprocessing): one verbatim segment.
  public static func raw(_ file: SourceFile, includedAt: SourceRange? = nil) -> PreprocessedSource {
    PreprocessedSource(
      bytes: file.bytes,
      segments: [
        SourceMapSegment(
          outStart: 0, file: file.id, srcStart: 0, verbatim: true, srcEnd: UInt32(file.bytes.count), context: 0)
      ],
      contexts: [SourceContext(kind: .file(file.id, includedAt: includedAt), parent: nil)],
      files: [file.id])
  }

  /// Index of the segment containing output offset `out` (binary search).
  public func segmentIndex(containing out: Int) -> Int {
    var lo = 0
    var hi = segments.count - 1
    if hi < 0 { return -1 }
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if Int(segments[mid].outStart) <= out { lo = mid } else { hi = mid - 1 }
    }
    return lo
  }

  /// The original range of output bytes `[start, end)`.
  public func originalRange(start: Int, end: Int) -> SourceRange? {
    let i = segmentIndex(containing: start)
    return i < 0 ? nil : originalRange(start: start, end: end, segment: i)
  }

  /// As ``originalRange(start:end:)`` when the caller already knows the segment of `start`.
  public func originalRange(start: Int, end: Int, segment i: Int) -> SourceRange {
    let seg = segments[i]
    guard seg.verbatim else { return SourceRange(file: seg.file, start: seg.srcStart, end: seg.srcEnd) }
    let s = seg.srcStart &+ UInt32(start - Int(seg.outStart))
    let segEnd = i + 1 < segments.count ? Int(segments[i + 1].outStart) : bytes.count
    if end <= segEnd {
      return SourceRange(file: seg.file, start: s, end: seg.srcStart &+ UInt32(end - Int(seg.outStart)))
    }
    // The range crosses into other segments: extend within the same file when possible.
    let j = segmentIndex(containing: max(start, end - 1))
    let last = segments[j]
    if last.file == seg.file {
      let e: UInt32 =
        last.verbatim ? last.srcStart &+ UInt32(end - Int(last.outStart)) : last.srcEnd
      if e >= s { return SourceRange(file: seg.file, start: s, end: e) }
    }
    return SourceRange(file: seg.file, start: s, end: seg.srcStart &+ UInt32(segEnd - Int(seg.outStart)))
  }

  /// The chain of contexts (innermost first) for the segment containing output offset `out`.
  public func contextChain(at out: Int) -> [SourceContext] {
    let i = segmentIndex(containing: out)
    guard i >= 0 else { return [] }
    var chain: [SourceContext] = []
    var c: Int32? = segments[i].context
    var guardCount = 0
    while let ci = c, ci >= 0, Int(ci) < contexts.count, guardCount < 10_000 {
      chain.append(contexts[Int(ci)])
      c = contexts[Int(ci)].parent
      guardCount += 1
    }
    return chain
  }
}
