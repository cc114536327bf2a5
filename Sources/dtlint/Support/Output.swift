import ArgumentParser
import DTCore
import DTRules
import Foundation

/// Exit codes, as Documentation/Report.md states them.
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

/// Writes a command's report to standard output. Every report goes through here, so that a full, closed or broken
/// stdout is handled in one place.
func writeStandardOutput(_ text: String) throws(SourceError) {
  try writeOutput(Array(text.utf8), to: "-")
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

/// Prints diagnostics to stderr as text (header, snippet, notes, fix-its: see `TextRenderer`), in colour when
/// stderr is a terminal and the environment allows it. `input` names findings that have no source position.
func report(_ diagnostics: [Diagnostic], sources: SourceManager, input: String? = nil, color: ColorMode = .auto) {
  guard !diagnostics.isEmpty else { return }
  let context = ReportContext(sources: sources, tool: ToolInfo(version: DTLint.configuration.version))
  let options = TextRenderOptions(color: color.isEnabled(fileDescriptor: STDERR_FILENO))
  let renderer = TextRenderer(context: context, options: options)
  for d in diagnostics {
    printError(renderer.render(Finding(d, input: input)))
  }
}

/// `--color auto|always|never`.
extension ColorMode: ExpressibleByArgument {}

/// Objects kept until the process exits. Freeing a large tree node by node costs more than building it did
/// (callgrind: 60% of an `apply`), and the operating system reclaims the memory at exit anyway.
enum ProcessLifetime {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var objects: [AnyObject] = []

  static func keep(_ object: AnyObject) {
    lock.lock()
    objects.append(object)
    lock.unlock()
  }
}
