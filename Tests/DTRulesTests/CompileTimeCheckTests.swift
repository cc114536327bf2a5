import DTCore
import Testing

@testable import DTRules

/// dtc's compile-time checks are reached through ``CompileTimeCheck``: one registered rule per check, in dtc's
/// order, and a check run on its own reports under the rule's ID.
@Suite struct CompileTimeCheckTests {
  static var rules: [any CompileTimeCheckRule.Type] {
    RuleRegistry.shared.rules.compactMap { $0 as? any CompileTimeCheckRule.Type }
  }

  @Test func everyCheckHasOneRuleInDtcOrder() {
    #expect(Self.rules.map { $0.check } == CompileTimeCheck.allCases)
    #expect(Self.rules.map { $0.description.id } == TreeFixups.compileTimeChecks)
  }

  @Test func aCheckRunOnItsOwnReportsUnderItsID() throws {
    let sources = SourceManager()
    let file = sources.addVirtualFile(
      path: "a.dts",
      text: "/dts-v1/;\n/ {\n\tn {\n\t};\n\tn {\n\t};\n\tp = <&nowhere>;\n\tl: a {\n\t};\n\tl: b {\n\t};\n};\n")
    let parsed = SourceReader(sources: sources, options: FrontEndOptions()).parse(file: file)
    var fixups = TreeFixups(tree: parsed.tree)
    #expect(fixups.runCheck(.duplicateNodeNames).map(\.rule) == ["duplicate_node_names"])
    #expect(fixups.runCheck(.duplicateLabel).map(\.rule) == ["duplicate_label"])
    #expect(fixups.runCheck(.phandleReferences).map(\.rule) == ["phandle_references"])
    #expect(fixups.runCheck(.omitUnusedNodes).isEmpty, "it only prunes")
    #expect(fixups.runCheck(.nodeNameChars).isEmpty)
    // A check run on its own changes nothing: the reference is still unresolved.
    #expect(fixups.runCheck(.phandleReferences).count == 1)
  }

  /// One label on a node and on a property (no label given twice to one kind of carrier): still a duplicate, named
  /// as dtc names it. References resolve to the first node carrying a label, here the one after a deleted node.
  @Test func labelsOnDifferentKindsOfCarrierAreDuplicates() throws {
    let sources = SourceManager()
    let file = sources.addVirtualFile(
      path: "a.dts",
      text:
        "/dts-v1/;\n/ {\n\tl: a {\n\t};\n\tl: p = <1>;\n\tgone: g {\n\t};\n\t/delete-node/ g;\n\tm: b {\n\t};\n\tr = <&m>;\n};\n"
    )
    let parsed = SourceReader(sources: sources, options: FrontEndOptions()).parse(file: file)
    var fixups = TreeFixups(tree: parsed.tree)
    fixups.runStructuralChecks()
    #expect(fixups.diagnostics.map(\.message) == ["Duplicate label 'l' on 'p' in / and /a"])
    fixups.runReferenceFixups(symbols: false)
    let b = try #require(parsed.tree.node(atPath: "/b"))
    #expect(b.phandle != 0 && parsed.tree.root.property("r")?.value.singleCell == b.phandle)
  }

  /// A compile stops where dtc does: a failed check's dependants are skipped.
  @Test func aFailedCheckSkipsItsDependants() throws {
    let sources = SourceManager()
    let file = sources.addVirtualFile(
      path: "a.dts", text: "/dts-v1/;\n/ {\n\tn {\n\t};\n\tn {\n\t};\n\tp = <&nowhere>;\n};\n")
    let parsed = SourceReader(sources: sources, options: FrontEndOptions()).parse(file: file)
    var fixups = TreeFixups(tree: parsed.tree)
    fixups.runStructuralChecks()
    fixups.runReferenceFixups(symbols: false)
    #expect(fixups.failed == [.duplicateNodeNames])
    #expect(!fixups.diagnostics.contains { $0.rule == "phandle_references" }, "skipped after duplicate_node_names")
  }
}
