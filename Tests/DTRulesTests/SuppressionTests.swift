import DTCore
import Foundation
import Testing

@testable import DTRules

@Suite struct SuppressionTests {
  private let registry = ReportingSupport.registry

  /// A file, the suppressions over it, and a finding maker for a rule on a given line.
  private struct Setup {
    let sources = SourceManager()
    let file: SourceFile
    let suppressions: Suppressions

    init(_ text: String, registry: RuleRegistry) {
      file = sources.addVirtualFile(path: "board.dts", text: text)
      suppressions = Suppressions(sources: sources, registry: registry)
    }

    func finding(_ rule: String, line: Int, severity: Severity = .warning) -> Diagnostic {
      let start = file.lineStarts[line - 1]
      return Diagnostic(
        rule: rule, severity: severity, message: "\(rule) on \(line)",
        range: SourceRange(file: file.id, start: start, end: start + 1))
    }

    func suppressed(_ rule: String, line: Int) -> Bool { suppressions.isSuppressed(finding(rule, line: line)) }
  }

  @Test func nextLineInBothCommentForms() {
    let s = Setup(
      """
      /dts-v1/;
      / {
      \t/* dtlint-disable-next-line unit_address_vs_reg */
      \tuart@1000 { };
      \tuart@2000 { };
      \t// dtlint-disable-next-line node_name_chars, unit_address_vs_reg -- generated names
      \tUART@3000 { };
      };
      """, registry: registry)
    #expect(s.suppressed("unit_address_vs_reg", line: 4))
    #expect(!s.suppressed("node_name_chars", line: 4))  // only the rule named
    #expect(!s.suppressed("unit_address_vs_reg", line: 3))  // not the comment's own line
    #expect(!s.suppressed("unit_address_vs_reg", line: 5))  // only the next line
    #expect(s.suppressed("node_name_chars", line: 7))
    #expect(s.suppressed("unit_address_vs_reg", line: 7))
    let d = s.suppressions.mask(for: s.file.id).directives
    #expect(d.count == 2)
    #expect(d[1].kind == .disableNextLine)
    #expect(d[1].rules == ["node_name_chars", "unit_address_vs_reg"])
    #expect(d[1].reason == "generated names")
  }

  @Test func nextLineAfterAMultiLineComment() {
    let s = Setup(
      """
      /* dtlint-disable-next-line unit_address_vs_reg
         -- the reason takes
            several lines */
      uart@1000 { };
      """, registry: registry)
    #expect(s.suppressed("unit_address_vs_reg", line: 4))
    #expect(!s.suppressed("unit_address_vs_reg", line: 2))
    #expect(s.suppressions.mask(for: s.file.id).directives.first?.reason == "the reason takes several lines")
  }

  @Test func noRuleListMeansEveryRule() {
    let s = Setup(
      "/* dtlint-disable-next-line */\nx;\n/* dtlint-disable-next-line -- because */\ny;\n// dtlint-disable-next-line all\nz;\n",
      registry: registry)
    for line in [2, 4, 6] {
      #expect(s.suppressed("unit_address_vs_reg", line: line))
      #expect(s.suppressed("syntax", line: line))
    }
    #expect(!s.suppressed("syntax", line: 3))
  }

  @Test func blockFromDisableToEnableBothLinesIncluded() {
    let s = Setup(
      """
      a;
      /* dtlint-disable unit_address_vs_reg -- legacy addresses */
      b;
      c;
      /* dtlint-enable unit_address_vs_reg */
      d;
      e; /* dtlint-disable */
      f;
      g; /* dtlint-enable node_name_chars */
      h;
      /* dtlint-enable */
      i;
      """, registry: registry)
    #expect(!s.suppressed("unit_address_vs_reg", line: 1))
    for line in 2...5 { #expect(s.suppressed("unit_address_vs_reg", line: line)) }
    #expect(!s.suppressed("node_name_chars", line: 3))
    #expect(!s.suppressed("unit_address_vs_reg", line: 6))
    // Everything from line 7; node_name_chars comes back after line 9, the rest after line 11.
    #expect(s.suppressed("syntax", line: 7))
    #expect(s.suppressed("node_name_chars", line: 8))
    #expect(s.suppressed("node_name_chars", line: 9))
    #expect(!s.suppressed("node_name_chars", line: 10))
    #expect(s.suppressed("syntax", line: 10))
    #expect(s.suppressed("syntax", line: 11))
    #expect(!s.suppressed("syntax", line: 12))
  }

  @Test func unclosedBlockRunsToTheEnd() {
    let s = Setup("a;\n// dtlint-disable syntax\nb;\nc;\n", registry: registry)
    #expect(!s.suppressed("syntax", line: 1))
    #expect(s.suppressed("syntax", line: 4))
  }

  @Test func wholeFile() {
    let s = Setup(
      "/dts-v1/;\n/ { };\n/* dtlint-disable-file unit_address_vs_reg -- vendor file */\n", registry: registry)
    #expect(s.suppressed("unit_address_vs_reg", line: 1))
    #expect(s.suppressed("unit_address_vs_reg", line: 2))
    #expect(!s.suppressed("syntax", line: 1))
    let all = Setup("// dtlint-disable-file\n/ { };\n", registry: registry)
    #expect(all.suppressed("syntax", line: 2))
  }

  @Test func commentsInsideStringsAreNotDirectives() {
    let s = Setup(
      """
      / {
      \tlabel = "/* dtlint-disable-next-line */";
      \tx = <1>;
      \tmodel = "a // dtlint-disable-file";
      \tc = <'"'>; /* dtlint-disable-next-line syntax */
      \ty = <2>;
      };
      """, registry: registry)
    #expect(!s.suppressed("syntax", line: 3))
    #expect(!s.suppressed("syntax", line: 1))
    #expect(s.suppressed("syntax", line: 6))
    #expect(s.suppressions.mask(for: s.file.id).directives.count == 1)
  }

  @Test func unknownRulesAreReportedAndOnlyKnownOnesApply() throws {
    let s = Setup(
      """
      /dts-v1/;
      /* dtlint-disable-next-line unit_adress_vs_reg, syntax */
      / { };
      /* dtlint-disable-next-line unit_adress_vs_reg */
      / { };
      """, registry: registry)
    let findings = [
      s.finding("syntax", line: 3), s.finding("unit_address_vs_reg", line: 3),
      s.finding("unit_address_vs_reg", line: 5),
    ]
    let out = s.suppressions.apply(findings, files: [s.file.id])
    // The syntax finding on line 3 is silenced; a list of only unknown names silences nothing.
    #expect(
      out.filter { $0.rule != "suppression" }.map(\.message) == [
        "unit_address_vs_reg on 3", "unit_address_vs_reg on 5",
      ])
    let problems = out.filter { $0.rule == "suppression" }
    #expect(problems.count == 2)
    let p = try #require(problems.first)
    #expect(p.severity == .warning)
    #expect(p.message == "unknown rule 'unit_adress_vs_reg' in a suppression comment (see 'dtlint rules')")
    let r = try #require(p.range)
    #expect(s.file.lineColumn(at: r.start).description == "2:29")
    #expect(r.end - r.start == UInt32("unit_adress_vs_reg".utf8.count))
  }

  @Test func unknownDirectivesAndUnmatchedEnables() {
    let s = Setup(
      "/* dtlint-disable-line syntax */\n// dtlint:disable syntax\n/* dtlint-enable syntax */\n/* dtlint-enable */\n/* not dtlint-disable */\n",
      registry: registry)
    let messages = s.suppressions.apply([], files: [s.file.id]).map(\.message)
    #expect(
      messages == [
        "unknown suppression directive 'dtlint-disable-line' (expected dtlint-disable-next-line, dtlint-disable, dtlint-enable or dtlint-disable-file)",
        "unknown suppression directive 'dtlint:disable' (expected dtlint-disable-next-line, dtlint-disable, dtlint-enable or dtlint-disable-file)",
        "'dtlint-enable syntax' without a preceding 'dtlint-disable' of that rule",
        "'dtlint-enable' without a preceding 'dtlint-disable'",
      ])
  }

  @Test func suppressionFindingsFollowTheSelection() throws {
    let s = Setup("/* dtlint-disable-next-line nope */\nx;\n", registry: registry)
    var selection = RuleSelection(registry: registry)
    try selection.set("suppression", severity: .error)
    #expect(s.suppressions.apply([], files: [s.file.id], selection: selection).map(\.severity) == [.error])
    try selection.disable("suppression")
    #expect(s.suppressions.apply([], files: [s.file.id], selection: selection).isEmpty)
    // And they can be silenced like any finding.
    let t = Setup(
      "/* dtlint-disable-file suppression */\n/* dtlint-disable-next-line nope */\nx;\n", registry: registry)
    #expect(t.suppressions.apply([], files: [t.file.id]).isEmpty)
  }

  @Test func findingsWithoutAPositionAndBinaryFilesAreLeftAlone() {
    let sources = SourceManager()
    let blob = sources.addVirtualFile(
      path: "board.dtb", bytes: [0xD0, 0x0D, 0xFE, 0xED, 0, 0] + Array("/* dtlint-disable-file */".utf8))
    let sup = Suppressions(sources: sources, registry: registry)
    #expect(sup.mask(for: blob.id).isEmpty)
    let d = Diagnostic(rule: "syntax", severity: .error, message: "m", range: nil, nodePath: "/")
    #expect(sup.apply([d]) == [d])
  }

  @Test func includesHaveTheirOwnMasks() {
    let sources = SourceManager()
    let main = sources.addVirtualFile(
      path: "board.dts", text: "/* dtlint-disable-file syntax */\n#include \"soc.dtsi\"\n")
    let inc = sources.addVirtualFile(path: "soc.dtsi", text: "x;\n")
    let sup = Suppressions(sources: sources, registry: registry)
    let inMain = Diagnostic(
      rule: "syntax", severity: .error, message: "a", range: SourceRange(file: main.id, start: 40, end: 41))
    let inInclude = Diagnostic(
      rule: "syntax", severity: .error, message: "b", range: SourceRange(file: inc.id, start: 0, end: 1))
    #expect(sup.apply([inMain, inInclude]).map(\.message) == ["b"])
  }

  @Test func endToEndWithTheParser() throws {
    let sources = SourceManager()
    let text = """
      /dts-v1/;
      / {
      \t/* dtlint-disable-next-line syntax -- fixed upstream in the next BSP */
      \tprop = <1 2;
      };

      """
    let file = sources.addVirtualFile(path: "board.dts", text: text)
    let reader = SourceReader(sources: sources, options: FrontEndOptions())
    let parsed = reader.parse(file: file)
    func onLine4(_ d: Diagnostic) -> Bool {
      d.rule == "syntax" && d.range.map { file.lineColumn(at: $0.start).line } == 4
    }
    #expect(parsed.diagnostics.contains(where: onLine4))
    let kept = Suppressions(sources: sources, registry: registry).apply(parsed.diagnostics, files: parsed.files)
    #expect(!kept.contains(where: onLine4))
  }

  @Test func theRuleIsRegistered() {
    #expect(RuleRegistry.shared.description(Suppressions.ruleID)?.defaultSeverity == .warning)
  }
}
