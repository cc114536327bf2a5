/// The one text form of a finding, shared by every renderer: `file:line:col: severity: message [rule]`, the form
/// compilers print and editors parse. ``Diagnostic/formatted(with:)``, the `check` text report (with colour and
/// snippets) and `hmp explain-log` all build their lines here.
public enum DiagnosticText {
  /// A piece of a line, for renderers that colour them.
  public enum Part: Sendable {
    /// `file:line:col:` (with its colon).
    case location
    /// `error:` (with its colon).
    case severity(Severity)
    case message
  }

  /// `file:line:col`: the line when known, the column when known with it.
  public static func location(_ file: String, line: Int?, column: Int? = nil) -> String {
    guard let line else { return file }
    return column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)"
  }

  /// `location: severity: message [rule]`; without a location the line starts with the severity, without a rule it
  /// ends with the message. `style` decorates each part (colour); by default the parts are plain.
  public static func line(
    location: String?, severity: Severity, message: String, rule: String? = nil,
    style: (Part, String) -> String = { $1 }
  ) -> String {
    var s = ""
    if let location { s += style(.location, location + ":") + " " }
    s += style(.severity(severity), severity.rawValue + ":") + " " + style(.message, message)
    if let rule { s += " [\(rule)]" }
    return s
  }

  /// The position of `range` as `file:line:col`, with the file as `sources` names it.
  public static func location(of range: SourceRange, in sources: SourceManager) -> String {
    let f = sources[range.file]
    let lc = f.lineColumn(at: range.start)
    return location(f.path, line: lc.line, column: lc.column)
  }
}
