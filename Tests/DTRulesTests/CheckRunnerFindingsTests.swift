import DTCore
import DTRules
import Testing
import _DTTestSupport

/// CheckRunner's entry points for callers that read the tree themselves (the language server): the same findings,
/// after the same suppression comments, as a run of the same input.
@Suite struct CheckRunnerFindingsTests {
  static let board = """
    /dts-v1/;
    / {
    \t#address-cells = <1>;
    \t#size-cells = <1>;
    \tuart@1000 {
    \t};
    \t/* dtlint-disable-next-line unit_address_vs_reg */
    \tspi@2000 {
    \t};
    };

    """

  static let overlay = """
    /dts-v1/;
    /plugin/;
    &{/} {
    \ti2c@3000 {
    \t};
    };

    """

  static func runner(_ sources: SourceManager, suppressions: Suppressions? = nil) -> CheckRunner {
    CheckRunner(
      reader: SourceReader(sources: sources, options: FrontEndOptions()), registry: .shared,
      selection: RuleSelection(registry: .shared), hmp: .defaults, suppressions: suppressions)
  }

  static func text(_ ds: [Diagnostic], _ sources: SourceManager) -> [String] {
    ds.map { $0.formatted(with: sources) }
  }

  @Test func aTreeReadByTheCallerHasTheFindingsOfARun() throws {
    let dir = TestDirectory()
    let path = dir.write("board.dts", Self.board)
    let sources = SourceManager()
    let runner = Self.runner(sources)
    let run = runner.run([CheckJob(input: path)]).findings.map(\.diagnostic)
    var options = CompileOptions()
    options.stopBeforeGeneratedNodes = true
    let loaded = try runner.reader.load(path: path, options: options)
    let direct = runner.findings(
      of: loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind, files: loaded.files)
    #expect(Self.text(direct, sources) == Self.text(run, sources))
    #expect(direct.contains { $0.rule == "unit_address_vs_reg" && $0.nodePath == "/uart@1000" })
    #expect(!direct.contains { $0.nodePath == "/spi@2000" }, "the suppression comment applies")
  }

  @Test func aChainAppliedByTheCallerHasTheFindingsOfARun() throws {
    let dir = TestDirectory()
    let base = dir.write("board.dts", Self.board)
    let overlay = dir.write("ov.dtso", Self.overlay)
    let sources = SourceManager()
    // Suppressions handed in are the ones used (a long-lived caller keeps them).
    let runner = Self.runner(sources, suppressions: Suppressions(sources: sources))
    let run = runner.run([CheckJob(input: overlay, base: base, overlays: [overlay], onlyOverlay: true)])
    let chain = try runner.reader.applyChain(base: base, overlays: [overlay])
    let direct = runner.findings(of: chain, onlyOverlay: true)
    #expect(Self.text(direct, sources) == Self.text(run.findings.map(\.diagnostic), sources))
    #expect(direct.contains { $0.nodePath == "/i2c@3000" }, "\(Self.text(direct, sources))")
    #expect(!direct.contains { $0.nodePath == "/uart@1000" }, "only the overlay's findings")
  }
}
