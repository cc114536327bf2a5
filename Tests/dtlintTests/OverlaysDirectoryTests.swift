import Foundation
import Testing
import _DTTestSupport

/// `overlays/` holds what `dtlint hmp generate` writes for each board SKU and each kernel flavor that knows the
/// SoC's imx_rproc compatible (issues 5 and 18): the test runs the command as a user would and compares byte for
/// byte, checks that the set is complete, and that a flavor without an overlay is one the command refuses.
struct OverlaysDirectoryTests {
  static let directory = SharedCorpus.packageRoot + "/overlays"
  static let boards = [
    "verdin-imx8mp-nonwifi", "verdin-imx8mp-wifi", "verdin-imx8mm-nonwifi", "verdin-imx8mm-wifi", "imx8mp-evk",
    "imx8mm-evk", "imx8mn-evk", "imx93-11x11-evk", "imx8ulp-evk", "verdin-imx95-nonwifi", "verdin-imx95-wifi",
  ]
  static let flavors = ["mainline", "nxp-6", "nxp-5.15", "nxp-5.4"]
  /// Flavors whose imx_rproc does not know the SoC's compatible (schemas/kernel/*.yaml): no overlay.
  static let unknown: Set<String> = [
    "imx93-11x11-evk nxp-5.4", "imx8ulp-evk nxp-5.4", "verdin-imx95-nonwifi nxp-5.15", "verdin-imx95-nonwifi nxp-5.4",
    "verdin-imx95-wifi nxp-5.15", "verdin-imx95-wifi nxp-5.4",
  ]

  @Test func everySKUAndFlavorIsThere() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".dtso") }
    let expected = Self.boards.flatMap { b in
      Self.flavors.filter { !Self.unknown.contains("\(b) \($0)") }.map { "\(b)-\($0)-hmp.dtso" }
    }
    #expect(Set(files) == Set(expected))
    #expect(files.count == 38)
  }

  @Test(arguments: boards) func regeneratedByteForByte(board: String) throws {
    for flavor in Self.flavors {
      let path = Self.directory + "/\(board)-\(flavor)-hmp.dtso"
      let r = try CLI.run(["hmp", "generate", "--board", board, "--kernel", flavor])
      if Self.unknown.contains("\(board) \(flavor)") {
        #expect(r.status != 0 && r.stdout.isEmpty, "\(board) \(flavor)")
        #expect(r.stderr.contains("knows no imx_rproc compatible"), "\(r.stderr)")
        continue
      }
      let stored = try String(contentsOfFile: path, encoding: .utf8)
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout == stored, "overlays/ is out of date for \(board) \(flavor): run Scripts/gen-overlays")
      // The Verdin iMX8M Plus Wi-Fi SKUs warn what the M7's UART takes from Bluetooth.
      #expect(r.stderr.contains("Bluetooth") == (board == "verdin-imx8mp-wifi"), "\(r.stderr)")
    }
  }

  /// What changes with the SoC: the core's name, its clock, the MMIO method's syscon, the MU enabled where the
  /// .dtsi disables it, the SoC's own remoteproc node, and /reserved-memory created where the EVK has none.
  @Test func socSpecificBlocks() throws {
    func text(_ name: String) throws -> String {
      try String(contentsOfFile: Self.directory + "/\(name)-hmp.dtso", encoding: .utf8)
    }
    let mm = try text("verdin-imx8mm-nonwifi-mainline")
    #expect(mm.contains("Linux ⇄ Cortex-M4") && mm.contains("clocks = <&clk 77>; /* IMX8MM_CLK_M4_DIV */"))
    #expect(mm.contains("syscon = <&src>;") && mm.contains("m4_reserved: m4@80000000"))
    #expect(mm.contains("&{/reserved-memory} {") && mm.contains("&uart4 {"))
    let evk = try text("imx8mm-evk-nxp-5.15")
    #expect(evk.contains("&{/} {\n\treserved-memory {\n\t\t#address-cells = <2>;"))
    let m93 = try text("imx93-11x11-evk-mainline")
    #expect(m93.contains("&cm33 {\n\tcompatible = \"fsl,imx93-cm33\";\n\tstatus = \"okay\";"))
    #expect(m93.contains("&mu1 {\n\tstatus = \"okay\";") && m93.contains("vdev1vring1: vdev1vring1@a4018000"))
    #expect(m93.contains("rsc_table: rsc-table@2021e000") && !m93.contains("syscon"))
    let ulp = try text("imx8ulp-evk-mainline")
    #expect(!ulp.contains("clocks =") && ulp.contains("no clock") && !ulp.contains("status = \"disabled\""))
    // The i.MX 8M Plus overlays did not change with the other SoCs.
    #expect(try text("verdin-imx8mp-nonwifi-mainline").contains("Linux ⇄ Cortex-M7"))
    // The i.MX 93's init-on-array block cites the 93's clock facts and calls its clocks clock roots.
    let m93nxp = try text("imx93-11x11-evk-nxp-6")
    #expect(m93nxp.contains("leaves the clock roots of lpuart2 on (HMPFacts §18.10)"), "\(m93nxp)")
    #expect(!m93nxp.contains("§13.6") && !m93nxp.contains("root slices"))
    #expect(try text("imx8mp-evk-nxp-6").contains("leaves the root slices of uart4 on (HMPFacts §13.6)"))
  }

  /// The Verdin iMX95's base trees already carry `cm7: remoteproc-cm7` with its mailboxes and regions (HMPFacts
  /// §18.8): its overlays add no region and no node, only what the flavor's driver also reads (fsl,cpu-id and
  /// fsl,lmm-id under nxp-6, nothing under mainline) and the M7's debug UART taken from Linux.
  @Test func verdinIMX95CompletesTheBaseNode() throws {
    for sku in ["nonwifi", "wifi"] {
      let nxp = try String(contentsOfFile: Self.directory + "/verdin-imx95-\(sku)-nxp-6-hmp.dtso", encoding: .utf8)
      #expect(nxp.contains("&cm7 {\n\tfsl,cpu-id = <1>;\n\tfsl,lmm-id = <1>;\n};"), "\(nxp)")
      let mainline = try String(
        contentsOfFile: Self.directory + "/verdin-imx95-\(sku)-mainline-hmp.dtso", encoding: .utf8)
      #expect(!mainline.contains("&cm7 {") && !mainline.contains("fsl,cpu-id"))
      #expect(mainline.contains("needs nothing more"))
      for text in [nxp, mainline] {
        #expect(!text.contains("reserved-memory {") && !text.contains("@88") && !text.contains("mboxes"))
        #expect(!text.contains("&mu7") && text.contains("&lpuart2 {\n\tstatus = \"disabled\";"))
      }
    }
  }
}
