import DTCore
@testable import DTDoctor
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// `hmp fix` (issue 5): one broken overlay per mechanical rule, each repaired by the rule's own fix-it into one that
/// passes, every change listed; a correct overlay is left byte for byte. The overlay is `hmp generate`'s for a
/// non-Wi-Fi Verdin with a manifest claiming i2c3, uart4 and pwm4; the base is the board's shape from the profiles,
/// so the test needs no corpus.
struct HMPFixerTests {
  struct Mutation: CustomTestStringConvertible, Sendable {
    var rule: String
    var find: String
    var replace: String
    /// The fix restores the generated text exactly.
    var restores = true
    var testDescription: String { rule }
  }

  static let mutations: [Mutation] = [
    Mutation(rule: "hmp_rsc_table_name", find: "rsc-table@550ff000 {", replace: "rsc_table@550ff000 {"),
    Mutation(
      rule: "hmp_region_no_map", find: "reg = <0 0x55000000 0 0x8000>;\n\t\tno-map;",
      replace: "reg = <0 0x55000000 0 0x8000>;"),
    Mutation(
      rule: "hmp_buffer_pool", find: "reg = <0 0x55400000 0 0x100000>;\n\t\tno-map;",
      replace: "reg = <0 0x55400000 0 0x100000>;"),
    Mutation(
      rule: "hmp_vring_name", find: "vdev0vring1: vdev0vring1@55008000", replace: "vdev0vring1: vring1@55008000"),
    Mutation(
      rule: "hmp_rproc_binding", find: "compatible = \"fsl,imx8mp-cm7\";",
      replace: "compatible = \"fsl,imx8mp-cm7\";\n\t\trsc-da = <0x550ff000>;"),
    Mutation(
      rule: "hmp_rproc_clocks", find: "\t\tclocks = <&clk 85>; /* IMX8MP_CLK_M7_DIV */\n", replace: "",
      restores: false),
    Mutation(
      rule: "hmp_rproc_compatible", find: "\"fsl,imx8mp-cm7\"", replace: "\"fsl,imx8mp-cm7-mmio\"", restores: false),
    Mutation(rule: "hmp_mbox_names", find: "\"tx\", \"rx\", \"rxdb\"", replace: "\"rx\", \"tx\", \"rxdb\""),
    Mutation(
      rule: "hmp_mbox_controller", find: "<&mu 0 1>, <&mu 1 1>, <&mu 3 1>",
      replace: "<&mu2 0 1>, <&mu2 1 1>, <&mu2 3 1>"),
    Mutation(
      rule: "hmp_mbox_channel", find: "<&mu 0 1>, <&mu 1 1>, <&mu 3 1>", replace: "<&mu 0 0>, <&mu 1 0>, <&mu 3 0>"),
    Mutation(
      rule: "hmp_peripheral_conflict", find: "&pwm4 {\n\tstatus = \"disabled\";",
      replace: "&pwm4 {\n\tstatus = \"okay\";"),
    Mutation(rule: "overlay_target_missing", find: "&{/reserved-memory} {", replace: "&resmem {"),
    Mutation(
      rule: "hmp_reserved_memory_format", find: "reg = <0 0x55008000 0 0x8000>;", replace: "reg = <0x55008000 0x8000>;"),
    Mutation(
      rule: "hmp_region_disabled", find: "reg = <0 0x55008000 0 0x8000>;",
      replace: "reg = <0 0x55008000 0 0x8000>;\n\t\tstatus = \"disabled\";", restores: false),
    Mutation(
      rule: "hmp_rproc_missing", find: "compatible = \"fsl,imx8mp-cm7\";",
      replace: "compatible = \"fsl,imx8mp-cm7\";\n\t\tstatus = \"disabled\";", restores: false),
  ]

  struct Setup {
    var scratch: TestDirectory
    var overlay: String
    var base: String
    var hmp: HMPContext
  }

  static func setUp() throws -> Setup {
    let scratch = TestDirectory(prefix: "dtlint-hmp-fix")
    copyM7Fixtures(into: scratch)
    let m7 = scratch.write("m7.yaml", HMPSystemTestsManifest.ownedByFirmware)
    let manifest = try M7Manifest.load(path: m7)
    let (profile, sku) = try HMPBoardName.resolve(board: "verdin-imx8mp-nonwifi", sku: nil, manifestBoard: nil)
    let request = HMPGenerateRequest(
      board: profile, sku: sku, kernel: try KernelFlavor.load(name: "mainline"), kernelName: "mainline",
      manifest: manifest, inputs: try manifest.loadInputs(), base: nil, commandLine: "test")
    let generated = try HMPGenerator.generate(request)
    let base = scratch.write("base.dts", HMPSelfCheck.shapeText(request))
    // Linux boots with what the overlay's header prescribes (HMPFacts §13).
    let bootargs = KernelCommandLine(generated.protection.commandLine.joined(separator: " "), source: .option)
    return Setup(
      scratch: scratch, overlay: generated.text, base: base,
      hmp: try HMPContext.load(kernel: "mainline", board: nil, m7: m7, bootargs: bootargs))
  }

  static func errors(_ r: HMPFixer.Result) -> [Diagnostic] {
    r.remaining.filter { HMPFixer.applies($0.rule) && $0.severity == .error }
  }

  @Test(arguments: mutations) func repairsOneMechanicalRule(_ m: Mutation) throws {
    let s = try Self.setUp()
    #expect(s.overlay.contains(m.find), "the generated overlay no longer contains the text to break")
    let broken = s.scratch.write("broken.dtso", s.overlay.replacingOccurrences(of: m.find, with: m.replace))

    // The broken overlay does trigger the rule.
    let before = try HMPFixer.fix(path: broken, base: s.base, frontEnd: FrontEndOptions(), hmp: s.hmp, maxPasses: 0)
    #expect(before.remaining.contains { $0.rule == m.rule }, "\(m.rule) does not fire on the broken overlay")

    let r = try HMPFixer.fix(path: broken, base: s.base, frontEnd: FrontEndOptions(), hmp: s.hmp)
    #expect(r.changes.map(\.rule) == [m.rule])
    #expect(!r.remaining.contains { $0.rule == m.rule }, "\(r.remaining.map(\.message))")
    #expect(Self.errors(r).isEmpty, "\(Self.errors(r).map(\.message))")
    let out = String(decoding: r.output, as: UTF8.self)
    if m.restores { #expect(out == s.overlay) }
    // The change is listed where it landed in the output.
    let change = try #require(r.changes.first)
    let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(change.line >= 1 && change.line <= lines.count)
    // The input is not touched.
    #expect(
      try String(contentsOfFile: broken, encoding: .utf8) == s.overlay.replacingOccurrences(of: m.find, with: m.replace)
    )
  }

  @Test func correctOverlayIsLeftAlone() throws {
    let s = try Self.setUp()
    let path = s.scratch.write("good.dtso", s.overlay)
    let r = try HMPFixer.fix(path: path, base: s.base, frontEnd: FrontEndOptions(), hmp: s.hmp)
    #expect(r.changes.isEmpty)
    #expect(r.output == Array(s.overlay.utf8))
    #expect(Self.errors(r).isEmpty)
  }

  /// Several problems at once, as in the forum overlay of the story: `&resmem`, `rsc_table`, a 1+1-cell `reg`
  /// and a missing `no-map`, all fixed, in passes.
  @Test func repairsSeveralProblemsTogether() throws {
    let s = try Self.setUp()
    var text = s.overlay
    for m in Self.mutations
    where ["overlay_target_missing", "hmp_rsc_table_name", "hmp_region_no_map"].contains(m.rule) {
      text = text.replacingOccurrences(of: m.find, with: m.replace)
    }
    #expect(text.contains("reg = <0 0x55400000 0 0x100000>;"))
    text = text.replacingOccurrences(of: "reg = <0 0x55400000 0 0x100000>;", with: "reg = <0x55400000 0x100000>;")
    let path = s.scratch.write("forum.dtso", text)
    let r = try HMPFixer.fix(path: path, base: s.base, frontEnd: FrontEndOptions(), hmp: s.hmp)
    #expect(
      Set(r.changes.map(\.rule))
        == ["overlay_target_missing", "hmp_rsc_table_name", "hmp_region_no_map", "hmp_reserved_memory_format"])
    #expect(String(decoding: r.output, as: UTF8.self) == s.overlay)
    #expect(Self.errors(r).isEmpty)
  }

  /// Edits are laid out like the file: an inserted statement gets its own line, a deleted one takes its line.
  @Test func editsFollowTheLayout() {
    let text = Array("\ta = <1>;\n\tb = <2>;\n".utf8)
    let file = FileID(0)
    let insert = HMPFixer.laidOut(
      TextEdit(range: SourceRange(file: file, start: 9, end: 9), replacement: " c = <3>;"), in: text)
    #expect(insert.replacement == "\n\tc = <3>;")
    let delete = HMPFixer.laidOut(
      TextEdit(range: SourceRange(file: file, start: 11, end: 19), replacement: ""), in: text)
    #expect(delete.range.start == 10 && delete.range.end == 20)
  }
}

/// The manifest of the system tests, without their corpus dependency.
enum HMPSystemTestsManifest {
  static let ownedByFirmware = """
    soc: imx8mp
    peripherals: [i2c3, uart4, pwm4]
    firmware: { elf: rpmsg-m7.elf, started-by: bootloader }
    """
}

/// The generator's self-check reports what `check OV --base BASE` reports about the overlay.
struct HMPSelfCheckTests {
  @Test func seesOverlayFindingsAgainstARealBase() throws {
    let s = try HMPFixerTests.setUp()
    let (profile, sku) = try HMPBoardName.resolve(board: "verdin-imx8mp-nonwifi", sku: nil, manifestBoard: nil)
    let request = HMPGenerateRequest(
      board: profile, sku: sku, kernel: try KernelFlavor.load(name: "mainline"), kernelName: "mainline",
      manifest: nil, inputs: nil, base: nil, commandLine: "test")
    let text = s.overlay.replacingOccurrences(
      of: "compatible = \"toradex,verdin-imx8mp\";", with: "compatible = \"vendor,other-board\";")
    let reader = SourceReader(sources: SourceManager(), options: FrontEndOptions())
    let base = try reader.loadBase(path: s.base)
    let r = try HMPSelfCheck.check(
      overlayText: text, overlayPath: s.scratch.path + "/gen.dtso", request: request, reader: reader,
      base: (base, s.base))
    #expect(r.findings.contains { $0.rule == "overlay_compatible_mismatch" }, "\(r.findings.map(\.rule))")
    let shape = try HMPSelfCheck.check(
      overlayText: text, overlayPath: s.scratch.path + "/gen2.dtso", request: request,
      reader: SourceReader(sources: SourceManager(), options: FrontEndOptions()), base: nil)
    #expect(shape.findings.contains { $0.rule == "overlay_compatible_mismatch" }, "\(shape.findings.map(\.rule))")
  }
}
