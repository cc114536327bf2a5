import Foundation
import Testing
import _DTTestSupport

/// Messages that name what they are about (issue 23): every finding counted is shown, an error is placed in the
/// file it is about (never in a blob shown as a source line), a check of text not yet written does not name the
/// output file, and `help` of an unknown command is a usage error.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct MessagePlacementTests {
  @Test func explainLogShowsTheFindingsItCounts() throws {
    let s = Scratch()
    s.write("boot.log", "imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)\n")
    s.write("syn.dts", "/dts-v1/;\n/ { a = <1> };\n")
    let r = try CLI.run(["hmp", "explain-log", "boot.log", "syn.dts"], cwd: s.path)
    #expect(r.status == 1)
    #expect(r.stdout.contains("tree syn.dts: 1 finding"), "\(r.stdout)")
    #expect(r.stdout.contains("Findings of the tree that no line above is tied to:"), "\(r.stdout)")
    #expect(r.stdout.contains("  syn.dts:2:12: error: syntax error: missing"), "\(r.stdout)")
  }

  @Test func explainLogListsAtMostTwentyUntiedFindings() throws {
    let s = Scratch()
    s.write("boot.log", "imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)\n")
    // 30 nodes with a unit address and no reg: 30 unit_address_vs_reg warnings no cause names.
    let nodes = (0..<30).map { "\tn@\($0 + 1) { };\n" }.joined()
    s.write("many.dts", "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <0>;\n\(nodes)};\n")
    let r = try CLI.run(["hmp", "explain-log", "boot.log", "many.dts"], cwd: s.path)
    let listed = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  many.dts:") }
    #expect(listed.count == 20, "\(r.stdout)")
    #expect(r.stdout.contains("  … and 10 more (dtlint check lists them all)"), "\(r.stdout)")
  }

  @Test func anEmptyOverlayIsReportedInTheOverlayNotTheBase() throws {
    let s = Scratch()
    s.write("base.dts", "/dts-v1/;\n/ { l: n { }; };\n")
    #expect(try CLI.run(["compile", "-@", "base.dts", "-o", "base.dtb"], cwd: s.path).status == 0)
    s.write("empty.dtso", "")
    s.write("hidden.dtso", "#if 0\n/dts-v1/;\n#endif\n")
    for ov in ["empty.dtso", "hidden.dtso"] {
      let r = try CLI.run(["check", "base.dtb", "--overlay", ov], cwd: s.path)
      let out = r.stdout + r.stderr
      // (1 or 2: whether a missing /dts-v1/ is a finding or an input error is the error path's decision.)
      #expect(r.status == 1 || r.status == 2, "\(out)")
      #expect(out.contains("\(ov):1:1: error: syntax error"), "\(out)")
      #expect(!out.contains("base.dtb:1:1"), "\(out)")
      #expect(!out.contains("\\x00"), "no blob bytes as a source line: \(out)")
    }
  }

  @Test func generateNamesTheTextItCheckedNotAFileItDidNotWrite() throws {
    let s = Scratch()
    // A base without /reserved-memory or labels: the generated overlay cannot apply to it.
    s.write("tiny.dts", "/dts-v1/;\n/ { compatible = \"toradex,verdin-imx8mp-nonwifi\", \"fsl,imx8mp\"; };\n")
    let r = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "--base", "tiny.dts", "-o", "out.dtso"], cwd: s.path)
    #expect(r.status == 1)
    #expect(r.stderr.contains("<generated overlay>:"), "\(r.stderr)")
    #expect(r.stderr.contains("overlay_target_missing"), "\(r.stderr)")
    #expect(!r.stderr.contains("out.dtso"), "the output was not written, so no message may point into it: \(r.stderr)")
    #expect(r.stderr.contains("nothing written"), "\(r.stderr)")
    #expect(s.files() == ["tiny.dts"])
  }

  @Test func helpOfAnUnknownCommandIsAUsageError() throws {
    let cases: [(args: [String], status: Int32, mentions: String?)] = [
      (["help", "nope"], 64, "error: unknown command 'nope' (dtlint commands: check, compile,"),
      (["help", "hmp", "nope"], 64, "error: unknown command 'nope' (dtlint hmp commands: generate, fix, explain-log)"),
      (["help", "check", "extra"], 64, "error: unknown command 'extra': 'dtlint check' has no subcommands"),
      (["help", "hmp", "generate"], 0, nil),
      (["help"], 0, nil),
    ]
    for c in cases {
      let r = try CLI.run(c.args)
      #expect(r.status == c.status, "\(c.args): \(r.stderr)")
      if let m = c.mentions {
        #expect(r.stderr.contains(m), "\(c.args): \(r.stderr)")
        #expect(r.stdout.isEmpty)
      } else {
        #expect(r.stdout.contains("USAGE:"), "\(c.args)")
      }
    }
  }
}
