import Foundation
import Testing
import _DTTestSupport

/// Issue 15, as users run it: `dtlint check OV --base BASE` reports the claimed peripheral the overlay leaves
/// enabled in the base, and `dtlint hmp fix` disables it in the overlay (the story's vendor files).
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built"))
struct HMPChainOwnershipCommandTests {
  static let example = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom"

  /// A copy of the example beside the test's files: the vendor base and an overlay without its i2c4 fragment.
  static func setUp() throws -> (dir: TestDirectory, overlay: String) {
    let s = TestDirectory(prefix: "dtlint-chain-cli")
    for name in ["vendor/base.dts", "imx8mp-example.dtsi", "include/dt-bindings/example-soc.h"] {
      s.write(name, try String(contentsOfFile: example + "/" + name, encoding: .utf8))
    }
    let text = try String(contentsOfFile: example + "/vendor/hmp.dtso", encoding: .utf8)
    let cut = try #require(text.range(of: "&i2c4 {"))
    let overlay = String(text[..<cut.lowerBound])
    s.write("vendor/hmp.dtso", overlay)
    s.write("m7.yaml", "soc: imx8mp\nperipherals: [i2c4, uart4]\n")
    return (s, overlay)
  }

  static let check = [
    "check", "vendor/hmp.dtso", "--base", "vendor/base.dts", "-I", "include", "--kernel", "toradex-bsp6", "--m7",
    "m7.yaml",
  ]

  @Test func checkReportsWhatTheOverlayLeavesEnabled() throws {
    let (s, _) = try Self.setUp()
    let r = try CLI.run(Self.check, cwd: s.path)
    #expect(r.status == 1, "\(r.stderr)")
    let out = r.stdout + r.stderr
    #expect(out.contains("vendor/base.dts:"), "\(out)")
    #expect(out.contains("error: i2c4 (i2c@30a50000) is enabled for Linux, but the M7 firmware owns it"))
    #expect(out.contains("note: vendor/hmp.dtso does not disable it"))
    #expect(out.contains("fix-it: add a fragment to vendor/hmp.dtso that disables &i2c4"))
    #expect(s.files() == ["imx8mp-example.dtsi", "include", "m7.yaml", "vendor"], "nothing left behind")
  }

  @Test func hmpFixAddsTheFragment() throws {
    let (s, overlay) = try Self.setUp()
    let r = try CLI.run(
      [
        "hmp", "fix", "vendor/hmp.dtso", "--base", "vendor/base.dts", "-I", "include", "--kernel", "toradex-bsp6",
        "--m7", "m7.yaml", "--bootargs", "clk-imx8mp.mcore_booted=1", "-o", "fixed.dtso",
      ], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("fixed [hmp_peripheral_conflict] add a fragment to vendor/hmp.dtso that disables &i2c4"))
    #expect(!r.stderr.contains("nothing to fix"))
    let fixed = try String(contentsOfFile: s.path + "/fixed.dtso", encoding: .utf8)
    #expect(fixed.hasPrefix(overlay) && fixed.hasSuffix("&i2c4 {\n\tstatus = \"disabled\";\n};\n"))
    #expect(try String(contentsOfFile: s.path + "/vendor/hmp.dtso", encoding: .utf8) == overlay)
    let again = try CLI.run(
      [
        "check", "fixed.dtso", "--base", "vendor/base.dts", "-I", "include", "--kernel", "toradex-bsp6", "--m7",
        "m7.yaml",
      ], cwd: s.path)
    #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
  }
}
