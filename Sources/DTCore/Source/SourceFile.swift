import Foundation
import Synchronization

/// Identifies a file loaded into a ``SourceManager``. Stable for the lifetime of the manager.
public struct FileID: Hashable, Sendable, Comparable {
  public let raw: Int32
  public init(_ raw: Int32) { self.raw = raw }
  public static func < (a: FileID, b: FileID) -> Bool { a.raw < b.raw }
}

/// A point in an original file: a byte offset, 0-based. Line and column are computed on demand.
public struct SourceLoc: Hashable, Sendable {
  public var file: FileID
  public var offset: UInt32
  public init(file: FileID, offset: UInt32) {
    self.file = file
    self.offset = offset
  }
}

/// A half-open byte range `[start, end)` in one original file.
public struct SourceRange: Hashable, Sendable {
  public var file: FileID
  public var start: UInt32
  public var end: UInt32
  public init(file: FileID, start: UInt32, end: UInt32) {
    self.file = file
    self.start = start
    self.end = max(start, end)
  }
  public var startLoc: SourceLoc { SourceLoc(file: file, offset: start) }
  /// The smallest range covering both (if they are in the same file; otherwise `self`).
  public func extended(to other: SourceRange) -> SourceRange {
    guard other.file == file else { return self }
    return SourceRange(file: file, start: min(start, other.start), end: max(end, other.end))
  }
}

/// Line and column, both 1-based; the column counts bytes (a tab is one column), as dtc and gcc do.
public struct LineColumn: Hashable, Sendable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var description: String { "\(line):\(column)" }
}

/// One file's bytes and its line table. Immutable once loaded, so it may be shared between threads.
public final class SourceFile: Sendable {
  public let id: FileID
  /// The path as the user or the include directive named it (used in messages).
  public let path: String
  public let bytes: [UInt8]
  /// Byte offset of the first character of each line. A UTF-8 byte order mark opening the file is not part of
  /// the first line (`lineStarts[0]` is 3 then), so columns on line 1 count as if it were not there, as GCC counts.
  public let lineStarts: [UInt32]

  /// The length of the UTF-8 byte order mark (EF BB BF) that `bytes` start with: 3, or 0 when there is none.
  public static func byteOrderMarkLength<C: RandomAccessCollection<UInt8>>(_ bytes: C) -> Int where C.Index == Int {
    let s = bytes.startIndex
    guard bytes.count >= 3, bytes[s] == 0xEF, bytes[s + 1] == 0xBB, bytes[s + 2] == 0xBF else { return 0 }
    return 3
  }

  public init(id: FileID, path: String, bytes: [UInt8]) {
    self.id = id
    self.path = path
    self.bytes = bytes
    var starts: [UInt32] = [UInt32(Self.byteOrderMarkLength(bytes))]
    starts.reserveCapacity(bytes.count / 24 + 1)
    bytes.withUnsafeBufferPointer { buf in
      // memchr scans many bytes at a time: headers are large and mostly long lines.
      guard let base = buf.baseAddress else { return }
      var i = 0
      while i < buf.count, let hit = memchr(base + i, 0x0A, buf.count - i) {
        let at = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
        starts.append(UInt32(at + 1))
        i = at + 1
      }
    }
    self.lineStarts = starts
  }

  public func lineColumn(at offset: UInt32) -> LineColumn {
    // Binary search for the last line start <= offset.
    var lo = 0
    var hi = lineStarts.count - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
    }
    // (An offset inside a byte order mark is column 1.)
    return LineColumn(line: lo + 1, column: Int(offset - min(offset, lineStarts[lo])) + 1)
  }

  /// The text of a 1-based line, without its newline.
  public func lineText(_ line: Int) -> String {
    guard line >= 1, line <= lineStarts.count else { return "" }
    let s = Int(lineStarts[line - 1])
    var e = line < lineStarts.count ? Int(lineStarts[line]) : bytes.count
    while e > s, bytes[e - 1] == 0x0A || bytes[e - 1] == 0x0D { e -= 1 }
    return String(decoding: bytes[s..<e], as: UTF8.self)
  }
}

/// Errors reading files: always name the file.
public struct SourceError: Error, CustomStringConvertible, Sendable {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }
}

/// `strerror` as a Swift string.
public func errnoDescription(_ code: Int32 = errno) -> String {
  guard let s = strerror(code) else { return "error \(code)" }
  return String(validatingCString: s) ?? "error \(code)"
}

/// Loads files once per run and hands out ``SourceFile``s by id. Thread-safe: many boards checked in
/// parallel share the includes they have in common, each read from disk and split into lines once.
public final class SourceManager: Sendable {
  private struct State {
    var files: [SourceFile] = []
    var byPath: [String: FileID] = [:]
    /// Text that stands for files on disk (an editor's unsaved buffers), by normalised absolute path.
    var overrides: [String: [UInt8]] = [:]
  }
  private let state = Mutex(State())
  /// Largest file accepted (bytes). Device trees are small; anything bigger is a mistake or hostile.
  public let maxFileSize: Int

  public init(maxFileSize: Int = 64 << 20) {
    self.maxFileSize = maxFileSize
  }

  public subscript(id: FileID) -> SourceFile {
    state.withLock { $0.files[Int(id.raw)] }
  }

  public var allFiles: [SourceFile] { state.withLock { $0.files } }

  /// Registers in-memory text (tests, stdin, generated sources) under a display path.
  @discardableResult
  public func addVirtualFile(path: String, bytes: [UInt8]) -> SourceFile {
    state.withLock { s in
      let file = SourceFile(id: FileID(Int32(s.files.count)), path: path, bytes: bytes)
      s.files.append(file)
      s.byPath[path] = file.id
      return file
    }
  }

  @discardableResult
  public func addVirtualFile(path: String, text: String) -> SourceFile {
    addVirtualFile(path: path, bytes: Array(text.utf8))
  }

  /// Registers the text line markers attribute to `path` (see `PresumedPositions`), without making it the file of
  /// that path: a later ``load(path:)`` still reads the real one.
  func addPresumedFile(path: String, bytes: [UInt8]) -> SourceFile {
    state.withLock { s in
      let file = SourceFile(id: FileID(Int32(s.files.count)), path: path, bytes: bytes)
      s.files.append(file)
      return file
    }
  }

  /// Loads `path` (or returns the already-loaded file of that path). An override set for the file (an editor's
  /// unsaved text) wins over its contents on disk. `accept` says whether a FIFO or device may be read (an input
  /// named on the command line) or only a regular file (an include).
  public func load(path: String, accept: FileAccess.Accept = .regularFile) throws(SourceError) -> SourceFile {
    let (loaded, override) = state.withLock { s -> (FileID?, [UInt8]?) in
      if let id = s.byPath[path] { return (id, nil) }
      return (nil, s.overrides.isEmpty ? nil : s.overrides[Self.overrideKey(path)])
    }
    if let loaded { return self[loaded] }
    let bytes: [UInt8]
    if let override {
      bytes = override
    } else {
      bytes = try Self.readBytes(path: path, limit: maxFileSize, accept: accept)
    }
    return state.withLock { s in
      if let id = s.byPath[path] { return s.files[Int(id.raw)] }
      let file = SourceFile(id: FileID(Int32(s.files.count)), path: path, bytes: bytes)
      s.files.append(file)
      s.byPath[path] = file.id
      return file
    }
  }

  /// Makes `bytes` stand for the file at `path` (however an include spells the path: `dir/../x.dtsi` and
  /// `x.dtsi` are the same file), or with nil goes back to the file on disk. Files already loaded under any
  /// spelling of the path are forgotten, so the next ``load(path:)`` reads the new text; their ``FileID``s and
  /// ``SourceFile``s stay valid for what was read before. A language server gives open documents this way.
  public func setOverride(path: String, bytes: [UInt8]?) {
    let key = Self.overrideKey(path)
    state.withLock { s in
      s.overrides[key] = bytes
      for p in s.byPath.keys where Self.overrideKey(p) == key { s.byPath[p] = nil }
    }
  }

  /// Whether a file exists at `path`: an override, a file already loaded under that path, or a regular file on
  /// disk.
  public func exists(path: String) -> Bool {
    let known = state.withLock { s in
      s.byPath[path] != nil || (!s.overrides.isEmpty && s.overrides[Self.overrideKey(path)] != nil)
    }
    return known || Self.fileExists(path)
  }

  private static func overrideKey(_ path: String) -> String {
    path.hasPrefix("/")
      ? PathDisplay.normalize(path) : PathDisplay.absolute(path, in: FileManager.default.currentDirectoryPath)
  }

  /// Returns the file if it was already loaded under exactly this path.
  public func loaded(path: String) -> SourceFile? {
    state.withLock { s in s.byPath[path].map { s.files[Int($0.raw)] } }
  }

  /// Whether `path` names something that is not a directory (a FIFO or device counts: reading it then says what
  /// it is, rather than "not found").
  public static func fileExists(_ path: String) -> Bool {
    guard let type = FileAccess.type(of: path) else { return false }
    return type != .directory
  }

  /// Reads a whole file with POSIX calls (see ``FileAccess/readFile(_:limit:accept:)``): never waits in `open`,
  /// refuses what `accept` does not allow, stops at `limit` bytes.
  public static func readBytes(path: String, limit: Int, accept: FileAccess.Accept = .regularFile)
    throws(SourceError) -> [UInt8]
  {
    try FileAccess.readFile(path, limit: limit, accept: accept)
  }
}
