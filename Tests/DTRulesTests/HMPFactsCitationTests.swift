import DTRules
import Foundation
import Testing

/// Every citation of the HMP facts points at a section that exists in the shipped `Documentation/HMPFacts.md`,
/// and nothing cites the research notes or the design notes, which are not shipped.
@Suite struct HMPFactsCitationTests {
  static let root = ReportingSupport.packageRoot
  static let factsPath = root + "/Documentation/HMPFacts.md"

  /// Where citations live: code, docs, generated overlays, knowledge files (explain-log's catalog among them),
  /// examples, scripts, fuzz seeds and the tests' own files.
  static let scanned = [
    "Sources", "Documentation", "overlays", "schemas", "Examples", "Scripts", "Fuzz/seeds", "Tests", "README.md",
  ]

  // MARK: - The facts document

  struct Section {
    var number: String
    var body: String
  }

  /// The numbered sections (`## 3. …`, `### 3.4 …`) with the text up to the next numbered heading.
  static func sections(of markdown: String) -> [String: Section] {
    var out: [String: Section] = [:]
    var current: String?
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
      if let n = headingNumber(line) {
        current = n
        out[n] = Section(number: n, body: "")
      } else if let c = current {
        out[c]?.body += line + "\n"
      }
    }
    return out
  }

  /// `## 0. Sources` → "0", `### 10.14 Title` → "10.14"; nil for other lines.
  static func headingNumber(_ line: String) -> String? {
    guard line.hasPrefix("## ") || line.hasPrefix("### ") || line.hasPrefix("#### ") else { return nil }
    let rest = line.drop { $0 == "#" }.dropFirst()
    let number = String(rest.prefix { $0.isNumber || $0 == "." })
    let trimmed = number.hasSuffix(".") ? String(number.dropLast()) : number
    guard !trimmed.isEmpty, trimmed.first!.isNumber, rest.dropFirst(number.count).first == " " else { return nil }
    return trimmed
  }

  // MARK: - Citations

  struct Citation: CustomStringConvertible {
    var file: String
    var line: Int
    /// A section, or both ends of a range (`§10.5–10.8`).
    var sections: [String]
    /// `item N` of a numbered list in the section.
    var item: String?
    /// `(b)`: a labelled row of the section.
    var label: Character?
    var description: String {
      "\(file):\(line): §\(sections.joined(separator: "–"))"
        + (item.map { " item \($0)" } ?? "") + (label.map { " (\($0))" } ?? "")
    }
  }

  /// The citations after each `prefix` in `text`: a run of `§N`, `§N–M`, `§N item K`, `§N (x)` separated by commas,
  /// semicolons, "and" and line breaks (with a comment's `*`, `//` or `#`, or a Swift string's `\`).
  static func citations(in text: String, prefix: String, file: String) -> [Citation] {
    let chars = Array(text)
    let p = Array(prefix)
    var out: [Citation] = []
    var i = 0
    // Line numbers, counted as the scan moves forward.
    var counted = 0
    var line = 1
    func lineNumber(_ at: Int) -> Int {
      while counted < at {
        if chars[counted] == "\n" { line += 1 }
        counted += 1
      }
      return line
    }
    func number(_ j: inout Int) -> String {
      var s = ""
      while j < chars.count, chars[j].isNumber || (chars[j] == "." && j + 1 < chars.count && chars[j + 1].isNumber) {
        s.append(chars[j])
        j += 1
      }
      return s
    }
    while i + p.count <= chars.count {
      guard Array(chars[i..<(i + p.count)]) == p else {
        i += 1
        continue
      }
      var j = i + p.count
      while true {
        // Separators between references.
        while j < chars.count, " \t\n,;\\*/#".contains(chars[j]) { j += 1 }
        if j + 4 <= chars.count, String(chars[j..<(j + 4)]) == "and " { j += 4 }
        guard j < chars.count, chars[j] == "§" else { break }
        j += 1
        let first = number(&j)
        guard !first.isEmpty else { break }
        var c = Citation(file: file, line: lineNumber(i), sections: [first])
        if j + 1 < chars.count, chars[j] == "–" || chars[j] == "-", chars[j + 1].isNumber {
          j += 1
          c.sections.append(number(&j))
        }
        if j + 6 <= chars.count, String(chars[j..<(j + 6)]) == " item " {
          var k = j + 6
          let n = number(&k)
          if !n.isEmpty {
            c.item = n
            j = k
          }
        }
        // A cause label: ` (b)` or ` c)`.
        if j + 4 <= chars.count, chars[j] == " ", chars[j + 1] == "(", chars[j + 2].isLowercase, chars[j + 3] == ")" {
          c.label = chars[j + 2]
          j += 4
        } else if j + 3 <= chars.count, chars[j] == " ", chars[j + 1].isLowercase, chars[j + 2] == ")" {
          c.label = chars[j + 1]
          j += 2
        }
        out.append(c)
      }
      i = max(j, i + 1)
    }
    return out
  }

  /// The text files below the scanned paths (binary files are skipped: they do not decode as UTF-8).
  static func scannedFiles() -> [(path: String, text: String)] {
    var out: [(String, String)] = []
    let fm = FileManager.default
    for entry in scanned {
      let full = root + "/" + entry
      var isDir: ObjCBool = false
      guard fm.fileExists(atPath: full, isDirectory: &isDir) else { continue }
      let files =
        isDir.boolValue
        ? (fm.enumerator(atPath: full)?.compactMap { $0 as? String }.map { full + "/" + $0 } ?? []) : [full]
      for f in files.sorted() {
        var d: ObjCBool = false
        guard fm.fileExists(atPath: f, isDirectory: &d), !d.boolValue,
          let text = try? String(contentsOfFile: f, encoding: .utf8)
        else { continue }
        out.append((String(f.dropFirst(root.count + 1)), text))
      }
    }
    return out
  }

  // MARK: - Tests

  @Test func factsDocumentHasTheFixedNumbering() throws {
    let doc = try String(contentsOfFile: Self.factsPath, encoding: .utf8)
    let s = Self.sections(of: doc)
    // §15 (kernel flavors, release by release) comes from its own branch: until that merge this expectation fails
    // on purpose, so the document cannot ship without it.
    let required =
      (0...16).map(String.init) + (1...7).map { "1.\($0)" } + (1...5).map { "3.\($0)" }
      + (1...4).map { "5.\($0)" } + (1...4).map { "7.\($0)" } + (1...14).map { "10.\($0)" }
      + (1...9).map { "13.\($0)" } + (1...5).map { "14.\($0)" } + ["16.1", "16.2"]
    for n in required {
      #expect(s[n] != nil, "HMPFacts.md has no section \(n)")
    }
    // §3.4's causes are labelled (a) … (h), as the catalog and the rules cite them.
    for label in "abcdefgh" {
      #expect(s["3.4"]?.body.contains("| (\(label)) |") == true, "§3.4 lists cause (\(label))")
    }
    // Every fact section carries marks, and the preface explains them.
    for n in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "13", "14", "16"] {
      let text = s.filter { $0.key == n || $0.key.hasPrefix(n + ".") }.map(\.value.body).joined()
      #expect(text.contains("[VERIFIED]"), "§\(n) marks its facts")
    }
    for mark in ["[VERIFIED]", "[INFERENCE]", "[NOT VERIFIED]"] {
      #expect(doc.contains("**\(mark)**"), "the preface explains \(mark)")
    }
  }

  @Test func everyCitedSectionExists() throws {
    let doc = try String(contentsOfFile: Self.factsPath, encoding: .utf8)
    let s = Self.sections(of: doc)
    var cited: [Citation] = []
    for (path, text) in Self.scannedFiles() {
      cited += Self.citations(in: text, prefix: "HMPFacts ", file: path)
    }
    // The document's own cross-references.
    cited += Self.citations(in: doc, prefix: "(", file: "Documentation/HMPFacts.md")
    cited += Self.citations(in: doc, prefix: "see ", file: "Documentation/HMPFacts.md")
    #expect(cited.count > 300, "citations found: \(cited.count)")
    for c in cited {
      for n in c.sections {
        #expect(s[n] != nil, "\(c) cites a section HMPFacts.md does not have")
      }
      if let item = c.item, let body = s[c.sections[0]]?.body {
        #expect(body.contains("\n\(item). "), "\(c): no item \(item) in that section")
      }
      if let label = c.label, let body = s[c.sections[0]]?.body {
        #expect(body.contains("(\(label))"), "\(c): no (\(label)) in that section")
      }
    }
  }

  @Test func citationParserReadsEveryForm() {
    let text = """
      (HMPFacts §2, §8, §10.2, §10.11); x HMPFacts §1, §4, §10.5–10.8: y
      HMPFacts §3.4 (b); §5.4, §6 and §7.4 for z; HMPFacts §1.2 item 2, §10.1 \\
            §12. HMPFacts §3.4 c) end
      """
    let c = Self.citations(in: text, prefix: "HMPFacts ", file: "t")
    #expect(
      c.map { $0.sections.joined(separator: "–") }
        == ["2", "8", "10.2", "10.11", "1", "4", "10.5–10.8", "3.4", "5.4", "6", "7.4", "1.2", "10.1", "12", "3.4"])
    #expect(c[7].label == "b" && c[11].item == "2" && c[14].label == "c")
    #expect(c[0].line == 1 && c[13].line == 2, "a citation is at the line of its prefix")
  }

  @Test func nothingCitesUnshippedNotes() {
    // Built from pieces so that this file does not match itself.
    let forbidden = ["HMP-" + "FACTS", "DESIGN" + ".md", "DESIGN" + " §"]
    for (path, text) in Self.scannedFiles() {
      for f in forbidden where text.contains(f) {
        Issue.record("\(path) cites \(f), which is not shipped: cite Documentation/HMPFacts.md or a shipped doc")
      }
    }
  }

  /// The source tags the knowledge files and the document use are defined in §0.
  @Test func sourceTagsAreDefined() throws {
    let doc = try String(contentsOfFile: Self.factsPath, encoding: .utf8)
    let table = try #require(Self.sections(of: doc)["0"]?.body)
    let defined = Set(
      table.split(separator: "\n").compactMap { line -> String? in
        guard line.hasPrefix("| "), !line.hasPrefix("| Tag"), !line.hasPrefix("|---") else { return nil }
        return line.dropFirst(2).split(separator: " ").first.map(String.init)
      })
    #expect(defined.contains("ML-RPROC") && defined.contains("TN515") && defined.contains("ZEPHYR"))
    for (path, text) in Self.scannedFiles() where path.hasPrefix("schemas/") && path.hasSuffix(".yaml") {
      for line in text.split(separator: "\n") {
        guard let r = line.range(of: "tag: ") else { continue }
        let tag = line[r.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        #expect(defined.contains(String(tag)), "\(path): source tag \(tag) is not in HMPFacts §0")
      }
    }
  }

  /// `dtlint rules` tells users where the cited sections are.
  @Test func ruleDocsSayWhereTheFactsAre() throws {
    let md = RuleDocumentation.markdown(registry: .shared)
    #expect(md.contains("[HMPFacts.md](HMPFacts.md) (`Documentation/HMPFacts.md`"))
    let rule = try #require(RuleRegistry.shared.description("hmp_rsc_table_name"))
    #expect(rule.rationale.contains("HMPFacts §"))
    #expect(RuleDocumentation.text(rule: rule).contains("HMPFacts.md — Documentation/ in dtlint's source tree"))
    #expect(RuleDocumentation.text(rule: rule).contains("share/doc/dtlint/"))
    let dtc = try #require(RuleRegistry.shared.description("reg_format"))
    #expect(!RuleDocumentation.text(rule: dtc).contains("HMPFacts"))
  }
}
