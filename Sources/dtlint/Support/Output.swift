import DTCore
import Foundation

/// Exit codes of DESIGN.md §2.
enum Exit {
  static let ok: Int32 = 0
  static let findings: Int32 = 1
  static let inputError: Int32 = 2
  static let usage: Int32 = 64
}

/// Writes to stderr without buffering surprises.
func printError(_ s: String) {
  FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename. On any failure
/// the temporary file is removed and nothing is left at `path`. `-` means standard output.
func writeOutput(_ bytes: [UInt8], to path: String) throws(SourceError) {
  if path == "-" {
    FileHandle.standardOutput.write(Data(bytes))
    return
  }
  let dir: String
  if let slash = path.lastIndex(of: "/") {
    dir = slash == path.startIndex ? "/" : String(path[..<slash])
  } else {
    dir = "."
  }
  let name = path.split(separator: "/").last.map(String.init) ?? path
  var template = Array("\(dir)/.\(name).dtlint-XXXXXX".utf8CString)
  let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
  if fd < 0 {
    throw SourceError(path: path, reason: "cannot create a temporary file in '\(dir)': \(errnoDescription())")
  }
  let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  var ok = false
  defer {
    if !ok { unlink(tmp) }
  }
  var written = 0
  while written < bytes.count {
    let n = bytes.withUnsafeBytes { buf in
      write(fd, buf.baseAddress! + written, buf.count - written)
    }
    if n < 0 {
      if errno == EINTR { continue }
      let reason = errnoDescription()
      close(fd)
      throw SourceError(path: path, reason: "write failed: \(reason)")
    }
    written += n
  }
  fchmod(fd, 0o644 & ~currentUmask())
  if fsync(fd) != 0 && errno != EINVAL {
    let reason = errnoDescription()
    close(fd)
    throw SourceError(path: path, reason: "fsync failed: \(reason)")
  }
  close(fd)
  if rename(tmp, path) != 0 {
    throw SourceError(path: path, reason: "cannot rename temporary file into place: \(errnoDescription())")
  }
  ok = true
}

private func currentUmask() -> mode_t {
  let m = umask(0)
  umask(m)
  return m
}

/// Prints diagnostics in the `file:line:col: severity: message [rule]` form, with the source line and a caret.
func report(_ diagnostics: [Diagnostic], sources: SourceManager) {
  for d in diagnostics {
    var text = d.formatted(with: sources)
    if let r = d.range {
      let f = sources[r.file]
      let lc = f.lineColumn(at: r.start)
      let line = f.lineText(lc.line)
      if !line.isEmpty {
        let gutter = String(lc.line)
        let pad = String(repeating: " ", count: gutter.count)
        // Keep tabs in the caret line so it lines up under the source in any terminal.
        let prefix = line.utf8.prefix(lc.column - 1).map { $0 == 0x09 ? "\t" : " " }.joined()
        let endCol: Int
        let endLC = f.lineColumn(at: r.end)
        endCol = endLC.line == lc.line ? max(endLC.column, lc.column + 1) : line.utf8.count + 1
        let width = max(1, endCol - lc.column)
        text += "\n \(gutter) | \(line)\n \(pad) | \(prefix)^\(String(repeating: "~", count: width - 1))"
      }
    }
    printError(text)
  }
}
