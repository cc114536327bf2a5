import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// The remoteproc-node and mailbox rules beyond their examples: flavor differences, messages, fix-its, silence
/// without the input a rule needs, and the Verdin iMX8M Plus boards of the corpus.
@Suite struct HMPRprocRulesTests {
  static let ruleIDs = [
    "hmp_rproc_missing", "hmp_rproc_compatible", "hmp_rproc_clocks", "hmp_rproc_binding", "hmp_mbox_names",
    "hmp_mbox_controller", "hmp_mbox_channel",
  ]

  /// Lints `code` (compiled as the examples are) with only `rules` enabled.
  static func lint(
    _ code: String, rules: [String] = ruleIDs, kernel: String? = nil, board: String? = nil, m7: String? = nil
  ) throws -> [Diagnostic] {
    var options: [String: String] = [:]
    options["kernel"] = kernel
    options["board"] = board
    options["m7"] = m7
    let compilation = compileExample(code)
    #expect(compilation.diagnostics.filter { $0.rule == "syntax" }.isEmpty)
    var selection = RuleSelection()
    try selection.disable("all")
    for r in rules { try selection.enable(r) }
    return Linter(selection: selection, hmp: try exampleHMPContext(options))
      .lint(compilation.tree, frontEnd: compilation.diagnostics)
      .filter { rules.contains($0.rule) }
  }

  /// `code` with a fix's edits applied (last first), as an editor would.
  static func apply(_ fix: FixIt, to code: String) -> String {
    var bytes = Array(code.utf8)
    for e in fix.edits.sorted(by: { $0.range.start > $1.range.start }) {
      bytes.replaceSubrange(Int(e.range.start)..<Int(e.range.end), with: Array(e.replacement.utf8))
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// An i.MX 8M Plus-like tree: clock controller, SRC, both MUs, and a remoteproc node with `body`.
  static func tree(_ body: String, mu: String = "", root: String = "\"acme,board\", \"fsl,imx8mp\"") -> String {
    """
    /dts-v1/;
    / {
    \tcompatible = \(root);
    \t#address-cells = <1>;
    \t#size-cells = <1>;
    \tclk: clock-controller@30380000 {
    \t\treg = <0x30380000 0x10000>;
    \t\t#clock-cells = <1>;
    \t};
    \tsrc: reset-controller@30390000 {
    \t\tcompatible = "fsl,imx8mp-src", "syscon";
    \t\treg = <0x30390000 0x10000>;
    \t};
    \tmu: mailbox@30aa0000 {
    \t\tcompatible = "fsl,imx8mp-mu", "fsl,imx6sx-mu";
    \t\treg = <0x30aa0000 0x10000>;
    \t\t#mbox-cells = <2>;
    \(mu)\t};
    \tmu2: mailbox@30e60000 {
    \t\tcompatible = "fsl,imx8mp-mu", "fsl,imx6sx-mu";
    \t\treg = <0x30e60000 0x10000>;
    \t\t#mbox-cells = <2>;
    \t\tstatus = "disabled";
    \t};
    \timx8mp-cm7 {
    \(body)\t};
    };
    """
  }

  static let goodBody = """
    \t\tcompatible = "fsl,imx8mp-cm7";
    \t\tclocks = <&clk 85>;
    \t\tmbox-names = "tx", "rx", "rxdb";
    \t\tmboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;

    """

  static func body(replacing old: String, with new: String) -> String {
    goodBody.replacingOccurrences(of: old, with: new)
  }

  // MARK: - A correct node is clean under every flavor

  @Test(arguments: ["mainline", "nxp-6", "nxp-5.15", "toradex-bsp6"])
  func correctNodeIsClean(kernel: String) throws {
    let findings = try Self.lint(Self.tree(Self.goodBody), kernel: kernel, m7: "{soc: imx8mp}")
    #expect(findings.isEmpty, "\(findings.map(\.message))")
  }

  @Test func nxp54WantsRscDA() throws {
    // NXP 5.4 reads rsc-da, so it is fine there; everything else about the node is the same.
    let body = Self.goodBody + "\t\trsc-da = <0x55000000>;\n"
    #expect(try Self.lint(Self.tree(body), kernel: "nxp-5.4").isEmpty)
    #expect(try Self.lint(Self.tree(body), kernel: "toradex-bsp5").isEmpty)
    let mainline = try Self.lint(Self.tree(body), rules: ["hmp_rproc_binding"])
    #expect(mainline.count == 1)
    #expect(mainline.first?.property == "rsc-da")
  }

  // MARK: - hmp_rproc_binding: what each flavor reads

  @Test func startupDelayFineOnNXP6FlaggedElsewhere() throws {
    let code = Self.tree(Self.goodBody + "\t\tfsl,startup-delay-ms = <500>;\n")
    #expect(try Self.lint(code, rules: ["hmp_rproc_binding"], kernel: "nxp-6").isEmpty)

    let mainline = try Self.lint(code, rules: ["hmp_rproc_binding"])
    let f = try #require(mainline.first)
    #expect(mainline.count == 1)
    #expect(f.severity == .warning)
    #expect(f.property == "fsl,startup-delay-ms")
    #expect(f.nodePath == "/imx8mp-cm7")
    #expect(f.message.contains("the mainline kernel (assumed; set --kernel)"))
    #expect(f.notes.contains { $0.message.contains("nxp-6 (when Linux starts the core)") })

    // lf-5.15.71 reads it in probe and sleeps for it in imx_rproc_start (HMPFacts §15.3, §15.7): no finding, no
    // fix-it deleting a delay NXP relies on; the note on mainline says which 5.15 releases read it.
    #expect(try Self.lint(code, rules: ["hmp_rproc_binding"], kernel: "toradex-bsp6").isEmpty)
    #expect(try Self.lint(code, rules: ["hmp_rproc_binding"], kernel: "toradex-bsp7").isEmpty)
    #expect(
      f.notes.contains {
        $0.message.contains("nxp-5.15 (when Linux starts the core; version-dependent: read in lf-5.15.71")
      }, "\(f.notes)")
    #expect(try Self.lint(code, rules: ["hmp_rproc_binding"], kernel: "nxp-5.4").count == 1)
  }

  @Test func clockNamesReadOnlyByNXP6() throws {
    let body = Self.body(
      replacing: "clocks = <&clk 85>;", with: "clocks = <&clk 85>;\n\t\tclock-names = \"core\";")
    #expect(try Self.lint(Self.tree(body), rules: ["hmp_rproc_binding"], kernel: "nxp-6").isEmpty)
    let flagged = try Self.lint(Self.tree(body), rules: ["hmp_rproc_binding"], kernel: "nxp-5.15")
    #expect(flagged.map(\.property) == ["clock-names"])
  }

  @Test func iomuxcGprOnlyWithMMIO() throws {
    let smc = Self.goodBody + "\t\tfsl,iomuxc-gpr = <&src>;\n"
    let f = try Self.lint(Self.tree(smc), rules: ["hmp_rproc_binding"])
    #expect(f.map(\.property) == ["fsl,iomuxc-gpr"])
    #expect(f.first?.message.contains("only with the -mmio compatibles") == true)
    let mmio =
      Self.body(replacing: "\"fsl,imx8mp-cm7\"", with: "\"fsl,imx8mp-cm7-mmio\"")
      + "\t\tsyscon = <&src>;\n\t\tfsl,iomuxc-gpr = <&src>;\n"
    #expect(try Self.lint(Self.tree(mmio), rules: ["hmp_rproc_binding"]).isEmpty)
  }

  @Test func bindingFixRemovesTheProperty() throws {
    let code = Self.tree(Self.goodBody + "\t\trsc-da = <0x55000000>;\n")
    let f = try #require(try Self.lint(code, rules: ["hmp_rproc_binding"]).first)
    let fix = try #require(f.fixes.first)
    let fixed = Self.apply(fix, to: code)
    #expect(!fixed.contains("rsc-da"))
    #expect(try Self.lint(fixed, rules: ["hmp_rproc_binding"]).isEmpty)
  }

  // MARK: - hmp_rproc_clocks

  @Test func clocksRequiredOnMainlineOptionalOnNXP() throws {
    let code = Self.tree(Self.body(replacing: "\t\tclocks = <&clk 85>;\n", with: ""))
    let mainline = try Self.lint(code, rules: ["hmp_rproc_clocks"])
    let f = try #require(mainline.first)
    #expect(f.severity == .warning)
    #expect(f.message.contains("inferred"))
    #expect(f.message.contains("the mainline kernel (assumed; set --kernel)"))
    for k in ["nxp-6", "nxp-5.15", "nxp-5.4", "toradex-bsp6"] {
      #expect(try Self.lint(code, rules: ["hmp_rproc_clocks"], kernel: k).isEmpty, "\(k)")
    }
    // The fix adds the M7 clock, by number (the dt-bindings header may not be included).
    let fixed = Self.apply(try #require(f.fixes.first), to: code)
    #expect(fixed.contains("clocks = <&clk 85>; /* IMX8MP_CLK_M7_DIV */"))
    #expect(try Self.lint(fixed, rules: ["hmp_rproc_clocks"]).isEmpty)
  }

  @Test func clocksMissingNeedsAKnownSoC() throws {
    // An i.MX 8M Quad tree: no bundled profile, nothing to say.
    let code = """
      /dts-v1/;
      / {
      \tcompatible = "acme,board", "fsl,imx8mq";
      \timx8mq-cm4 {
      \t\tcompatible = "fsl,imx8mq-cm4";
      \t};
      };
      """
    #expect(try Self.lint(code, rules: ["hmp_rproc_clocks"]).isEmpty)
    // The i.MX 8M Nano has a profile (issue 18): mainline's imx_rproc_cfg_imx8mn needs the clock, NXP 5.15's not.
    let nano = code.replacingOccurrences(of: "imx8mq", with: "imx8mn").replacingOccurrences(of: "cm4", with: "cm7")
    let f = try #require(try Self.lint(nano, rules: ["hmp_rproc_clocks"]).first)
    #expect(f.message.contains("the M7 clock") && f.message.contains("expected clocks = <&clk IMX8MN_CLK_M7_CORE>"))
    #expect(try Self.lint(nano, rules: ["hmp_rproc_clocks"], kernel: "nxp-5.15").isEmpty)
  }

  @Test func twoClocksBindingOnlyOnNXP6() throws {
    let body = Self.body(replacing: "clocks = <&clk 85>;", with: "clocks = <&clk 85>, <&clk 35>;")
    let mainline = try #require(try Self.lint(Self.tree(body), rules: ["hmp_rproc_clocks"]).first)
    #expect(mainline.message.contains("has 2 entries; the fsl,imx-rproc binding allows 1"))
    #expect(mainline.message.contains("ignores the others"))
    let nxp6 = try #require(try Self.lint(Self.tree(body), rules: ["hmp_rproc_clocks"], kernel: "nxp-6").first)
    #expect(nxp6.message.contains("by name"))
  }

  // MARK: - hmp_rproc_compatible

  @Test func mmioUnknownToBSP6() throws {
    let body =
      Self.body(replacing: "\"fsl,imx8mp-cm7\"", with: "\"fsl,imx8mp-cm7-mmio\"") + "\t\tsyscon = <&src>;\n"
    #expect(try Self.lint(Self.tree(body), rules: ["hmp_rproc_compatible"]).isEmpty)
    #expect(try Self.lint(Self.tree(body), rules: ["hmp_rproc_compatible"], kernel: "nxp-6").isEmpty)
    let f = try #require(
      try Self.lint(Self.tree(body), rules: ["hmp_rproc_compatible"], kernel: "toradex-bsp6").first)
    #expect(f.severity == .error)
    #expect(f.message.contains("kernel toradex-bsp6 (nxp-5.15)"))
    #expect(f.message.contains("never probed"))
    let fixed = Self.apply(try #require(f.fixes.first), to: Self.tree(body))
    #expect(fixed.contains("compatible = \"fsl,imx8mp-cm7\";"))
  }

  @Test func mmioWithoutSysconGetsTheSRC() throws {
    let code = Self.tree(Self.body(replacing: "\"fsl,imx8mp-cm7\"", with: "\"fsl,imx8mp-cm7-mmio\""))
    let f = try #require(try Self.lint(code, rules: ["hmp_rproc_compatible"]).first)
    #expect(f.message.contains("no 'syscon'"))
    #expect(f.message.contains("failed to find syscon"))
    let fixed = Self.apply(try #require(f.fixes.first), to: code)
    #expect(fixed.contains("compatible = \"fsl,imx8mp-cm7-mmio\"; syscon = <&src>;"))
    #expect(try Self.lint(fixed, rules: ["hmp_rproc_compatible"]).isEmpty)
  }

  @Test func otherSoCsCompatible() throws {
    let code = Self.tree(Self.body(replacing: "\"fsl,imx8mp-cm7\"", with: "\"fsl,imx8mm-cm4\""))
    let f = try #require(try Self.lint(code, rules: ["hmp_rproc_compatible"]).first)
    #expect(f.message.contains("not an imx-rproc compatible for the imx8mp"))
    // With the board given, the root compatible does not matter.
    let noRoot = Self.tree(
      Self.body(replacing: "\"fsl,imx8mp-cm7\"", with: "\"fsl,imx8mm-cm4\""), root: "\"acme,board\"")
    // Without a SoC, the flavor's driver configuration judges the node: imx_rproc_cfg_imx8mq uses the MMIO
    // method, and the node has no syscon (HMPFacts §15.6).
    let unknownSoC = try Self.lint(noRoot, rules: ["hmp_rproc_compatible"])
    #expect(unknownSoC.count == 1 && unknownSoC.first?.message.contains("imx_rproc_cfg_imx8mq, MMIO method") == true)
    #expect(try Self.lint(noRoot, rules: ["hmp_rproc_compatible"], board: "verdin-imx8mp").count == 1)
    // A tree of another i.MX SoC is not judged as an i.MX 8M Plus.
    let nano = Self.tree(
      Self.goodBody.replacingOccurrences(of: "imx8mp-cm7", with: "imx8mn-cm7"), root: "\"fsl,imx8mn\"")
    #expect(try Self.lint(nano).isEmpty)
  }

  // MARK: - hmp_rproc_missing

  @Test func missingNeedsAManifest() throws {
    let code = "/dts-v1/;\n/ {\n\tcompatible = \"acme,board\", \"fsl,imx8mp\";\n};\n"
    #expect(try Self.lint(code).isEmpty)
    let f = try Self.lint(code, m7: "{soc: imx8mp, firmware: {started-by: linux}}")
    #expect(f.map(\.rule) == ["hmp_rproc_missing"])
    #expect(f.first?.severity == .warning)
    #expect(f.first?.message.contains("started-by: linux") == true)
    #expect(f.first?.nodePath == "/")
    // An overlay checked alone: the node may be in its base.
    let overlay = "/dts-v1/;\n/plugin/;\n&uart4 {\n\tstatus = \"disabled\";\n};\n"
    #expect(try Self.lint(overlay, m7: "{soc: imx8mp}").isEmpty)
  }

  @Test func missingFixEnablesADisabledNode() throws {
    let code = Self.tree(Self.goodBody + "\t\tstatus = \"disabled\";\n")
    let f = try #require(try Self.lint(code, m7: "{soc: imx8mp}").first)
    #expect(f.rule == "hmp_rproc_missing")
    #expect(f.property == "status")
    let fixed = Self.apply(try #require(f.fixes.first), to: code)
    #expect(try Self.lint(fixed, m7: "{soc: imx8mp}").isEmpty)
  }

  // MARK: - hmp_mbox_names

  @Test func rxdbMissing() throws {
    let body = Self.body(replacing: "\"tx\", \"rx\", \"rxdb\"", with: "\"tx\", \"rx\"")
      .replacingOccurrences(of: ", <&mu 3 1>", with: "")
    // Mainline, NXP 6.x and 5.15 never request rxdb: only the binding objects, and the message says so.
    for k in ["mainline", "nxp-6", "nxp-5.15"] {
      let f = try #require(try Self.lint(Self.tree(body), rules: ["hmp_mbox_names"], kernel: k).first)
      #expect(f.message.contains("only the binding check (dtbs_check) fails"), "\(k): \(f.message)")
    }
    // NXP 5.4 requests it, mandatorily.
    let f = try #require(try Self.lint(Self.tree(body), rules: ["hmp_mbox_names"], kernel: "nxp-5.4").first)
    #expect(f.message.contains("does not find channel \"rxdb\""))
    #expect(f.message.contains("kernel nxp-5.4"))
    #expect(f.fixes.isEmpty)  // names alone cannot add the missing mboxes entry
  }

  @Test func prefixMatchOfOldMailboxCores() throws {
    let body = Self.body(replacing: "\"tx\", \"rx\", \"rxdb\"", with: "\"rxdb\", \"tx\", \"rx\"")
      .replacingOccurrences(of: "<&mu 0 1>, <&mu 1 1>, <&mu 3 1>", with: "<&mu 3 1>, <&mu 0 1>, <&mu 1 1>")
    let mainline = try #require(try Self.lint(Self.tree(body), rules: ["hmp_mbox_names"]).first)
    #expect(mainline.message.contains("only the binding check"))
    #expect(mainline.fixes.isEmpty)  // the mboxes order is not the binding's: renaming would swap channels
    let bsp6 = try #require(
      try Self.lint(Self.tree(body), rules: ["hmp_mbox_names"], kernel: "toradex-bsp6").first)
    #expect(bsp6.message.contains("takes entry 0 (\"rxdb\") for channel \"rx\""))
  }

  @Test func mboxNamesMissingAndItsFix() throws {
    let code = Self.tree(Self.body(replacing: "\t\tmbox-names = \"tx\", \"rx\", \"rxdb\";\n", with: ""))
    let f = try #require(try Self.lint(code, rules: ["hmp_mbox_names"]).first)
    #expect(f.severity == .error)
    #expect(f.message.contains("No initialized mbox tx channel"))
    let fixed = Self.apply(try #require(f.fixes.first), to: code)
    #expect(fixed.contains("mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>; mbox-names = \"tx\", \"rx\", \"rxdb\";"))
    #expect(try Self.lint(fixed).isEmpty)
  }

  @Test func mboxNamesReplacedWhenTheTypesSayWhich() throws {
    let code = Self.tree(Self.body(replacing: "\"tx\", \"rx\", \"rxdb\"", with: "\"tx\", \"rx\", \"rx-db\""))
    let f = try #require(try Self.lint(code, rules: ["hmp_mbox_names"]).first)
    let fixed = Self.apply(try #require(f.fixes.first), to: code)
    #expect(fixed == Self.tree(Self.goodBody))
  }

  @Test func countMismatch() throws {
    let body = Self.body(replacing: ", <&mu 3 1>", with: "")
    let f = try #require(try Self.lint(Self.tree(body), rules: ["hmp_mbox_names"]).first)
    #expect(f.message.contains("has 3 names for 2 'mboxes' entries"))
    // Names without mboxes: every request points past the end.
    let none = Self.body(replacing: "\t\tmboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;\n", with: "")
    let g = try #require(try Self.lint(Self.tree(none), rules: ["hmp_mbox_names"]).first)
    #expect(g.message.contains("has 3 names for 0 'mboxes' entries"))
    #expect(g.message.contains("finds \"tx\" at entry 0, which has no 'mboxes' entry"))
  }

  // MARK: - hmp_mbox_controller

  @Test func wrongMUAndItsFix() throws {
    let code = Self.tree(Self.body(replacing: "&mu ", with: "&mu2 "))
    let f = try #require(try Self.lint(code, rules: ["hmp_mbox_controller"]).first)
    #expect(f.severity == .error)
    #expect(f.message.contains("mu2 (/mailbox@30e60000), the dsp's MU, not at mu (/mailbox@30aa0000)"))
    #expect(f.message.contains("0x30ab0000, MU1_M7_IRQn"))
    #expect(f.notes.contains { $0.message.contains("disabled") })
    let fixed = Self.apply(try #require(f.fixes.first), to: code)
    #expect(fixed == Self.tree(Self.goodBody))
  }

  @Test func disabledMU() throws {
    let code = Self.tree(Self.goodBody, mu: "\t\tstatus = \"disabled\";\n")
    let f = try Self.lint(code, rules: ["hmp_mbox_controller"])
    #expect(f.count == 1)
    #expect(f.first?.message.contains("-EPROBE_DEFER") == true)
    #expect(f.first?.notes.first?.range != nil)
  }

  @Test func noMboxesWithAnRPMsgManifest() throws {
    let body = "\t\tcompatible = \"fsl,imx8mp-cm7\";\n\t\tclocks = <&clk 85>;\n"
    #expect(try Self.lint(Self.tree(body), m7: "{soc: imx8mp}").isEmpty)
    let f = try Self.lint(Self.tree(body), m7: "{soc: imx8mp, rpmsg: {buffer-count: 256}}")
    #expect(f.map(\.rule) == ["hmp_mbox_controller"])
  }

  @Test func unresolvedReferencesAreLeftAlone() throws {
    // An overlay checked without its base: &mu is a fixup, not a node.
    let overlay = """
      /dts-v1/;
      /plugin/;
      &{/} {
      \timx8mp-cm7 {
      \t\tcompatible = "fsl,imx8mp-cm7";
      \t\tclocks = <&clk 85>;
      \t\tmbox-names = "tx", "rx", "rxdb";
      \t\tmboxes = <&mu 0 0>, <&mu 1 0>, <&mu 3 0>;
      \t};
      };
      """
    #expect(try Self.lint(overlay, m7: "{soc: imx8mp}").isEmpty)
  }

  // MARK: - hmp_mbox_channel

  @Test func channelFromTheManifest() throws {
    let zero = Self.tree(
      Self.body(replacing: "<&mu 0 1>, <&mu 1 1>, <&mu 3 1>", with: "<&mu 0 0>, <&mu 1 0>, <&mu 3 0>"))
    let assumed = try #require(try Self.lint(zero, rules: ["hmp_mbox_channel"]).first)
    #expect(assumed.severity == .warning)
    #expect(assumed.message.contains("assumed; set rpmsg.mu-channel"))
    #expect(assumed.message.contains("entry 0 (\"tx\") is <0 0>, expected <0 1>"))
    #expect(assumed.notes.contains { $0.message.contains("inferred") })
    #expect(try Self.lint(zero, rules: ["hmp_mbox_channel"], m7: "{soc: imx8mp, rpmsg: {mu-channel: 0}}").isEmpty)

    let manifest = "{soc: imx8mp, rpmsg: {mu-channel: 2}}"
    let f = try #require(try Self.lint(Self.tree(Self.goodBody), rules: ["hmp_mbox_channel"], m7: manifest).first)
    #expect(f.message.contains("example-m7.yaml"))
    #expect(f.message.contains("expected <0 2>"))
    let fixed = Self.apply(try #require(f.fixes.first), to: Self.tree(Self.goodBody))
    #expect(fixed.contains("mboxes = <&mu 0 2>, <&mu 1 2>, <&mu 3 2>;"))
    #expect(try Self.lint(fixed, rules: ["hmp_mbox_channel"], m7: manifest).isEmpty)
  }

  @Test func rxdbChannelIsInertOnMainline() throws {
    let code = Self.tree(Self.body(replacing: "<&mu 3 1>", with: "<&mu 3 0>"))
    let f = try #require(try Self.lint(code, rules: ["hmp_mbox_channel"]).first)
    #expect(f.message.contains("does not request \"rxdb\", so that entry is inert"))
    #expect(f.notes.isEmpty)
    // NXP 5.4 requests rxdb, but rpmsg-lite rings no doorbell.
    let nxp54 = try #require(try Self.lint(code, rules: ["hmp_mbox_channel"], kernel: "nxp-5.4").first)
    #expect(nxp54.message.contains("data registers only"))
  }

  @Test func swappedTypes() throws {
    let code = Self.tree(Self.body(replacing: "<&mu 0 1>, <&mu 1 1>", with: "<&mu 1 1>, <&mu 0 1>"))
    let f = try #require(try Self.lint(code, rules: ["hmp_mbox_channel"]).first)
    #expect(f.message.contains("its \"tx\" channel is a rx channel"))
  }

  // MARK: - Corpus

  static let verdinBoards = [
    "nonwifi-dahlia", "nonwifi-dev", "nonwifi-ivy", "nonwifi-mallow", "nonwifi-yavia",
    "wifi-dahlia", "wifi-dev", "wifi-ivy", "wifi-mallow", "wifi-yavia",
  ].map { "src/arm64/freescale/imx8mp-verdin-\($0).dts" }

  /// The ten Verdin iMX8M Plus boards, compiled with `-@`: no remoteproc node, so without a manifest these rules
  /// say nothing; with one, exactly the missing node.
  @Test(
    .enabled(
      if: SharedCorpus.linuxAvailable, "the shared corpus (../shared/corpus/linux-dts) is not beside the package"))
  func verdinBoardsAreClean() throws {
    let base = SharedCorpus.linuxDTS
    let cache = PreprocessorCache()
    for file in Self.verdinBoards {
      var options = FrontEndOptions()
      options.preprocess = true
      options.includePaths = [base + "/include", base + "/src/arm64/freescale", base + "/src"]
      let reader = SourceReader(sources: SourceManager(), options: options, cache: cache)
      var compile = CompileOptions()
      compile.symbols = true
      let c = try reader.compile(path: base + "/" + file, options: compile)
      #expect(!c.inputFailure, "\(file)")
      var selection = RuleSelection()
      try selection.disable("all")
      for r in Self.ruleIDs { try selection.enable(r) }
      for kernel in [nil, "toradex-bsp6"] as [String?] {
        let hmp = try HMPContext.load(kernel: kernel, board: nil, m7: nil)
        let findings = Linter(selection: selection, hmp: hmp).lint(c.tree, frontEnd: c.diagnostics)
          .filter { Self.ruleIDs.contains($0.rule) }
        #expect(findings.isEmpty, "\(file): \(findings.map(\.message))")
      }
      let dir = TestDirectory()
      let m7 = dir.write("m7.yaml", "soc: imx8mp\n")
      let hmp = try HMPContext.load(kernel: nil, board: nil, m7: m7)
      let withManifest = Linter(selection: selection, hmp: hmp).lint(c.tree, frontEnd: c.diagnostics)
        .filter { Self.ruleIDs.contains($0.rule) }
      #expect(withManifest.map(\.rule) == ["hmp_rproc_missing"], "\(file): \(withManifest.map(\.message))")
    }
  }
}

extension HMPRprocRulesTests {
  /// An error of one HMP rule does not stop the others (only dtc's checks give up after an error).
  @Test func oneHMPErrorDoesNotHideTheOthers() throws {
    let body = """
      \t\tcompatible = "fsl,imx8mp-cm7-mmio";
      \t\tmbox-names = "tx", "rx", "rx-db";
      \t\tmboxes = <&mu2 0 0>, <&mu2 1 0>, <&mu2 3 0>;
      \t\trsc-da = <0x55000000>;

      """
    let rules = Set(try Self.lint(Self.tree(body), m7: "{soc: imx8mp}").map(\.rule))
    #expect(
      rules == [
        "hmp_rproc_compatible", "hmp_rproc_clocks", "hmp_rproc_binding", "hmp_mbox_names", "hmp_mbox_controller",
      ])
  }
}
