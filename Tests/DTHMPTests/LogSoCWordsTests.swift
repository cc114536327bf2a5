import Testing

@testable import DTHMP

/// Issue 18: the kernel-message catalog's SoC facts come from the SoC profile (`{mu}`, `{mu.side}`,
/// `{rproc.clock-need}`, `{clk.mcore-booted}`, …): the i.MX 8M Plus's texts as they were, the i.MX 93's, 8ULP's,
/// 8M Mini's and 95's their own.
@Suite struct LogSoCWordsTests {
  static let catalog = LogCoreNameTests.catalog

  /// Every text of the catalog as written: summaries, meanings, causes, exclusions, errno variants.
  static func rawTexts() -> [String] {
    var texts: [String] = []
    for m in catalog.messages {
      texts += [m.summary, m.meaning] + m.causes.map(\.text) + m.exclusions.map(\.text)
      for v in m.errnoVariants { texts += [v.meaning] + v.causes.map(\.text) }
    }
    return texts
  }

  /// The texts one message's samples get on `soc` (nil: the reference), joined.
  static func explained(_ id: String, on soc: String?, kernel: String = "mainline") throws -> String {
    let m = try #require(catalog.message(id: id))
    let words = try soc.map { LogSoCWords(profile: try SoCProfile.load(name: $0)) } ?? .reference
    let e = LogExplainer(catalog: catalog, flavor: try KernelFlavor.load(name: kernel), soc: words)
      .explain(m.samples.joined(separator: "\n") + "\n")
    return LogCoreNameTests.texts(e)
  }

  /// What each profile gives, by placeholder.
  @Test func wordsOfEachProfile() throws {
    let p = try LogSoCWords(profile: SoCProfile.load(name: "imx8mp")).values
    #expect(p["mu"] == "MU1, mailbox@30aa0000" && p["mu.side"] == "B" && p["mu.label"] == "mu")
    #expect(p["rproc.clock-need"] == "i.MX8MN/8MP configurations need" && p["rpmsg-lite.port"] == "i.MX8MP")
    #expect(p["clk.mcore-booted"] == "clk-imx8mp.mcore_booted" && p["imx8mp"] != nil && p["imx8m"] != nil)
    #expect(p["rproc.mmio"] == "fsl,imx8mp-cm7-mmio" && p["rproc.src"] == "src")
    let n93 = try LogSoCWords(profile: SoCProfile.load(name: "imx93")).values
    #expect(n93["core"] == "M33" && n93["mu"] == "MU1, mailbox@44230000" && n93["mu.side"] == "A")
    #expect(
      n93["rproc.clock-need"] == "i.MX93 configuration needs" && n93["clk.mcore-booted"] == "clk-imx93.mcore_booted")
    #expect(n93["rproc.mmio"] == nil && n93["imx8mp"] == nil && n93["imx8m"] == nil && n93["mu.label"] == "mu1")
    let ulp = try LogSoCWords(profile: SoCProfile.load(name: "imx8ulp")).values
    #expect(ulp["mu"] == "mailbox@29220000" && ulp["mu.side"] == "other" && ulp["rproc.clock-need"] == nil)
    #expect(ulp["clk.mcore-booted"] == nil && ulp["clk.no-mcore-booted"] != nil && ulp["clk.system-manager"] == nil)
    let mm = try LogSoCWords(profile: SoCProfile.load(name: "imx8mm")).values
    #expect(mm["core"] == "M4" && mm["mu"] == "MU, mailbox@30aa0000" && mm["mu.side"] == "other")
    #expect(mm["clk.mcore-booted"] == "clk-imx8mm.mcore_booted" && mm["rproc.mmio"] == "fsl,imx8mm-cm4")
    let n95 = try LogSoCWords(profile: SoCProfile.load(name: "imx95")).values
    #expect(n95["mu"] == "MU7, mailbox@42430000" && n95["mu.side"] == "B" && n95["clk.system-manager"] != nil)
    #expect(n95["clk.mcore-booted"] == nil && n95["clk.no-mcore-booted"] == nil && n95["rproc.clock-need"] == nil)
  }

  /// One placeholder's text for one SoC (nil: the reference, whose text must be what it always was).
  struct Says: Sendable, CustomTestStringConvertible {
    var id: String
    var soc: String?
    var text: String
    var testDescription: String { "\(id) on \(soc ?? "the reference")" }
  }

  /// For each placeholder: the i.MX 8M Plus's text unchanged, the i.MX 93's, and the 8ULP's, 8M Mini's or 95's.
  static let says: [Says] = [
    // {mu}, {mu.side}
    Says(id: kick, soc: nil, text: mu + "B side the M7 uses (the M7 uses MU1, mailbox@30aa0000)."),
    Says(id: kick, soc: "imx93", text: mu + "A side the M33 uses (the M33 uses MU1, mailbox@44230000)."),
    Says(id: kick, soc: "imx8ulp", text: mu + "other side the M33 uses (the M33 uses mailbox@29220000)."),
    // {rpmsg-lite.port}, {mu.label}, {mu.channel}
    Says(
      id: kick, soc: nil, text: "rpmsg-lite's i.MX8MP port uses channel 1: mboxes <&mu 0 1>, <&mu 1 1>, <&mu 3 1>)."),
    Says(
      id: kick, soc: "imx93",
      text: "rpmsg-lite's i.MX93 port uses channel 1: mboxes <&mu1 0 1>, <&mu1 1 1>, <&mu1 3 1>)."),
    Says(id: kick, soc: "imx8mm", text: "rpmsg-lite's i.MX8MM port uses channel 1: mboxes <&mu 0 1>"),
    // {?imx8mp:…}: read in the 8M Plus's SDK port only
    Says(id: kick, soc: nil, text: "itself (MU1_M7_IRQHandler calls MU_ReceiveMsgNonBlocking), whatever"),
    Says(id: kick, soc: nil, text: "(the MU's is 3) that runs that long"),
    Says(
      id: kick, soc: "imx93",
      text: "itself (read in its i.MX 8M Plus port, where MU1_M7_IRQHandler calls MU_ReceiveMsgNonBlocking), whatever"),
    Says(id: kick, soc: "imx8ulp", text: "(the MU's is 3 in the i.MX 8M Plus port) that runs"),
    // {rproc.clock-need}
    Says(
      id: "imx_rproc_clock", soc: nil, text: ": the i.MX8MN/8MP configurations need the M7 clock, so the probe fails."),
    Says(
      id: "imx_rproc_clock", soc: "imx93", text: ": the i.MX93 configuration needs the M33 clock, so the probe fails."),
    Says(
      id: "imx_rproc_clock", soc: "imx8ulp",
      text:
        ": a driver configuration asked for the M33 clock, although dtlint's i.MX 8ULP profile names none for its node (HMPFacts §18.1), so the probe fails."
    ),
    // {rproc.mmio}, {rproc.src}
    Says(id: "imx_rproc_syscon", soc: nil, text: "An fsl,imx8mp-cm7-mmio node without syscon = <&src>."),
    Says(id: "imx_rproc_syscon", soc: "imx8mm", text: "An fsl,imx8mm-cm4 node without syscon = <&src>."),
    Says(
      id: "imx_rproc_syscon", soc: "imx93",
      text: "An -mmio node without syscon (no i.MX 93 compatible uses the MMIO method, HMPFacts §18.1)."),
    // {clk.mcore-booted}, {clk.no-mcore-booted}, {clk.system-manager}
    Says(
      id: "kernel_command_line", soc: nil,
      text: cmd
        + "clk-imx8mp.mcore_booted=1, clk_ignore_unused and pd_ignore_unused decide whether Linux may switch off the clocks and power of what the M7 owns (hmp_clock_gated, hmp_power_domain)."
    ),
    Says(id: "kernel_command_line", soc: "imx93", text: cmd + "clk-imx93.mcore_booted=1, clk_ignore_unused"),
    Says(id: "kernel_command_line", soc: "imx8ulp", text: cmd + "clk_ignore_unused and pd_ignore_unused decide"),
    Says(
      id: "kernel_command_line", soc: "imx8ulp",
      text: "hmp_power_domain). The i.MX 8ULP's clock driver has no mcore_booted parameter (HMPFacts §18.11)."),
    Says(
      id: "kernel_command_line", soc: "imx95",
      text: "On the i.MX 95 Linux has no CCM to gate: its clocks go through the System Manager (HMPFacts §18.7)."),
    // {?imx8m:…} and {clk.mcore-booted}
    Says(
      id: "clk_disabling_unused", soc: nil,
      text: sweep
        + "clk-imx8mp.mcore_booted=1; NXP kernels: init-on-array, or NXP 5.15 when TF-A reports the M core started). The line"
    ),
    Says(id: "clk_disabling_unused", soc: "imx8mm", text: sweep + "clk-imx8mm.mcore_booted=1; NXP kernels:"),
    Says(
      id: "clk_disabling_unused", soc: "imx93",
      text: sweep + "hmp_clock_gated says per kernel what the i.MX 93's clock driver does, HMPFacts §18). The line"),
    Says(
      id: "nxp_m4_started", soc: nil,
      text: "print the line too, but their clock driver acts on clk-imx8mp.mcore_booted only (HMPFacts §13.5)."),
    Says(
      id: "nxp_m4_started", soc: "imx93",
      text: "print the line too, but their clock driver acts on clk-imx93.mcore_booted only"),
    Says(id: "nxp_m4_started", soc: "imx8ulp", text: "print the line too (HMPFacts §13.5)."),
  ]
  static let kick = "imx_rproc_kick_failed"
  static let mu = "Linux uses another MU instance than the one whose "
  static let cmd = "(unless --bootargs says otherwise): "
  static let sweep = "unless the clock driver protects it ("

  @Test(arguments: says) func placeholderText(_ c: Says) throws {
    let text = try Self.explained(c.id, on: c.soc)
    #expect(text.contains(c.text), "\(text)")
  }

  /// Where a SoC lacks the fact, the text leaves it out: no mcore_booted on the i.MX 95.
  @Test func factsLeftOut() throws {
    for id in ["kernel_command_line", "nxp_m4_started"] {
      #expect(try !Self.explained(id, on: "imx95").contains("mcore_booted"))
    }
  }

  /// The rule the catalog keeps: on every other profiled SoC, no sentence states a fact of the i.MX 8M Plus's
  /// (its clock parameter, its MU's address, its SDK's handler, its compatibles) that the SoC's own words do not
  /// give, unless the sentence says "i.MX 8M Plus".
  @Test(arguments: SoCProfile.knownNames.filter { $0 != "imx8mp" }) func noEightMPlusFactUnmarked(_ soc: String) throws
  {
    let words = LogSoCWords(profile: try SoCProfile.load(name: soc))
    let own = words.values.values.joined(separator: "\n")
    let tokens = ["clk-imx8mp", "imx8mp", "i.MX8MP", "8MN/8MP", "30aa0000", "MU1_M7", "MU1,"]
      .filter { !own.contains($0) }
    #expect(tokens.count >= 5)
    var sentences = 0
    for t in Self.rawTexts() {
      let filled = words.fill(t)
      // The SoC's placeholders and conditions are all resolved; the line's values ({errno}, {vring}) come later.
      #expect(filled.firstMatch(of: /\{(\?|core|chip|mu|rproc|clk|rpmsg-lite|imx8m)/) == nil, "\(filled)")
      for s in filled.split(separator: ". ") {
        sentences += 1
        for k in tokens where s.contains(k) {
          #expect(s.contains("i.MX 8M Plus"), "\(soc): '\(k)' in: \(s)")
        }
      }
    }
    #expect(sentences > 100)
  }

  /// The filling itself: conditions, nesting, defaults, unknown names and unclosed braces.
  @Test func fillResolvesConditions() {
    var w = LogSoCWords.reference
    w.values = ["a": "1", "b": "2"]
    #expect(w.fill("x {?a:A={a}|none} y") == "x A=1 y")
    #expect(w.fill("x {?c:C={c}|none} y") == "x none y")
    #expect(w.fill("x {?c:C} y") == "x  y")
    #expect(w.fill("{?a:{?b:ab {b}|a}|-}") == "ab 2")
    #expect(w.fill("{?a:{?c:ac|a {a}}|-}") == "a 1")
    #expect(w.fill("{a} {zz} {?a:p|q") == "1 {zz} {?a:p|q")
    #expect(w.fill("{n}", ["n": "7"]) == "7")
  }
}
