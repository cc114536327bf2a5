import Foundation
import Testing
import _DTTestSupport

/// `dtlint check --format github` end to end: every line is a workflow command in the format Documentation/CI.md
/// documents (GitHub's `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`), and says what the
/// JSON report of the same run says.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct GitHubFormatTests {
  struct Annotation {
    var command: String
    var properties: [(key: String, value: String)]
    var message: String
    func value(_ key: String) -> String? { properties.first { $0.key == key }?.value }
  }

  /// Parses one line against the documented grammar; nil (and a test failure) when it does not match.
  static func parse(_ line: String) -> Annotation? {
    guard line.hasPrefix("::") else { return nil }
    let rest = line.dropFirst(2)
    guard let space = rest.firstIndex(of: " "), let sep = rest.range(of: "::") else { return nil }
    let command = String(rest[..<space])
    guard ["error", "warning", "notice"].contains(command), space < sep.lowerBound else { return nil }
    let props = rest[rest.index(after: space)..<sep.lowerBound]
    var properties: [(String, String)] = []
    for p in props.split(separator: ",", omittingEmptySubsequences: false) {
      guard let eq = p.firstIndex(of: "=") else { return nil }
      let value = String(p[p.index(after: eq)...])
      // Unescaped separators or line breaks in a value would end it early.
      guard !value.contains(":"), !value.contains("\n"), !value.contains("\r") else { return nil }
      properties.append((String(p[..<eq]), value))
    }
    let message = String(rest[sep.upperBound...])
    guard !message.contains("\n"), !message.contains("\r") else { return nil }
    return Annotation(command: command, properties: properties, message: message)
  }

  static func unescape(_ s: String) -> String {
    s.replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%0D", with: "\r")
      .replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%2C", with: ",")
      .replacingOccurrences(of: "%25", with: "%")
  }

  static let order = ["file", "line", "col", "endLine", "endColumn", "title"]

  @Test func annotationsMatchTheDocumentedFormatAndTheJSONReport() throws {
    let s = Scratch()
    // A finding on one line, one over two lines, one in an included file with a comma in its name, and a note.
    s.write(
      "inc/soc,v2.dtsi",
      "/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tserial@1000 {\n\t\tcompatible = \"acme,uart\";\n\t};\n};\n"
    )
    s.write(
      "board.dts",
      """
      /dts-v1/;
      #include "soc,v2.dtsi"
      / {
      \tmodel = "100% test";
      \tbad@2000 {
      \t\treg = <0x2000
      \t\t       0x10 0x1>;
      \t};
      };

      """)
    let gh = try CLI.run(["check", "board.dts", "-I", "inc", "--format", "github"], cwd: s.path)
    let js = try CLI.run(["check", "board.dts", "-I", "inc", "--format", "json"], cwd: s.path)
    #expect(gh.status == js.status)
    let lines = gh.stdout.split(separator: "\n").map(String.init)
    let findings = CheckCommandTests.findings(js.stdout)
    #expect(lines.count == findings.count, "one line per finding:\n\(gh.stdout)")
    #expect(lines.count >= 2)
    var sawMultiLine = false
    for (line, f) in zip(lines, findings) {
      guard let a = Self.parse(line) else {
        Issue.record("not a workflow command in the documented format: \(line)")
        continue
      }
      let keys = a.properties.map(\.key)
      #expect(Set(keys).isSubset(of: Self.order), "\(keys)")
      #expect(keys == Self.order.filter(keys.contains), "documented order: \(keys)")
      let severity = f["severity"] as? String
      #expect(a.command == (severity == "note" ? "notice" : severity))
      #expect(a.value("title") == f["rule"] as? String)
      #expect(a.value("file").map(Self.unescape) == f["file"] as? String)
      #expect(a.value("line") == (f["line"] as? Int).map(String.init))
      #expect(a.value("endLine") == (f["endLine"] as? Int).map(String.init))
      if f["line"] as? Int == f["endLine"] as? Int {
        #expect(a.value("col") == (f["column"] as? Int).map(String.init))
        #expect(a.value("endColumn") == (f["endColumn"] as? Int).map(String.init))
      } else {
        sawMultiLine = true
        #expect(a.value("col") == nil && a.value("endColumn") == nil, "no columns over several lines: \(line)")
      }
      let message = Self.unescape(a.message)
      #expect(message.hasPrefix(f["message"] as? String ?? "\u{0}"), "\(message)")
      for n in f["notes"] as? [[String: Any]] ?? [] {
        #expect(message.contains("\nnote: "), "notes follow on lines of their own")
        #expect(message.contains(n["message"] as? String ?? "\u{0}"))
      }
    }
    #expect(sawMultiLine, "the fixture has a finding over two lines:\n\(gh.stdout)")
    #expect(gh.stdout.contains("file=inc/soc%2Cv2.dtsi"), "commas in values are escaped:\n\(gh.stdout)")
    #expect(gh.stderr.contains("in 2 files") || gh.stderr.contains("in 1 file"), "summary on stderr")
  }

  @Test func findingsInABlobHaveTheInputAndTheNodePath() throws {
    let s = Scratch()
    s.write("b.dts", "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n\tuart@1000 {\n\t};\n};\n")
    let c = try CLI.run(["compile", "b.dts", "-o", "b.dtb"], cwd: s.path)
    #expect(c.status == 0)
    let gh = try CLI.run(["check", "b.dtb", "--format", "github"], cwd: s.path)
    let lines = gh.stdout.split(separator: "\n").map(String.init)
    #expect(!lines.isEmpty)
    for line in lines {
      let a = try #require(Self.parse(line), "\(line)")
      #expect(a.properties.map(\.key) == ["file", "title"])
      #expect(a.value("file") == "b.dtb")
      #expect(Self.unescape(a.message).contains("\nat /uart@1000"), "\(line)")
    }
  }
}
