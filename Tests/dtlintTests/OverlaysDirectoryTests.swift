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
    "imx8mm-evk", "imx8mn-evk", "imx93-11x11-evk", "imx8ulp-evk",
  ]
  static let flavors = ["mainline", "nxp-6", "nxp-5.15", "nxp-5.4"]
  /// Flavors whose imx_rproc does not know the SoC's compatible (schemas/kernel/*.yaml): no overlay.
  static let unknown: Set<String> = ["imx93-11x11-evk nxp-5.4", "imx8ulp-evk nxp-5.4"]

  @Test func everySKUAndFlavorIsThere() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".dtso") }
    let expected = Self.boards.flatMap { b in
      Self.flavors.filter { !Self.unknown.contains("\(b) \($0)") }.map { "\(b)-\($0)-hmp.dtso" }
    }
    #expect(Set(files) == Set(expected))
    #expect(files.count == 34)
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
  }
}
