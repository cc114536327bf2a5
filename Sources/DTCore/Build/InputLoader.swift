/// What kind of input a file is: decided by content (FDT magic) first, then by extension.
public enum InputKind: Sendable {
  case source  // .dts, .dtsi, .dtso and anything else that is not a blob
  case blob  // .dtb, .dtbo or anything starting with the FDT magic

  public static func detect(path: String, bytes: [UInt8]) -> InputKind {
    if DTBReader.isBlob(bytes) { return .blob }
    // A .dtb/.dtbo without the magic is a damaged blob ("not a device tree blob", exit 2), not a source.
    // (Unless its content says what it is instead: a byte-swapped or damaged magic, binary data.)
    if path.hasSuffix(".dtb") || path.hasSuffix(".dtbo"), notSourceReason(bytes) == nil { return .blob }
    return .source
  }

  /// How many leading bytes ``notSourceReason(_:)`` looks at.
  static let sniffedBytes = 1024

  /// Why `bytes`, which do not start with the FDT magic, are not device-tree source text either (nil when they may
  /// be): a blob header with a byte-swapped or damaged magic number, a file that starts with a byte sequence that is
  /// not UTF-8 (as binary formats do), or binary data in the first KiB — a NUL byte or another control character
  /// outside comments, strings and character literals (dtc's own test inputs put NUL bytes inside strings). Text
  /// that is not UTF-8 further on (a Latin-1 name) stays source: the parser reports it at its line, and comments and
  /// strings may hold it. The sentence starts with "not a device tree".
  public static func notSourceReason(_ b: [UInt8]) -> String? {
    if b.count >= 4, BlobHeader.be32(b, 0) == BlobHeader.magic.byteSwapped {
      return "not a device tree: it starts with ed fe 0d d0, the blob magic number d0 0d fe ed byte-swapped "
        + "(a little-endian (byte-swapped) device tree blob?); device tree blobs are big-endian"
    }
    if let header = damagedBlobHeader(b) { return header }
    let n = min(b.count, sniffedBytes)
    var i = SourceFile.byteOrderMarkLength(b)
    func binary(_ what: String) -> String {
      "not a device tree: binary data (\(what) at offset \(i)), neither DTS source text nor a device tree blob "
        + "(which starts with d0 0d fe ed)"
    }
    while i < n {
      let c = b[i]
      switch c {
      case 0x2F where i + 1 < n && b[i + 1] == 0x2F:  // // comment
        while i < n && b[i] != 0x0A { i += 1 }
      case 0x2F where i + 1 < n && b[i + 1] == 0x2A:  // /* comment */
        i += 2
        while i + 1 < n && !(b[i] == 0x2A && b[i + 1] == 0x2F) { i += 1 }
        i += 2
      case 0x22, 0x27:  // "string" or 'c': a line at most
        i += 1
        while i < n && b[i] != c && b[i] != 0x0A { i += b[i] == 0x5C ? 2 : 1 }
        i += 1
      case 0:
        return binary("a NUL byte")
      case 0x09...0x0D, 0x20...0x7E:
        i += 1
      case 0x01...0x1F, 0x7F:
        return binary("control character 0x" + String(c, radix: 16))
      default:
        let length = utf8SequenceLength(b, i, limit: n)
        if length == 0 && i == SourceFile.byteOrderMarkLength(b) {
          return binary("byte 0x" + String(c, radix: 16) + ", which is not UTF-8 text,")
        }
        i += max(1, length)
      }
    }
    return nil
  }

  /// The length of the well-formed UTF-8 sequence at `b[i]` (a byte of 0x80 or more); 0 when it is not UTF-8, and
  /// 1 when it is cut by `limit`, the end of the bytes looked at.
  private static func utf8SequenceLength(_ b: [UInt8], _ i: Int, limit: Int) -> Int {
    let c = b[i]
    let (count, low, high): (Int, UInt8, UInt8) =
      switch c {
      case 0xC2...0xDF: (2, 0x80, 0xBF)
      case 0xE0: (3, 0xA0, 0xBF)
      case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80, 0xBF)
      case 0xED: (3, 0x80, 0x9F)
      case 0xF0: (4, 0x90, 0xBF)
      case 0xF1...0xF3: (4, 0x80, 0xBF)
      case 0xF4: (4, 0x80, 0x8F)
      default: (0, 0, 0)
      }
    if count == 0 { return 0 }
    for k in 1..<count {
      if i + k >= limit { return 1 }
      let d = b[i + k]
      if k == 1 ? !(low...high).contains(d) : !(0x80...0xBF).contains(d) { return 0 }
    }
    return count
  }

  /// A header laid out as a blob's (total size, version and block offsets that fit the file) whose magic number is
  /// wrong: a damaged blob, named as one.
  private static func damagedBlobHeader(_ b: [UInt8]) -> String? {
    guard b.count >= BlobHeader.maxHeaderSize else { return nil }
    let totalSize = Int(BlobHeader.be32(b, 4))
    let structOffset = Int(BlobHeader.be32(b, 8))
    let stringsOffset = Int(BlobHeader.be32(b, 12))
    let reserveOffset = Int(BlobHeader.be32(b, 16))
    let version = Int(BlobHeader.be32(b, 20))
    guard (2...17).contains(version), totalSize >= BlobHeader.maxHeaderSize, totalSize <= b.count,
      [structOffset, stringsOffset, reserveOffset].allSatisfy({ $0 >= 28 && $0 <= totalSize && $0 % 4 == 0 })
    else { return nil }
    let magic = DTSPrinter.hex(UInt64(BlobHeader.be32(b, 0)), width: 8)
    return "not a device tree: its header is laid out as a device tree blob's (totalsize \(totalSize), version "
      + "\(version)), but its magic number is 0x\(magic), not 0xd00dfeed (a damaged blob?)"
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
    if let reason = InputKind.notSourceReason(file.bytes) { throw LoadError(path: path, reason: reason) }
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
