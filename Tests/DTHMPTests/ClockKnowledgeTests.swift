import DTCore
import DTYAML
import Foundation
import Testing

@testable import DTHMP

/// The kernel command line as dtlint reads it (HMPFacts §13.4, §13.10).
@Suite struct KernelCommandLineTests {
  @Test func splitsLikeTheKernel() {
    let c = KernelCommandLine(
      "root=/dev/mmcblk2p2 console=ttymxc1,115200  dyndbg=\"file x.c +p\"\tclk_ignore_unused -- init=1", source: .option
    )
    #expect(c.parameters.map(\.name) == ["root", "console", "dyndbg", "clk_ignore_unused"])
    #expect(c.parameter("dyndbg")?.value == "file x.c +p", "quotes are dropped, the spaces inside kept")
    #expect(c.parameter("clk_ignore_unused")?.value == nil)
    #expect(!c.has("init"), "what follows -- goes to init")
  }

  @Test func dashesAndUnderscoresAreAlike() {
    let c = KernelCommandLine("clk_imx8mp.mcore-booted=1", source: .option)
    #expect(c.isTrue("clk-imx8mp.mcore_booted"))
    #expect(c.has("clk-imx8mp.mcore_booted"))
  }

  @Test(arguments: [
    ("clk-imx8mp.mcore_booted", true), ("clk-imx8mp.mcore_booted=1", true), ("clk-imx8mp.mcore_booted=Y", true),
    ("clk-imx8mp.mcore_booted=on", true), ("clk-imx8mp.mcore_booted=0", false), ("clk-imx8mp.mcore_booted=n", false),
    ("clk-imx8mp.mcore_booted=1 clk-imx8mp.mcore_booted=0", false), ("mcore_booted=1", false), ("", false),
  ])
  func boolParameters(_ text: String, _ expected: Bool) {
    #expect(KernelCommandLine(text, source: .option).isTrue("clk-imx8mp.mcore_booted") == expected, "\(text)")
  }

  @Test func addingLeavesOutWhatIsThere() {
    let c = KernelCommandLine("console=ttymxc1 clk_ignore_unused", source: .option)
    let more = c.adding(["clk_ignore_unused", "clk-imx8mp.mcore_booted=1", "pd_ignore_unused"], source: .generator)
    #expect(more.text == "console=ttymxc1 clk_ignore_unused clk-imx8mp.mcore_booted=1 pd_ignore_unused")
    #expect(more.source == .generator)
    // An explicit =0 is replaced by the word that sets it.
    let off = KernelCommandLine("clk-imx8mp.mcore_booted=0", source: .option).adding(
      ["clk-imx8mp.mcore_booted=1"], source: .generator)
    #expect(off.isTrue("clk-imx8mp.mcore_booted"))
  }

  @Test func sourcesSayWhereTheLineCameFrom() {
    #expect(KernelCommandLine.Source.option.phrase == "--bootargs")
    #expect(KernelCommandLine.Source.log(path: "boot.log", line: 14).phrase.contains("boot.log:14"))
    #expect(
      KernelCommandLine.Source.configuration(path: ".dtlint.yaml", line: 3).phrase == "bootargs: in .dtlint.yaml:3")
    #expect(KernelCommandLine.Source.manifest(path: "m7.yaml", line: 9).phrase.contains("m7.yaml:9"))
    #expect(KernelCommandLine.Source.tree.phrase.contains("U-Boot usually replaces it"))
  }
}

/// The `clocks` section of the SoC profile and the `clock-protection` section of the kernel flavors.
@Suite struct ClockKnowledgeTests {
  @Test func imx8mpClocks() throws {
    let soc = try SoCProfile.load(name: "imx8mp")
    let clocks = try #require(soc.clocks)
    #expect(clocks.provider == "clk")
    #expect(clocks.mcoreBootedParameter == "clk-imx8mp.mcore_booted")
    #expect(clocks.rootEnableBit == 28)
    let i2c4 = try #require(clocks.peripheral(label: "i2c4"))
    #expect(i2c4.gate == ClockRef(id: 208, name: "IMX8MP_CLK_I2C4_ROOT", offset: 0x41a0, driverName: nil))
    #expect(i2c4.slice == ClockRef(id: 141, name: "IMX8MP_CLK_I2C4", offset: 0xae80, driverName: "i2c4"))
    #expect(i2c4.powerDomain == nil)
    // GPIO banks hang off ipg_root: a gate, no slice.
    #expect(clocks.peripheral(label: "gpio3")?.slice == nil)
    #expect(clocks.peripheral(label: "gpio3")?.gate?.id == 195)
    // The watchdogs share one slice.
    let wdog = try #require(clocks.peripheral(label: "wdog1")?.slice)
    #expect(clocks.sharing(slice: wdog).map(\.label) == ["wdog1", "wdog2", "wdog3"])
    // The audio peripherals and MU2 are in pgc_audio.
    for l in ["sai1", "sai2", "sai3", "sai5", "sai6", "sai7", "micfil", "easrc", "sdma2", "sdma3", "mu2"] {
      #expect(clocks.peripheral(label: l)?.powerDomain == "pgc_audio", "\(l)")
    }
    #expect(clocks.powerDomain(label: "pgc_audio")?.path == "/soc@0/bus@30000000/gpc@303a0000/pgc/power-domain@5")
    #expect(clocks.clock(id: 254)?.1.label == "uart4")
    // Every label names a peripheral or a mailbox unit of the profile.
    for p in clocks.peripherals {
      #expect(
        soc.peripheral(label: p.label) != nil || soc.mailboxes.units.contains { $0.label == p.label }, "\(p.label)")
    }
  }

  /// The IDs are those of the kernel's `imx8mp-clock.h` (corpus copy).
  @Test(.enabled(if: Package.corpusAvailable)) func idsMatchTheBindingHeader() throws {
    let header = try String(
      contentsOf: Package.corpus.appendingPathComponent("include/dt-bindings/clock/imx8mp-clock.h"), encoding: .utf8)
    var defines: [String: UInt32] = [:]
    for line in header.split(separator: "\n") {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      if words.count >= 3, words[0] == "#define", let v = UInt32(words[2]) { defines[String(words[1])] = v }
    }
    let clocks = try #require(try SoCProfile.load(name: "imx8mp").clocks)
    var checked = 0
    for p in clocks.peripherals {
      for c in [p.gate, p.slice].compactMap({ $0 }) {
        #expect(
          defines[c.name] == c.id,
          "\(p.label): \(c.name) is \(String(describing: defines[c.name])), profile says \(c.id)")
        checked += 1
      }
    }
    #expect(checked > 60)
  }

  @Test func flavorsSayWhatProtectsASlice() throws {
    let mainline = try #require(try KernelFlavor.load(name: "mainline").clockProtection)
    #expect(mainline.mcoreBooted.effect == .rootGateNeverDisables)
    #expect(mainline.mcoreBooted.since == "5.19")
    #expect(mainline.mCoreDetection.effect == .none)
    #expect(!mainline.initOnArray.read)
    #expect(mainline.clearedAtRegistration == nil)

    let bsp6 = try #require(try KernelFlavor.load(name: "toradex-bsp6").clockProtection)
    #expect(bsp6.mcoreBooted.effect == .noRootGate)
    #expect(bsp6.mCoreDetection.effect == .noRootGate)
    #expect(bsp6.mCoreDetection.provenance.status == .inference, "whether TF-A answers is not verified")
    #expect(bsp6.initOnArray.read)

    let nxp6 = try #require(try KernelFlavor.load(name: "nxp-6").clockProtection)
    #expect(nxp6.mCoreDetection.effect == .none)
    let cleared = try #require(nxp6.clearedAtRegistration)
    #expect(cleared.provenance.status == .notVerified)
    #expect(cleared.spares("i2c3") && cleared.spares("uart4") && cleared.spares("sai3"))
    #expect(!cleared.spares("i2c4") && !cleared.spares("uart1"))

    let bsp5 = try #require(try KernelFlavor.load(name: "toradex-bsp5").clockProtection)
    #expect(bsp5.mcoreBooted.effect == .unknown)
    #expect(bsp5.provenance.status == .notVerified)
    #expect(bsp5.initOnArray.provenance.status == .notVerified)
  }

  /// Errors in the new sections name the file, line and key.
  @Test func errorsNameFileLineAndKey() throws {
    let socText = KnowledgeBundle.text("soc/imx8mp.yaml")!
    func soc(_ from: String, _ to: String) -> InputError? {
      let text = socText.replacingOccurrences(of: from, with: to)
      #expect(text != socText, "\(from) not in the profile")
      do {
        _ = try SoCProfile.parse(try #require(try YAMLReader.compose(text, path: "soc.yaml")), path: "soc.yaml")
        return nil
      } catch let e as InputError { return e } catch { return nil }
    }
    let unknown = try #require(soc("- { label: i2c4, gate:", "- { label: i2c9, gate:"))
    #expect(unknown.key == "clocks.peripherals[3].label")
    #expect(unknown.message.contains("'i2c9' is not a peripheral"))
    #expect(unknown.line != nil)
    let domain = try #require(
      soc("- { label: easrc, power-domain: pgc_audio }", "- { label: easrc, power-domain: pgc_x }"))
    #expect(domain.message.contains("no power domain 'pgc_x'"))
    let slice = try #require(soc("offset: 0xae80, clock: i2c4 }", "offset: 0xae80 }"))
    #expect(slice.message.contains("clock"), "\(slice.message)")

    let kernelText = KnowledgeBundle.text("kernel/mainline.yaml")!
    let bad = kernelText.replacingOccurrences(of: "effect: root-gate-never-disables", with: "effect: sometimes")
    do {
      _ = try KernelFlavor.parse(try #require(try YAMLReader.compose(bad, path: "k.yaml")), path: "k.yaml")
      Issue.record("an unknown effect was accepted")
    } catch let e as InputError {
      #expect(e.key == "clock-protection.mcore-booted.effect")
      #expect(e.message.contains("no-root-gate"), "\(e.message)")
    }
  }

  @Test func manifestCarriesTheCommandLine() throws {
    let m = try M7Manifest.parse(
      "soc: imx8mp\nperipherals: [i2c4]\nlinux:\n  bootargs: \"console=ttymxc1 clk-imx8mp.mcore_booted=1\"\n",
      path: "m7.yaml")
    let b = try #require(m.linuxBootargs)
    #expect(b.isTrue("clk-imx8mp.mcore_booted"))
    #expect(b.source == .manifest(path: "m7.yaml", line: 4))
    do {
      _ = try M7Manifest.parse("soc: imx8mp\nlinux: {bootarg: x}\n", path: "m7.yaml")
      Issue.record("an unknown key under linux was accepted")
    } catch {
      #expect(error.key == "linux.bootarg")
      #expect(error.line == 2)
    }
  }

  @Test func catalogEvidenceNamesMessages() throws {
    let catalog = try KernelMessageCatalog.bundled()
    let kick = try #require(catalog.message(id: "imx_rproc_kick_failed"))
    let etime = try #require(kick.errnoVariants.first { $0.errno == "ETIME" })
    let clock = try #require(etime.causes.first { $0.rules.contains("hmp_clock_gated") })
    #expect(clock.provenance.status == .inference)
    #expect(clock.evidence.contains("kernel_command_line") && clock.evidence.contains("nxp_m4_started"))
    for id in ["kernel_command_line", "clk_disabling_unused", "clk_not_disabling_unused", "nxp_m4_started"] {
      #expect(catalog.message(id: id)?.severity == .info, "\(id) is context, not a problem")
    }
    #expect(catalog.match("[    0.000000] Kernel command line: a=1 b")?.values["cmdline"] == "a=1 b")
    #expect(catalog.match("[    2.7] clk: Not disabling unused clocks")?.message.id == "clk_not_disabling_unused")
    #expect(catalog.match("[    2.7] clk: Disabling unused clocks")?.message.id == "clk_disabling_unused")

    let text = KnowledgeBundle.text(KernelMessageCatalog.bundledPath)!
      .replacingOccurrences(
        of: "evidence: [kernel_command_line, clk_disabling_unused",
        with: "evidence: [no_such_message, clk_disabling_unused")
    do {
      _ = try KernelMessageCatalog.parse(try #require(try YAMLReader.compose(text, path: "c.yaml")), path: "c.yaml")
      Issue.record("evidence naming no message was accepted")
    } catch let e as InputError {
      #expect(e.message.contains("no_such_message"))
    }
  }
}
