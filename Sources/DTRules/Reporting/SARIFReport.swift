import DTCore

/// `--format sarif`: a SARIF 2.1.0 log with one run, for GitHub code scanning and other SARIF viewers.
///
/// - `tool.driver` names the tool and lists one `reportingDescriptor` per rule that is enabled in the run or
///   reported in it, in registry order (`ruleIndex` points into that list): id, name, summary, rationale,
///   default level and category tag.
/// - Columns are UTF-16 code units (`columnKind: "utf16CodeUnits"`, stated explicitly); regions end
///   exclusively. Artifact URIs are relative to `SRCROOT` (the working directory) when the file is below it,
///   absolute `file://` URIs otherwise.
/// - The node path is a logical location; notes are `relatedLocations`; fix-its are `fixes` with one
///   `artifactChange` per file.
/// - Tool problems (configuration, unreadable inputs) are `invocations[0].toolExecutionNotifications`;
///   `executionSuccessful` is false when one of them is an error.
public struct SARIFRenderer: Sendable {
  public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

  public var context: ReportContext

  public init(context: ReportContext) {
    self.context = context
  }

  public func render(_ report: Report) -> String {
    document(report).serialized()
  }

  /// The log as a JSON value.
  public func document(_ report: Report) -> JSONValue {
    let findings = context.sorted(report.findings)
    let descriptors = ruleList(reported: findings.map(\.diagnostic.rule))
    var index: [String: Int] = [:]
    for (i, d) in descriptors.enumerated() { index[d.id] = i }

    var driver: [String: JSONValue] = [
      "name": .string(context.tool.name),
      "version": .string(context.tool.version),
      "informationUri": .string(context.tool.informationURI),
      "rules": .array(descriptors.map(descriptor)),
    ]
    if Self.isSemanticVersion(context.tool.version) { driver["semanticVersion"] = .string(context.tool.version) }

    let run: JSONValue = .object([
      "tool": .object(["driver": .object(driver)]),
      "columnKind": .string("utf16CodeUnits"),
      "originalUriBaseIds": .object([
        "SRCROOT": .object([
          "uri": .string(PathDisplay.fileURI(PathDisplay.normalize(context.workingDirectory), directory: true))
        ])
      ]),
      "results": .array(findings.map { result($0, ruleIndex: index[$0.diagnostic.rule]) }),
      "invocations": .array([
        .object([
          "executionSuccessful": .bool(!report.errors.contains { $0.severity == .error }),
          "toolExecutionNotifications": .array(report.errors.map(notification)),
        ])
      ]),
    ])
    return .object([
      "$schema": .string(Self.schemaURI),
      "version": .string("2.1.0"),
      "runs": .array([run]),
    ])
  }

  // MARK: - Rules

  private struct Descriptor {
    var id: String
    var description: RuleDescription?
  }

  /// Registry rules that are enabled or reported (registry order), then reported IDs the registry lacks.
  private func ruleList(reported: [String]) -> [Descriptor] {
    let reportedSet = Set(reported)
    var out: [Descriptor] = []
    var seen = Set<String>()
    for d in context.registry.descriptions {
      let enabled = context.selection?.setting(d.id)?.enabled ?? d.enabledByDefault
      if enabled || reportedSet.contains(d.id), seen.insert(d.id).inserted {
        out.append(Descriptor(id: d.id, description: d))
      }
    }
    for id in reportedSet.sorted() where !seen.contains(id) {
      out.append(Descriptor(id: id, description: nil))
    }
    return out
  }

  private func descriptor(_ r: Descriptor) -> JSONValue {
    var o: [String: JSONValue] = ["id": .string(r.id), "name": .string(Self.upperCamel(r.id))]
    if let d = r.description {
      o["shortDescription"] = .object(["text": .string(d.summary)])
      if !d.rationale.isEmpty { o["fullDescription"] = .object(["text": .string(d.rationale)]) }
      o["defaultConfiguration"] = .object([
        "level": .string(Self.level(d.defaultSeverity)), "enabled": .bool(d.enabledByDefault),
      ])
      o["properties"] = .object(["tags": .array([.string(d.category.rawValue)])])
    }
    return .object(o)
  }

  // MARK: - Results

  private func result(_ f: Finding, ruleIndex: Int?) -> JSONValue {
    let d = f.diagnostic
    var o: [String: JSONValue] = [
      "ruleId": .string(d.rule),
      "level": .string(Self.level(d.severity)),
      "message": .object(["text": .string(d.message)]),
    ]
    if let ruleIndex { o["ruleIndex"] = .int(ruleIndex) }
    var location: [String: JSONValue] = [:]
    if let r = d.range {
      location["physicalLocation"] = physicalLocation(r)
    } else if let input = f.input {
      location["physicalLocation"] = .object([
        "artifactLocation": artifactLocation(PathDisplay.absolute(input, in: context.workingDirectory))
      ])
    }
    if let path = d.nodePath {
      let name = path == "/" ? "/" : String(path.split(separator: "/").last ?? "")
      location["logicalLocations"] = .array([
        .object(["fullyQualifiedName": .string(path), "name": .string(name), "kind": .string("element")])
      ])
    }
    o["locations"] = .array(location.isEmpty ? [] : [.object(location)])
    if !d.notes.isEmpty {
      o["relatedLocations"] = .array(
        d.notes.enumerated().map { i, n in
          var l: [String: JSONValue] = ["id": .int(i + 1), "message": .object(["text": .string(n.message)])]
          if let r = n.range { l["physicalLocation"] = physicalLocation(r) }
          return .object(l)
        })
    }
    if !d.fixes.isEmpty {
      o["fixes"] = .array(d.fixes.map(fix))
    }
    return .object(o)
  }

  private func fix(_ fix: FixIt) -> JSONValue {
    // One artifactChange per file, files in the order the edits first name them.
    var order: [FileID] = []
    var byFile: [FileID: [TextEdit]] = [:]
    for e in fix.edits {
      if byFile[e.range.file] == nil { order.append(e.range.file) }
      byFile[e.range.file, default: []].append(e)
    }
    return .object([
      "description": .object(["text": .string(fix.message)]),
      "artifactChanges": .array(
        order.map { file in
          let edits = byFile[file]!
          return .object([
            "artifactLocation": artifactLocation(context.location(of: edits[0].range).absolutePath),
            "replacements": .array(
              edits.map { e in
                .object([
                  "deletedRegion": region(context.location(of: e.range)),
                  "insertedContent": .object(["text": .string(e.replacement)]),
                ])
              }),
          ])
        }),
    ])
  }

  private func notification(_ issue: ToolIssue) -> JSONValue {
    var o: [String: JSONValue] = [
      "level": .string(Self.level(issue.severity)),
      "message": .object(["text": .string(issue.message)]),
    ]
    if let file = issue.file {
      var physical: [String: JSONValue] = [
        "artifactLocation": artifactLocation(PathDisplay.absolute(file, in: context.workingDirectory))
      ]
      if let line = issue.line {
        var r: [String: JSONValue] = ["startLine": .int(line)]
        if let c = issue.column { r["startColumn"] = .int(c) }
        physical["region"] = .object(r)
      }
      o["locations"] = .array([.object(["physicalLocation": .object(physical)])])
    }
    return .object(o)
  }

  // MARK: - Locations

  private func physicalLocation(_ range: SourceRange) -> JSONValue {
    let loc = context.location(of: range)
    return .object(["artifactLocation": artifactLocation(loc.absolutePath), "region": region(loc)])
  }

  private func region(_ loc: ResolvedRange) -> JSONValue {
    .object([
      "startLine": .int(loc.line), "startColumn": .int(loc.utf16Column),
      "endLine": .int(loc.endLine), "endColumn": .int(loc.utf16EndColumn),
    ])
  }

  /// Relative to SRCROOT when below the working directory, an absolute `file://` URI otherwise.
  private func artifactLocation(_ absolutePath: String) -> JSONValue {
    let root = PathDisplay.normalize(context.workingDirectory)
    let prefix = root == "/" ? "/" : root + "/"
    if absolutePath.hasPrefix(prefix) {
      return .object([
        "uri": .string(PathDisplay.uriEncoded(String(absolutePath.dropFirst(prefix.count)))),
        "uriBaseId": .string("SRCROOT"),
      ])
    }
    return .object(["uri": .string(PathDisplay.fileURI(absolutePath))])
  }

  // MARK: - Helpers

  static func level(_ s: Severity) -> String {
    switch s {
    case .error: "error"
    case .warning: "warning"
    case .note: "note"
    }
  }

  /// `unit_address_vs_reg` → `UnitAddressVsReg` (SARIF `reportingDescriptor.name`).
  static func upperCamel(_ id: String) -> String {
    id.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
      .joined()
  }

  static func isSemanticVersion(_ v: String) -> Bool {
    let core = v.split(separator: "-", maxSplits: 1).first.map(String.init) ?? v
    let parts = core.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
  }
}
