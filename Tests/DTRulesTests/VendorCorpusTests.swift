import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// Issue 15 on NXP's own lf-5.15.71 trees (`../shared/corpus/vendor`): they boot on NXP's boards with that kernel,
/// so under `nxp-5.15` no HMP finding may be an error, and the verdicts follow the lf-5.15.71 driver read in
/// HMPFacts §15.3 — `fsl,startup-delay-ms` is read there, `rsc-da` is not; an MMIO compatible without `syscon`
/// fails probe in every flavor but NXP 5.4 (§15.6). Skipped when the corpus is missing.
@Suite(.enabled(if: SharedCorpus.vendorAvailable, "skipped: ../shared/corpus/vendor is missing"))
struct VendorCorpusTests {
  static var dir: String { SharedCorpus.vendorNXP515 + "/arch/arm64/boot/dts/freescale" }
  static let rpmsgTrees = [
    "imx8mm-evk-rpmsg.dts", "imx8mn-evk-rpmsg.dts", "imx8mp-evk-rpmsg.dts", "imx8ulp-evk.dts",
    "imx93-11x11-evk.dts", "imx93-9x9-qsb.dts",
  ]
  static let plainTrees = ["imx8mm-evk.dts", "imx8mn-evk.dts", "imx8mp-evk.dts"]

  /// A tree compiled as `dtlint check` compiles it, with `includes` as `-I`.
  static func load(_ path: String, includes: [String]) throws -> LoadedTree {
    var options = FrontEndOptions()
    options.includePaths = includes
    var compile = CompileOptions()
    compile.stopBeforeGeneratedNodes = true
    return try SourceReader(sources: SourceManager(), options: options).load(path: path, options: compile)
  }

  static func lint(_ path: String, kernel: String?, rules: Set<String>? = nil) throws -> [Diagnostic] {
    let loaded = try load(path, includes: [SharedCorpus.vendorNXP515 + "/include", dir])
    let findings = Linter(hmp: try HMPContext.load(kernel: kernel, board: nil, m7: nil))
      .lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind)
    return findings.filter { rules?.contains($0.rule) ?? $0.rule.hasPrefix("hmp_") }
  }

  /// Under the kernel they were released with, NXP's trees get no error, and neither the startup delay NXP relies
  /// on nor the vdev0buffer/rsc_table naming is reported; `rsc-da`, which no lf-5.15 release reads, stays a warning.
  @Test(arguments: rpmsgTrees) func nxpTreesUnderTheirKernel(tree: String) throws {
    let findings = try Self.lint(Self.dir + "/" + tree, kernel: "nxp-5.15")
    #expect(!findings.contains { $0.severity == .error }, "\(tree): \(findings.map(\.message))")
    #expect(!findings.contains { $0.property == "fsl,startup-delay-ms" }, "\(tree)")
    #expect(
      findings.allSatisfy { $0.rule == "hmp_rproc_binding" && $0.property == "rsc-da" },
      "\(tree): \(findings.map(\.message))")
  }

  /// Mainline does not read the delay: reported, with the note that lf-5.15.71 (and NXP 6.x) do.
  @Test func startupDelayUnderMainlineSaysWhoReadsIt() throws {
    let findings = try Self.lint(Self.dir + "/imx8mp-evk-rpmsg.dts", kernel: "mainline", rules: ["hmp_rproc_binding"])
    let f = try #require(findings.first { $0.property == "fsl,startup-delay-ms" })
    let note = try #require(f.notes.first { $0.message.hasPrefix("read only by") })
    #expect(note.message.contains("nxp-6 (when Linux starts the core)"), "\(note.message)")
    #expect(note.message.contains("nxp-5.15 (when Linux starts the core; version-dependent: read in lf-5.15.71"))
  }

  /// NXP's imx8mm-evk-rpmsg.dts without its `syscon = <&src>`: fsl,imx8mm-cm4 selects imx_rproc_cfg_imx8mq, whose
  /// MMIO detect fails probe with "failed to find syscon" in 5.15, 6.x and mainline; 5.4 logs it and probes on
  /// without the SRC. There is no i.MX 8M Mini SoC profile: the flavor's driver configuration decides.
  @Test(arguments: ["nxp-5.15", "nxp-6", "mainline", "nxp-5.4"]) func imx8mmWithoutSyscon(kernel: String) throws {
    let s = TestDirectory(prefix: "dtlint-vendor")
    let tree = s.write(
      "no-syscon.dts",
      "#include \"\(Self.dir)/imx8mm-evk-rpmsg.dts\"\n\n&{/imx8mm-cm4} {\n\t/delete-property/ syscon;\n};\n")
    let findings = try Self.lint(tree, kernel: kernel, rules: ["hmp_rproc_compatible"])
    let f = try #require(findings.first, "\(kernel)")
    #expect(findings.count == 1)
    #expect(f.severity == .error)
    #expect(f.message.contains("compatible \"fsl,imx8mm-cm4\" but no 'syscon'"), "\(f.message)")
    #expect(f.message.contains("imx_rproc_cfg_imx8mq, MMIO method"))
    if kernel == "nxp-5.4" {
      #expect(f.message.contains("-ENOTSUPP"), "\(f.message)")
      #expect(f.notes.contains { $0.message.hasPrefix("inference") })
    } else {
      #expect(f.message.contains("\"failed to find syscon\" fails probe"), "\(f.message)")
    }
    // The tree as NXP ships it has the syscon.
    #expect(try Self.lint(Self.dir + "/imx8mm-evk-rpmsg.dts", kernel: kernel, rules: ["hmp_rproc_compatible"]).isEmpty)
  }

  /// Trees without an imx-rproc node get no HMP finding at all (issue 15: hmp_ rules speak only for an HMP system).
  @Test(arguments: plainTrees) func treesWithoutRemoteprocAreNotHMPQuestions(tree: String) throws {
    for kernel in [nil, "nxp-5.15"] {
      #expect(try Self.lint(Self.dir + "/" + tree, kernel: kernel).isEmpty, "\(tree) \(kernel ?? "")")
    }
  }

  /// lf-5.15.71 names what imx_rproc_prepare skips: NXP's 8MP tree lists `vdevbuffer` first (the pool by index 0)
  /// and its `rsc_table@550ff000` is the table — nothing to report; the same table named `rsc-table` is skipped by
  /// prepare but not taken as the table (HMPFacts §15.3).
  @Test func resourceTableNamesOfLF51571() throws {
    let kernel = try KernelFlavor.load(name: "nxp-5.15")
    #expect(kernel.isResourceTableName("rsc_table@550ff000"))
    #expect(!kernel.isResourceTableName("rsc-table@550ff000"))
    #expect(kernel.effects(forRegionNamed: "rsc-table@550ff000") == [.noCarveout])
    #expect(kernel.regionRules.first { $0.name == "rsc-table" }?.versionDependent?.contains("9e4f84b9") == true)
    #expect(kernel.effects(forRegionNamed: "vdev0buffer@55400000").contains(.noCarveout))
    #expect(kernel.effects(forRegionNamed: "vdev0vring0@55000000") == [.notMapped])
    let s = TestDirectory(prefix: "dtlint-vendor")
    let renamed = s.write(
      "dash.dts",
      "#include \"\(Self.dir)/imx8mp-evk-rpmsg.dts\"\n\n&rsc_table {\n};\n/ { reserved-memory { /delete-node/ rsc_table@550ff000; rsc_table: rsc-table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; }; }; };\n"
    )
    let findings = try Self.lint(renamed, kernel: "nxp-5.15", rules: ["hmp_rsc_table_name"])
    #expect(findings.count == 1, "\(findings.map(\.message))")
    #expect(
      findings.first?.notes.contains { $0.message.hasPrefix("version-dependent: skipped in lf-5.15.71") } == true,
      "\(findings.first?.notes ?? [])")
  }
}

/// Issue 15 on the mainline trees: mainline imx8qxp-mek.dts nests its DSP's vrings in the DSP's firmware region,
/// which no imx-rproc node lists; hmp_region_overlap reported the nesting before, it no longer speaks for the DSP.
@Suite(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts is missing"))
struct RegionOverlapCorpusTests {
  @Test func dspNestingIsNotAnHMPQuestion() throws {
    let linux = SharedCorpus.linuxDTS
    let loaded = try VendorCorpusTests.load(
      linux + "/src/arm64/freescale/imx8qxp-mek.dts",
      includes: [linux + "/include", linux + "/src/arm64/freescale", linux + "/src"])
    let info = TreeInfo(tree: loaded.tree)
    // The premise: the tree has an imx-rproc node, and overlapping regions none of them lists.
    #expect(info.hasHMPSystem)
    let dsp = try #require(loaded.tree.node(atPath: "/reserved-memory/dsp@92400000"))
    #expect(!info.rprocRegions.regions.contains { $0.node === dsp })
    let findings = Linter().lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind)
    #expect(!findings.contains { $0.rule == "hmp_region_overlap" }, "\(findings.map(\.message))")
  }
}
