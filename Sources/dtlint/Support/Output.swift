import ArgumentParser
import DTCore
import DTRules
import Foundation

/// Writes a line to stderr (file names shown by their bytes, `\xNN` where not UTF-8). A failing stderr is
/// ignored: there is nowhere left to say so (a broken pipe ends the process as it does any Unix tool).
func printError(_ s: String) {
  let bytes = Array((FileName.display(s) + "\n").utf8)
  if writeAll(STDERR_FILENO, bytes) == EPIPE { ProcessStreams.endOnBrokenPipe() }
}

/// Writes a command's report to standard output. Every report goes through here. A stdout that cannot take it
/// ends the command: a broken pipe quietly, as `grep` and `cat` do (killed by SIGPIPE, 141 in the shell); any other
/// failure (a full disk, a closed stdout) with "error: standard output: …" on stderr and exit status 2.
func writeStandardOutput(_ text: String) {
  writeStandardOutput(bytes: Array(text.utf8))
}

func writeStandardOutput(bytes: [UInt8]) {
  let error = writeAll(STDOUT_FILENO, bytes)
  if error == 0 { return }
  if error == EPIPE { ProcessStreams.endOnBrokenPipe() }
  printError("error: standard output: cannot write: \(errnoDescription(error))")
  PendingFiles.unlinkAll()
  exit(Exit.inputError)
}

/// Reads standard input to its end, refusing more than `limit` bytes (an endless stream stops there with an
/// error instead of filling memory). A closed stdin is an error naming "standard input".
func readStandardInput(limit: Int = standardInputLimit) throws(SourceError) -> [UInt8] {
  try FileAccess.readToEnd(fd: STDIN_FILENO, name: "standard input", limit: limit)
}

/// The most read from standard input (or a log stream): 256 MiB.
let standardInputLimit = 256 << 20

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR; 0, or the errno of the failure.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
  var written = 0
  while written < bytes.count {
    let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
    if n < 0 {
      if errno == EINTR { continue }
      return errno
    }
    if n == 0 { return EIO }
    written += n
  }
  return 0
}

/// Prints diagnostics to stderr as text (header, snippet, notes, fix-its: see `TextRenderer`), in colour when
/// stderr is a terminal and the environment allows it. `input` names findings that have no source position.
func report(_ diagnostics: [Diagnostic], sources: SourceManager, input: String? = nil, color: ColorMode = .auto) {
  guard !diagnostics.isEmpty else { return }
  let context = ReportContext(sources: sources, tool: ToolInfo(version: DTLint.configuration.version))
  let options = TextRenderOptions(color: color.isEnabled(writingTo: STDERR_FILENO))
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
