import DTCore
import DTDoctor
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// Issue 5, "Done when": for the ten Verdin iMX8M Plus trees of the corpus (compiled with `-@`) and a manifest
/// claiming i2c3, uart4 and pwm4, the overlay `hmp generate` writes for the board's SKU (mainline and toradex-bsp6)
/// compiles, applies with libfdt, leaves no hmp_*/overlay_* error, and disables what the manifest claims.
@Suite(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts is missing"))
struct HMPGenerateSystemTests {
  static let cases: [(String, String)] = HMPSystemTests.boards.flatMap { b in
    ["mainline", "toradex-bsp6"].map { (b, $0) }
  }

  @Test(arguments: cases) func generatedOverlayAppliesCleanly(board: String, kernel: String) throws {
    let scratch = TestDirectory(prefix: "dtlint-hmp-generate")
    copyM7Fixtures(into: scratch)
    let m7 = scratch.write("m7.yaml", HMPSystemTests.ownedByFirmware)
    let manifest = try M7Manifest.load(path: m7)
    let sku = board.contains("-nonwifi-") ? "nonwifi" : "wifi"
    let (profile, skuEntry) = try HMPBoardName.resolve(board: "verdin-imx8mp-\(sku)", sku: nil, manifestBoard: nil)
    let request = HMPGenerateRequest(
      board: profile, sku: skuEntry, kernel: try KernelFlavor.load(name: kernel), kernelName: kernel,
      manifest: manifest, inputs: try manifest.loadInputs(), base: nil, commandLine: "test")
    let generated = try HMPGenerator.generate(request)

    // Its own check, against the board's shape.
    let reader = SourceReader(sources: SourceManager(), options: FrontEndOptions())
    let own = try HMPSelfCheck.check(
      overlayText: generated.text, overlayPath: "generated.dtso", request: request, reader: reader, base: nil,
      commandLine: generated.protection.commandLine)
    #expect(!own.hasErrors, "\(own.findings.map { "\($0.rule): \($0.message)" })")

    // The real board.
    let overlay = scratch.write("hmp.dtso", generated.text)
    // The board boots with the command line the overlay's header prescribes (HMPFacts §13).
    let words = generated.protection.commandLine
    #expect(
      words == (kernel == "mainline" ? ["clk-imx8mp.mcore_booted=1"] : []),
      "\(kernel): the header prescribes \(words)")
    #expect(generated.text.contains("init-on-array") == (kernel != "mainline"))
    let r = try HMPSystemTests.check(
      board: board, manifest: HMPSystemTests.ownedByFirmware, kernel: kernel, overlay: overlay,
      bootargs: words.isEmpty ? nil : words.joined(separator: " "))
    let tree = try #require(r.tree, "\(board): the generated overlay did not apply")
    let errors = r.findings.filter {
      ($0.rule.hasPrefix("hmp_") || $0.rule.hasPrefix("overlay_")) && $0.severity == .error
    }
    #expect(errors.isEmpty, "\(board) \(kernel):\n\(r.summary)")
    let inOverlay = r.findings.filter(r.inOverlay)
    #expect(inOverlay.isEmpty, "\(board) \(kernel): \(inOverlay.map { "\($0.rule): \($0.message)" })")
    for label in ["i2c3", "uart4", "pwm4"] {
      let node = try #require(tree.node(withLabel: label))
      #expect(node.property("status")?.value.strings == ["disabled"], "\(board): \(label) is not disabled")
    }
    let rproc = try #require(tree.node(atPath: "/imx8mp-cm7"))
    #expect(rproc.property("compatible")?.value.strings == ["fsl,imx8mp-cm7"])
    let rscName = kernel == "mainline" ? "rsc-table@550ff000" : "rsc_table@550ff000"
    #expect(tree.node(atPath: "/reserved-memory/\(rscName)") != nil, "\(board) \(kernel)")
    if sku == "wifi" {
      #expect(generated.warnings.contains { $0.contains("Bluetooth") }, "\(generated.warnings)")
    } else {
      #expect(generated.warnings.isEmpty, "\(generated.warnings)")
    }
  }

  /// With the real base and a manifest claiming the UART4 pads, the iomuxc hog that muxes them on Wi-Fi boards is
  /// left out of the rewritten pinctrl-0, so no pad conflict remains (HMPFacts §6).
  @Test(arguments: HMPSystemTests.boards) func baseGivenHogsAreRewritten(board: String) throws {
    let manifestText = HMPSystemTests.ownedByFirmware + "\npins:\n  pads: [UART4_RXD, UART4_TXD]\n"
    let scratch = TestDirectory(prefix: "dtlint-hmp-generate-pads")
    copyM7Fixtures(into: scratch)
    let manifest = try M7Manifest.load(path: scratch.write("m7.yaml", manifestText))
    let linux = SharedCorpus.linuxDTS
    var options = FrontEndOptions()
    options.includePaths = [linux + "/include", linux + "/src/arm64/freescale", linux + "/src"]
    let reader = SourceReader(sources: SourceManager(), options: options)
    let base = try reader.loadBase(path: linux + "/src/arm64/freescale/\(board).dts")
    let sku = board.contains("-nonwifi-") ? "nonwifi" : "wifi"
    let (profile, skuEntry) = try HMPBoardName.resolve(board: "verdin-imx8mp-\(sku)", sku: nil, manifestBoard: nil)
    let generated = try HMPGenerator.generate(
      HMPGenerateRequest(
        board: profile, sku: skuEntry, kernel: try KernelFlavor.load(name: "mainline"), kernelName: "mainline",
        manifest: manifest, inputs: try manifest.loadInputs(), base: base.tree, commandLine: "test"))
    let overlay = scratch.write("hmp.dtso", generated.text)
    let r = try HMPSystemTests.check(board: board, manifest: manifestText, overlay: overlay)
    let pads = r.findings.filter { $0.rule == "hmp_pad_conflict" }
    #expect(pads.isEmpty, "\(board):\n\(r.summary)")
    // Only the boards whose iomuxc selects hog4 get the rewrite (the Ivy carrier replaces pinctrl-0).
    let hog4Selected = sku == "wifi" && !board.hasSuffix("-ivy")
    #expect(generated.text.contains("&iomuxc {") == hog4Selected, "\(board)")
  }

  /// The same request gives the same bytes.
  @Test func deterministic() throws {
    let (profile, sku) = try HMPBoardName.resolve(board: "verdin-imx8mp", sku: "nonwifi", manifestBoard: nil)
    let request = HMPGenerateRequest(
      board: profile, sku: sku, kernel: try KernelFlavor.load(name: "mainline"), kernelName: "mainline",
      manifest: nil, inputs: nil, base: nil, commandLine: "test")
    #expect(try HMPGenerator.generate(request).text == (try HMPGenerator.generate(request).text))
  }
}
