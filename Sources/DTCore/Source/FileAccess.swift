import Foundation
import Synchronization

/// File names as the kernel sees them: bytes. A Swift `String` must be valid Unicode, so a name that is not valid
/// UTF-8 is carried with each byte of its invalid sequences as one scalar of U+10FF80…U+10FFFF (the end of a private
/// use plane; a name that really contains one of those scalars has its UTF-8 bytes carried the same way, so the
/// mapping is one-to-one). Every `open`, `stat` and `rename` of a user-named path goes through ``withCString(_:_:)``,
/// which turns the scalars back into the bytes; messages show them as `\xNN` (``display(_:)``).
public enum FileName {
  private static let escapeBase: UInt32 = 0x10FF00

  /// The name of `bytes`: valid UTF-8 as text, every other byte escaped.
  public static func decode(_ bytes: some Collection<UInt8>) -> String {
    let b = Array(bytes)
    var scalars = String.UnicodeScalarView()
    var i = 0
    func escape(_ byte: UInt8) { scalars.append(Unicode.Scalar(escapeBase + UInt32(byte))!) }
    while i < b.count {
      let c = b[i]
      if c < 0x80 {
        scalars.append(Unicode.Scalar(c))
        i += 1
        continue
      }
      let (count, minimum): (Int, UInt32) =
        switch c {
        case 0xC2...0xDF: (2, 0x80)
        case 0xE0...0xEF: (3, 0x800)
        case 0xF0...0xF4: (4, 0x10000)
        default: (0, 0)
        }
      var value: UInt32 = 0
      var valid = count > 0 && i + count <= b.count
      if valid {
        value = UInt32(c) & (0xFF >> (count + 1))
        for k in 1..<count {
          let cont = b[i + k]
          if cont & 0xC0 != 0x80 {
            valid = false
            break
          }
          value = value << 6 | UInt32(cont & 0x3F)
        }
      }
      // Escaped scalars that are really in the name are escaped byte by byte, so decoding stays one-to-one.
      if valid, value >= minimum, let s = Unicode.Scalar(value), value < escapeBase + 0x80 {
        scalars.append(s)
        i += count
      } else {
        escape(c)
        i += 1
      }
    }
    return String(scalars)
  }

  /// The bytes `name` stands for.
  public static func bytes(_ name: String) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(name.utf8.count)
    for s in name.unicodeScalars {
      if s.value >= escapeBase + 0x80 && s.value <= escapeBase + 0xFF {
        out.append(UInt8(s.value - escapeBase))
      } else {
        out.append(contentsOf: String(s).utf8)
      }
    }
    return out
  }

  /// Calls `body` with the NUL-terminated bytes of `name`.
  public static func withCString<R, E: Error>(_ name: String, _ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E)
    -> R
  {
    var b = bytes(name).map { CChar(bitPattern: $0) }
    b.append(0)
    return try b.withUnsafeBufferPointer { (p) throws(E) -> R in try body(p.baseAddress!) }
  }

  /// `name` for a message: escaped bytes shown as `\xNN`.
  public static func display(_ name: String) -> String {
    guard name.unicodeScalars.contains(where: { $0.value >= escapeBase + 0x80 }) else { return name }
    var out = ""
    for s in name.unicodeScalars {
      if s.value >= escapeBase + 0x80 && s.value <= escapeBase + 0xFF {
        let v = Int(s.value - escapeBase)
        out += "\\x" + String(v, radix: 16, uppercase: false)
      } else {
        out.unicodeScalars.append(s)
      }
    }
    return out
  }

  /// The working directory by its bytes (`FileManager.currentDirectoryPath` decodes it as UTF-8, losing bytes that
  /// are not); "." when it cannot be read.
  public static var currentDirectory: String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return "." }
    return decode(buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) })
  }

  /// The program's arguments by their bytes (`CommandLine.arguments` replaces invalid UTF-8 with U+FFFD, which
  /// loses a file name).
  public static var commandLineArguments: [String] {
    (0..<Int(CommandLine.argc)).map { i in
      guard let p = CommandLine.unsafeArgv[i] else { return "" }
      return decode(
        UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
    }
  }
}

/// What a path is, from `stat`'s mode.
public enum FileType: Sendable, Equatable {
  case regular, directory, fifo, characterDevice, blockDevice, socket, symbolicLink, other

  public init(mode: mode_t) {
    switch mode & S_IFMT {
    case S_IFREG: self = .regular
    case S_IFDIR: self = .directory
    case S_IFIFO: self = .fifo
    case S_IFCHR: self = .characterDevice
    case S_IFBLK: self = .blockDevice
    case S_IFSOCK: self = .socket
    case S_IFLNK: self = .symbolicLink
    default: self = .other
    }
  }

  /// "a FIFO", "a character device", … for messages.
  public var phrase: String {
    switch self {
    case .regular: "a regular file"
    case .directory: "a directory"
    case .fifo: "a FIFO"
    case .characterDevice: "a character device"
    case .blockDevice: "a block device"
    case .socket: "a socket"
    case .symbolicLink: "a symbolic link"
    case .other: "a special file"
    }
  }
}

/// A file's identity: device and inode, the same for every path (symbolic or hard link) that reaches it.
public struct FileIdentity: Hashable, Sendable {
  public var device: UInt64
  public var inode: UInt64
  public init(_ st: stat) {
    device = UInt64(st.st_dev)
    inode = UInt64(st.st_ino)
  }
}

/// Reading files without waiting and without unbounded memory: what is opened is checked to be what was meant (a
/// regular file, or a stream where one is allowed) before `open`, so a FIFO without a writer cannot block it; reads
/// stop at a limit; `/incbin/` windows are read with `pread`. Every regular file read is remembered, so that an
/// output can be refused when it is one of the run's inputs (``inputIdentities``).
public enum FileAccess {
  /// Which files a read accepts.
  public enum Accept: Sendable {
    /// Regular files only: includes, /incbin/, manifests, firmware, configuration.
    case regularFile
    /// Also a FIFO, pipe or character device, read to its end: an input named on the command line
    /// (`<(cpp …)`, `/dev/stdin`).
    case regularFileOrStream
  }

  /// Sorted by identity. An array, not a dictionary keyed by ``FileIdentity``: the first dictionary of a key type
  /// costs the runtime's look-up of its `Hashable` conformance, 0.4 M instructions, in every run that reads a file
  /// (issue 20), and a run reads few files.
  private static let inputs = Mutex<[(identity: FileIdentity, path: String)]>([])

  /// The regular files read so far in this process, by identity, with the path each was read under.
  public static var inputIdentities: [FileIdentity: String] {
    inputs.withLock { Dictionary($0.map { ($0.identity, $0.path) }, uniquingKeysWith: { first, _ in first }) }
  }

  /// Remembers the first path a regular file was read under.
  private static func remember(_ identity: FileIdentity, path: String) {
    inputs.withLock { files in
      var low = 0
      var high = files.count
      while low < high {
        let mid = (low + high) / 2
        let m = files[mid].identity
        if (m.device, m.inode) < (identity.device, identity.inode) { low = mid + 1 } else { high = mid }
      }
      if low < files.count, files[low].identity == identity { return }
      files.insert((identity, path), at: low)
    }
  }

  /// `stat` (following symbolic links); nil with `errno` set when it fails.
  public static func status(_ path: String) -> stat? {
    var st = stat()
    return FileName.withCString(path) { stat($0, &st) } == 0 ? st : nil
  }

  /// `lstat` (the link itself); nil with `errno` set when it fails.
  public static func linkStatus(_ path: String) -> stat? {
    var st = stat()
    return FileName.withCString(path) { lstat($0, &st) } == 0 ? st : nil
  }

  /// What `path` is (following links); nil when it does not exist or cannot be reached.
  public static func type(of path: String) -> FileType? {
    status(path).map { FileType(mode: $0.st_mode) }
  }

  /// Opens `path` for reading without blocking in `open`, after checking it is what `accept` allows. A FIFO's or
  /// device's descriptor is blocking again when returned (a regular file's reads do not look at O_NONBLOCK).
  public static func openForReading(_ path: String, accept: Accept) throws(SourceError) -> (fd: Int32, stat: stat) {
    guard let before = status(path) else { throw SourceError(path: path, reason: errnoDescription()) }
    try check(FileType(mode: before.st_mode), path: path, accept: accept)
    let fd = FileName.withCString(path) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) }
    if fd < 0 { throw SourceError(path: path, reason: errnoDescription()) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      let reason = errnoDescription()
      close(fd)
      throw SourceError(path: path, reason: reason)
    }
    do {
      // The path may have changed between stat and open.
      try check(FileType(mode: st.st_mode), path: path, accept: accept)
    } catch {
      close(fd)
      throw error
    }
    if FileType(mode: st.st_mode) == .regular {
      // O_NONBLOCK does nothing to a regular file's reads: the two fcntl calls are left to FIFOs and devices (a
      // board check opens some thirty headers).
      remember(FileIdentity(st), path: path)
    } else {
      let flags = fcntl(fd, F_GETFL)
      if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
    }
    return (fd, st)
  }

  private static func check(_ type: FileType, path: String, accept: Accept) throws(SourceError) {
    switch (type, accept) {
    case (.regular, _), (.fifo, .regularFileOrStream), (.characterDevice, .regularFileOrStream): return
    case (.directory, _): throw SourceError(path: path, reason: "is a directory, not a file")
    default: throw SourceError(path: path, reason: "not a regular file (\(type.phrase))")
    }
  }

  /// Reads a whole file (at most `limit` bytes): a regular file, or with `.regularFileOrStream` a FIFO or device
  /// read to its end.
  public static func readFile(_ path: String, limit: Int, accept: Accept = .regularFile) throws(SourceError)
    -> [UInt8]
  {
    let (fd, st) = try openForReading(path, accept: accept)
    defer { close(fd) }
    let regular = FileType(mode: st.st_mode) == .regular
    let size = Int(st.st_size)
    if regular && size > limit {
      throw SourceError(path: path, reason: "file is \(size) bytes, larger than the limit of \(limit) bytes")
    }
    let bytes = try readToEnd(fd: fd, name: path, limit: limit, sizeHint: regular ? size : 0)
    if FileType(mode: st.st_mode) == .fifo && bytes.isEmpty {
      throw SourceError(path: path, reason: "a FIFO that gave no data (nothing was writing to it)")
    }
    return bytes
  }

  /// Reads `fd` to its end, refusing more than `limit` bytes; `name` names it in errors ("standard input").
  ///
  /// The bytes are read straight into the result's uninitialized capacity: a buffer filled with zeros first would
  /// touch every page of it twice (a 121 KB blob's dump: 33 fresh pages, each a page fault, issue 20). A stream
  /// that fills the buffer moves to one twice as large (never past `limit` + 1 bytes: one byte past the limit tells
  /// "too large").
  public static func readToEnd(fd: Int32, name: String, limit: Int, sizeHint: Int = 0) throws(SourceError)
    -> [UInt8]
  {
    let limit = max(limit, 0)
    var capacity = min(min(max(sizeHint, 0), limit) + 1 + 4096, limit + 1)
    var bytes: [UInt8] = []
    var reason: String?
    var atEnd = false
    while true {
      let previous = bytes
      bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
        var used = previous.count
        if used > 0 {
          previous.withUnsafeBufferPointer { buffer.baseAddress!.initialize(from: $0.baseAddress!, count: used) }
        }
        defer { count = used }
        while used < capacity {
          var n: Int
          repeat {
            n = read(fd, buffer.baseAddress! + used, capacity - used)
          } while n < 0 && errno == EINTR
          if n < 0 {
            reason = "cannot read: \(errnoDescription())"
            return
          }
          if n == 0 {
            atEnd = true
            return
          }
          used += n
          if used > limit {
            reason = "more than \(limit) bytes (the limit for this input); stopped reading"
            return
          }
        }
      }
      if let reason { throw SourceError(path: name, reason: reason) }
      if atEnd { return bytes }
      // Full, and not past the limit: `capacity` <= `limit` here.
      capacity = min(capacity * 2, limit + 1)
    }
  }

  /// Reads `length` bytes at `offset` of a regular file or character device (dtc's `/incbin/` window): only the
  /// window is read, so the file may be far larger than the window.
  public static func readWindow(_ path: String, offset: UInt64, length: Int) throws(SourceError) -> [UInt8] {
    let (fd, st) = try openForReading(path, accept: .regularFileOrStream)
    defer { close(fd) }
    let type = FileType(mode: st.st_mode)
    guard type != .fifo else { throw SourceError(path: path, reason: "not a regular file (a FIFO)") }
    guard offset <= UInt64(Int64.max) else {
      throw SourceError(path: path, reason: "couldn't seek to offset \(offset)")
    }
    if type == .regular && offset > UInt64(st.st_size) {
      throw SourceError(path: path, reason: "couldn't seek to offset \(offset) (the file has \(st.st_size) bytes)")
    }
    var result = [UInt8](repeating: 0, count: length)
    var got = 0
    while got < length {
      var n: Int
      repeat {
        n = result.withUnsafeMutableBytes {
          pread(fd, $0.baseAddress! + got, length - got, off_t(offset) + off_t(got))
        }
      } while n < 0 && errno == EINTR
      if n < 0 { throw SourceError(path: path, reason: "cannot read: \(errnoDescription())") }
      if n == 0 {
        throw SourceError(path: path, reason: "has fewer than \(length) bytes after offset \(offset)")
      }
      got += n
    }
    return result
  }
}
