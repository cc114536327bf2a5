import Foundation

/// The lexed form of large source files kept on disk between runs (issue 20): a board's kernel headers (the pinfunc
/// headers alone are ≈ 10 000 `#define` lines) are the same from one run to the next, and lexing them was a tenth of
/// a one-board check.
///
/// An entry is the output of the lexer for one file content: its tokens (identifiers as ids into the entry's own
/// spelling table), the clean spellings of spliced tokens, where its directive lines are, and its problems. It is
/// found by a hash of the content, the entry format and the dtlint version, and holds the content itself, compared
/// byte for byte before use, so no entry is used for other bytes. The lexed form depends on nothing else: macros,
/// `-D`, `-I` and conditionals are applied when the tokens are preprocessed, on every run.
///
/// Safe under concurrent runs (entries are written to a temporary file and renamed into place), bounded (past
/// `maxBytes`, the oldest entries are removed), and never an error: an entry that cannot be read, is damaged or is
/// for other bytes is ignored (and replaced), and a directory that cannot be written is simply not used.
public struct LexCache: Sendable {
  /// Where the entries are (created when the first one is written).
  public let directory: String
  /// The tool version, part of every key.
  public let toolVersion: String
  /// The most the entries may take together; writing one past it removes the oldest until a quarter is free.
  public var maxBytes: Int
  /// Files smaller than this are lexed every time: reading an entry costs more than lexing them.
  public var minFileSize: Int

  public init(directory: String, toolVersion: String, maxBytes: Int = 64 << 20, minFileSize: Int = 8 << 10) {
    self.directory = directory
    self.toolVersion = toolVersion
    self.maxBytes = maxBytes
    self.minFileSize = minFileSize
  }

  /// `$XDG_CACHE_HOME/dtlint/lexed`, else `$HOME/.cache/dtlint/lexed` (nil when neither is set to an absolute path,
  /// as the XDG specification asks).
  public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment)
    -> String?
  {
    if let x = environment["XDG_CACHE_HOME"], x.hasPrefix("/") { return x + "/dtlint/lexed" }
    if let h = environment["HOME"], h.hasPrefix("/") { return h + "/.cache/dtlint/lexed" }
    return nil
  }

  /// Bumped whenever the lexer's output or this layout changes.
  static let formatVersion: UInt32 = 2
  static let magic: [UInt8] = Array("DTLEXv1\n".utf8)
  /// kind, flags, aux (16 bits), identifier, spelling start and length, start, end, spliced (32 bits each).
  static let tokenRecordSize = 28

  /// The entry's file name for `content`.
  func key(_ content: [UInt8]) -> String {
    var a: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in toolVersion.utf8 { a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    a = (a ^ UInt64(Self.formatVersion)) &* 0x0000_0100_0000_01b3
    let b = content.withUnsafeBytes { raw in Self.hash(raw, seed: 0x9e37_79b9_7f4a_7c15) }
    let c = content.withUnsafeBytes { raw in Self.hash(raw, seed: a) }
    return hex(b) + hex(c)
  }

  /// A 64-bit hash, eight bytes at a time.
  static func hash(_ raw: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
    var h = seed ^ UInt64(raw.count)
    var i = 0
    while i + 8 <= raw.count {
      h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
      h ^= h >> 32
      i += 8
    }
    while i < raw.count {
      h = (h ^ UInt64(raw[i])) &* 0x0000_0100_0000_01b3
      i += 1
    }
    h ^= h >> 29
    return h &* 0xc4ce_b9fe_1a85_ec53
  }

  private func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
  }

  // MARK: - Reading

  /// The cached lexer output for `content`, or nil (no entry, unreadable, damaged, or for other bytes).
  func load(_ content: [UInt8]) -> PPLexer.Output? {
    guard content.count >= minFileSize else { return nil }
    let path = directory + "/" + key(content)
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size > 0, st.st_size < 1 << 30 else {
      return nil
    }
    let size = Int(st.st_size)
    var data = [UInt8](repeating: 0, count: size)
    let got = data.withUnsafeMutableBytes { b -> Int in
      var done = 0
      while done < size {
        let r = read(fd, b.baseAddress! + done, size - done)
        if r < 0 && errno == EINTR { continue }
        if r <= 0 { break }
        done += r
      }
      return done
    }
    guard got == size else { return nil }
    return Self.decode(data, content: content)
  }

  /// Parses an entry, checking every count and index against the entry and the content.
  static func decode(_ data: [UInt8], content: [UInt8]) -> PPLexer.Output? {
    var r = Reader(data: data)
    guard r.bytes(magic.count) == magic[...], r.u32() == formatVersion else { return nil }
    // The payload's checksum (everything after the header).
    guard let sum = r.u64(), sum == checksum(data[r.at...]) else { return nil }
    guard let contentCount = r.count(), contentCount == content.count, let stored = r.bytes(contentCount),
      stored.withUnsafeBytes({ a in
        content.withUnsafeBytes { b in a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
      })
    else { return nil }
    guard let hasSplices = r.u32(), hasSplices <= 1 else { return nil }
    // Spellings: back to back, with where each ends and its hash.
    guard let nameCount = r.count(), nameCount < 1 << 24, let nameBytesCount = r.count(),
      let nameBytes = r.bytes(nameBytesCount), let ends = r.u32s(nameCount), let hashes = r.u32s(nameCount),
      let names = ByteStrings(bytes: Array(nameBytes), ends: ends, hashes: hashes)
    else { return nil }
    guard let poolCount = r.count(), let pool = r.bytes(poolCount) else { return nil }
    // Tokens: fixed records, read in one pass.
    guard let tokCount = r.count(), tokCount <= content.count + 1, let records = r.bytes(tokCount * tokenRecordSize)
    else { return nil }
    let limit = UInt32(content.count)
    let poolCount32 = UInt64(pool.count)
    var valid = true
    let toks = [Tok](unsafeUninitializedCapacity: tokCount) { buffer, initialized in
      records.withUnsafeBytes { raw in
        for i in 0..<tokCount {
          let o = i * tokenRecordSize
          let kindRaw = raw[o]
          let flags = raw[o + 1]
          let aux = raw.loadUnaligned(fromByteOffset: o + 2, as: UInt16.self)
          let ident = raw.loadUnaligned(fromByteOffset: o + 4, as: Int32.self)
          let spStart = raw.loadUnaligned(fromByteOffset: o + 8, as: UInt32.self)
          let spLen = raw.loadUnaligned(fromByteOffset: o + 12, as: UInt32.self)
          let start = raw.loadUnaligned(fromByteOffset: o + 16, as: UInt32.self)
          let end = raw.loadUnaligned(fromByteOffset: o + 20, as: UInt32.self)
          let spliced = raw.loadUnaligned(fromByteOffset: o + 24, as: UInt32.self)
          guard let kind = TK(rawValue: kindRaw), start <= end, end <= limit, spliced <= 1,
            UInt64(spStart) + UInt64(spLen) <= (spliced == 1 ? poolCount32 : UInt64(limit)),
            kind == .name ? (ident >= 0 && Int(ident) < nameCount) : ident == -1
          else {
            valid = false
            return
          }
          (buffer.baseAddress! + i).initialize(
            to: Tok(
              kind: kind, flags: flags, aux: aux, ident: ident, spBase: Int32(spliced), spStart: spStart,
              spLen: spLen, file: 0, start: start, end: end, ctx: -1))
          initialized = i + 1
        }
      }
    }
    guard valid else { return nil }
    // Directive lines and problems.
    guard let lineCount = r.count(), lineCount <= tokCount else { return nil }
    var lines: [(Int32, Int32)] = []
    lines.reserveCapacity(lineCount)
    for _ in 0..<lineCount {
      guard let h = r.i32(), let e = r.i32(), h >= 0, h < e, Int(e) <= tokCount else { return nil }
      lines.append((h, e))
    }
    guard let problemCount = r.count(), problemCount <= content.count + 1 else { return nil }
    var problems: [(offset: UInt32, message: String)] = []
    for _ in 0..<problemCount {
      guard let offset = r.u32(), offset <= limit, let n = r.count(), let m = r.bytes(n) else { return nil }
      problems.append((offset, String(decoding: m, as: UTF8.self)))
    }
    guard r.at == data.count else { return nil }
    return PPLexer.Output(
      toks: toks, pool: Array(pool), localNames: names, directiveLines: lines, problems: problems,
      hasSplices: hasSplices == 1)
  }

  /// A checksum of the payload (a damaged entry is refused, not used).
  static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    bytes.withUnsafeBytes { hash($0, seed: 0x2545_f491_4f6c_dd1d) }
  }

  struct Reader {
    let data: [UInt8]
    var at = 0

    mutating func bytes(_ n: Int) -> ArraySlice<UInt8>? {
      guard n >= 0, n <= data.count - at else { return nil }
      defer { at += n }
      return data[at..<at + n]
    }
    mutating func u8() -> UInt8? { bytes(1).map { $0.first! } }
    mutating func u16() -> UInt16? { fixed(2).map { UInt16(truncatingIfNeeded: $0) } }
    mutating func u32() -> UInt32? { fixed(4).map { UInt32(truncatingIfNeeded: $0) } }
    mutating func i32() -> Int32? { u32().map { Int32(bitPattern: $0) } }
    mutating func u64() -> UInt64? { fixed(8) }
    /// `n` 32-bit values.
    mutating func u32s(_ n: Int) -> [UInt32]? {
      guard n >= 0, n <= (data.count - at) / 4 else { return nil }
      let values = data[at..<at + 4 * n].withUnsafeBytes { raw in
        (0..<n).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self) }
      }
      at += 4 * n
      return values
    }
    /// A count or length (stored as 32 bits).
    mutating func count() -> Int? { u32().map { Int($0) } }

    private mutating func fixed(_ n: Int) -> UInt64? {
      guard n <= data.count - at else { return nil }
      var v: UInt64 = 0
      for i in 0..<n { v |= UInt64(data[at + i]) << (8 * UInt64(i)) }
      at += n
      return v
    }
  }

  // MARK: - Writing

  /// Stores the lexer output for `content` (silently nothing when the directory cannot be written).
  func store(_ output: PPLexer.Output, content: [UInt8]) {
    guard content.count >= minFileSize, content.count < 1 << 28 else { return }
    var w: [UInt8] = []
    w.reserveCapacity(content.count * 3 + output.toks.count * 26)
    func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { w.append(contentsOf: $0) } }
    func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { w.append(contentsOf: $0) } }
    w.append(contentsOf: Self.magic)
    u32(Self.formatVersion)
    let sumAt = w.count
    w.append(contentsOf: repeatElement(0, count: 8))
    let payload = w.count
    u32(UInt32(content.count))
    w.append(contentsOf: content)
    u32(output.hasSplices ? 1 : 0)
    let names = output.localNames
    u32(UInt32(names.count))
    u32(UInt32(names.bytes.count))
    w.append(contentsOf: names.bytes)
    for i in 0..<names.count { u32(UInt32(names.range(Int32(i)).upperBound)) }
    for h in names.hashes { u32(h) }
    u32(UInt32(output.pool.count))
    w.append(contentsOf: output.pool)
    u32(UInt32(output.toks.count))
    // The token records, written in place (a header has tens of thousands).
    let recordsAt = w.count
    w.append(contentsOf: repeatElement(0, count: output.toks.count * Self.tokenRecordSize))
    w.withUnsafeMutableBytes { raw in
      for (i, t) in output.toks.enumerated() {
        let o = recordsAt + i * Self.tokenRecordSize
        raw[o] = t.kind.rawValue
        raw[o + 1] = t.flags
        raw.storeBytes(of: t.aux.littleEndian, toByteOffset: o + 2, as: UInt16.self)
        raw.storeBytes(of: UInt32(bitPattern: t.ident).littleEndian, toByteOffset: o + 4, as: UInt32.self)
        raw.storeBytes(of: t.spStart.littleEndian, toByteOffset: o + 8, as: UInt32.self)
        raw.storeBytes(of: t.spLen.littleEndian, toByteOffset: o + 12, as: UInt32.self)
        raw.storeBytes(of: t.start.littleEndian, toByteOffset: o + 16, as: UInt32.self)
        raw.storeBytes(of: t.end.littleEndian, toByteOffset: o + 20, as: UInt32.self)
        raw.storeBytes(
          of: UInt32(truncatingIfNeeded: t.spBase & 1).littleEndian, toByteOffset: o + 24, as: UInt32.self)
      }
    }
    u32(UInt32(output.directiveLines.count))
    for (h, e) in output.directiveLines {
      u32(UInt32(bitPattern: h))
      u32(UInt32(bitPattern: e))
    }
    u32(UInt32(output.problems.count))
    for p in output.problems {
      u32(p.offset)
      let m = Array(p.message.utf8)
      u32(UInt32(m.count))
      w.append(contentsOf: m)
    }
    let sum = Self.checksum(w[payload...])
    withUnsafeBytes(of: sum.littleEndian) { b in
      for i in 0..<8 { w[sumAt + i] = b[i] }
    }
    write(w, name: key(content))
  }

  /// Writes `bytes` as entry `name`: a temporary file renamed into place, so a reader sees a whole entry or none.
  private func write(_ bytes: [UInt8], name: String) {
    guard Self.makeDirectory(directory) else { return }
    var random = SystemRandomNumberGenerator()
    let temp = directory + "/.tmp-\(getpid())-\(String(random.next(), radix: 36))"
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    let ok = bytes.withUnsafeBytes { b -> Bool in
      var done = 0
      while done < b.count {
        let r = Foundation.write(fd, b.baseAddress! + done, b.count - done)
        if r < 0 && errno == EINTR { continue }
        if r <= 0 { return false }
        done += r
      }
      return true
    }
    close(fd)
    guard ok, rename(temp, directory + "/" + name) == 0 else {
      unlink(temp)
      return
    }
    evictIfNeeded()
  }

  /// `mkdir -p`, true when the directory exists afterwards.
  static func makeDirectory(_ path: String) -> Bool {
    var st = stat()
    if stat(path, &st) == 0 { return (st.st_mode & S_IFMT) == S_IFDIR }
    let parent = (path as NSString).deletingLastPathComponent
    if !parent.isEmpty, parent != path, !makeDirectory(parent) { return false }
    return mkdir(path, 0o755) == 0 || (stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR)
  }

  /// Past `maxBytes`, removes the oldest entries (and temporary files older than a minute, left by a run that was
  /// killed) until a quarter of it is free.
  func evictIfNeeded() {
    guard let dir = opendir(directory) else { return }
    var entries: [(name: String, size: Int, time: Int)] = []
    var total = 0
    let now = Int(time(nil))
    while let e = readdir(dir) {
      let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name == "." || name == ".." { continue }
      var st = stat()
      guard lstat(directory + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
      let t = Int(st.st_mtim.tv_sec)
      if name.hasPrefix(".tmp-") {
        if now - t > 60 { unlink(directory + "/" + name) }
        continue
      }
      entries.append((name, Int(st.st_size), t))
      total += Int(st.st_size)
    }
    closedir(dir)
    guard total > maxBytes else { return }
    for e in entries.sorted(by: { ($0.time, $0.name) < ($1.time, $1.name) }) {
      if total <= maxBytes - maxBytes / 4 { break }
      if unlink(directory + "/" + e.name) == 0 { total -= e.size }
    }
  }
}
