import DTCore
import DTRules
// libFuzzer harness: DTS source text through the whole front end.
//
// The input is one `.dts` file: preprocessor, lexer, parser and tree builder (`SourceReader.parse`), dtc's
// post-parse semantics (`SourceReader.finish`), the lint rules, and the two printers (DTS text and blob, with the
// blob read back). Every path must end in a tree or diagnostics, never a trap.
import FuzzSupport

private let linter = Linter()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDTS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = Array(fuzzBuffer(data, size))
  // Plugins (`/plugin/;`) and plain trees take different paths; the input decides which by its text.
  let sources = SourceManager()
  let file = sources.addVirtualFile(path: "/nonexistent-fuzz-dir/input.dts", bytes: bytes)
  var options = FrontEndOptions()
  options.includePaths = []
  let reader = SourceReader(sources: sources, options: options)
  let parsed = reader.parse(file: file)
  var compileOptions = CompileOptions()
  compileOptions.symbols = size % 2 == 0
  let compiled = SourceReader.finish(parsed, options: compileOptions)
  if compiled.inputFailure || compiled.refused { return 0 }
  _ = linter.lint(compiled.tree, frontEnd: compiled.diagnostics)
  _ = DTSPrinter.print(compiled.tree)
  let blob = DTBWriter.blob(of: compiled.tree)
  _ = try? DTBReader.read(blob, path: "roundtrip.dtb")
  return 0
}

runFuzzer { fuzzDTS($0, $1) }
