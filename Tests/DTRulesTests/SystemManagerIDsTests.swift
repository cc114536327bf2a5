import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// The i.MX 95's `fsl,cpu-id` and `fsl,lmm-id` (issue 18, HMPFacts §18.1): declared per compatible in the SoC
/// profile's `needs`, required by the flavors whose imx_rproc drives `fsl,imx95-cm7` through the System Manager
/// (nxp-6), read by no other; judged by hmp_rproc_compatible (missing, malformed, wrong CPU) and, where unread,
/// reported as dead text by hmp_rproc_binding.
@Suite struct SystemManagerIDsTests {
  /// An i.MX 95 EVK-like tree with the M7 node's `body`.
  static func tree(_ body: String) -> String {
    imx95M7Example("compatible = \"fsl,imx95-cm7\";" + (body.isEmpty ? "" : "\n" + body))
  }

  static func lint(_ body: String, kernel: String?) throws -> [Diagnostic] {
    try HMPRprocRulesTests.lint(
      tree(body), rules: ["hmp_rproc_compatible", "hmp_rproc_binding"], kernel: kernel)
  }

  @Test func theProfileDeclaresBothForTheSystemManagerCompatible() throws {
    let c = try #require(try SoCProfile.load(name: "imx95").remoteproc.compatible("fsl,imx95-cm7"))
    #expect(c.needs == ["fsl,cpu-id", "fsl,lmm-id"])
    let cpu = try #require(c.requirement("fsl,cpu-id"))
    #expect(cpu.format == .u32 && cpu.value == 1 && cpu.defaultValue == nil)
    let lm = try #require(c.requirement("fsl,lmm-id"))
    #expect(lm.format == .u32 && lm.value == nil && lm.defaultValue == 1)
    // The i.MX 8M compatibles keep their bare syscon.
    let mmio = try #require(try SoCProfile.load(name: "imx8mp").remoteproc.compatible("fsl,imx8mp-cm7-mmio"))
    #expect(mmio.requirements == [.syscon])
  }

  /// Which flavor requires them for which compatible: only a System Manager configuration of nxp-6.
  @Test func flavorsRequireThemOnlyForTheSystemManagerMethod() throws {
    let nxp6 = try KernelFlavor.load(name: "nxp-6")
    #expect(nxp6.requires("fsl,cpu-id", for: "fsl,imx95-cm7") && nxp6.requires("fsl,lmm-id", for: "fsl,imx95-cm7"))
    #expect(nxp6.requires("fsl,cpu-id", for: "fsl,imx94-cm7"))
    #expect(!nxp6.requires("fsl,cpu-id", for: "fsl,imx8mp-cm7"))
    #expect(nxp6.requires("syscon", for: "fsl,imx8mp-cm7-mmio") && !nxp6.requires("syscon", for: "fsl,imx8mp-cm7"))
    let mainline = try KernelFlavor.load(name: "mainline")
    #expect(
      !mainline.requires("fsl,cpu-id", for: "fsl,imx95-cm7") && !mainline.requires("fsl,lmm-id", for: "fsl,imx95-cm7"))
    #expect(mainline.usesSM("fsl,imx95-cm7") && !mainline.usesSM("fsl,imx93-cm33"))
  }

  /// A warning, not an error: nxp-6 covers lf-6.6, whose imx95 configuration starts the M7 through the SMC call
  /// and never reads the ids, as well as the System Manager configurations that fail probe without them.
  @Test func missingUnderNXPIsAWarningWithAFixThatSettlesIt() throws {
    let findings = try Self.lint("", kernel: "nxp-6")
    #expect(findings.count == 2, "\(findings.map(\.message))")
    #expect(findings.allSatisfy { $0.rule == "hmp_rproc_compatible" && $0.severity == .warning })
    let cpu = try #require(findings.first { $0.message.contains("no 'fsl,cpu-id'") })
    #expect(
      cpu.message.contains(
        "drives it with imx_rproc_cfg_imx95_m7, System Manager method: it starts, stops and detects the core "
          + "through the System Manager's SCMI CPU or LMM protocol, and reads 'fsl,cpu-id', the M7's CPU id"),
      "\(cpu.message)")
    #expect(cpu.message.contains("\"No fsl,cpu-id property\" and probe fails"))
    #expect(cpu.notes.contains { $0.message.hasPrefix("'fsl,cpu-id' is version-dependent: ") })
    let lm = try #require(findings.first { $0.message.contains("no 'fsl,lmm-id'") })
    #expect(lm.notes.contains { $0.message.contains("must match the System Manager configuration") })
    // Both fixes applied: nothing left.
    var code = Self.tree("")
    for f in [cpu, lm] {
      let fix = try #require(f.fixes.first)
      code = HMPRprocRulesTests.apply(fix, to: code)
      let again = try HMPRprocRulesTests.lint(code, rules: ["hmp_rproc_compatible"], kernel: "nxp-6")
      if f.message.contains("lmm-id") { #expect(again.isEmpty, "\(again.map(\.message))") }
    }
    #expect(code.contains("compatible = \"fsl,imx95-cm7\"; fsl,cpu-id = <1>;") || code.contains("fsl,cpu-id = <1>;"))
  }

  @Test func notReadByMainlineNorKnownToNXP515() throws {
    #expect(try Self.lint("", kernel: "mainline").isEmpty)
    #expect(try Self.lint("", kernel: nil).isEmpty)
    // nxp-5.15 does not know the compatible: that is the only finding, no needs are judged.
    let old = try Self.lint("", kernel: "nxp-5.15")
    #expect(old.count == 1 && old[0].message.contains("is not in the match table"), "\(old.map(\.message))")
  }

  /// Written for an NXP kernel and checked for mainline: dead text (a warning), with the flavor that reads them.
  @Test func presentUnderMainlineIsDeadText() throws {
    let findings = try Self.lint("fsl,cpu-id = <1>;\nfsl,lmm-id = <1>;", kernel: "mainline")
    #expect(findings.map(\.rule) == ["hmp_rproc_binding", "hmp_rproc_binding"], "\(findings.map(\.message))")
    #expect(findings.allSatisfy { $0.severity == .warning })
    #expect(findings.allSatisfy { f in f.notes.contains { $0.message.hasPrefix("read only by nxp-6") } })
    #expect(findings.allSatisfy { f in f.notes.contains { $0.message.hasPrefix("inference: HMPFacts §18.1") } })
    // nxp-6 reads them: nothing.
    #expect(try Self.lint("fsl,cpu-id = <1>;\nfsl,lmm-id = <1>;", kernel: "nxp-6").isEmpty)
    // On an i.MX 8M Plus node nxp-6 does not read them (SMC configuration): dead text there too.
    let mp = try HMPRprocRulesTests.lint(
      HMPRprocRulesTests.tree("compatible = \"fsl,imx8mp-cm7\";\nfsl,cpu-id = <1>;"), rules: ["hmp_rproc_binding"],
      kernel: "nxp-6")
    #expect(mp.count == 1 && mp[0].property == "fsl,cpu-id", "\(mp.map(\.message))")
  }

  @Test(arguments: [
    ("fsl,cpu-id;\nfsl,lmm-id = <1>;", "fsl,cpu-id", "has no value", Severity.warning),
    ("fsl,cpu-id = \"1\";\nfsl,lmm-id = <1>;", "fsl,cpu-id", "is 2 bytes, not one 32-bit cell", .warning),
    ("fsl,cpu-id = <1>;\nfsl,lmm-id = /bits/ 16 <1>;", "fsl,lmm-id", "is 2 bytes, not one 32-bit cell", .warning),
    ("fsl,cpu-id = \"12345\";\nfsl,lmm-id = <1>;", "fsl,cpu-id", "6 bytes that are not 32-bit cells", .warning),
    ("fsl,cpu-id = <2>;\nfsl,lmm-id = <1>;", "fsl,cpu-id", "is <2>, but on the imx95 it must be <1>", .warning),
    (
      "fsl,cpu-id = <1 1>;\nfsl,lmm-id = <1>;", "fsl,cpu-id", "has 2 cells: of_property_read_u32() reads only", .warning
    ),
  ]) func malformedOrWrong(body: String, property: String, text: String, severity: Severity) throws {
    let findings = try Self.lint(body, kernel: "nxp-6")
    #expect(findings.count == 1, "\(findings.map(\.message))")
    let f = try #require(findings.first)
    #expect(f.rule == "hmp_rproc_compatible" && f.property == property && f.severity == severity)
    #expect(f.message.contains(text), "\(f.message)")
    // The fix writes the value the SoC fixes or the generator's default.
    let fixed = HMPRprocRulesTests.apply(try #require(f.fixes.first), to: Self.tree(body))
    #expect(try HMPRprocRulesTests.lint(fixed, rules: ["hmp_rproc_compatible"], kernel: "nxp-6").isEmpty)
  }

  /// Another logical machine than NXP's EVK configuration is the board's business: not judged.
  @Test func anyLogicalMachineIsAccepted() throws {
    #expect(try Self.lint("fsl,cpu-id = <1>;\nfsl,lmm-id = <3>;", kernel: "nxp-6").isEmpty)
  }

  /// The i.MX 8M message for a missing syscon is unchanged by the generalisation.
  @Test func sysconMessageUnchanged() throws {
    let code =
      "/dts-v1/;\n/ {\n\tcompatible = \"fsl,imx8mm-evk\", \"fsl,imx8mm\";\n\timx8mm-cm4 {\n"
      + "\t\tcompatible = \"fsl,imx8mm-cm4\";\n\t};\n};\n"
    let f = try HMPRprocRulesTests.lint(code, rules: ["hmp_rproc_compatible"], kernel: "nxp-5.15")
    #expect(
      f.map(\.message) == [
        "node /imx8mm-cm4 has compatible \"fsl,imx8mm-cm4\" but no 'syscon': kernel nxp-5.15's imx_rproc drives it "
          + "with imx_rproc_cfg_imx8mq, MMIO method: it starts, stops and detects the core through the SRC "
          + "registers, and looks the SRC up through 'syscon' (HMPFacts §15.6): imx_rproc_detect_mode: "
          + "syscon_regmap_lookup_by_phandle(np, \"syscon\"); \"failed to find syscon\" fails probe"
      ], "\(f.map(\.message))")
  }

  /// A `needs` entry with an unknown format is refused, naming the file and the key.
  @Test func badNeedsEntryIsRefused() throws {
    let text = try String(contentsOfFile: SharedCorpus.packageRoot + "/schemas/soc/imx95.yaml", encoding: .utf8)
    let bad = text.replacingOccurrences(
      of: "          format: u32\n          value: 1", with: "          format: u64\n          value: 1")
    #expect(bad != text)
    let dir = TestDirectory(prefix: "dtlint-sm95")
    let path = dir.write("imx95.yaml", bad)
    #expect {
      _ = try SoCProfile.load(path: path)
    } throws: { e in
      let s = "\(e)"
      return s.contains("imx95.yaml") && s.contains("remoteproc.compatibles[0].needs[0].format")
    }
  }

  /// explain-log recognises both probe failures and ties them to hmp_rproc_compatible.
  @Test func explainLogKnowsBothMessages() throws {
    let catalog = try KernelMessageCatalog.bundled()
    for (line, id) in [
      ("[    3.02] imx-rproc imx95-cm7: No fsl,cpu-id property", "imx_rproc_no_cpu_id"),
      ("[    3.03] imx-rproc imx95-cm7: No fsl,lmm-id property", "imx_rproc_no_lmm_id"),
    ] {
      let m = try #require(catalog.match(line)?.message)
      #expect(m.id == id && m.severity.isProblem)
      #expect(m.causes.flatMap(\.rules) == ["hmp_rproc_compatible"])
    }
  }
}
