import DTCore
import Testing

/// The one text form of a finding (`file:line:col: severity: message [rule]`) that every renderer builds on.
@Suite struct DiagnosticTextTests {
  @Test func locationHasTheLineWhenKnownAndTheColumnOnlyWithIt() {
    #expect(DiagnosticText.location("a.dts", line: 3, column: 7) == "a.dts:3:7")
    #expect(DiagnosticText.location("a.dts", line: 3) == "a.dts:3")
    #expect(DiagnosticText.location("a.dts", line: nil, column: 7) == "a.dts")
  }

  @Test func lineWithAndWithoutLocationAndRule() {
    #expect(
      DiagnosticText.line(location: "a.dts:3:7", severity: .warning, message: "m", rule: "r")
        == "a.dts:3:7: warning: m [r]")
    #expect(DiagnosticText.line(location: nil, severity: .error, message: "m", rule: "r") == "error: m [r]")
    #expect(DiagnosticText.line(location: "a.dts", severity: .note, message: "m") == "a.dts: note: m")
  }

  @Test func styleDecoratesEachPartWithItsColon() {
    let s = DiagnosticText.line(location: "a.dts:1:1", severity: .error, message: "m", rule: "r") { part, text in
      switch part {
      case .location: "<L>\(text)</L>"
      case .severity(let s): "<\(s.rawValue)>\(text)</>"
      case .message: "<M>\(text)</M>"
      }
    }
    #expect(s == "<L>a.dts:1:1:</L> <error>error:</> <M>m</M> [r]")
  }

  @Test func formattedDiagnosticListsItsNotes() throws {
    let sm = SourceManager()
    let f = sm.addVirtualFile(path: "main.dts", text: "/dts-v1/;\n/ { };\n")
    let d = Diagnostic(
      rule: "r", severity: .warning, message: "m", range: SourceRange(file: f.id, start: 10, end: 11),
      notes: [DiagnosticNote("here", at: SourceRange(file: f.id, start: 0, end: 1)), DiagnosticNote("elsewhere")])
    #expect(d.formatted(with: sm) == "main.dts:2:1: warning: m [r]\nmain.dts:1:1: note: here\nnote: elsewhere")
  }
}
