import ArgumentParser
import DTCore
import Foundation

extension DTLint {
  /// Writes the man pages from the argument parser's own description of the commands
  /// (`dtlint --experimental-dump-help`), so they cannot drift from `--help`. Hidden: it is for Scripts/install and
  /// packagers, not for day-to-day use.
  struct GenerateManual: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "generate-manual",
      abstract: "Write the man pages (dtlint.1, dtlint-check.1, …) generated from the command-line parser.",
      discussion: """
        One page per command, in man(7) format, generated from the same description as --help (the tool info \
        of `dtlint --experimental-dump-help`): synopsis, description, arguments, options with their values and \
        defaults, examples and exit status. The pages carry no date unless SOURCE_DATE_EPOCH is set, so the \
        same binary always writes the same bytes. Scripts/install runs this.

        Examples:
          dtlint generate-manual --output-directory /usr/local/share/man/man1
          dtlint --experimental-dump-help > tool.json
          dtlint generate-manual --tool-info tool.json -o man1
        """,
      shouldDisplay: false)

    @Option(
      name: [.customShort("o"), .customLong("output-directory")],
      help: ArgumentHelp("Directory to write the pages to (created if missing).", valueName: "dir"),
      completion: .directory)
    var outputDirectory: String

    @Option(
      help: ArgumentHelp(
        "Read the tool info from this file instead of running this binary with --experimental-dump-help.",
        valueName: "json"),
      completion: .file(extensions: ["json"]))
    var toolInfo: String?

    func validate() throws {
      if outputDirectory.isEmpty { throw ValidationError("--output-directory needs a directory name, not ''") }
    }

    func run() throws {
      let json: Data
      do {
        if let toolInfo {
          json = Data(try SourceManager.readBytes(path: toolInfo, limit: 64 << 20, accept: .regularFileOrStream))
        } else {
          json = try Self.dumpHelp()
        }
      } catch {
        printError("error: cannot read the tool info: \(error)")
        throw Failure.reported(.unreadable)
      }
      let pages: [ManualPage]
      do {
        pages = try ManualWriter.pages(fromToolInfo: json, date: ManualWriter.dateFromEnvironment())
      } catch {
        printError("error: the tool info is not what --experimental-dump-help writes: \(error)")
        throw Failure.reported(.unreadable)
      }
      do {
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        for page in pages {
          try writeOutput(Array(page.text.utf8), to: outputDirectory + "/" + page.fileName)
        }
      } catch {
        printError("error: \(error)")
        throw Failure.reported(.unreadable)
      }
    }

    /// This binary's `--experimental-dump-help`.
    static func dumpHelp() throws -> Data {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
      if !FileManager.default.fileExists(atPath: "/proc/self/exe") {
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
      }
      p.arguments = ["--experimental-dump-help"]
      let out = Pipe()
      p.standardOutput = out
      try p.run()
      let data = out.fileHandleForReading.readDataToEndOfFile()
      p.waitUntilExit()
      guard p.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
      return data
    }
  }
}

struct ManualPage {
  var fileName: String
  var text: String
}

/// man(7) pages from ArgumentParser's tool info (`--experimental-dump-help`, serialization version 0).
enum ManualWriter {
  struct ToolInfo: Decodable {
    var command: Command
  }

  struct Command: Decodable {
    var commandName: String
    var abstract: String?
    var discussion: String?
    var shouldDisplay: Bool?
    var arguments: [Argument]?
    var subcommands: [Command]?
    var defaultSubcommand: String?
  }

  struct Argument: Decodable {
    struct Name: Decodable {
      var kind: String
      var name: String
    }
    var kind: String  // positional, option, flag
    var names: [Name]?
    var valueName: String?
    var abstract: String?
    var discussion: String?
    var isOptional: Bool?
    var isRepeating: Bool?
    var shouldDisplay: Bool?
    var allValues: [String]?
    var defaultValue: String?
  }

  /// `SOURCE_DATE_EPOCH` as `YYYY-MM-DD`, or nil (reproducible builds' convention).
  static func dateFromEnvironment() -> String? {
    guard let s = Environment.value("SOURCE_DATE_EPOCH"), let t = Int(s) else { return nil }
    var time = time_t(t)
    var parts = tm()
    gmtime_r(&time, &parts)
    return String(format: "%04d-%02d-%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
  }

  static func pages(fromToolInfo json: Data, date: String? = nil) throws -> [ManualPage] {
    let info = try JSONDecoder().decode(ToolInfo.self, from: json)
    let root = info.command
    let version = Self.version(of: root)
    var pages: [ManualPage] = []
    var all: [[String]] = []
    func collect(_ c: Command, _ path: [String]) {
      guard c.shouldDisplay != false, c.commandName != "help" || path.count == 1 else { return }
      all.append(path)
      for s in c.subcommands ?? [] { collect(s, path + [s.commandName]) }
    }
    collect(root, [root.commandName])
    func visit(_ c: Command, _ path: [String]) {
      guard all.contains(path) else { return }
      pages.append(page(for: c, path: path, all: all, version: version, date: date))
      for s in c.subcommands ?? [] { visit(s, path + [s.commandName]) }
    }
    visit(root, [root.commandName])
    return pages
  }

  static func version(of root: Command) -> String? {
    // ArgumentParser's dump does not carry the version string; the binary that wrote it is this one.
    DTLint.configuration.version.isEmpty ? nil : DTLint.configuration.version
  }

  static func page(for c: Command, path: [String], all: [[String]], version: String?, date: String?) -> ManualPage {
    let name = path.joined(separator: "-")
    let words = path.joined(separator: " ")
    var out = ".\\\" Generated by `dtlint generate-manual` from the command-line parser; do not edit.\n"
    out +=
      ".TH \(quoted(name.uppercased())) 1 \(quoted(date ?? "")) \(quoted("dtlint" + (version.map { " " + $0 } ?? ""))) "
    out += "\(quoted("dtlint manual"))\n"
    out += ".SH NAME\n\(escape(name)) \\- \(escape(sentence(c.abstract ?? "")))\n"

    let args = (c.arguments ?? []).filter { $0.shouldDisplay != false }
    out += ".SH SYNOPSIS\n.B \(escape(words))\n"
    if let subs = c.subcommands?.filter({ $0.shouldDisplay != false && $0.commandName != "help" }), !subs.isEmpty {
      out += "\\fIsubcommand\\fR\n"
    }
    for a in args where !isBuiltin(a) {
      out += synopsisItem(a) + "\n"
    }

    var (description, examples) = split(c.discussion ?? "")
    if description.isEmpty { description = [sentence(c.abstract ?? "")] }
    out += ".SH DESCRIPTION\n"
    out += paragraphs(description)

    let positionals = args.filter { $0.kind == "positional" }
    if !positionals.isEmpty {
      out += ".SH ARGUMENTS\n"
      for a in positionals {
        out += ".TP\n\\fI\(escape(a.valueName ?? "value"))\\fR\(a.isRepeating == true ? "\\&..." : "")\n"
        out += escape(argumentText(a)) + "\n"
      }
    }
    let options = args.filter { $0.kind != "positional" }
    if !options.isEmpty {
      out += ".SH OPTIONS\n"
      for a in options {
        out += ".TP\n" + optionLabel(a) + "\n"
        out += escape(argumentText(a)) + "\n"
      }
    }
    let subs = (c.subcommands ?? []).filter { all.contains(path + [$0.commandName]) && $0.commandName != "help" }
    if !subs.isEmpty {
      out += ".SH SUBCOMMANDS\n"
      for s in subs {
        let default_ = c.defaultSubcommand == s.commandName ? " (the default)" : ""
        out += ".TP\n.BR \(escape((path + [s.commandName]).joined(separator: "-"))) (1)\n"
        out += escape(sentence(s.abstract ?? "") + default_) + "\n"
      }
    }
    if !examples.isEmpty {
      out += ".SH EXAMPLES\n.RS 4\n.nf\n"
      for line in examples { out += escapeLiteral(line) + "\n" }
      out += ".fi\n.RE\n"
    }
    let related = all.filter { $0 != path && ($0.count <= 2 || $0.starts(with: path) || path.starts(with: $0)) }
    if !related.isEmpty {
      out += ".SH SEE ALSO\n"
      out +=
        related.map { ".BR \(escape($0.joined(separator: "-"))) (1)" }.joined(separator: ",\n") + "\n"
    }
    return ManualPage(fileName: name + ".1", text: out)
  }

  static func isBuiltin(_ a: Argument) -> Bool {
    let long = a.names?.first { $0.kind == "long" }?.name
    return a.kind == "flag" && (long == "help" || long == "version")
  }

  static func synopsisItem(_ a: Argument) -> String {
    var s: String
    switch a.kind {
    case "positional":
      s = "\\fI\(escape(a.valueName ?? "value"))\\fR"
    case "flag":
      s = "\\fB\(escapeLiteral(preferredName(a)))\\fR"
    default:
      s = "\\fB\(escapeLiteral(preferredName(a)))\\fR \\fI\(escape(a.valueName ?? "value"))\\fR"
    }
    if a.isRepeating == true { s += "\\&..." }
    if a.isOptional == true { s = "[" + s + "]" }
    return s
  }

  static func preferredName(_ a: Argument) -> String {
    let names = a.names ?? []
    if let long = names.first(where: { $0.kind == "long" }) { return "--" + long.name }
    if let short = names.first(where: { $0.kind == "short" }) { return "-" + short.name }
    if let other = names.first { return "-" + other.name }
    return a.valueName ?? ""
  }

  static func optionLabel(_ a: Argument) -> String {
    let names = (a.names ?? []).map { n -> String in
      let dash = n.kind == "long" ? "--" : "-"
      return "\\fB\(escapeLiteral(dash + n.name))\\fR"
    }
    var label = names.joined(separator: ", ")
    if a.kind == "option" { label += " \\fI\(escape(a.valueName ?? "value"))\\fR" }
    return label
  }

  static func argumentText(_ a: Argument) -> String {
    var text = sentence(a.abstract ?? "")
    if let d = a.discussion, !d.isEmpty { text += " " + d }
    var extra: [String] = []
    if let values = a.allValues, !values.isEmpty { extra.append("values: " + values.joined(separator: ", ")) }
    if let d = a.defaultValue, !d.isEmpty, a.kind != "flag" { extra.append("default: " + d) }
    if !extra.isEmpty { text += " (" + extra.joined(separator: "; ") + ")" }
    return text
  }

  /// The discussion's paragraphs, and the lines of its `Examples:` block (indentation removed).
  static func split(_ discussion: String) -> (paragraphs: [String], examples: [String]) {
    var paragraphs: [String] = []
    var examples: [String] = []
    for block in discussion.components(separatedBy: "\n\n") {
      let lines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      if lines.first?.trimmingCharacters(in: .whitespaces) == "Examples:" {
        let body = lines.dropFirst().filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let indent = body.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        examples += body.map { String($0.dropFirst(indent)) }
      } else if !block.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        paragraphs.append(block)
      }
    }
    return (paragraphs, examples)
  }

  static func paragraphs(_ ps: [String]) -> String {
    var out = ""
    for (i, p) in ps.enumerated() {
      if i > 0 { out += ".PP\n" }
      for line in p.split(separator: "\n") {
        let trimmed = line.drop { $0 == " " }
        if trimmed.count < line.count {
          // An indented line inside a paragraph is a literal line (a command, a list).
          out += ".br\n\\&" + escapeLiteral(String(line)) + "\n"
        } else {
          out += escape(String(line)) + "\n"
        }
      }
    }
    return out
  }

  static func sentence(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

  /// Running text for roff: backslashes escaped, non-ASCII as `\[uXXXX]`, a leading `.` or `'` protected.
  static func escape(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
      switch c {
      case "\\": out += "\\e"
      case "\n": out += " "
      default:
        if c.value < 0x80 {
          out.unicodeScalars.append(c)
        } else {
          out += "\\[u" + String(format: "%04X", c.value) + "]"
        }
      }
    }
    if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
    return out
  }

  /// As `escape`, with `-` as `\-` so that options and commands copy and paste as typed.
  static func escapeLiteral(_ s: String) -> String {
    var out = escape(s)
    out = out.replacingOccurrences(of: "-", with: "\\-")
    return out
  }

  static func quoted(_ s: String) -> String { "\"" + escape(s).replacingOccurrences(of: "\"", with: "\\(dq") + "\"" }
}
