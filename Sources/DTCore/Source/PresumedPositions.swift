/// Positions as the line markers of already-preprocessed input present them, as dtc reads them: after
/// `# 40 "board.dtsi"` (cpp's linemarker, which the preprocessor passes through in assembler mode) or
/// `#line 40 "board.dtsi"` (consumed by the preprocessor, which then emits such a marker), the next line is line 40 of
/// `board.dtsi`, whatever file holds it. A finding in a kernel build's `.dts.tmp` is then named where dtc names it:
/// the original `.dtsi` and line.
///
/// Each file is scanned once, the first time a range in it is mapped. A file with markers gets, for every name they
/// give, a *presumed file*: the file's lines placed at the line numbers the markers give them (other lines empty), so
/// line, column and snippet are those of the text as it reached the compiler. Presumed files are registered apart
/// from real ones (a real `board.dtsi` loaded later is read from disk). Markers are found by their form at the start
/// of a line: one inside `#if 0` still counts (preprocessed input has no conditionals left).
final class PresumedPositions {
  private let sources: SourceManager
  /// Indexed by `FileID.raw` (looked up for every token the DTS lexer reads): whether the file was scanned, and its
  /// map when it has markers.
  private var scanned: [Bool] = []
  private var maps: [FileMap?] = []
  private var presumedIDs: [String: FileID] = [:]

  /// Physical line (1-based) → presumed file and line.
  private struct FileMap {
    var lines: [Int: (file: FileID, line: Int)]
  }

  init(sources: SourceManager) { self.sources = sources }

  /// `r` where the markers of its file put it; `r` itself when its file has none (or the range precedes them).
  func map(_ r: SourceRange) -> SourceRange {
    guard let map = fileMap(r.file) else { return r }
    let file = sources[r.file]
    let start = file.lineColumn(at: r.start)
    guard let target = map.lines[start.line] else { return r }
    let presumed = sources[target.file]
    func offset(line: Int, column: Int) -> UInt32 {
      guard line >= 1, line <= presumed.lineStarts.count else { return UInt32(presumed.bytes.count) }
      let lineStart = Int(presumed.lineStarts[line - 1])
      let lineEnd = line < presumed.lineStarts.count ? Int(presumed.lineStarts[line]) - 1 : presumed.bytes.count
      return UInt32(min(lineStart + column - 1, lineEnd))
    }
    let s = offset(line: target.line, column: start.column)
    let end = file.lineColumn(at: r.end)
    var e = s
    if let t = map.lines[end.line], t.file == target.file, t.line >= target.line {
      e = offset(line: t.line, column: end.column)
    } else if end.line >= start.line {
      // The end is in another presumed file (or on a marker line): stop at the end of the start's line.
      e = offset(line: target.line, column: Int.max / 2)
    }
    return SourceRange(file: target.file, start: s, end: max(s, e))
  }

  /// Whether `id` has line markers (``map(_:)`` returns any other file's ranges as they are).
  func hasMarkers(_ id: FileID) -> Bool { fileMap(id) != nil }

  private func fileMap(_ id: FileID) -> FileMap? {
    let i = Int(id.raw)
    guard i >= 0 else { return nil }
    if i < scanned.count, scanned[i] { return maps[i] }
    let built = build(sources[id])
    if i >= scanned.count {
      scanned += repeatElement(false, count: i + 1 - scanned.count)
      maps += repeatElement(nil, count: i + 1 - maps.count)
    }
    scanned[i] = true
    maps[i] = built
    return built
  }

  /// Scans `file` for markers; nil when it has none.
  private func build(_ file: SourceFile) -> FileMap? {
    let b = file.bytes
    guard b.contains(0x23) else { return nil }
    var current: (name: String, line: Int)?
    var placed: [(physical: Int, name: String, line: Int)] = []
    var found = false
    for l in 1...file.lineStarts.count {
      let s = Int(file.lineStarts[l - 1])
      var e = l < file.lineStarts.count ? Int(file.lineStarts[l]) - 1 : b.count
      if e > s, b[e - 1] == 0x0D { e -= 1 }
      if let marker = Self.marker(b[s..<e]) {
        found = true
        current = (marker.name ?? current?.name ?? file.path, marker.line)
        continue
      }
      guard let c = current else { continue }
      placed.append((l, c.name, c.line))
      current = (c.name, c.line + 1)
    }
    guard found else { return nil }
    // Each presumed file's text: the lines placed in it (the first text given a line number keeps it).
    var texts: [String: [Int: ArraySlice<UInt8>]] = [:]
    for p in placed where texts[p.name]?[p.line] == nil {
      let s = Int(file.lineStarts[p.physical - 1])
      var e = p.physical < file.lineStarts.count ? Int(file.lineStarts[p.physical]) - 1 : b.count
      if e > s, b[e - 1] == 0x0D { e -= 1 }
      texts[p.name, default: [:]][p.line] = b[s..<e]
    }
    var ids: [String: FileID] = [:]
    for (name, lines) in texts {
      var bytes: [UInt8] = []
      let last = lines.keys.max() ?? 0
      for n in 1...max(1, last) {
        if let text = lines[n] { bytes += text }
        bytes.append(0x0A)
      }
      // One presumed file per name and file: two inputs may hold different text for the same name.
      ids[name] = sources.addPresumedFile(path: name, bytes: bytes).id
    }
    var map = FileMap(lines: [:])
    for p in placed { if let id = ids[p.name] { map.lines[p.physical] = (id, p.line) } }
    return map
  }

  /// `# 40 "name" [flags]` or `#line 40 ["name"]` (dtc's `^#(line)?[ \t]+[0-9]+[ \t]+"…"`; cpp also takes `#line N`
  /// alone, which keeps the name): the line number the next line gets, and the name when one is given.
  static func marker(_ line: ArraySlice<UInt8>) -> (line: Int, name: String?)? {
    var i = line.startIndex
    let n = line.endIndex
    func blanks() -> Bool {
      let from = i
      while i < n, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
      return i > from
    }
    _ = blanks()
    guard i < n, line[i] == 0x23 else { return nil }
    i += 1
    var isLine = false
    if line[i...].starts(with: "line".utf8) {
      isLine = true
      i += 4
    }
    guard blanks() else { return nil }
    let digits = i
    while i < n, line[i] >= 0x30, line[i] <= 0x39 { i += 1 }
    guard i > digits, i - digits < 10, let number = Int(String(decoding: line[digits..<i], as: UTF8.self)) else {
      return nil
    }
    let hadBlank = blanks()
    guard hadBlank, i < n, line[i] == 0x22 else { return isLine && i == n ? (number, nil) : nil }
    i += 1
    var name: [UInt8] = []
    while i < n, line[i] != 0x22 {
      if line[i] == 0x5C, i + 1 < n { i += 1 }
      name.append(line[i])
      i += 1
    }
    guard i < n else { return nil }
    return (number, String(decoding: name, as: UTF8.self))
  }
}
