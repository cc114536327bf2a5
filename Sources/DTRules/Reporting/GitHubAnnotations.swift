import DTCore

/// `--format github`: GitHub Actions workflow commands, one per finding, which the runner turns into
/// annotations on the pull request:
///
/// ```
/// ::warning file=boards/acme.dts,line=5,col=2,endLine=5,endColumn=11,title=unit_address_vs_reg::node '/uart@1000' …
/// ```
///
/// Severities map error → `error`, warning → `warning`, note → `notice`. Positions are those of the JSON report
/// (1-based, columns in bytes, end exclusive); `col` and `endColumn` only when the finding starts and ends on the
/// same line, as GitHub requires. Notes and fix-its follow the message on lines of their own.
/// Values are escaped as GitHub's toolkit does: `%`, CR and LF everywhere, and also `:` and `,` in properties.
public struct GitHubAnnotationRenderer: Sendable {
  public var context: ReportContext

  public init(context: ReportContext) {
    self.context = context
  }

  public func render(_ report: Report) -> String {
    var out = ""
    for f in context.sorted(report.findings) {
      out += annotation(f)
      out += "\n"
    }
    for e in report.errors {
      out += annotation(e)
      out += "\n"
    }
    return out
  }

  /// An input the run could not check, annotated on its file (and line) with the title `input`.
  public func annotation(_ e: ToolIssue) -> String {
    var props: [(String, String)] = []
    if let file = e.file {
      props.append(("file", context.displayPath(file)))
      if let line = e.line { props.append(("line", String(line))) }
      if let col = e.column { props.append(("col", String(col))) }
    }
    props.append(("title", "input"))
    return command(e.severity, props: props, message: e.message)
  }

  public func annotation(_ f: Finding) -> String {
    let d = f.diagnostic
    var props: [(String, String)] = []
    var message = d.message
    if let r = d.range {
      let l = context.location(of: r)
      // GitHub takes columns only for a range on one line ("omit start_column and end_column if start_line and
      // end_line have different values"); a multi-line finding is annotated by its lines.
      props = [("file", l.path), ("line", String(l.line))]
      if l.line == l.endLine { props.append(("col", String(l.column))) }
      props.append(("endLine", String(l.endLine)))
      if l.line == l.endLine { props.append(("endColumn", String(l.endColumn))) }
    } else {
      if let input = f.input { props.append(("file", context.displayPath(input))) }
      if let path = d.nodePath { message += "\nat " + path + (d.property.map { ":" + $0 } ?? "") }
    }
    props.append(("title", d.rule))
    for n in d.notes {
      if let r = n.range {
        let l = context.location(of: r)
        message += "\nnote: \(l.path):\(l.line):\(l.column): \(n.message)"
      } else {
        message += "\nnote: \(n.message)"
      }
    }
    for fix in d.fixes { message += "\nfix-it: \(fix.message)" }
    return command(d.severity, props: props, message: message)
  }

  /// `::error|warning|notice PROPS::MESSAGE`, escaped.
  private func command(_ severity: Severity, props: [(String, String)], message: String) -> String {
    let command: String =
      switch severity {
      case .error: "error"
      case .warning: "warning"
      case .note: "notice"
      }
    let properties = props.map { "\($0.0)=\(Self.escapeProperty($0.1))" }.joined(separator: ",")
    return "::\(command) \(properties)::\(Self.escapeData(message))"
  }

  /// The message part: `%`, CR and LF percent-encoded.
  public static func escapeData(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
      switch c {
      case "%": out += "%25"
      case "\r": out += "%0D"
      case "\n": out += "%0A"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }

  /// A property value: as ``escapeData(_:)`` plus `:` and `,`.
  public static func escapeProperty(_ s: String) -> String {
    var out = ""
    for c in escapeData(s).unicodeScalars {
      switch c {
      case ":": out += "%3A"
      case ",": out += "%2C"
      default: out.unicodeScalars.append(c)
      }
    }
    return out
  }
}
