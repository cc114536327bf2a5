import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// Issue 18 on real trees: with the i.MX 8M Mini, 8M Nano, 93, 8ULP and 95 profiles, the mainline corpus trees, the
/// PHYTEC rpmsg overlays and NXP's lf-5.15.71 trees get only the verdicts the code supports, and the overlays of
/// `overlays/` apply to the corpus bases of their boards for every flavor that has one.
@Suite(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts is missing"))
struct SoCFamilyCorpusTests {
  static let linux = SharedCorpus.linuxDTS
  static let dir = linux + "/src/arm64/freescale"
  static let includes = [linux + "/include", dir, linux + "/src"]

  /// Every mainline tree of the new SoCs, by name.
  static let trees: [String] = {
    let all = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return all.filter { f in
      f.hasSuffix(".dts")
        && ["imx93-", "imx8mm-", "imx8mn-", "imx8ulp-evk", "imx95-"].contains { f.hasPrefix($0) }
    }.sorted()
  }()

  static func load(_ path: String) throws -> LoadedTree {
    var options = FrontEndOptions()
    options.includePaths = includes
    var compile = CompileOptions()
    compile.stopBeforeGeneratedNodes = true
    return try SourceReader(sources: SourceManager(), options: options).load(path: path, options: compile)
  }

  static func hmpFindings(_ path: String, kernel: String? = nil) throws -> [Diagnostic] {
    let loaded = try load(path)
    return Linter(hmp: try HMPContext.load(kernel: kernel, board: nil, m7: nil))
      .lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind).filter { $0.rule.hasPrefix("hmp_") }
  }

  /// The mainline trees boot with a mainline kernel: no HMP finding on any of them (measured: 0 on all), among
  /// them the 93 EVKs whose vrings lie outside the 93's translation rows and the SOF node of imx95-19x19-evk-sof.
  @Test func mainlineTreesHaveNoHMPFinding() throws {
    #expect(Self.trees.count > 60, "\(Self.trees.count)")
    for tree in Self.trees {
      let findings = try Self.hmpFindings(Self.dir + "/" + tree)
      #expect(findings.isEmpty, "\(tree): \(findings.map { "\($0.rule): \($0.message)" })")
    }
  }

  /// The trees are judged against their own SoC's profile (by the root compatible), not the i.MX 8M Plus's.
  @Test(arguments: [
    ("imx93-11x11-evk.dts", "imx93"), ("imx8ulp-evk.dts", "imx8ulp"), ("imx95-verdin-wifi-dev.dts", "imx95"),
    ("imx8mm-verdin-wifi-dev.dts", "imx8mm"),
  ]) func detectedSoC(tree: String, soc: String) throws {
    let loaded = try Self.load(Self.dir + "/" + tree)
    let info = TreeInfo(tree: loaded.tree)
    if tree.hasPrefix("imx8mm") {
      // No remoteproc node: no profile is loaded, but the board is known.
      #expect(info.rprocSoC() == nil)
      #expect(HMPContext.defaults.board(for: loaded.tree)?.name == "verdin-imx8mm")
    } else {
      #expect(info.rprocSoC()?.name == soc)
    }
  }

  /// An i.MX 93 remoteproc node on the wrong MU is no longer silent (issue 18): mu2 is not the MU1 the M33's
  /// rpmsg-lite uses (HMPFacts §18.2).
  @Test func imx93WrongMU() throws {
    let s = TestDirectory(prefix: "dtlint-socs")
    let tree = s.write(
      "wrong-mu.dts",
      "#include \"\(Self.dir)/imx93-11x11-evk.dts\"\n&cm33 {\n\tmboxes = <&mu2 0 1>, <&mu2 1 1>, <&mu2 3 1>;\n};\n"
        + "&mu2 {\n\tstatus = \"okay\";\n};\n")
    let findings = try Self.hmpFindings(tree)
    #expect(findings.map(\.rule) == ["hmp_mbox_controller"], "\(findings.map(\.message))")
    let f = try #require(findings.first)
    #expect(f.severity == .error)
    #expect(f.message.contains("points at mu2") && f.message.contains("a spare MU, not at mu1"), "\(f.message)")
    #expect(f.message.contains("(MU1_MUA, MU1_A_IRQn) the M33 firmware uses"), "\(f.message)")
  }

  /// The 93's regions are judged by reachability: the EVK's are fine, a buffer below DDR is not.
  @Test func imx93RegionOutsideWhatTheM33Reaches() throws {
    let s = TestDirectory(prefix: "dtlint-socs")
    let tree = s.write(
      "far.dts",
      "#include \"\(Self.dir)/imx93-11x11-evk.dts\"\n&vdevbuffer {\n\treg = <0 0x70000000 0 0x100000>;\n};\n")
    let findings = try Self.hmpFindings(tree)
    #expect(findings.map(\.rule) == ["hmp_region_window"], "\(findings.map(\.message))")
    #expect(findings.first?.severity == .warning)
    #expect(findings.first?.message.contains("is outside what the M33 reaches") == true)
  }

  /// The i.MX 8M Mini's clock table drives the clock rule: a Verdin iMX8M Mini with the generated overlay and a
  /// manifest claiming uart4 and i2c4 — mainline switches off the slices of both (no command line given); i2c4 is
  /// also still enabled for Linux (HMPFacts §13, §18.7).
  @Test func imx8mmClockRule() throws {
    let s = TestDirectory(prefix: "dtlint-socs")
    let m4 = s.write("m4.yaml", "soc: imx8mm\nperipherals: [uart4, i2c4]\n")
    var options = FrontEndOptions()
    options.includePaths = Self.includes
    let chain = try SourceReader(sources: SourceManager(), options: options).applyChain(
      base: Self.dir + "/imx8mm-verdin-nonwifi-dev.dts",
      overlays: [SharedCorpus.packageRoot + "/overlays/verdin-imx8mm-nonwifi-mainline-hmp.dtso"])
    let hmp = try HMPContext.load(kernel: "mainline", board: nil, m7: m4)
    let findings = Linter(hmp: hmp).lint(chain: chain).filter { $0.rule.hasPrefix("hmp_") }
    let gated = findings.filter { $0.rule == "hmp_clock_gated" }
    #expect(gated.count == 2, "\(findings.map { "\($0.rule): \($0.message)" })")
    #expect(gated.contains { $0.message.contains("IMX8MM_CLK_UART4 (clk + 0xb080, enable bit 28)") })
    #expect(gated.contains { $0.message.contains("IMX8MM_CLK_I2C4 (clk + 0xae80") })
    #expect(findings.contains { $0.rule == "hmp_peripheral_conflict" && $0.message.hasPrefix("i2c4") })
  }

  /// The clock rule on the mainline 8ULP and 93 EVKs with an M33 manifest (HMPFacts §18.10, §18.11): the 8ULP's
  /// LPSPI4 is gated at registration under every flavor with a table, a warning; the M33's own LPUART1 (real-time
  /// domain) is not in the tree and gives nothing. The 93's LPUART2 (the M33's debug UART) is a warning naming root
  /// and LPCG; with mcore_booted under NXP 6.x, the LPCG alone. No error anywhere.
  static func clockFindings(_ tree: String, manifest: String, kernel: String) throws -> [Diagnostic] {
    let s = TestDirectory(prefix: "dtlint-socs")
    let m33 = s.write("m33.yaml", manifest)
    let loaded = try load(dir + "/" + tree)
    return Linter(hmp: try HMPContext.load(kernel: kernel, board: nil, m7: m33))
      .lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind).filter { $0.rule == "hmp_clock_gated" }
  }

  @Test(arguments: ["mainline", "nxp-6", "nxp-5.15"]) func imx8ulpEVKClockRule(kernel: String) throws {
    let findings = try Self.clockFindings(
      "imx8ulp-evk.dts", manifest: "soc: imx8ulp\nperipherals: [lpspi4, lpuart1]\n", kernel: kernel)
    #expect(findings.count == 1 && findings.first?.severity == .warning, "\(findings.map(\.message))")
    let m = findings.first?.message ?? ""
    #expect(m.hasPrefix("lpspi4 (spi@293b0000) belongs to the M33"), "\(m)")
    #expect(m.contains("IMX8ULP_CLK_LPSPI4 (pcc3 + 0xec, enable bit 30)"), "\(m)")
    #expect(m.contains("PR (bit 31)") == kernel.hasPrefix("nxp"), "\(m)")
  }

  @Test func imx93EVKClockRule() throws {
    let manifest = "soc: imx93\nperipherals: [lpuart2]\n"
    let mainline = try Self.clockFindings("imx93-11x11-evk.dts", manifest: manifest, kernel: "mainline")
    #expect(mainline.count == 1 && mainline.first?.severity == .warning, "\(mainline.map(\.message))")
    let m = mainline.first?.message ?? ""
    #expect(m.contains("IMX93_CLK_LPUART2 (clk + 0xd00, off bit 24)"), "\(m)")
    #expect(m.contains("; and nothing keeps its LPCG IMX93_CLK_LPUART2_GATE (clk + 0x8d40) open"), "\(m)")
    let spared = try Self.clockFindings(
      "imx93-11x11-evk.dts", manifest: manifest + "linux: {bootargs: 'clk-imx93.mcore_booted=1'}\n", kernel: "nxp-6")
    #expect(spared.count == 1 && spared.first?.severity == .warning, "\(spared.map(\.message))")
    #expect(spared.first?.message.contains("Linux leaves its clock root IMX93_CLK_LPUART2 alone here") == true)
    let kept = try Self.clockFindings(
      "imx93-11x11-evk.dts", manifest: manifest + "linux: {bootargs: 'clk_ignore_unused'}\n", kernel: "mainline")
    #expect(kept.isEmpty, "\(kept.map(\.message))")
  }

  /// PHYTEC's mainline rpmsg overlays on their boards: no HMP or overlay finding.
  @Test(arguments: [
    ("imx8mm-phyboard-polis-rdk.dts", "imx8mm-phycore-rpmsg.dtso"),
    ("imx93-phyboard-segin.dts", "imx93-phycore-rpmsg.dtso"),
    ("imx93-phyboard-nash.dts", "imx93-phycore-rpmsg.dtso"),
  ]) func phytecOverlays(base: String, overlay: String) throws {
    let findings = try Self.applied(base: Self.dir + "/" + base, overlay: Self.dir + "/" + overlay, kernel: "mainline")
    #expect(findings.isEmpty, "\(base): \(findings.map { "\($0.rule): \($0.message)" })")
  }

  /// An overlay applied to a base and linted under `kernel`: the HMP and overlay findings.
  static func applied(base: String, overlay: String, kernel: String) throws -> [Diagnostic] {
    var options = FrontEndOptions()
    options.includePaths = includes
    let reader = SourceReader(sources: SourceManager(), options: options)
    let chain = try reader.applyChain(base: base, overlays: [overlay])
    #expect(chain.merged != nil, "\(overlay) did not apply to \(base)")
    #expect(chain.skipped.isEmpty, "\(overlay): fragments without a target in \(base)")
    let hmp = try HMPContext.load(kernel: kernel, board: nil, m7: nil)
    return Linter(hmp: hmp).lint(chain: chain).filter { $0.rule.hasPrefix("hmp_") || $0.rule.hasPrefix("overlay_") }
  }

  /// The overlays/ of the new boards on the corpus bases (every Verdin iMX8M Mini carrier, NXP's EVKs), for every
  /// flavor that has one: they apply, and leave no HMP or overlay finding — except under nxp-5.15 on the 93 and
  /// 8ULP EVKs, whose mainline trees already reserve the table as `rsc-table@…` while that flavor's overlay names
  /// it `rsc_table@…` (HMPFacts §15.3): the two regions overlap, a warning.
  static let bases: [(board: String, base: String)] =
    ["dev", "dahlia", "ivy", "mallow", "yavia"].flatMap { c in
      ["wifi", "nonwifi"].map { ("verdin-imx8mm-\($0)", "imx8mm-verdin-\($0)-\(c)") }
    } + ["imx8mp-evk", "imx8mm-evk", "imx8mn-evk", "imx93-11x11-evk", "imx8ulp-evk"].map { ($0, $0) }
    + ["dev", "dahlia", "ivy", "mallow", "yavia"].flatMap { c in
      ["wifi", "nonwifi"].map { ("verdin-imx95-\($0)", "imx95-verdin-\($0)-\(c)") }
    }

  @Test(arguments: bases) func overlaysApplyToTheirBases(board: String, base: String) throws {
    var checked = 0
    for kernel in ["mainline", "nxp-6", "nxp-5.15", "nxp-5.4"] {
      let overlay = SharedCorpus.packageRoot + "/overlays/\(board)-\(kernel)-hmp.dtso"
      guard FileManager.default.fileExists(atPath: overlay) else { continue }
      checked += 1
      let findings = try Self.applied(base: Self.dir + "/\(base).dts", overlay: overlay, kernel: kernel)
      #expect(!findings.contains { $0.severity == .error }, "\(base) \(kernel): \(findings.map(\.message))")
      if kernel == "nxp-5.15" && (board == "imx93-11x11-evk" || board == "imx8ulp-evk") {
        #expect(findings.map(\.rule) == ["hmp_region_overlap"], "\(base): \(findings.map(\.message))")
        #expect(findings.first?.message.contains("overlaps 'rsc_table@") == true)
      } else {
        #expect(findings.isEmpty, "\(base) \(kernel): \(findings.map { "\($0.rule): \($0.message)" })")
      }
    }
    #expect(
      checked == (board.hasPrefix("verdin-imx95") ? 2 : board.hasPrefix("imx93") || board.hasPrefix("imx8ulp") ? 3 : 4))
  }

  /// The Verdin iMX95 base under nxp-6 without the overlay: NXP's System Manager method fails probe without
  /// fsl,cpu-id and fsl,lmm-id (HMPFacts §18.1), two warnings with fix-its (lf-6.6, also nxp-6, never reads them:
  /// the tree boots there); mainline reads neither (no finding).
  @Test func verdinIMX95NeedsTheSystemManagerIDsUnderNXP() throws {
    let path = Self.dir + "/imx95-verdin-nonwifi-dev.dts"
    let nxp = try Self.hmpFindings(path, kernel: "nxp-6")
    #expect(nxp.map(\.rule) == ["hmp_rproc_compatible", "hmp_rproc_compatible"], "\(nxp.map(\.message))")
    #expect(nxp.allSatisfy { $0.severity == .warning && $0.nodePath == "/remoteproc-cm7" })
    #expect(nxp.contains { $0.message.contains("but no 'fsl,cpu-id'") && $0.message.contains("System Manager method") })
    #expect(
      nxp.contains { $0.message.contains("but no 'fsl,lmm-id'") && $0.message.contains("No fsl,lmm-id property") })
    #expect(nxp.flatMap(\.fixes).map(\.message).contains { $0.hasPrefix("add fsl,cpu-id = <1>") })
    #expect(try Self.hmpFindings(path, kernel: "mainline").isEmpty)
  }

  /// The board profile's `remoteproc-in-base` is what every Verdin iMX95 base tree has: the node at its path with
  /// its label, memory-region listing the regions in that order at their addresses and sizes, and mu7 enabled.
  @Test(
    arguments: ["dev", "dahlia", "ivy", "mallow", "yavia"].flatMap { c in
      ["wifi", "nonwifi"].map { "imx95-verdin-\($0)-\(c).dts" }
    }) func verdinIMX95BaseIsWhatTheProfileSays(tree: String) throws
  {
    let rb = try #require(try BoardProfile.load(name: "verdin-imx95").remoteprocInBase)
    let loaded = try Self.load(Self.dir + "/" + tree)
    let t = loaded.tree
    let node = try #require(t.node(atPath: rb.path))
    #expect(node.labels.contains(rb.label))
    let phandles = try #require(node.property("memory-region")?.value.cells)
    let listed = phandles.map { ph -> String? in
      var found: Node?
      t.root.walk { n in if found == nil, n.phandle == ph { found = n } }
      return found?.labels.first
    }
    #expect(listed == rb.regions.map(\.label), "\(tree)")
    for r in rb.regions {
      let n = try #require(t.node(withLabel: r.label), "\(r.label)")
      #expect(n.baseName == r.name && UInt64(n.unitAddress, radix: 16) == r.address, "\(n.path)")
      let reg = try #require(n.property("reg")?.value.cells)
      #expect(reg.count == 4 && (UInt64(reg[2]) << 32 | UInt64(reg[3])) == r.size, "\(n.path)")
      #expect(n.property("compatible")?.value.strings?.first == r.compatible, "\(n.path)")
    }
    let soc = try SoCProfile.load(name: "imx95")
    let mu = try #require(soc.mailboxes.forMCore)
    #expect(t.node(atPath: mu.node.path)?.property("status")?.value.strings?.first == (rb.muEnabled ? "okay" : nil))
  }
}

/// NXP's lf-5.15.71 trees of the new SoCs are judged against their own profiles and get no error under nxp-5.15
/// (they boot with it). Under nxp-6 their `rsc_table@…` naming is an error, as before issue 18 (HMPFacts §15.4).
@Suite(.enabled(if: SharedCorpus.vendorAvailable, "skipped: ../shared/corpus/vendor is missing"))
struct SoCFamilyVendorTests {
  @Test(arguments: [
    ("imx8mm-evk-rpmsg.dts", "imx8mm"), ("imx8mn-evk-rpmsg.dts", "imx8mn"), ("imx8ulp-evk.dts", "imx8ulp"),
    ("imx93-11x11-evk.dts", "imx93"), ("imx93-9x9-qsb.dts", "imx93"),
  ]) func judgedAgainstTheirSoC(tree: String, soc: String) throws {
    let loaded = try VendorCorpusTests.load(
      VendorCorpusTests.dir + "/" + tree, includes: [SharedCorpus.vendorNXP515 + "/include", VendorCorpusTests.dir])
    let info = TreeInfo(tree: loaded.tree, hmp: try HMPContext.load(kernel: "nxp-5.15", board: nil, m7: nil))
    #expect(info.rprocSoC()?.name == soc)
    // Under the kernel they boot with, no error; the only finding is the rsc-da that no lf-5.15 release reads
    // (8M Mini, 8M Nano, 8ULP), and none on the 93 trees.
    let findings = try VendorCorpusTests.lint(VendorCorpusTests.dir + "/" + tree, kernel: "nxp-5.15")
    #expect(!findings.contains { $0.severity == .error }, "\(tree): \(findings.map(\.message))")
    #expect(findings.map(\.property) == (soc == "imx93" ? [] : ["rsc-da"]), "\(tree): \(findings.map(\.message))")
  }

  /// NXP's 8ULP and 93 EVK trees under nxp-5.15 with an M33 manifest: the clock rule warns, never errs — the 8ULP's
  /// LPSPI4 PCC clock (gated at registration, PR bypass), the 93's LPUART2 root and LPCG (nxp-5.15 not read for
  /// the 93) — and the tree's other verdicts are unchanged (HMPFacts §18.10, §18.11).
  @Test(arguments: [
    ("imx8ulp-evk.dts", "soc: imx8ulp\nperipherals: [lpspi4]\n", "IMX8ULP_CLK_LPSPI4"),
    ("imx93-11x11-evk.dts", "soc: imx93\nperipherals: [lpuart2]\n", "IMX93_CLK_LPUART2_GATE"),
  ])
  func clockRuleWithAManifest(tree: String, manifest: String, clock: String) throws {
    let s = TestDirectory(prefix: "dtlint-vendor")
    let m33 = s.write("m33.yaml", manifest)
    let loaded = try VendorCorpusTests.load(
      VendorCorpusTests.dir + "/" + tree, includes: [SharedCorpus.vendorNXP515 + "/include", VendorCorpusTests.dir])
    let findings = Linter(hmp: try HMPContext.load(kernel: "nxp-5.15", board: nil, m7: m33))
      .lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind).filter { $0.rule.hasPrefix("hmp_") }
    #expect(!findings.contains { $0.severity == .error }, "\(tree): \(findings.map(\.message))")
    let gated = findings.filter { $0.rule == "hmp_clock_gated" }
    #expect(gated.count == 1 && gated.first?.message.contains(clock) == true, "\(tree): \(gated.map(\.message))")
  }
}
