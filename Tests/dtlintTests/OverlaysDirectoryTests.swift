import Foundation
import Testing
import _DTTestSupport

/// `overlays/` holds what `dtlint hmp generate` writes for each Verdin SKU and kernel flavor (issue 5): the test
/// runs the command as a user would and compares byte for byte, and checks that the set is complete.
struct OverlaysDirectoryTests {
  static let directory = SharedCorpus.packageRoot + "/overlays"
  static let skus = ["nonwifi", "wifi"]
  static let flavors = ["mainline", "nxp-6", "nxp-5.15", "nxp-5.4"]

  @Test func everySKUAndFlavorIsThere() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory).filter { $0.hasSuffix(".dtso") }
    let expected = Self.skus.flatMap { s in Self.flavors.map { "verdin-imx8mp-\(s)-\($0)-hmp.dtso" } }
    #expect(Set(files) == Set(expected))
  }

  @Test(arguments: skus) func regeneratedByteForByte(sku: String) throws {
    for flavor in Self.flavors {
      let path = Self.directory + "/verdin-imx8mp-\(sku)-\(flavor)-hmp.dtso"
      let stored = try String(contentsOfFile: path, encoding: .utf8)
      let r = try CLI.run(["hmp", "generate", "--board", "verdin-imx8mp-\(sku)", "--kernel", flavor])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout == stored, "overlays/ is out of date for \(sku) \(flavor): run Scripts/gen-overlays")
      // The Wi-Fi SKUs warn what the M7's UART takes from Bluetooth.
      #expect(r.stderr.contains("Bluetooth") == (sku == "wifi"), "\(r.stderr)")
    }
  }
}
