import DTCore

/// `--format json`: the report format of Documentation/Report.md.
///
/// ```json
/// { "version": 1, "tool": {"name": "dtlint", "version": "…"},
///   "findings": [ { "rule", "severity", "message", "file", "line", "column", "endLine", "endColumn",
///                   "nodePath", "property",
///                   "notes": [ {"message", "file", "line", "column"} ],
///                   "fixes": [ {"message", "edits": [ {"file", "line", "column", "endLine", "endColumn",
///                                                      "replacement"} ]} ] } ],
///   "errors": [ { "severity", "message", "file", "line", "column" } ] }
/// ```
///
/// `errors` lists what the run could not check (an unreadable input, a blob that is not a device tree, a base that
/// does not compile): a report with errors is never a clean one, whatever `findings` holds (exit status 2).
///
/// Every key is always present (`null` where there is no value: `file`/`line`/… only for a blob finding without
/// a source). Lines and columns are 1-based and point into the original file; columns count bytes (a tab is
/// one), like the text output. `endLine`/`endColumn` are exclusive: the position just past the range, so an
/// empty range (an insertion point) has `endColumn == column`. Paths are relative to the working directory
/// when they are below it. Keys are sorted and findings ordered by file, line, column and rule.
public struct JSONReportRenderer: Sendable {
  /// The `version` of the report format.
  public static let formatVersion = 1

  public var context: ReportContext

  public init(context: ReportContext) {
    self.context = context
  }

  public func render(_ report: Report) -> String {
    document(report).serialized()
  }

  /// The report as a JSON value (for embedding or tests).
  public func document(_ report: Report) -> JSONValue {
    .object([
      "version": .int(Self.formatVersion),
      "tool": .object(["name": .string(context.tool.name), "version": .string(context.tool.version)]),
      "findings": .array(context.sorted(report.findings).map(finding)),
      "errors": .array(report.errors.map(error)),
    ])
  }

  /// An input the run could not check: `{"severity", "message", "file", "line", "column"}`.
  private func error(_ e: ToolIssue) -> JSONValue {
    .object([
      "severity": .string(e.severity.rawValue),
      "message": .string(e.message),
      "file": .string(e.file.map(context.displayPath)),
      "line": .int(e.line),
      "column": .int(e.column),
    ])
  }

  private func finding(_ f: Finding) -> JSONValue {
    let d = f.diagnostic
    let loc = d.range.map { context.location(of: $0) }
    return .object([
      "rule": .string(d.rule),
      "severity": .string(d.severity.rawValue),
      "message": .string(d.message),
      "file": .string(loc?.path),
      "line": .int(loc?.line),
      "column": .int(loc?.column),
      "endLine": .int(loc?.endLine),
      "endColumn": .int(loc?.endColumn),
      "nodePath": .string(d.nodePath),
      "property": .string(d.property),
      "notes": .array(
        d.notes.map { n in
          let l = n.range.map { context.location(of: $0) }
          return .object([
            "message": .string(n.message), "file": .string(l?.path), "line": .int(l?.line), "column": .int(l?.column),
          ])
        }),
      "fixes": .array(
        d.fixes.map { fix in
          .object([
            "message": .string(fix.message),
            "edits": .array(
              fix.edits.map { e in
                let l = context.location(of: e.range)
                return .object([
                  "file": .string(l.path), "line": .int(l.line), "column": .int(l.column), "endLine": .int(l.endLine),
                  "endColumn": .int(l.endColumn), "replacement": .string(e.replacement),
                ])
              }),
          ])
        }),
    ])
  }
}
