import ArgumentParser
import DTCore
import DTHMP
import DTRules
import DTYAML
import Foundation

/// How a command ends when it does not succeed. Every command throws one of these (or an error type the mapping
/// below knows), and `DTLint.main()` turns it into a message and an exit code: the exit codes of the README's
/// "Exit status" section are decided here and nowhere else.
enum Failure: Error {
  /// A bad option, argument or configuration value: printed as `error: MESSAGE`, exit 64.
  case usage(String)
  /// An input that could not be read, is not a device tree, or an output that could not be written: printed as
  /// `error: MESSAGE` (the message names the file), exit 2.
  case input(String)
  /// Already said (findings, a report with its errors, a diff): only the exit code is left to give.
  case reported(Outcome)

  /// What a run found, as the exit code says it.
  enum Outcome {
    /// At least one error-severity finding, or (diff) the trees differ: exit 1.
    case findings
    /// An input could not be read; what went wrong is in the report or on stderr: exit 2.
    case unreadable
    /// A usage error that was already explained: exit 64.
    case usage
  }

  /// An M7 manifest, or a file it names, that cannot be read or used (exit 2): the message names the file and says
  /// which option or configuration key gave the manifest.
  static func manifest(_ error: InputError, manifest: String?, given: String) -> Failure {
    let role =
      error.path == manifest
      ? "the M7 manifest given by \(given)" : "named by the M7 manifest \(manifest ?? ""), given by \(given)"
    return .input("\(error.messageWithoutSeverity) (\(role))")
  }

  /// A failure already reported, with the exit status a lower layer decided (2 or 64).
  static func reported(exitCode: Int32) -> Failure {
    .reported(exitCode == Exit.usage ? .usage : exitCode == Exit.findings ? .findings : .unreadable)
  }

  var exitCode: Int32 {
    switch self {
    case .usage, .reported(.usage): Exit.usage
    case .input, .reported(.unreadable): Exit.inputError
    case .reported(.findings): Exit.findings
    }
  }

  /// The line printed on stderr, if any.
  var message: String? {
    switch self {
    case .usage(let m), .input(let m): "error: " + m
    case .reported: nil
    }
  }

  /// Maps the library's error types: a file that cannot be read (source, blob, output) is an input error, a YAML
  /// file that cannot be used (manifest, profile) too; anything else is not ours to map.
  static func from(_ error: any Error) -> Failure? {
    switch error {
    case let f as Failure: f
    case let e as SourceError: .input(e.description)
    case let e as LoadError: .input(e.description)
    case let e as InputError: .input(e.messageWithoutSeverity)
    case let e as ConfigurationError: .usage(e.toolIssue.messageWithLocation)
    case let e as OutputError: e.exitCode == Exit.usage ? .usage(e.description) : .input(e.description)
    default: nil
    }
  }
}

/// Exit codes, as the README ("Exit status") and Documentation/Report.md state them. Only `Failure` and
/// `DTLint.main()` use them.
enum Exit {
  static let ok: Int32 = 0
  static let findings: Int32 = 1
  static let inputError: Int32 = 2
  static let usage: Int32 = 64
}

extension InputError {
  /// `file:line:col: key: message`, for `error: …` lines.
  var messageWithoutSeverity: String {
    var s = path
    if let line { s += ":\(line)" + (column.map { ":\($0)" } ?? "") }
    s += ": "
    if let key { s += "\(key): " }
    return s + message
  }
}

extension ToolIssue {
  /// `file:line:col: message` (no severity), for `error: …` lines.
  var messageWithLocation: String {
    var head = ""
    if let file {
      head = file
      if let line { head += ":\(line)" + (column.map { ":\($0)" } ?? "") }
      head += ": "
    }
    return head + message
  }
}

extension DTLint {
  /// Parses `arguments`, runs the command, and ends the process with the exit code its outcome calls for.
  static func run(arguments: [String]) -> Never {
    // `help NAME` with an unknown NAME: the argument parser would show the top-level help and exit 0.
    if let message = unknownHelpTopic(arguments) {
      printError(message)
      printError("Usage: dtlint help [<subcommand>...]")
      exitProcess(Exit.usage)
    }
    // `dump FILE` of a blob the direct printer takes needs no command value: building `Dump` (its option wrappers)
    // was 0.77 M of the 8.3 M instructions of a large blob's dump. Any other input, and any error, goes the usual
    // way below (which reads the file again and says what is wrong): only a regular file can be read twice. Nothing
    // is written before the direct printer has taken the blob, and then all of it is (or the process ends).
    if arguments.count == 2, arguments[0] == "dump", !arguments[1].hasPrefix("-"),
      FileAccess.type(of: arguments[1]) == .regular,
      (try? printBlobDump(arguments[1], sources: SourceManager())) == true
    {
      exitProcess(Exit.ok)
    }
    var command: any ParsableCommand
    if let quick = QuickArguments.command(arguments) {
      command = quick
    } else {
      do {
        command = try parseAsRoot(arguments)
      } catch {
        exit(withError: error)
      }
    }
    finish { try command.run() }
  }

  /// Runs `body` and ends the process with the exit code its outcome calls for.
  static func finish(_ body: () throws -> Void) -> Never {
    do {
      try body()
    } catch {
      guard let failure = Failure.from(error) else { exit(withError: error) }
      if let m = failure.message { printError(m) }
      exitProcess(failure.exitCode)
    }
    exitProcess(Exit.ok)
  }

  /// Ends the process (standard output flushed first).
  static func exitProcess(_ code: Int32) -> Never {
    fflush(nil)
    Foundation.exit(code)
  }
}

/// `--quiet`: nothing on stderr but findings and errors (no summary, no notes), as dtc is silent on success.
enum Console {
  nonisolated(unsafe) static var quiet = false
}

/// `-q/--quiet`, for the commands that say more than their findings and errors.
struct QuietOption: ParsableArguments {
  @Flag(name: [.customShort("q"), .long], help: "Print nothing but findings and errors (no summary, no notes).")
  var quiet = false

  // Takes effect as soon as the command line is parsed, before the command runs.
  func validate() throws {
    if quiet { Console.quiet = true }
  }
}

/// A note or summary line on stderr, unless `--quiet`.
func printNote(_ s: String?) {
  guard let s, !Console.quiet else { return }
  printError(s)
}
