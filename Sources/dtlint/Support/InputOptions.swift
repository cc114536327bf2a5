import ArgumentParser
import DTCore
import DTRules
import Foundation

/// Options for reading device-tree sources, shared by every command.
struct InputOptions: ParsableArguments {
  @Option(
    name: [.customShort("I"), .customLong("include")],
    help: ArgumentHelp(
      "Add a directory to the search path of #include, /include/ and /incbin/ (repeatable).",
      valueName: "dir"),
    completion: .directory)
  var includePaths: [String] = []

  @Option(
    name: [.customShort("D"), .customLong("define")],
    help: ArgumentHelp("Define a preprocessor macro, NAME or NAME=VALUE (repeatable).", valueName: "macro"))
  var defines: [String] = []

  @Flag(name: .customLong("no-cpp"), help: "Do not run the C preprocessor on source input (plain dtc semantics).")
  var noCpp = false

  @Flag(
    name: .customLong("no-cache"),
    help: "Neither read nor write the cache of lexed headers ($XDG_CACHE_HOME/dtlint, else ~/.cache/dtlint).")
  var noCache = false

  var frontEnd: FrontEndOptions {
    var o = frontEndWithoutCache
    o.lexCache = noCache ? nil : Self.lexCache
    return o
  }

  /// The options without the cache of lexed headers, for inputs that are all blobs (nothing is lexed): finding
  /// the cache (this executable's path and status, the cache directory) costs a million instructions (issue 20).
  var frontEndWithoutCache: FrontEndOptions {
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

  /// The options for reading `paths`: without the cache of lexed headers when every one is a blob file (standard
  /// input is never looked at here: it can be read once only).
  func frontEnd(reading paths: [String], sources: SourceManager) -> FrontEndOptions {
    let blobs = paths.allSatisfy { p in
      p != "-" && (try? sources.load(path: p)).map { DTBReader.isBlob($0.bytes) } == true
    }
    return blobs ? frontEndWithoutCache : frontEnd
  }

  /// The user's cache of lexed headers (Documentation/Configuration.md, "Cache"), its entries tied to this very
  /// binary: the version, and the size and time of the executable, so a rebuilt dtlint never reads another's.
  static let lexCache: LexCache? = {
    guard let directory = LexCache.defaultDirectory(environment: Environment.values("XDG_CACHE_HOME", "HOME")) else {
      return nil
    }
    // The executable's path first (a tool that runs dtlint, as valgrind does, answers for it there), then its stat.
    var path = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &path, path.count - 1)
    var st = stat()
    let build =
      n > 0 && stat(path, &st) == 0 ? "\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)" : "unknown"
    return LexCache(directory: directory, toolVersion: DTLint.configuration.version + "+" + build)
  }()
}

/// Loads an input for a command, printing its diagnostics; exits 2 when it cannot be read and 1 when it has
/// errors (dtc would refuse it).
func loadForOutput(_ path: String, reader: SourceReader, options: CompileOptions = CompileOptions()) throws
  -> LoadedTree
{
  let path = try StandardInput.path(path, sources: reader.sources)
  let loaded: LoadedTree
  do {
    loaded = try reader.load(path: path, options: options)
  } catch {
    throw Failure.input(InputAdvice.explain(error).withPath(path))
  }
  ProcessLifetime.keep(loaded.tree)
  report(loaded.diagnostics, sources: reader.sources)
  if loaded.inputFailure {
    throw Failure.input(
      CheckRunner.stopped(path, loaded.diagnostics, sources: reader.sources, what: "not compiled").messageWithLocation)
  }
  if loaded.refused {
    printError("error: \(path): not compiled: the input has errors")
    throw Failure.reported(.findings)
  }
  return loaded
}

/// `-` as an input: standard input, read once (bounded like any file) and shown as `<stdin>`.
enum StandardInput {
  static let displayName = "<stdin>"

  /// The path to load for `path`: `<stdin>` (registered with `sources`) for `-`, else `path` itself.
  static func path(_ path: String, sources: SourceManager) throws -> String {
    guard path == "-" else { return path }
    if sources.loaded(path: displayName) != nil { return displayName }
    let bytes: [UInt8]
    do {
      bytes = try readStandardInput(limit: sources.maxFileSize)
    } catch {
      throw Failure.input("\(displayName): \(error.reason)")
    }
    sources.addVirtualFile(path: displayName, bytes: bytes)
    return displayName
  }
}

extension String {
  /// `PATH: self`, unless it already starts with the path.
  func withPath(_ path: String) -> String { hasPrefix(path + ":") ? self : "\(path): \(self)" }
}
