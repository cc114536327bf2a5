import DTCore
import Foundation

/// Who produced a report: written into JSON (`tool`) and SARIF (`tool.driver`).
public struct ToolInfo: Sendable, Hashable {
  public var name: String
  public var version: String
  /// SARIF `tool.driver.informationUri`: where users learn about the tool (an absolute URI).
  public var informationURI: String

  public init(name: String = "dtlint", version: String, informationURI: String = ToolInfo.defaultInformationURI) {
    self.name = name
    self.version = version
    self.informationURI = informationURI
  }

  /// The project's home page, as SARIF viewers link to it.
  public static let defaultInformationURI = "https://github.com/dtlint/dtlint"
}

/// One finding of a run: the diagnostic, plus the input (as the user named it) that produced it. The input
/// names findings that have no source position (blob input: `board.dtb: warning: … [rule]`).
public struct Finding: Sendable, Hashable {
  public var diagnostic: Diagnostic
  public var input: String?

  public init(_ diagnostic: Diagnostic, input: String? = nil) {
    self.diagnostic = diagnostic
    self.input = input
  }
}

/// A problem of the tool rather than of the device tree: a bad configuration file, an unreadable input, an
/// unknown rule on the command line. Not a finding: it goes to stderr, and in SARIF to
/// `invocations[0].toolExecutionNotifications`.
public struct ToolIssue: Sendable, Hashable, CustomStringConvertible {
  public var severity: Severity
  public var message: String
  public var file: String?
  public var line: Int?
  public var column: Int?

  public init(_ message: String, severity: Severity = .error, file: String? = nil, line: Int? = nil, column: Int? = nil)
  {
    self.severity = severity
    self.message = message
    self.file = file
    self.line = line
    self.column = column
  }

  /// `file:line:col: error: message`, or `error: message` when there is no file.
  public var description: String {
    DiagnosticText.line(
      location: file.map { DiagnosticText.location($0, line: line, column: column) }, severity: severity,
      message: message)
  }
}

/// Everything one `dtlint check` run has to say, ready for a renderer.
public struct Report: Sendable {
  public var findings: [Finding]
  /// What stopped the run from checking something: an input that could not be read or is not a device tree, a
  /// base that does not compile. Each names its file (and line, when it has one). Text and github print them on
  /// stderr, json has them as `errors`, SARIF as `toolExecutionNotifications`.
  public var errors: [ToolIssue]
  /// The inputs named by the user, in order (counted by the summary line).
  public var inputs: [String]
  /// The inputs that could not be checked (each has an entry in `errors`).
  public var unchecked: [String] = []
  /// The inputs that are overlays and were checked without a base (their fragment warnings are expected).
  public var overlaysCheckedAlone: [String] = []

  public init(findings: [Finding] = [], errors: [ToolIssue] = [], inputs: [String] = []) {
    self.findings = findings
    self.errors = errors
    self.inputs = inputs
  }

  /// Records that `input` could not be checked, and why.
  public mutating func addUnchecked(_ input: String, _ errors: [ToolIssue]) {
    if !inputs.contains(input) { inputs.append(input) }
    if !unchecked.contains(input) { unchecked.append(input) }
    self.errors.append(contentsOf: errors)
  }

  /// Adds the findings of one input (and the input itself, once).
  public mutating func add(_ diagnostics: [Diagnostic], input: String) {
    if !inputs.contains(input) { inputs.append(input) }
    findings.append(contentsOf: diagnostics.map { Finding($0, input: input) })
  }

  public func count(_ severity: Severity) -> Int { findings.count(where: { $0.diagnostic.severity == severity }) }
  /// At least one error-severity finding (exit 1; with `--werror` every finding is already an error).
  public var hasErrors: Bool { findings.contains { $0.diagnostic.severity == .error } }
}

/// The output formats of `dtlint check --format`.
public enum ReportFormat: String, Sendable, CaseIterable {
  case text, json, sarif, github
}

/// What renderers need besides the report: the sources (for positions and snippets), the tool, the
/// directory paths are made relative to, and the rules (SARIF describes them).
public struct ReportContext: Sendable {
  public var sources: SourceManager
  public var tool: ToolInfo
  /// Absolute. File paths below it are printed relative to it; relative paths are taken as relative to it.
  public var workingDirectory: String
  public var registry: RuleRegistry
  /// The run's rule settings (SARIF lists enabled rules). `nil`: the registry's defaults.
  public var selection: RuleSelection?

  public init(
    sources: SourceManager, tool: ToolInfo, workingDirectory: String = FileManager.default.currentDirectoryPath,
    registry: RuleRegistry = .shared, selection: RuleSelection? = nil
  ) {
    self.sources = sources
    self.tool = tool
    self.workingDirectory = workingDirectory
    self.registry = registry
    self.selection = selection
  }

  /// `path` as reports print it: relative to the working directory when it is below it.
  public func displayPath(_ path: String) -> String {
    PathDisplay.relative(path, to: workingDirectory)
  }

  /// Line/column positions of a range in both units reports use.
  func location(of range: SourceRange) -> ResolvedRange {
    let file = sources[range.file]
    let start = file.lineColumn(at: range.start)
    let end = file.lineColumn(at: range.end)
    return ResolvedRange(
      path: displayPath(file.path), absolutePath: PathDisplay.absolute(file.path, in: workingDirectory),
      line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
      utf16Column: Self.utf16Column(file, start), utf16EndColumn: Self.utf16Column(file, end),
      byteOffset: Int(range.start), byteLength: Int(range.end - range.start))
  }

  /// 1-based column in UTF-16 code units (SARIF `columnKind: utf16CodeUnits`).
  static func utf16Column(_ file: SourceFile, _ lc: LineColumn) -> Int {
    let start = Int(file.lineStarts[lc.line - 1])
    let end = min(file.bytes.count, start + lc.column - 1)
    guard end > start else { return 1 }
    return String(decoding: file.bytes[start..<end], as: UTF8.self).utf16.count + 1
  }

  /// Findings in report order: by file, line, column, rule (then severity, message, node path, input).
  func sorted(_ findings: [Finding]) -> [Finding] {
    struct Key {
      var file: String
      var line: Int
      var column: Int
      var rule: String
      var rest: [String]
      var index: Int
    }
    let keyed: [(Key, Finding)] = findings.enumerated().map { i, f in
      let d = f.diagnostic
      var key = Key(
        file: f.input.map(displayPath) ?? "", line: 0, column: 0, rule: d.rule,
        rest: [String(2 - severityRank(d.severity)), d.message, d.nodePath ?? "", d.property ?? "", f.input ?? ""],
        index: i)
      if let r = d.range {
        let loc = location(of: r)
        key.file = loc.path
        key.line = loc.line
        key.column = loc.column
      }
      return (key, f)
    }
    return keyed.sorted { a, b in
      let x = a.0
      let y = b.0
      if x.file != y.file { return x.file.utf8.lexicographicallyPrecedes(y.file.utf8) }
      if x.line != y.line { return x.line < y.line }
      if x.column != y.column { return x.column < y.column }
      if x.rule != y.rule { return x.rule < y.rule }
      if x.rest != y.rest { return x.rest.lexicographicallyPrecedes(y.rest) }
      return x.index < y.index
    }.map(\.1)
  }

  private func severityRank(_ s: Severity) -> Int {
    switch s {
    case .note: 0
    case .warning: 1
    case .error: 2
    }
  }
}

/// A range resolved to lines and columns. Columns are 1-based; `column` counts bytes (a tab is one),
/// `utf16Column` counts UTF-16 code units. The end is exclusive: the position just past the last byte.
struct ResolvedRange {
  var path: String
  var absolutePath: String
  var line: Int
  var column: Int
  var endLine: Int
  var endColumn: Int
  var utf16Column: Int
  var utf16EndColumn: Int
  var byteOffset: Int
  var byteLength: Int
}

/// Renders a report in any format.
public struct ReportRenderer: Sendable {
  public var context: ReportContext
  public var textOptions: TextRenderOptions

  public init(context: ReportContext, textOptions: TextRenderOptions = TextRenderOptions()) {
    self.context = context
    self.textOptions = textOptions
  }

  /// The whole report in `format`, ending with a newline (empty for text and github when there is nothing
  /// to say). The text summary line is not included: see ``TextRenderer/summary(of:)``.
  public func render(_ report: Report, as format: ReportFormat) -> String {
    switch format {
    case .text: TextRenderer(context: context, options: textOptions).render(report)
    case .json: JSONReportRenderer(context: context).render(report)
    case .sarif: SARIFRenderer(context: context).render(report)
    case .github: GitHubAnnotationRenderer(context: context).render(report)
    }
  }
}
