import DTCore
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// What rules declare they need (``RuleNeed``) is what they do: the callers that explain a rule's silence
/// (`hmp explain-log`) or prepare its input (`hmp fix`) read the declaration instead of lists of rule IDs.
@Suite struct RuleNeedsTests {
  /// The findings of `rule` on an example, run as RuleExamplesTests runs it, under the given `m7` option.
  static func findings(_ rule: RuleDescription, _ example: RuleExample, m7: String?) throws -> [Diagnostic] {
    let compilation = compileExample(stripMarkers(example.code).code)
    var selection = RuleSelection()
    try selection.disable("all")
    try selection.enable(rule.id)
    for extra in (example.extraOptions["enable"] ?? "").split(separator: ",") {
      try selection.enable(String(extra.trimmingCharacters(in: .whitespaces)))
    }
    var options = example.extraOptions
    options["m7"] = m7
    let hmp = try exampleHMPContext(options)
    return Linter(selection: selection, hmp: hmp).lint(compilation.tree, frontEnd: compilation.diagnostics)
      .filter { $0.rule == rule.id }
  }

  static let needing = RuleRegistry.shared.descriptions.filter { !$0.needs.isEmpty }

  @Test func rulesThatNeedTheManifestAreSilentWithoutIt() throws {
    let rules = Self.needing.filter { $0.needs.contains(.manifest) }
    #expect(rules.count >= 9)
    for rule in rules {
      for example in rule.triggering {
        #expect(example.extraOptions["m7"] != nil, "\(rule.id): a triggering example without a manifest")
        #expect(try !Self.findings(rule, example, m7: example.extraOptions["m7"]).isEmpty, "\(rule.id)")
        #expect(try Self.findings(rule, example, m7: nil).isEmpty, "\(rule.id) reports without --m7")
      }
    }
  }

  @Test func rulesThatNeedTheFirmwareAreSilentWithAManifestThatNamesNone() throws {
    let rules = Self.needing.filter { $0.needs.contains(.firmwareELF) }
    #expect(rules.count == 3)
    for rule in rules {
      #expect(rule.needs.contains(.manifest), "\(rule.id): the ELF is named by the manifest")
      for example in rule.triggering {
        let m7 = try #require(example.extraOptions["m7"])
        let withoutELF = m7.replacing(/elf: [^,}]+(, )?/, with: "")
        #expect(withoutELF != m7, "\(rule.id): the example names no ELF")
        #expect(try Self.findings(rule, example, m7: withoutELF).isEmpty, "\(rule.id) reports without an ELF")
      }
    }
  }

  /// `hmp fix` writes the command-line words of the rules that read the command line.
  @Test func theCommandLineAdviceCoversTheRulesThatReadTheCommandLine() {
    let declared = Set(Self.needing.filter { $0.needs.contains(.bootargs) }.map(\.id))
    #expect(!declared.isEmpty)
    #expect(KernelCommandLineAdvice.rules == declared)
    #expect(declared.isSubset(of: Self.needing.filter { $0.needs.contains(.manifest) }.map(\.id)))
  }

  @Test func findingCategoriesComeFromTheRegistry() {
    let registry = RuleRegistry.shared
    #expect(registry.category(ofFinding: "hmp_pad_conflict") == .hmp)
    #expect(registry.category(ofFinding: "overlay_target_missing") == .overlay)
    #expect(registry.category(ofFinding: "overlay_apply") == .overlay)
    #expect(registry.category(ofFinding: "unit_address_vs_reg") == .dtc)
    #expect(registry.category(ofFinding: "syntax") == .syntax)
    #expect(registry.category(ofFinding: "no_such_rule") == nil)
  }
}

/// Facts rules share are computed once per tree, under their own type.
@Suite struct TreeFactTests {
  final class Counter: @unchecked Sendable { var runs = 0 }
  nonisolated(unsafe) static var counter = Counter()

  enum NodeCount: TreeFact {
    static func compute(_ info: TreeInfo) -> Int {
      TreeFactTests.counter.runs += 1
      return info.allNodes.count
    }
  }
  enum RootName: TreeFact {
    static func compute(_ info: TreeInfo) -> String? { info.tree.root.name.isEmpty ? nil : info.tree.root.name }
  }
  enum DoubledCount: TreeFact {
    static func compute(_ info: TreeInfo) -> Int { info[NodeCount.self] * 2 }
  }

  @Test func aFactIsComputedOnceAndKeptUnderItsType() {
    let tree = compileExample("/dts-v1/;\n/ {\n\ta {\n\t\tb {\n\t\t};\n\t};\n};\n").tree
    let info = TreeInfo(tree: tree)
    Self.counter = Counter()
    #expect(info[NodeCount.self] == 3)
    #expect(info[DoubledCount.self] == 6)
    #expect(info[NodeCount.self] == 3)
    #expect(Self.counter.runs == 1)
    // A nil value is a value too: computed once, not again on every use.
    #expect(info[RootName.self] == nil)
    // Another tree computes its own.
    #expect(TreeInfo(tree: compileExample("/dts-v1/;\n/ {\n};\n").tree)[NodeCount.self] == 1)
    #expect(Self.counter.runs == 2)
  }
}
