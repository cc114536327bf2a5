import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// The rule types a set of Swift sources declares: every type that conforms, directly or through a protocol that
/// refines it, to ``LintRule`` (read from the declarations' inheritance clauses, as a reviewer would).
enum RuleTypeScan {
  struct Declared: Equatable {
    var name: String
    var file: String
  }

  /// `files`: path → source text.
  static func ruleTypes(in files: [(path: String, text: String)]) -> [Declared] {
    var refines: [String: [String]] = [:]
    var conforms: [(Declared, [String])] = []
    let protocolDecl = /\bprotocol\s+(\w+)\s*:\s*([^{]+)\{/
    let typeDecl = /\b(?:struct|enum|class|actor)\s+(\w+)(?:<[^>{]*>)?\s*:\s*([^{]+)\{/
    let extensionDecl = /\bextension\s+(\w+)\s*:\s*([^{]+)\{/
    func parents(_ clause: Substring) -> [String] {
      let list = clause.split(separator: " where ").first ?? clause
      return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }
    for (path, text) in files {
      // Comments may quote declarations; they do not declare anything.
      let code = text.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
      for m in code.matches(of: protocolDecl) { refines[String(m.1), default: []] += parents(m.2) }
      for m in code.matches(of: typeDecl) { conforms.append((Declared(name: String(m.1), file: path), parents(m.2))) }
      for m in code.matches(of: extensionDecl) {
        conforms.append((Declared(name: String(m.1), file: path), parents(m.2)))
      }
    }
    // The protocols that are rule protocols: LintRule and whatever refines one of them.
    var ruleProtocols: Set<String> = ["LintRule"]
    var grew = true
    while grew {
      grew = false
      for (p, ps) in refines where !ruleProtocols.contains(p) && ps.contains(where: ruleProtocols.contains) {
        ruleProtocols.insert(p)
        grew = true
      }
    }
    var seen = Set<String>()
    var out: [Declared] = []
    for (d, ps) in conforms
    where !ruleProtocols.contains(d.name) && ps.contains(where: ruleProtocols.contains) && seen.insert(d.name).inserted
    {
      out.append(d)
    }
    return out
  }

  /// Every `.swift` file under `Sources/`, relative to the package root.
  static func packageSources() -> [(path: String, text: String)] {
    let root = SharedCorpus.packageRoot
    let files = FileManager.default.enumerator(atPath: root + "/Sources")?.compactMap { $0 as? String } ?? []
    return files.filter { $0.hasSuffix(".swift") }.sorted().compactMap { rel in
      guard let text = try? String(contentsOfFile: root + "/Sources/" + rel, encoding: .utf8) else { return nil }
      return ("Sources/" + rel, text)
    }
  }
}

@Suite struct RuleRegistryTests {
  static let declared = RuleTypeScan.ruleTypes(in: RuleTypeScan.packageSources())
  static let registered = builtInRules.map { String(describing: $0) }

  @Test func theScanFindsRuleTypesThroughRefiningProtocols() {
    let found = RuleTypeScan.ruleTypes(in: [
      ("A.swift", "protocol CellRule: TreeRule {\n  static var name: String { get }\n}\n"),
      ("B.swift", "// struct Quoted: TreeRule {\nstruct Direct: Sendable, ChainRule {\n}\n"),
      ("C.swift", "struct Indirect: CellRule {\n}\nenum FrontEnd: FrontEndRule {}\nstruct Other: Sendable {\n}\n"),
      (
        "D.swift",
        "protocol TreeRule: LintRule {}\nprotocol ChainRule: LintRule {}\nprotocol FrontEndRule: LintRule {}\n"
      ),
    ])
    #expect(found.map(\.name) == ["Direct", "Indirect", "FrontEnd"])
    #expect(found.map(\.file) == ["B.swift", "C.swift", "C.swift"])
  }

  @Test func everyRuleTypeInSourcesIsRegisteredExactlyOnce() {
    #expect(Self.declared.count > 100, "the scan found too few rule types: \(Self.declared.count)")
    let notRegistered = Self.declared.map(\.name).filter { !Self.registered.contains($0) }
    #expect(notRegistered.isEmpty, "declared in Sources/ but not in builtInRules: \(notRegistered)")
    let notDeclared = Self.registered.filter { name in !Self.declared.contains { $0.name == name } }
    #expect(notDeclared.isEmpty, "in builtInRules but not found in Sources/: \(notDeclared)")
    let twice = Dictionary(grouping: Self.registered, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
    #expect(twice.isEmpty, "registered more than once: \(twice)")
  }

  @Test func ruleIDsAreUniqueAndTheRegistryKeepsTheListOrder() {
    let ids = builtInRules.map { $0.description.id }
    #expect(Set(ids).count == ids.count)
    #expect(RuleRegistry.shared.descriptions.map(\.id) == ids)
    #expect(
      RuleRegistry.shared.rules.map { $0.description.id }
        == ids.filter { id in
          builtInRules.contains { $0.description.id == id && $0 is any TreeRule.Type }
        })
    // Front-end rules first, chain rules last (the order `dtlint rules` and Rules.md show).
    let kinds = builtInRules.map { r -> Int in r is any FrontEndRule.Type ? 0 : r is any ChainRule.Type ? 2 : 1 }
    #expect(kinds == kinds.sorted())
  }

  /// A family's rules sit together in the registry, and only HMP rules have one (so far).
  @Test func familiesAreContiguousInTheRegistry() {
    let families = RuleRegistry.shared.descriptions.map(\.family)
    var seen: [RuleFamily] = []
    for (i, f) in families.enumerated() {
      guard let f else { continue }
      #expect(RuleRegistry.shared.descriptions[i].category == .hmp)
      if seen.last != f {
        #expect(!seen.contains(f), "\(f) is split in the registry")
        seen.append(f)
      }
    }
    #expect(Set(seen) == Set(RuleFamily.allCases))
    #expect(families.filter { $0 == .regions }.count == 11)
    #expect(families.filter { $0 == .ownership }.count == 4)
  }

  /// One rule per file, the file named after the rule's type (dtc's compile-time checks, one family described by
  /// DTCore's table, share CompileTimeCheckRules.swift).
  @Test func eachRuleIsInAFileNamedAfterItsType() {
    let misplaced = Self.declared.filter { d in
      let file = (d.file as NSString).lastPathComponent
      return file != d.name + ".swift" && file != "CompileTimeCheckRules.swift"
    }
    #expect(misplaced.isEmpty, "\(misplaced.map { "\($0.name) in \($0.file)" })")
  }

  @Test func ruleFilesLiveInTheFolderOfTheirCategory() {
    let folders: [RuleCategory: String] = [.dtc: "DTC", .hmp: "HMP", .overlay: "Overlay", .syntax: "Syntax"]
    for rule in builtInRules {
      let name = String(describing: rule)
      guard let d = Self.declared.first(where: { $0.name == name }) else { continue }
      let folder = ((d.file as NSString).deletingLastPathComponent as NSString).lastPathComponent
      #expect(folder == folders[rule.description.category], "\(name) (\(rule.description.category)) in \(d.file)")
    }
  }
}
