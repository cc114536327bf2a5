import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// The Linux tree against the M7's Zephyr tree (issue 19, item 3): `zephyr,ipc` against `mboxes`,
/// `zephyr,ipc_shm` against the reserved regions, the OpenAMP vring settings against the vring regions.
@Suite struct HMPZephyrCrossCheckTests {
  static let m7 = SharedCorpus.packageRoot + "/Tests/Fixtures/hmp/m7"

  /// A manifest in a scratch directory (kept alive by the caller) naming the fixtures by absolute path.
  static func context(_ yaml: String, in dir: TestDirectory) throws -> HMPContext {
    let m = try M7Manifest.load(path: dir.write("m7.yaml", yaml))
    return HMPContext(kernel: nil, kernelGiven: nil, board: nil, manifest: m, inputs: try m.loadInputs())
  }

  static func lint(_ code: String, rules: [String], hmp: HMPContext) throws -> [Diagnostic] {
    try HMPZephyrOwnershipTests.lint(code, rules: rules, hmp: hmp)
  }

  static func line(_ needle: String, in path: String) throws -> Int {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    return try #require(lines.firstIndex { $0.contains(needle) }) + 1
  }

  @Test func mboxesAtAnotherUnitNameTheZephyrLine() throws {
    let dir = TestDirectory()
    let hmp = try Self.context("soc: imx8mp\nzephyr: \(Self.m7)/zephyr-rpmsg.dts\n", in: dir)
    let tree = RegionExamples.tree().replacingOccurrences(
      of: "mboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;", with: "mboxes = <&mu2 0 1>, <&mu2 1 1>, <&mu2 3 1>;"
    ).replacingOccurrences(
      of: "\treserved-memory {",
      with:
        "\tmu2: mailbox@30e60000 { compatible = \"fsl,imx8mp-mu\", \"fsl,imx6sx-mu\"; reg = <0 0x30e60000 0 0x10000>; #mbox-cells = <2>; };\n\treserved-memory {"
    )
    let findings = try Self.lint(tree, rules: ["hmp_mbox_controller"], hmp: hmp)
    #expect(findings.count == 1)
    let chosen = try Self.line("zephyr,ipc = &ipc_mu;", in: Self.m7 + "/zephyr-rpmsg.dts")
    let message = findings.first?.message ?? ""
    #expect(message.contains("not at mu ("), "\(message)")
    #expect(message.contains("zephyr,ipc = ipc_mu (mailbox@30ab0000) at "))
    #expect(message.contains("zephyr-rpmsg.dts:\(chosen)"))
    #expect(findings.first?.property == "mboxes")
    // The same tree with mboxes at mu: nothing.
    #expect(try Self.lint(RegionExamples.tree(), rules: ["hmp_mbox_controller"], hmp: hmp).isEmpty)
  }

  @Test func aSideIsNamedAsLinuxsSide() throws {
    let dir = TestDirectory()
    let hmp = try Self.context("soc: imx8mp\nzephyr: \(Self.m7)/zephyr-a-side.dts\n", in: dir)
    let findings = try Self.lint(RegionExamples.tree(), rules: ["hmp_mbox_controller"], hmp: hmp)
    #expect(findings.count == 1)
    #expect(findings.first?.message.contains("mu's A side (0x30aa0000), the side Linux drives") == true)
    #expect(findings.first?.message.contains("Use the M side 0x30ab0000") == true)
  }

  @Test func ipcShmSeveritiesAndBothTreesLines() throws {
    let dir = TestDirectory()
    let hmp = try Self.context("soc: imx8mp\nzephyr: \(Self.m7)/zephyr-small-shm.dts\n", in: dir)
    let vringOutside = RegionExamples.tree(
      RegionExamples.regions(replacing: [
        (RegionExamples.vring1, "vdev0vring1: vdev0vring1@55600000 { reg = <0 0x55600000 0 0x8000>; no-map; };")
      ]))
    let findings = try Self.lint(vringOutside, rules: ["hmp_ipc_shm"], hmp: hmp)
    // Buffer pool (error) and vring 1 (warning) lie outside the 4 MiB window.
    #expect(findings.map(\.severity) == [.warning, .error] || findings.map(\.severity) == [.error, .warning])
    let chosen = try Self.line("zephyr,ipc_shm = &shram;", in: Self.m7 + "/zephyr-small-shm.dts")
    for f in findings {
      #expect(
        f.message.contains("[0x55000000, 0x55400000) at ") && f.message.contains("zephyr-small-shm.dts:\(chosen)"))
      #expect(f.range != nil && f.property == "reg")
    }
    #expect(findings.contains { $0.nodePath == "/reserved-memory/vdevbuffer@55400000" && $0.severity == .error })
  }

  @Test func firstGapOfTheWindow() {
    #expect(HMPIPCShmRule.firstGap(0, 100, covered: []) ?? (0, 0) == (0, 100))
    #expect(HMPIPCShmRule.firstGap(0, 100, covered: [(0, 100)]) == nil)
    #expect(HMPIPCShmRule.firstGap(0, 100, covered: [(0, 10), (10, 20), (50, 100)]) ?? (0, 0) == (30, 20))
    #expect(HMPIPCShmRule.firstGap(0, 100, covered: [(20, 10)]) ?? (0, 0) == (0, 20))
    #expect(HMPIPCShmRule.firstGap(0, 100, covered: [(0, .max)]) == nil)
  }

  @Test func vringSizeFollowsTheZephyrConfig() throws {
    let dir = TestDirectory()
    // 2048 descriptors, align 16: PAGE_ALIGN(vring_size) is 0xe000, more than the 0x8000 regions.
    let big = try Self.context(
      "soc: imx8mp\nzephyr: {dts: \(Self.m7)/zephyr-rpmsg.dts, config: \(Self.m7)/zephyr-2048.config}\n", in: dir)
    let findings = try Self.lint(RegionExamples.tree(), rules: ["hmp_vring_size"], hmp: big)
    #expect(findings.count == 2)
    #expect(findings.first?.message.contains("smaller than the 0xe000") == true)
    #expect(
      findings.first?.message.contains("2048 buffers, align 0x10; CONFIG_OPENAMP_RSC_TABLE_NUM_RPMSG_BUFF at ") == true)
    #expect(findings.first?.message.contains("zephyr-2048.config:2") == true)

    // 8 descriptors fit; Linux places Zephyr's vrings, so a vring 1 elsewhere in the window is no finding.
    let small = try Self.context(
      "soc: imx8mp\nzephyr: {dts: \(Self.m7)/zephyr-rpmsg.dts, config: \(Self.m7)/zephyr.config}\n", in: dir)
    let moved = RegionExamples.tree(
      RegionExamples.regions(replacing: [
        (RegionExamples.vring1, "vdev0vring1: vdev0vring1@55010000 { reg = <0 0x55010000 0 0x1000>; no-map; };")
      ]))
    #expect(try Self.lint(moved, rules: ["hmp_vring_size"], hmp: small).isEmpty)
    // Without a .config the count is unknown: silent, even for a one-byte region.
    let unknown = try Self.context("soc: imx8mp\nzephyr: \(Self.m7)/zephyr-rpmsg.dts\n", in: dir)
    let tiny = RegionExamples.tree(
      RegionExamples.regions(replacing: [
        (RegionExamples.vring0, "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x1>; no-map; };")
      ]))
    #expect(try Self.lint(tiny, rules: ["hmp_vring_size"], hmp: unknown).isEmpty)
    // The same tiny region with an rpmsg-lite manifest is reported (the SDK's numbers are known).
    let lite = try Self.context("soc: imx8mp\n", in: dir)
    #expect(try Self.lint(tiny, rules: ["hmp_vring_size"], hmp: lite).count == 1)
  }

  /// The story's rpmsg-lite ELF with its vrings turned into Zephyr's: `da = FW_RSC_ADDR_ANY`, align 16, `num`.
  static func zephyrLikeELF(num: UInt32, in dir: TestDirectory) throws -> String {
    let source = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom/firmware/app.elf"
    let elf = try ELFFile.read(path: source)
    let section = try #require(elf.resourceTableSection)
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
    func put(_ at: Int, _ v: UInt32) {
      for k in 0..<4 { bytes[at + k] = UInt8((v >> (8 * UInt32(k))) & 0xFF) }  // little-endian ARM
    }
    for ring in 0..<2 {
      let at = Int(section.offset) + 48 + 20 * ring  // header, offset[0], vdev header; 20 bytes per vring
      put(at, ResourceTable.addressAny)
      put(at + 4, 16)
      put(at + 8, num)
    }
    return dir.write("zephyr.elf", bytes: bytes)
  }

  @Test func hostAllocatedVringsAreCheckedBySize() throws {
    let dir = TestDirectory()
    let elf = try Self.zephyrLikeELF(num: 2048, in: dir)
    let read = try ELFFile.read(path: elf)
    #expect(read.resourceTable?.vdevs.first?.vrings.map(\.da) == [ResourceTable.addressAny, ResourceTable.addressAny])
    let hmp = try Self.context(
      "soc: imx8mp\nzephyr: \(Self.m7)/zephyr-rpmsg.dts\nfirmware: {elf: zephyr.elf}\n", in: dir)
    let findings = try Self.lint(RegionExamples.tree(), rules: ["hmp_firmware_vring_mismatch"], hmp: hmp)
    #expect(findings.count == 2)
    #expect(
      findings.first?.message.contains("asks Linux to allocate vdev0 vring0 (da FW_RSC_ADDR_ANY) with 2048 descriptors")
        == true)
    #expect(findings.first?.message.contains("needs 0xe000 bytes") == true)
    // 8 descriptors need one page: no finding, and no address comparison for rings Linux places.
    _ = try Self.zephyrLikeELF(num: 8, in: dir)  // replaces zephyr.elf
    let ok = try Self.context(
      "soc: imx8mp\nzephyr: \(Self.m7)/zephyr-rpmsg.dts\nfirmware: {elf: zephyr.elf}\n", in: dir)
    #expect(try Self.lint(RegionExamples.tree(), rules: ["hmp_firmware_vring_mismatch"], hmp: ok).isEmpty)
  }
}

/// The NXP lf-5.15.71 RPMsg tree for the i.MX 8M Plus EVK against Zephyr's EVK board with the openamp_rsc_table
/// overlay (both from the corpus): the reference pairing passes every cross-check, with the note that Linux keeps
/// the unreserved part of the 5 MiB window as RAM.
@Suite(
  .enabled(
    if: SharedCorpus.vendorAvailable
      && FileManager.default.fileExists(atPath: SharedCorpus.root + "/zephyr/README.md"),
    "skipped: ../shared/corpus/vendor or ../shared/corpus/zephyr is missing"))
struct HMPZephyrCorpusCrossCheckTests {
  static let zephyr = SharedCorpus.root + "/zephyr"

  static func manifest(overlay: Bool, in dir: TestDirectory) -> String {
    let z = Self.zephyr
    let includes = ["zephyr/include", "zephyr/dts", "zephyr/dts/common", "zephyr/dts/arm", "hal_nxp/dts", "shim"]
      .map { z + "/" + $0 }
    let defines = (1...4).map { "IMX_CCM_PWM\($0)_CLK=IMX_CCM_PWM_CLK" }
    var yaml = "soc: imx8mp\nzephyr:\n  dts: \(z)/zephyr/boards/nxp/imx8mp_evk/imx8mp_evk_mimx8ml8_m7.dts\n"
    if overlay {
      yaml += "  overlays: [\(z)/zephyr/samples/subsys/ipc/openamp_rsc_table/boards/imx8mp_evk_mimx8ml8_m7.overlay]\n"
    }
    yaml += "  include: [\(includes.joined(separator: ", "))]\n  defines: [\(defines.joined(separator: ", "))]\n"
    yaml += "  config: \(HMPZephyrCrossCheckTests.m7)/zephyr.config\n"
    return dir.write("m7.yaml", yaml)
  }

  static func findings(overlay: Bool) throws -> [Diagnostic] {
    let dir = TestDirectory()
    let m = try M7Manifest.load(path: manifest(overlay: overlay, in: dir))
    let hmp = HMPContext(
      kernel: try KernelFlavor.load(name: "nxp-5.15"), kernelGiven: "nxp-5.15", board: nil, manifest: m,
      inputs: try m.loadInputs())
    var options = FrontEndOptions()
    options.includePaths = [SharedCorpus.vendorNXP515 + "/include"]
    let path = SharedCorpus.vendorNXP515 + "/arch/arm64/boot/dts/freescale/imx8mp-evk-rpmsg.dts"
    let c = try SourceReader(sources: SourceManager(), options: options).compile(
      path: path, options: CompileOptions())
    #expect(!c.refused)
    var selection = RuleSelection()
    try selection.disable("all")
    for r in ["hmp_mbox_controller", "hmp_ipc_shm", "hmp_vring_size", "hmp_peripheral_conflict", "hmp_pad_conflict"] {
      try selection.enable(r)
    }
    return Linter(selection: selection, hmp: hmp).lint(c.tree, frontEnd: c.diagnostics)
  }

  @Test func referencePairingPasses() throws {
    let findings = try Self.findings(overlay: true)
    // NXP's tree disables uart4 for Linux (the M7's console) and uses mu at 0x30aa0000 with vrings, table and
    // buffers inside 0x55000000..0x55500000: only the note on the unreserved rest of the window.
    #expect(findings.map(\.rule) == ["hmp_ipc_shm"], "\(findings.map(\.message))")
    #expect(findings.first?.severity == .note)
    #expect(findings.first?.message.contains("imx8mp_evk_mimx8ml8_m7.overlay:") == true)
  }

  @Test func boardWithoutTheOverlayHasNoIPCToCheck() throws {
    #expect(try Self.findings(overlay: false).isEmpty)
  }
}
