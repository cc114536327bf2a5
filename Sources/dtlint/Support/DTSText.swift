import DTCore
import DTRules

/// A tree as DTS for `dump` and `compile -O dts`, with a warning on stderr for each thing DTS cannot express and the
/// text leaves out (see ``DTSPrinter``): the text still compiles, and the user learns it is not the whole tree.
func dtsText(of tree: DeviceTree, input: String) -> [UInt8] {
  var omitted: [DTSPrinter.Omission] = []
  let text = DTSPrinter.printBytes(tree, omitted: &omitted)
  for o in omitted { printError("warning: \(input): \(o.nodePath): \(o.message)") }
  return text
}

/// `dump` of a blob written straight from its bytes to standard output (``BlobDump``, issue 20): the same bytes as
/// ``dtsText(of:input:)`` of the tree the blob is read into, handed to standard output ``dumpChunk`` bytes at a time
/// as they are written (a whole large blob's text in one buffer is some 40 fresh pages, each a page fault). True when
/// it was printed; false when `input` is not a blob that path prints, with nothing written: the input is then in
/// `sources` as it was read (a stream is read once), for the general path to load. An input that cannot be read
/// fails as ``loadForOutput(_:reader:options:)`` fails on it, before anything is written.
///
/// Once text was written it is written to the end: the first walk has decided (see ``BlobDump/Printer``). A
/// standard output that fails ends the process as ``writeStandardOutput(bytes:)`` says; should the second walk
/// stop all the same, the process ends with an error (exit 2), never with part of the text and success.
func printBlobDump(_ input: String, sources: SourceManager) throws -> Bool {
  let path = try StandardInput.path(input, sources: sources)
  let bytes: [UInt8]
  if input == "-" {
    guard let file = sources.loaded(path: path) else { return false }
    bytes = file.bytes
  } else {
    do {
      bytes = try SourceManager.readBytes(path: path, limit: sources.maxFileSize, accept: .regularFileOrStream)
    } catch {
      throw Failure.input(InputAdvice.explain(LoadError(path: path, reason: error.reason)).withPath(path))
    }
  }
  guard InputKind.detect(path: path, bytes: bytes) == .blob, let printer = BlobDump.Printer(bytes) else {
    if input != "-" { sources.addVirtualFile(path: path, bytes: bytes) }
    return false
  }
  var out: [UInt8] = []
  out.reserveCapacity(dumpChunk + 4096)
  var written = false
  let complete = printer.write(into: &out, chunk: dumpChunk) { text in
    writeStandardOutput(bytes: text)
    text.removeAll(keepingCapacity: true)
    written = true
  }
  if complete {
    writeStandardOutput(bytes: out)
    return true
  }
  // Not expected (the first walk accepted the blob). Before any output, the general path prints it instead.
  guard written else {
    if input != "-" { sources.addVirtualFile(path: path, bytes: bytes) }
    return false
  }
  printError(
    "error: \(path): internal error: the blob's text stopped after part of it was written (please report this)")
  DTLint.exitProcess(Exit.inputError)
}

/// How much of a dump's text is written to standard output at a time: a buffer that stays below the allocator's
/// threshold for mapping blocks on their own (128 KiB), so it is heap memory used over again.
let dumpChunk = 32 << 10
