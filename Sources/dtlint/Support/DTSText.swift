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

/// `dump`'s text for a blob, written straight from its bytes (``BlobDump``, issue 20): the same bytes as
/// ``dtsText(of:input:)`` of the tree the blob is read into. nil when `input` is not a blob that path prints; the
/// input is then in `sources` as it was read (a stream is read once), for the general path to load. An input that
/// cannot be read fails as ``loadForOutput(_:reader:options:)`` fails on it.
func blobDumpText(_ input: String, sources: SourceManager) throws -> [UInt8]? {
  let path = try StandardInput.path(input, sources: sources)
  let bytes: [UInt8]
  if input == "-" {
    guard let file = sources.loaded(path: path) else { return nil }
    bytes = file.bytes
  } else {
    do {
      bytes = try SourceManager.readBytes(path: path, limit: sources.maxFileSize, accept: .regularFileOrStream)
    } catch {
      throw Failure.input(InputAdvice.explain(LoadError(path: path, reason: error.reason)).withPath(path))
    }
  }
  if InputKind.detect(path: path, bytes: bytes) == .blob, let text = BlobDump.text(bytes) { return text }
  if input != "-" { sources.addVirtualFile(path: path, bytes: bytes) }
  return nil
}
