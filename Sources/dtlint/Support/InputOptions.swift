import ArgumentParser
import DTCore

/// Options for reading device-tree sources, shared by every command.
struct InputOptions: ParsableArguments {
  @Option(
    name: [.customShort("I"), .customLong("include")],
    help: ArgumentHelp(
      "Add a directory to the search path of #include, /include/ and /incbin/ (repeatable).",
      valueName: "dir"))
  var includePaths: [String] = []

  @Option(
    name: [.customShort("D"), .customLong("define")],
    help: ArgumentHelp("Define a preprocessor macro, NAME or NAME=VALUE (repeatable).", valueName: "macro"))
  var defines: [String] = []

  @Flag(name: .customLong("no-cpp"), help: "Do not run the C preprocessor on source input (plain dtc semantics).")
  var noCpp = false

  var frontEnd: FrontEndOptions {
    var o = FrontEndOptions()
    o.includePaths = includePaths
    o.defines = defines.map { d in
      if let eq = d.firstIndex(of: "=") {
        return (name: String(d[..<eq]), value: String(d[d.index(after: eq)...]))
      }
      return (name: d, value: nil)
    }
    o.preprocess = !noCpp
    return o
  }
}

/// Loads an input for a command, printing its diagnostics; exits 2 when it cannot be read and 1 when it has
/// errors (dtc would refuse it).
func loadForOutput(_ path: String, reader: SourceReader, options: CompileOptions = CompileOptions()) throws
  -> LoadedTree
{
  let loaded: LoadedTree
  do {
    loaded = try reader.load(path: path, options: options)
  } catch {
    printError("error: \(error.description)")
    throw ExitCode(Exit.inputError)
  }
  ProcessLifetime.keep(loaded.tree)
  report(loaded.diagnostics, sources: reader.sources)
  if loaded.inputFailure { throw ExitCode(Exit.inputError) }
  if loaded.refused {
    printError("error: \(path): not compiled: the input has errors")
    throw ExitCode(Exit.findings)
  }
  return loaded
}
