/// How serious a finding is. Ordered: note < warning < error.
public enum Severity: String, Sendable, Comparable, CaseIterable, Codable {
  case note, warning, error
  private var rank: Int {
    switch self {
    case .note: 0
    case .warning: 1
    case .error: 2
    }
  }
  public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A secondary message attached to a diagnostic, with its own location.
public struct DiagnosticNote: Sendable, Hashable {
  public var message: String
  public var range: SourceRange?
  public init(_ message: String, at range: SourceRange? = nil) {
    self.message = message
    self.range = range
  }
}

/// A textual replacement proposed by a diagnostic (fix-it).
public struct TextEdit: Sendable, Hashable {
  public var range: SourceRange
  public var replacement: String
  public init(range: SourceRange, replacement: String) {
    self.range = range
    self.replacement = replacement
  }
}

public struct FixIt: Sendable, Hashable {
  public var message: String
  public var edits: [TextEdit]
  public init(message: String, edits: [TextEdit]) {
    self.message = message
    self.edits = edits
  }
}

/// What a finding asks of the kernel command line, which a device tree cannot set (the boot loader passes it):
/// attached by the rules that read the command line, so that `hmp fix` follows what the rule decided.
public enum CommandLineAdvice: Sendable, Hashable {
  /// Words that settle the finding once on the command line (`clk_ignore_unused`).
  case add([String])
  /// No word settles it, and why (a clock the driver clears while registering it).
  case unsettled(String)
}

/// A problem found in the input: a value, rendered later by a renderer.
public struct Diagnostic: Sendable, Hashable {
  /// Rule or stage ID: `syntax`, `preprocessor`, `duplicate_label`, …
  public var rule: String
  public var severity: Severity
  public var message: String
  public var range: SourceRange?
  public var nodePath: String?
  public var property: String?
  public var notes: [DiagnosticNote]
  public var fixes: [FixIt]
  /// What the kernel command line does for the finding; nil when the rule does not say.
  public var commandLine: CommandLineAdvice?

  public init(
    rule: String, severity: Severity, message: String, range: SourceRange?,
    nodePath: String? = nil, property: String? = nil, notes: [DiagnosticNote] = [], fixes: [FixIt] = [],
    commandLine: CommandLineAdvice? = nil
  ) {
    self.rule = rule
    self.severity = severity
    self.message = message
    self.range = range
    self.nodePath = nodePath
    self.property = property
    self.notes = notes
    self.fixes = fixes
    self.commandLine = commandLine
  }
}

extension Diagnostic {
  /// `file:line:col: severity: message [rule]`, the form compilers and editors parse.
  public func formatted(with sources: SourceManager) -> String {
    var lines = [
      DiagnosticText.line(
        location: range.map { DiagnosticText.location(of: $0, in: sources) }, severity: severity, message: message,
        rule: rule)
    ]
    for n in notes {
      lines.append(
        DiagnosticText.line(
          location: n.range.map { DiagnosticText.location(of: $0, in: sources) }, severity: .note, message: n.message))
    }
    return lines.joined(separator: "\n")
  }
}
