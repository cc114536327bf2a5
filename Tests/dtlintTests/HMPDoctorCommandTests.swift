import Foundation
import Testing
import _DTTestSupport

/// `dtlint hmp generate`, `dtlint hmp fix` and `dtlint overlay make` as a user runs them: exit codes, files written
/// (atomically, and not at all on failure), inputs never touched.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built"))
struct HMPDoctorCommandTests {
  @Test func generateWritesSourceAndBlobThatDtcAgreesWith() throws {
    let s = Scratch()
    s.write("m7.yaml", "soc: imx8mp\nboard: verdin-imx8mp-nonwifi\nperipherals: [i2c3, pwm4]\n")
    // The family name resolves through the manifest's board.
    let r = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp", "--m7", "m7.yaml", "-o", "hmp.dtso", "--dtbo", "hmp.dtbo"],
      cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(s.files() == ["hmp.dtbo", "hmp.dtso", "m7.yaml"], "no temporary file may remain")
    let text = try String(contentsOfFile: s.path + "/hmp.dtso", encoding: .utf8)
    #expect(text.contains("&i2c3 {\n\tstatus = \"disabled\";"))
    #expect(text.contains("&pwm4 {\n\tstatus = \"disabled\";"))
    #expect(!text.contains("&uart4"), "the manifest does not claim uart4")
    // The blob is the source compiled with -@.
    let back = try CLI.run(["compile", "hmp.dtso", "-@", "-o", "-"], cwd: s.path)
    let blob = try Data(contentsOf: URL(fileURLWithPath: s.path + "/hmp.dtbo"))
    #expect(back.stdoutBytes == [UInt8](blob))
  }

  @Test func generateNeedsASKUForTheFamily() throws {
    let s = Scratch()
    let r = try CLI.run(["hmp", "generate", "--board", "verdin-imx8mp", "-o", "hmp.dtso"], cwd: s.path)
    #expect(r.status == 64)
    #expect(r.stderr.contains("--sku"), "\(r.stderr)")
    #expect(!s.exists("hmp.dtso"))
    let bad = try CLI.run(["hmp", "generate", "--board", "verdin-imx9"], cwd: s.path)
    #expect(bad.status == 64)
    #expect(bad.stderr.contains("verdin-imx8mp-wifi"), "the error lists the known boards: \(bad.stderr)")
  }

  @Test func generateRefusesSettingsThatCannotWorkAndWritesNothing() throws {
    let s = Scratch()
    // 2048 buffers need a 0xf000 vring, more than rpmsg-lite's 0x8000 spacing (HMPFacts §8).
    s.write("m7.yaml", "soc: imx8mp\nrpmsg: { buffer-count: 2048 }\n")
    let r = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx8mp-wifi", "--m7", "m7.yaml", "-o", "hmp.dtso"], cwd: s.path)
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stderr.contains("m7.yaml: rpmsg: "), "names the manifest: \(r.stderr)")
    #expect(r.stderr.contains("buffer-count"), "\(r.stderr)")
    #expect(!s.exists("hmp.dtso"))
  }

  /// The Verdin iMX95's base already reserves the RPMsg regions at the SoC's defaults: a manifest with another
  /// layout is refused (an overlay cannot remove the base's regions), with what differs; the default layout is
  /// completed, with the real base too.
  @Test func generateForAVerdinIMX95CompletesTheBaseOrRefusesAnotherLayout() throws {
    let s = Scratch()
    s.write("m7.yaml", "soc: imx95\nrpmsg: { vring-base: 0x90000000 }\n")
    let r = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx95-wifi", "--kernel", "nxp-6", "--m7", "m7.yaml", "-o", "hmp.dtso"],
      cwd: s.path)
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stderr.contains("already reserve the RPMsg regions (vrings at 0x88000000"), "\(r.stderr)")
    #expect(r.stderr.contains("the manifest's layout (vrings at 0x90000000"), "\(r.stderr)")
    #expect(r.stderr.contains("error: m7.yaml: rpmsg: the Toradex Verdin iMX95"), "names the manifest: \(r.stderr)")
    #expect(!s.exists("hmp.dtso"))
    s.write("same.yaml", "soc: imx95\nperipherals: [lpuart2]\n")
    let ok = try CLI.run(
      ["hmp", "generate", "--board", "verdin-imx95-wifi", "--kernel", "nxp-6", "--m7", "same.yaml", "-o", "hmp.dtso"],
      cwd: s.path)
    #expect(ok.status == 0, "\(ok.stderr)")
    let text = try String(contentsOfFile: s.path + "/hmp.dtso", encoding: .utf8)
    #expect(text.contains("&cm7 {\n\tfsl,cpu-id = <1>;\n\tfsl,lmm-id = <1>;\n};") && !text.contains("vdev0vring0:"))
    guard SharedCorpus.linuxAvailable else { return }
    let dir = SharedCorpus.linuxDTS + "/src/arm64/freescale"
    let based = try CLI.run(
      [
        "hmp", "generate", "--board", "verdin-imx95-nonwifi", "--kernel", "nxp-6", "--base",
        dir + "/imx95-verdin-nonwifi-dev.dts", "-I", SharedCorpus.linuxDTS + "/include", "-o", "based.dtso",
      ], cwd: s.path)
    #expect(based.status == 0, "\(based.stderr)")
    let b = try String(contentsOfFile: s.path + "/based.dtso", encoding: .utf8)
    #expect(b.contains("&{/remoteproc-cm7} {\n\tfsl,cpu-id = <1>;") && !b.contains("reserved-memory {"), "\(b)")
    // A base that disables the node gets it enabled, even where the flavor needs nothing more (mainline).
    s.write(
      "off.dts",
      "#include \"\(dir)/imx95-verdin-nonwifi-dev.dts\"\n&cm7 {\n\tstatus = \"disabled\";\n};\n")
    let off = try CLI.run(
      [
        "hmp", "generate", "--board", "verdin-imx95-nonwifi", "--kernel", "mainline", "--base", "off.dts", "-I",
        SharedCorpus.linuxDTS + "/include", "-o", "-",
      ], cwd: s.path)
    #expect(off.status == 0, "\(off.stderr)")
    #expect(off.stdout.contains("but is disabled"), "\(off.stdout)")
    #expect(off.stdout.contains("&{/remoteproc-cm7} {\n\tstatus = \"okay\";\n};"), "\(off.stdout)")
  }

  @Test func fixListsChangesAndNeverWritesTheInputUnlessAsked() throws {
    let s = Scratch()
    let gen = try CLI.run(["hmp", "generate", "--board", "verdin-imx8mp-nonwifi", "-o", "good.dtso"], cwd: s.path)
    #expect(gen.status == 0)
    let good = try String(contentsOfFile: s.path + "/good.dtso", encoding: .utf8)
    // The base: the board's shape, written as a source with the labels the overlay targets.
    s.write("base.dts", Self.base)
    let broken = good.replacingOccurrences(of: "rsc-table@550ff000 {", with: "rsc_table@550ff000 {")
    s.write("broken.dtso", broken)
    let r = try CLI.run(["hmp", "fix", "broken.dtso", "--base", "base.dts", "-o", "fixed.dtso"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("fixed.dtso:"), "\(r.stderr)")
    #expect(r.stderr.contains("[hmp_rsc_table_name] rename to 'rsc-table@550ff000'"), "\(r.stderr)")
    #expect(try String(contentsOfFile: s.path + "/fixed.dtso", encoding: .utf8) == good)
    #expect(try String(contentsOfFile: s.path + "/broken.dtso", encoding: .utf8) == broken, "the input is untouched")

    // -o naming the input is refused; --in-place does it.
    let same = try CLI.run(["hmp", "fix", "broken.dtso", "--base", "base.dts", "-o", "broken.dtso"], cwd: s.path)
    #expect(same.status == 64)
    let inPlace = try CLI.run(["hmp", "fix", "broken.dtso", "--base", "base.dts", "--in-place"], cwd: s.path)
    #expect(inPlace.status == 0, "\(inPlace.stderr)")
    #expect(try String(contentsOfFile: s.path + "/broken.dtso", encoding: .utf8) == good)
    #expect(!s.files().contains { $0.contains("dtlint-") }, "no temporary file may remain: \(s.files())")

    // A correct overlay: nothing to fix, written unchanged.
    let clean = try CLI.run(["hmp", "fix", "good.dtso", "--base", "base.dts"], cwd: s.path)
    #expect(clean.status == 0)
    #expect(clean.stdout == good)
    #expect(clean.stderr.contains("nothing to fix"))
  }

  @Test func overlayMakeReproducesTheTargetAndListsWhatItCannotSay() throws {
    let s = Scratch()
    s.write("base.dts", Self.base)
    s.write(
      "target.dts",
      Self.base.replacingOccurrences(
        of: "uart4: serial@30a60000 {\n", with: "uart4: serial@30a60000 {\n\t\t\t\tstatus = \"disabled\";\n"))
    let r = try CLI.run(["overlay", "make", "base.dts", "target.dts", "-o", "ov.dtso"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    let ov = try String(contentsOfFile: s.path + "/ov.dtso", encoding: .utf8)
    #expect(ov.contains("&uart4 {\n\tstatus = \"disabled\";\n};"), "\(ov)")
    // The reverse needs a deletion: written, listed, exit 1.
    let back = try CLI.run(["overlay", "make", "target.dts", "base.dts", "-o", "back.dtso"], cwd: s.path)
    #expect(back.status == 1)
    #expect(back.stderr.contains("property 'status' removed"), "\(back.stderr)")
    #expect(s.exists("back.dtso"))
    // No difference: an empty overlay that still compiles.
    let none = try CLI.run(["overlay", "make", "base.dts", "base.dts"], cwd: s.path)
    #expect(none.status == 0, "\(none.stderr)")
    #expect(none.stdout.hasSuffix("/dts-v1/;\n/plugin/;\n\n/ {\n};\n"), "\(none.stdout)")
  }

  /// A minimal tree with the labels and paths the generated overlays target.
  static let base = """
    /dts-v1/;
    / {
    	compatible = "toradex,verdin-imx8mp-nonwifi", "toradex,verdin-imx8mp", "fsl,imx8mp";
    	#address-cells = <2>;
    	#size-cells = <2>;
    	reserved-memory {
    		#address-cells = <2>;
    		#size-cells = <2>;
    		ranges;
    	};
    	soc@0 {
    		#address-cells = <1>;
    		#size-cells = <1>;
    		ranges;
    		bus@30000000 {
    			#address-cells = <1>;
    			#size-cells = <1>;
    			ranges;
    			clk: clock-controller@30380000 {
    				compatible = "fsl,imx8mp-ccm";
    				reg = <0x30380000 0x10000>;
    				#clock-cells = <1>;
    			};
    		};
    		bus@30800000 {
    			#address-cells = <1>;
    			#size-cells = <1>;
    			ranges;
    			uart4: serial@30a60000 {
    				compatible = "fsl,imx8mp-uart";
    				reg = <0x30a60000 0x10000>;
    			};
    			mu: mailbox@30aa0000 {
    				compatible = "fsl,imx8mp-mu", "fsl,imx6sx-mu";
    				reg = <0x30aa0000 0x10000>;
    				#mbox-cells = <2>;
    			};
    		};
    	};
    };

    """
}
