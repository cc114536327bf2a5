import DTCore
import DTDoctor
import DTHMP
import DTRules
import Foundation
import Testing
import _DTTestSupport

/// The tie of a kernel log to a tree's findings (DTDoctor's ``Tie``), used as a library: what
/// `dtlint hmp explain-log` prints, without the command.
@Suite struct ExplainLogTieTests {
  static let kick = "[ 1520.220871] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)\n"

  static func tie(_ log: String, trees: TreeFindings = TreeFindings()) throws -> Tie {
    let catalog = try KernelMessageCatalog.bundled()
    let hmp = HMPContext.defaults
    let explanation = LogExplainer(catalog: catalog, flavor: hmp.kernel).explain(log)
    return Tie(
      explanation: explanation, catalog: catalog, trees: trees, hmp: hmp,
      selection: RuleSelection(registry: .shared))
  }

  @Test func withoutTreeEachCauseNamesTheRulesThatWouldConfirmIt() throws {
    let text = try Self.tie(Self.kick).text(log: "boot.log")
    #expect(text.hasPrefix("boot.log: 1 line, 1 recognised: 1 message (1 problem, 0 context), 0 not recognised;"))
    #expect(text.contains("; no tree given\n"), "\(text)")
    #expect(text.contains("boot.log:1: error: imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)"))
    #expect(text.contains("would be confirmed by a finding of: "), "\(text)")
    #expect(!text.contains("explained by "), "no tree, no finding")
  }

  @Test func jsonCarriesTheToolVersionAndTheMessages() throws {
    let json = try Self.tie(Self.kick + "unrelated line\n").json(log: "boot.log", toolVersion: "9.9.9")
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect((object["tool"] as? [String: Any])?["version"] as? String == "9.9.9")
    #expect(object["lines"] as? Int == 2)
    #expect(object["unrecognisedLines"] as? Int == 1)
    let messages = try #require(object["messages"] as? [[String: Any]])
    #expect(messages.count == 1)
    #expect((messages.first?["errno"] as? [String: Any])?["name"] as? String == "ETIME")
  }

  /// The trees are checked by the same runner as `check`; a finding's position is relative to the working
  /// directory, and a tree that cannot be read is an error that names it, never "no finding".
  @Test func treesAreCheckedAsCheckDoes() throws {
    let dir = TestDirectory()
    dir.write("board.dts", "/dts-v1/;\n/ {\n\tnode {\n\t\tclocks = <&missing>;\n\t};\n};\n")
    let reader = SourceReader(sources: SourceManager(), options: FrontEndOptions())
    let trees = TreeFindings.check(
      files: [dir.path + "/board.dts", dir.path + "/absent.dts"], base: nil, overlays: [], reader: reader,
      selection: RuleSelection(registry: .shared), hmp: .defaults, workingDirectory: dir.path)
    let finding = try #require(trees.findings.first { $0.rule == "phandle_references" })
    #expect(finding.formatted.hasPrefix("board.dts:4:13: error: Reference to non-existent node or label"))
    #expect(trees.unreadable)
    #expect(trees.errors.first?.file?.hasSuffix("absent.dts") == true)
    let text = try Self.tie(Self.kick, trees: trees).text(log: "boot.log")
    #expect(text.contains("could not be checked (errors on stderr), so no cause below is tied to the tree"))
  }

  /// The tie reads the clock protection the clock rules read: the manifest SoC's own for a SoC with its own clock
  /// driver (the i.MX 93 under NXP 5.15: none read), the flavor's i.MX 8M settings otherwise.
  @Test func clockProtectionFollowsTheManifestSoC() throws {
    let dir = TestDirectory()
    let catalog = try KernelMessageCatalog.bundled()
    let kernel = try KernelFlavor.load(name: "nxp-5.15")
    func protects(_ soc: String) throws -> Bool {
      let manifest = try M7Manifest.load(path: dir.write("\(soc).yaml", "soc: \(soc)\n"))
      let hmp = HMPContext(kernel: kernel, kernelGiven: "nxp-5.15", board: nil, manifest: manifest, inputs: nil)
      let tie = Tie(
        explanation: LogExplainer(catalog: catalog, flavor: kernel).explain(Self.kick), catalog: catalog,
        trees: TreeFindings(), hmp: hmp, selection: RuleSelection(registry: .shared))
      return tie.protection?.mCoreDetection.effect.protects == true
    }
    #expect(try protects("imx8mp"))
    #expect(try !protects("imx93"))
  }
}
