import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// The reserved-memory region rules (`hmp_memory_region_missing` … `hmp_vring_size`) beyond their examples: the
/// flavor table of the resource-table name, fix-its applied to the source, vring sizes, the translation table's
/// edges, and the mainline Verdin iMX8M Plus trees of the corpus.
@Suite struct HMPRegionRulesTests {
  static let regionRuleIDs = RuleRegistry.shared.descriptions.filter { $0.family == .regions }.map(\.id)

  /// Lints `code` (no preprocessing) with only `rules` enabled, under `kernel` and an M7 manifest's text.
  static func lint(
    _ code: String, rules: [String] = regionRuleIDs, kernel: String? = nil, m7: String? = nil
  ) throws -> (findings: [Diagnostic], code: String) {
    var options: [String: String] = [:]
    options["kernel"] = kernel
    options["m7"] = m7
    let hmp = try exampleHMPContext(options)
    var selection = RuleSelection()
    try selection.disable("all")
    for r in rules { try selection.enable(r) }
    let compilation = compileExample(code)
    #expect(compilation.diagnostics.filter { $0.severity == .error }.isEmpty, "\(compilation.diagnostics)")
    let findings = Linter(selection: selection, hmp: hmp).lint(compilation.tree, frontEnd: compilation.diagnostics)
    return (rules == ["all"] ? findings : findings.filter { rules.contains($0.rule) }, code)
  }

  /// The text with every edit of `fix` applied (from the end, so earlier offsets stay valid).
  static func apply(_ fix: FixIt, to code: String) -> String {
    var bytes = Array(code.utf8)
    for e in fix.edits.sorted(by: { $0.range.start > $1.range.start }) {
      bytes.replaceSubrange(Int(e.range.start)..<Int(e.range.end), with: Array(e.replacement.utf8))
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  static func tree(rscTable name: String) -> String {
    RegionExamples.tree(
      RegionExamples.regions(replacing: [
        (RegionExamples.rscTable, "rsc_table: \(name) { reg = <0 0x550ff000 0 0x1000>; no-map; };")
      ]))
  }

  // MARK: - hmp_rsc_table_name

  struct NameCase: Sendable, CustomTestStringConvertible {
    var kernel: String
    var node: String
    var fires: Bool
    var testDescription: String { "\(kernel): \(node) \(fires ? "fires" : "passes")" }
  }

  /// HMPFacts §1.2, §12: the name each flavor's imx_rproc matches.
  static let nameTable: [NameCase] = [
    NameCase(kernel: "mainline", node: "rsc-table@550ff000", fires: false),
    NameCase(kernel: "mainline", node: "rsc-table", fires: false),
    NameCase(kernel: "mainline", node: "rsc_table@550ff000", fires: true),
    NameCase(kernel: "mainline", node: "rsctable@550ff000", fires: true),
    NameCase(kernel: "mainline", node: "rsc-table-m7@550ff000", fires: true),
    NameCase(kernel: "nxp-6", node: "rsc-table@550ff000", fires: false),
    NameCase(kernel: "nxp-6", node: "rsc_table@550ff000", fires: true),
    NameCase(kernel: "nxp-5.15", node: "rsc_table@550ff000", fires: false),
    NameCase(kernel: "nxp-5.15", node: "rsc_table_m7@550ff000", fires: false),
    NameCase(kernel: "nxp-5.15", node: "rsc-table@550ff000", fires: true),
    NameCase(kernel: "toradex-bsp6", node: "rsc_table@550ff000", fires: false),
    NameCase(kernel: "toradex-bsp6", node: "rsc-table@550ff000", fires: true),
    NameCase(kernel: "nxp-5.4", node: "rsc_table@550ff000", fires: false),
    NameCase(kernel: "toradex-bsp5", node: "rsc-table@550ff000", fires: false),
  ]

  @Test(arguments: nameTable)
  func resourceTableNameByFlavor(_ c: NameCase) throws {
    let (findings, _) = try Self.lint(Self.tree(rscTable: c.node), rules: ["hmp_rsc_table_name"], kernel: c.kernel)
    #expect(findings.isEmpty == !c.fires, "\(findings.map(\.message))")
    for f in findings {
      #expect(f.severity == .error)
      #expect(f.message.contains("kernel \(c.kernel)"), "the message names the flavor: \(f.message)")
      #expect(f.nodePath == "/reserved-memory/\(c.node)")
    }
  }

  @Test func resourceTableNameMessagesNameTheFlavor() throws {
    let assumed = try Self.lint(Self.tree(rscTable: "rsc_table@550ff000"), rules: ["hmp_rsc_table_name"]).findings
    #expect(
      assumed.map(\.message).first?.hasPrefix(
        "the mainline kernel (assumed; set --kernel) takes only a region named 'rsc-table'") == true)
    let bsp6 = try Self.lint(
      Self.tree(rscTable: "rsc-table@550ff000"), rules: ["hmp_rsc_table_name"], kernel: "toradex-bsp6"
    ).findings
    #expect(
      bsp6.map(\.message).first?.hasPrefix(
        "kernel toradex-bsp6 (nxp-5.15) takes only a region whose name starts with 'rsc_table'") == true)
  }

  @Test func resourceTableNameSilentWhenLinuxStartsTheFirmware() throws {
    let (findings, _) = try Self.lint(
      Self.tree(rscTable: "rsc_table@550ff000"), rules: ["hmp_rsc_table_name"], kernel: "mainline",
      m7: RegionExamples.manifest(startedBy: "linux"))
    #expect(findings.isEmpty)
  }

  // MARK: - Fix-its

  @Test(arguments: [
    ("mainline", "rsc_table@550ff000", "rsc-table@550ff000"),
    ("toradex-bsp6", "rsc-table@550ff000", "rsc_table@550ff000"), ("mainline", "rsc_table", "rsc-table"),
  ])
  func renameFixGivesTheFlavorsName(kernel: String, from: String, to: String) throws {
    let (findings, code) = try Self.lint(Self.tree(rscTable: from), rules: ["hmp_rsc_table_name"], kernel: kernel)
    let fix = try #require(findings.first?.fixes.first)
    #expect(fix.message == "rename to '\(to)'")
    let fixed = Self.apply(fix, to: code)
    #expect(fixed == Self.tree(rscTable: to))
    #expect(try Self.lint(fixed, kernel: kernel).findings.isEmpty)
  }

  @Test func renameFixIsNotOfferedWhenTheNewNameIsTaken() throws {
    let code = RegionExamples.tree(
      RegionExamples.regions(replacing: [
        (RegionExamples.rscTable, "rsc_table: rsc_table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; };")
      ]) + ["other: rsc-table@550ff000 { reg = <0 0x560ff000 0 0x1000>; no-map; status = \"disabled\"; };"])
    let (findings, _) = try Self.lint(code, rules: ["hmp_rsc_table_name"])
    #expect(findings.count == 1)
    #expect(findings.first?.fixes.isEmpty == true)
  }

  /// A source laid out as the kernel trees are: the region's properties one per line.
  static let multiLine = """
    /dts-v1/;

    / {
    \t#address-cells = <2>;
    \t#size-cells = <2>;

    \treserved-memory {
    \t\t#address-cells = <2>;
    \t\t#size-cells = <2>;
    \t\tranges;

    \t\tvdev0vring0: vdev0vring0@55000000 {
    \t\t\treg = <0 0x55000000 0 0x8000>;
    \t\t\tno-map;
    \t\t};

    \t\tvdev0vring1: vdev0-vring1@55008000 {
    \t\t\treg = <0 0x55008000 0 0x8000>;
    \t\t\tno-map;
    \t\t};

    \t\trsc_table: rsc-table@550ff000 {
    \t\t\treg = <0 0x550ff000 0 0x1000>;
    \t\t\tno-map;
    \t\t};

    \t\tvdevbuffer: vdevbuffer@55400000 {
    \t\t\tcompatible = "shared-dma-pool";
    \t\t\treg = <0 0x55400000 0 0x100000>;
    \t\t};

    \t\tm7_reserved: m7@80000000 {
    \t\t\treg = <0 0x80000000 0 0x1000000>;
    \t\t};
    \t};

    \timx8mp-cm7 {
    \t\tcompatible = "fsl,imx8mp-cm7";
    \t\tmemory-region = <&vdevbuffer>, <&vdev0vring0>, <&vdev0vring1>, <&rsc_table>, <&m7_reserved>;
    \t};
    };

    """

  @Test func noMapFixInsertsAfterTheLastPropertyAtTheBlocksDepth() throws {
    let (findings, code) = try Self.lint(Self.multiLine, rules: ["hmp_region_no_map"])
    #expect(findings.map(\.nodePath) == ["/reserved-memory/m7@80000000"])
    let fix = try #require(findings.first?.fixes.first)
    #expect(fix.message == "add 'no-map;'")
    let fixed = Self.apply(fix, to: code)
    #expect(
      fixed.contains("\t\tm7_reserved: m7@80000000 {\n\t\t\treg = <0 0x80000000 0 0x1000000>;\n\t\t\tno-map;\n\t\t};"))
    #expect(try Self.lint(fixed, rules: ["hmp_region_no_map"]).findings.isEmpty)
  }

  @Test func bufferPoolNoMapFix() throws {
    let (findings, code) = try Self.lint(Self.multiLine, rules: ["hmp_buffer_pool"])
    #expect(findings.map(\.nodePath) == ["/reserved-memory/vdevbuffer@55400000"])
    let fixed = Self.apply(try #require(findings.first?.fixes.first), to: code)
    #expect(fixed.contains("\t\t\treg = <0 0x55400000 0 0x100000>;\n\t\t\tno-map;\n\t\t};"))
    #expect(try Self.lint(fixed, rules: ["hmp_buffer_pool"]).findings.isEmpty)
  }

  @Test func vringRenameFix() throws {
    let (findings, code) = try Self.lint(Self.multiLine, rules: ["hmp_vring_name"])
    #expect(findings.count == 1)
    #expect(findings.first?.message.contains("(here probably 'vdev0vring1')") == true)
    let fix = try #require(findings.first?.fixes.first)
    #expect(fix.message == "rename to 'vdev0vring1@55008000'")
    let fixed = Self.apply(fix, to: code)
    #expect(fixed.contains("\t\tvdev0vring1: vdev0vring1@55008000 {\n"))
    #expect(try Self.lint(fixed, rules: ["hmp_vring_name", "hmp_memory_region_missing"]).findings.isEmpty)
  }

  @Test func allFixesTogetherLeaveOnlyUnfixableFindings() throws {
    var code = Self.multiLine
    // Apply one fix at a time, re-linting in between (fixes of one run may touch the same file).
    for _ in 0..<10 {
      let findings = try Self.lint(code).findings
      guard let fix = findings.lazy.compactMap(\.fixes.first).first else { break }
      code = Self.apply(fix, to: code)
    }
    #expect(try Self.lint(code).findings.map(\.rule).isEmpty)
  }

  /// A node written in `&{/reserved-memory} { … };` gets two tabs; a region whose `no-map` a later block deletes
  /// gets no fix-it (an insertion before the deletion would be deleted again).
  @Test func noMapFixIndentsByTheSourceNesting() throws {
    let code = """
      /dts-v1/;

      / {
      \t#address-cells = <2>;
      \t#size-cells = <2>;
      \treserved-memory {
      \t\t#address-cells = <2>;
      \t\t#size-cells = <2>;
      \t\tranges;
      \t};
      \timx8mp-cm7 {
      \t\tcompatible = "fsl,imx8mp-cm7";
      \t\tmemory-region = <&vdevbuffer>, <&vdev0vring0>, <&vdev0vring1>;
      \t};
      };

      &{/reserved-memory} {
      \tvdev0vring0: vdev0vring0@55000000 {
      \t\treg = <0 0x55000000 0 0x8000>;
      \t};
      \tvdev0vring1: vdev0vring1@55008000 {
      \t\treg = <0 0x55008000 0 0x8000>;
      \t\tno-map;
      \t};
      \tvdevbuffer: vdevbuffer@55400000 {
      \t\tcompatible = "shared-dma-pool";
      \t\treg = <0 0x55400000 0 0x100000>;
      \t\tno-map;
      \t};
      };

      &vdev0vring1 {
      \t/delete-property/ no-map;
      };

      """
    let (findings, _) = try Self.lint(code, rules: ["hmp_region_no_map"])
    #expect(
      findings.map(\.nodePath) == ["/reserved-memory/vdev0vring0@55000000", "/reserved-memory/vdev0vring1@55008000"])
    #expect(findings.last?.fixes.isEmpty == true)
    let fixed = Self.apply(try #require(findings.first?.fixes.first), to: code)
    #expect(fixed.contains("\t\treg = <0 0x55000000 0 0x8000>;\n\t\tno-map;\n\t};"))
    #expect(try Self.lint(fixed, rules: ["hmp_region_no_map"]).findings.count == 1)
  }

  // MARK: - hmp_vring_size

  @Test func vringRegionSizesForTheSDKBufferCounts() throws {
    let soc = try SoCProfile.load(name: "imx8mp")
    var s = soc.rpmsgDefaults
    s.bufferCount = 256
    #expect(s.vringRegionSize() == 0x3000)  // vring_size 0x2806 (HMPFacts §8)
    s.bufferCount = 512
    #expect(s.vringRegionSize() == 0x5000)  // vring_size 0x4006
  }

  @Test(arguments: [
    (256, 0x2000, true), (256, 0x2FFF, true), (256, 0x3000, false), (256, 0x8000, false),
    (512, 0x4000, true), (512, 0x4FFF, true), (512, 0x5000, false), (512, 0x8000, false),
  ])
  func vringRegionSize(buffers: Int, size: Int, fires: Bool) throws {
    let code = RegionExamples.tree(
      RegionExamples.regions(replacing: [
        (
          RegionExamples.vring0,
          "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 \(regionHex(UInt64(size)))>; no-map; };"
        )
      ]))
    let (findings, _) = try Self.lint(
      code, rules: ["hmp_vring_size"], m7: RegionExamples.manifest(rpmsg: "buffer-count: \(buffers)"))
    #expect(findings.isEmpty == !fires, "\(findings.map(\.message))")
    if fires {
      let needed = buffers == 256 ? "0x3000" : "0x5000"
      #expect(findings.first?.message.contains("smaller than the \(needed)") == true, "\(findings.map(\.message))")
      #expect(findings.first?.message.contains("\(buffers) buffers") == true)
    }
  }

  @Test func vringPlacementFollowsTheFirmware() throws {
    func findings(vring1 address: String, rpmsg: String? = nil) throws -> [String] {
      let code = RegionExamples.tree(
        RegionExamples.regions(replacing: [
          (
            RegionExamples.vring1,
            "vdev0vring1: vdev0vring1@\(address) { reg = <0 0x\(address) 0 0x8000>; no-map; };"
          )
        ]))
      return try Self.lint(code, rules: ["hmp_vring_size"], m7: RegionExamples.manifest(rpmsg: rpmsg)).findings.map(
        \.message)
    }
    #expect(try findings(vring1: "55008000").isEmpty)
    #expect(try findings(vring1: "55010000").first?.contains("doesn't fit da request") == true)
    #expect(try findings(vring1: "55004000").first?.contains("where the firmware never looks") == true)
    // A firmware with a 0x10000 vring distance.
    #expect(try findings(vring1: "55010000", rpmsg: "vring-size: 0x10000").isEmpty)
  }

  // MARK: - hmp_region_window

  @Test(arguments: [
    // (base, size, fires): the DDR data row is da 0x40000000, size 0x80000000, tested with a strict `<`.
    (0x4000_0000, 0x1000, false),
    (0x3FFF_F000, 0x1000, true),
    (0xBFFF_F000, 0x0FFF, false),
    (0xBFFF_F000, 0x1000, true),  // ends exactly at the end of the row: the driver's `<` rejects it
    (0x8000_0000, 0x4000_0000, true),
    (0xC000_0000, 0x1000, true),
    (0x0090_0000, 0x1000, false),  // OCRAM, 1:1
    (0x007E_0000, 0x1000, true),  // ITCM's system address: the M7 sees it at 0
  ])
  func attWindowEdges(base: UInt64, size: UInt64, fires: Bool) throws {
    let b = "<0 \(regionHex(base)) 0 \(regionHex(size))>"
    let code = RegionExamples.tree(
      RegionExamples.regions(replacing: [
        (
          RegionExamples.buffer,
          "vdevbuffer: vdevbuffer@\(String(base, radix: 16)) { compatible = \"shared-dma-pool\"; reg = \(b); no-map; };"
        )
      ]))
    let (findings, _) = try Self.lint(code, rules: ["hmp_region_window"])
    #expect(findings.isEmpty == !fires, "\(findings.map(\.message))")
    #expect(findings.allSatisfy { $0.message.contains("the mainline kernel (assumed; set --kernel)") })
  }

  @Test func windowIsSilentWithoutAKnownSoC() throws {
    let code = RegionExamples.tree(
      RegionExamples.regions(replacing: [
        (
          RegionExamples.buffer,
          "vdevbuffer: vdevbuffer@c0000000 { compatible = \"shared-dma-pool\"; reg = <0 0xc0000000 0 0x1000>; no-map; };"
        )
      ])
    ).replacingOccurrences(of: "fsl,imx8mp-cm7", with: "fsl,imx99-cm7").replacingOccurrences(
      of: "\"fsl,imx8mp\"", with: "\"fsl,imx99\"")
    #expect(try Self.lint(code, rules: ["hmp_region_window"]).findings.isEmpty)
  }

  // MARK: - Overlap, format, disabled, missing

  @Test func overlapNamesTheKernelsRefusalOnlyWhenItHappens() throws {
    // A no-map region overlapping a reserved (not no-map) one fails; two no-map regions merely collide.
    let reserved = RegionExamples.tree(
      ["big: big@54000000 { reg = <0 0x54000000 0 0x2000000>; };"] + RegionExamples.regions)
    let msgs = try Self.lint(reserved, rules: ["hmp_region_overlap"]).findings.map(\.message)
    #expect(msgs.count == 4, "\(msgs)")
    #expect(msgs.allSatisfy { $0.contains("the kernel fails to reserve it") })
    let noMap = RegionExamples.tree(
      RegionExamples.regions + ["big: big@54000000 { reg = <0 0x54000000 0 0x2000000>; no-map; };"])
    let msgs2 = try Self.lint(noMap, rules: ["hmp_region_overlap"]).findings
    #expect(msgs2.count == 4)
    #expect(msgs2.allSatisfy { $0.nodePath == "/reserved-memory/big@54000000" && $0.message.contains("both claim") })
  }

  @Test func formatReportsTheWholeNodeOnce() throws {
    let code = RegionExamples.tree(reservedMemory: "\t\t#address-cells = <1>;\n\t\t#size-cells = <2>;\n")
    let msgs = try Self.lint(code, rules: ["hmp_reserved_memory_format"]).findings.map(\.message)
    #expect(msgs.count == 2, "\(msgs)")
    #expect(msgs.contains { $0.hasPrefix("/reserved-memory has '#address-cells = <1>' but the root has <2>") })
    #expect(msgs.contains { $0.hasPrefix("/reserved-memory has no 'ranges'") })
  }

  @Test func disabledOutcomeDependsOnTheRegion() throws {
    func message(_ line: String, _ old: String) throws -> String? {
      let code = RegionExamples.tree(RegionExamples.regions(replacing: [(old, line)]))
      return try Self.lint(code, rules: ["hmp_region_disabled"]).findings.first?.message
    }
    let vring = try message(
      "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x8000>; no-map; status = \"disabled\"; };",
      RegionExamples.vring0)
    #expect(vring?.contains("-EINVAL") == true)
    let buffer = try message(
      "vdevbuffer: vdevbuffer@55400000 { compatible = \"shared-dma-pool\"; reg = <0 0x55400000 0 0x100000>; no-map; status = \"disabled\"; };",
      RegionExamples.buffer)
    #expect(buffer?.contains("global DMA pool") == true)
    let table = try message(
      "rsc_table: rsc-table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; status = \"disabled\"; };",
      RegionExamples.rscTable)
    #expect(table?.contains("Linux may hand that memory out") == true)
  }

  @Test func missingVringIsLeftToTheNameRuleWhenMisnamed() throws {
    let code = RegionExamples.tree(
      RegionExamples.regions(replacing: [
        (RegionExamples.vring0, "vdev0vring0: vring0@55000000 { reg = <0 0x55000000 0 0x8000>; no-map; };")
      ]))
    let rules = try Self.lint(code, rules: ["hmp_memory_region_missing", "hmp_vring_name"]).findings.map(\.rule)
    #expect(rules == ["hmp_vring_name"])
  }

  @Test func missingRegionsNoteUnreferencedNodes() throws {
    let code = RegionExamples.tree(refs: "<&vdevbuffer>, <&vdev0vring0>")
    let f = try Self.lint(code, rules: ["hmp_memory_region_missing"]).findings
    #expect(f.count == 1)
    #expect(f.first?.message.hasPrefix("no 'vdev0vring1' region in 'memory-region'") == true)
    #expect(
      f.first?.notes.first?.message
        == "'vdev0vring1@55008000' exists in /reserved-memory but 'memory-region' does not reference it")
  }

  /// The story's overlay (HMPFacts §7.4) on mainline: every region rule's verdict at once, and an error of one
  /// HMP rule does not stop the others (dtc's stop-at-first-error applies to dtc's checks only).
  @Test func storyOverlayLayout() throws {
    let code = RegionExamples.tree(
      [
        "m7_reserved: m7@80000000 { reg = <0 0x80000000 0 0x1000000>; no-map; };",
        RegionExamples.vring0, RegionExamples.vring1,
        "vdevbuffer: vdevbuffer@55400000 { compatible = \"shared-dma-pool\"; reg = <0 0x55400000 0 0x100000>; no-map; };",
        "rsc_table: rsc_table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; };",
        "m7_shm: cm7@40000000 { reg = <0x40000000 0x10000000>; no-map; };",
      ], refs: RegionExamples.refs + ", <&m7_reserved>")
    let mainline = try Self.lint(code, rules: ["all"]).findings.map(\.rule).filter { $0.hasPrefix("hmp_") }
    #expect(mainline.sorted() == ["hmp_reserved_memory_format", "hmp_rsc_table_name"])
    let bsp6 = try Self.lint(code, rules: ["all"], kernel: "toradex-bsp6").findings.map(\.rule).filter {
      $0.hasPrefix("hmp_")
    }
    #expect(bsp6 == ["hmp_reserved_memory_format"])
  }

  /// The examples' standard tree is clean under every HMP rule and flavor (with a manifest, so the rules that
  /// need one run), except for the resource-table name NXP 5.15 wants.
  @Test(arguments: ["mainline", "nxp-6", "nxp-5.15", "toradex-bsp6", "nxp-5.4"])
  func standardExampleTreeIsClean(kernel: String) throws {
    let hmpRules = RuleRegistry.shared.descriptions.filter { $0.category == .hmp }.map(\.id)
    let findings = try Self.lint(
      RegionExamples.tree(), rules: hmpRules, kernel: kernel, m7: RegionExamples.manifest()
    ).findings
    let expected = kernel == "nxp-5.15" || kernel == "toradex-bsp6" ? ["hmp_rsc_table_name"] : []
    #expect(findings.map(\.rule) == expected, "\(findings.map(\.message))")
  }

  // MARK: - Corpus

  static let verdinBoards = [
    "imx8mp-verdin-nonwifi-dahlia.dts", "imx8mp-verdin-nonwifi-dev.dts", "imx8mp-verdin-nonwifi-ivy.dts",
    "imx8mp-verdin-nonwifi-mallow.dts", "imx8mp-verdin-nonwifi-yavia.dts", "imx8mp-verdin-wifi-dahlia.dts",
    "imx8mp-verdin-wifi-dev.dts", "imx8mp-verdin-wifi-ivy.dts", "imx8mp-verdin-wifi-mallow.dts",
    "imx8mp-verdin-wifi-yavia.dts",
  ]

  static func corpusReader() -> SourceReader {
    var options = FrontEndOptions()
    let root = SharedCorpus.linuxDTS
    options.includePaths = [root + "/include", root + "/src/arm64/freescale", root + "/src"]
    return SourceReader(sources: SourceManager(), options: options)
  }

  @Test(arguments: verdinBoards)
  func verdinBoardsHaveNoRegionFinding(_ board: String) throws {
    guard SharedCorpus.linuxAvailable else {
      print("skipped: no corpus at \(SharedCorpus.linuxDTS)")
      return
    }
    var compile = CompileOptions()
    compile.symbols = true
    compile.stopBeforeGeneratedNodes = true
    let loaded = try Self.corpusReader().load(
      path: SharedCorpus.linuxDTS + "/src/arm64/freescale/" + board, options: compile)
    #expect(!loaded.refused)
    var selection = RuleSelection()
    try selection.disable("all")
    for r in Self.regionRuleIDs { try selection.enable(r) }
    for kernel in ["mainline", "toradex-bsp6", "toradex-bsp5"] {
      let hmp = try exampleHMPContext(["kernel": kernel, "m7": RegionExamples.manifest()])
      let findings = Linter(selection: selection, hmp: hmp).lint(
        loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind
      ).filter { Self.regionRuleIDs.contains($0.rule) }
      #expect(findings.isEmpty, "\(board) with \(kernel): \(findings.map { "\($0.rule): \($0.message)" })")
    }
  }

  /// An RPMsg overlay applied to a mainline Verdin base with libfdt, as U-Boot does: clean for the flavor it is
  /// written for, and the findings land in the overlay's source.
  @Test func rpmsgOverlayOnVerdinBase() throws {
    guard SharedCorpus.linuxAvailable else {
      print("skipped: no corpus at \(SharedCorpus.linuxDTS)")
      return
    }
    let dir = TestDirectory()
    func overlay(rscTable: String) -> String {
      """
      /dts-v1/;
      /plugin/;

      &{/reserved-memory} {
      \tvdev0vring0: vdev0vring0@55000000 {
      \t\treg = <0 0x55000000 0 0x8000>;
      \t\tno-map;
      \t};
      \tvdev0vring1: vdev0vring1@55008000 {
      \t\treg = <0 0x55008000 0 0x8000>;
      \t\tno-map;
      \t};
      \trsc_table: \(rscTable) {
      \t\treg = <0 0x550ff000 0 0x1000>;
      \t\tno-map;
      \t};
      \tvdevbuffer: vdevbuffer@55400000 {
      \t\tcompatible = "shared-dma-pool";
      \t\treg = <0 0x55400000 0 0x100000>;
      \t\tno-map;
      \t};
      \tm7_reserved: m7@80000000 {
      \t\treg = <0 0x80000000 0 0x1000000>;
      \t};
      };

      &{/} {
      \timx8mp-cm7 {
      \t\tcompatible = "fsl,imx8mp-cm7";
      \t\tclocks = <&clk 85>;
      \t\tmbox-names = "tx", "rx", "rxdb";
      \t\tmboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;
      \t\tmemory-region = <&vdevbuffer>, <&vdev0vring0>, <&vdev0vring1>, <&rsc_table>, <&m7_reserved>;
      \t};
      };

      """
    }
    let base = SharedCorpus.linuxDTS + "/src/arm64/freescale/imx8mp-verdin-nonwifi-dev.dts"
    var selection = RuleSelection()
    try selection.disable("all")
    for r in Self.regionRuleIDs { try selection.enable(r) }
    for (kernel, name, expected) in [
      ("mainline", "rsc-table@550ff000", ["hmp_region_no_map"]),
      ("mainline", "rsc_table@550ff000", ["hmp_region_no_map", "hmp_rsc_table_name"]),
      ("toradex-bsp6", "rsc_table@550ff000", ["hmp_region_no_map"]),
    ] {
      let path = dir.write("hmp-\(kernel)-\(name).dtso", overlay(rscTable: name))
      let chain = try Self.corpusReader().applyChain(base: base, overlays: [path])
      #expect(chain.merged != nil, "\(chain.diagnostics)")
      let hmp = try exampleHMPContext(["kernel": kernel, "m7": RegionExamples.manifest()])
      let findings = Linter(selection: selection, hmp: hmp).lint(chain: chain, onlyOverlay: true)
        .filter { Self.regionRuleIDs.contains($0.rule) }
      #expect(findings.map(\.rule).sorted() == expected, "\(kernel) \(name): \(findings.map(\.message))")
      for f in findings {
        #expect(
          f.range.map { chain.overlays.first?.files.contains($0.file) ?? false } == true, "\(f.rule) not in the overlay"
        )
        for fix in f.fixes {
          let text = try String(contentsOfFile: path, encoding: .utf8)
          let fixed = Self.apply(fix, to: text)
          if f.rule == "hmp_region_no_map" {
            #expect(fixed.contains("\t\treg = <0 0x80000000 0 0x1000000>;\n\t\tno-map;\n\t};"), "\(fixed)")
          } else {
            #expect(fixed.contains("\trsc_table: rsc-table@550ff000 {"))
          }
        }
      }
    }
  }
}
