import DTCore
import DTHMP

/// A peripheral the M7 owns whose clock root slice (or, on the i.MX 93, its LPCG; on the i.MX 8ULP, its PCC clock)
/// Linux will switch off under this kernel flavor and command line.
struct HMPClockGatedRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_clock_gated", family: .power, name: "HMP Clock Gated",
    severity: .error,
    summary: "Linux must not switch off the clock root slice of a peripheral the M7 firmware owns",
    rationale: """
      On the i.MX 8M Plus every peripheral clock passes a root slice in the CCM (mux, dividers and one enable \
      bit, bit 28 of its target register) and a CCGR gate. Linux's CCGR code changes only its own domain's field, \
      and the M7 SDK sets all four (HMPFacts §13.1, §13.3), but the root slice has one enable bit for every core \
      (NXP's own words in the patch that added `mcore_booted`, HMPFacts §13.3). Linux switches a slice off in two \
      ways: at late boot `clk_disable_unused` disables every clock that is on with no Linux user — which is the \
      case for every peripheral disabled for Linux because the M7 owns it — unless `clk_ignore_unused` is on the \
      command line (HMPFacts §13.2); and a Linux driver switches its clock off when idle (runtime PM), which \
      `clk_ignore_unused` does not stop. The M7's I2C or UART then stops mid-transfer, the firmware stalls, the \
      MU is no longer served, and Linux's kicks time out (`imx_rproc_kick: failed (…, err:-62)`): that last link \
      is inferred, no report confirms it (HMPFacts §13.9).

      What protects a slice depends on the kernel (`--kernel`, HMPFacts §13.4–13.6), and the rule reads the \
      flavor's `clock-protection` facts: `clk-imx8mp.mcore_booted=1` keeps mainline (≥ 5.19) and NXP kernels from \
      gating root slices; NXP 5.15 also protects them by itself when TF-A reports the M core started (so the \
      kernel side is verified, that your TF-A answers is not); NXP kernels enable for good the clocks listed in \
      `init-on-array` of the clock controller node, which mainline does not read; one NXP clock-driver variant \
      clears every slice while registering it unless `mcore_booted` is set, sparing with \
      `CONFIG_CLK_POWER_SAVE` only NXP's own list (HMPFacts §13.5).

      The command line is taken from `--bootargs`, else `bootargs:` in `.dtlint.yaml`, else the M7 manifest's \
      `linux.bootargs`, else the tree's `/chosen/bootargs` (which U-Boot usually replaces with its own); \
      `dtlint hmp explain-log` uses the log's "Kernel command line:". Messages say which was used.

      Severity follows certainty: an error where the flavor's clock code was read and the tree shows no Linux user \
      of the slice (mainline, NXP 6.x); a warning where protection or gating rests on an inference (NXP 5.15's TF-A \
      check, a Linux driver's runtime PM, the variant whose branches are not known) or on code not read (NXP 5.4). \
      Every message says which parts are verified and which inferred, and gives the fix for the flavor: the exact \
      command-line addition, and where the flavor reads it, an `init-on-array` fragment (the fix-it writes it). \
      On the i.MX 93 the root has an OFF bit (bit 24) instead, and both mainline and NXP register a root \
      read-only, with no gate, when its access-control register does not give Linux's domain access, which \
      firmware sets at run time: its findings are warnings; NXP 6.x's root skips its disable with \
      `clk-imx93.mcore_booted=1` and reads `init-on-array`, mainline's was not read for `mcore_booted` \
      (HMPFacts §18.10). The 93's LPCG (each peripheral's own gate) is judged too: `clk_disable_unused` closes \
      an LPCG no Linux device takes, and `mcore_booted` does not spare it (mainline's LPCG code read; NXP's \
      registration read, its LPCG code not), so with the root spared the LPCG alone is a warning; what keeps it \
      open is a Linux consumer, `clk_ignore_unused`, or, under NXP kernels, `init-on-array` listing the LPCG \
      (whose enable also holds the root). Whether the LPCG's one ON bit stops the M33's clock, or its CPULPM \
      mode leaves the M33's vote alone, is inferred: LPCG findings are warnings. \
      On the i.MX 8ULP Linux's clock tree is the application domain's PCC3/PCC4/PCC5: the clock driver (mainline \
      and NXP's, every copy read) clears the clock-gate bit (30) of every peripheral PCC clock while registering \
      it, with no `mcore_booted` or `init-on-array`, and NXP's skips only a clock whose PCC register reads PR = \
      0; so an M33 that takes LPI2C4, LPUART5 or another application-domain peripheral loses its clock when \
      Linux's clock driver probes, whatever `clk_ignore_unused` says. These are warnings, because whether the \
      PCC ignores that write while the M33 has the clock in use (its INUSE bit) was not verified; the fix is an \
      instance of the M33's own real-time domain. Those (PCC0–PCC2: the M33's LPUART, LPI2C, LPSPI, TPM and \
      the like) are not in Linux's clock tree and not in its device tree, so Linux cannot gate them and the rule \
      is silent for them by design (HMPFacts §18.11). The i.MX 95's clocks belong to the System Manager and \
      have no table (HMPFacts §18.7). \
      Peripherals on `ipg_root` (GPIO, MU, SDMA1) have no slice of their own: their CCGR gate alone is not \
      reported, because whether the CCGR's domain fields combine in hardware was not verified (HMPFacts §13.3). \
      When Linux starts the M7 itself (`firmware.started-by: linux`), the boot-time sweep is over before the \
      firmware runs and enables its clocks, so a peripheral disabled for Linux is not reported. A slice that \
      another Linux device takes (the watchdogs share one) is not reported either. The SAI and PDM slices are \
      reached by Linux's drivers through the audio block controller's clocks, a path dtlint does not model: \
      they are not judged when a Linux device takes that controller's clocks, and are at most a warning \
      otherwise (their power domain is `hmp_power_domain`'s). Needs an M7 manifest and an enabled remoteproc \
      node.
      """,
    needs: [.manifest, .bootargs],
    triggering: [
      RuleExample(ClockExamples.tree(i2c4Status: "disabled"), options: ["m7": ClockExamples.manifest()]),
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled"),
        options: ["kernel": "nxp-6", "m7": ClockExamples.manifest(bootargs: "console=ttymxc1,115200")]),
      // NXP 5.15 protects the slice itself only when TF-A answers: a warning.
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled"), options: ["kernel": "nxp-5.15", "m7": ClockExamples.manifest()]),
      // clk_ignore_unused stops only the boot-time sweep; the NXP 6.x variant clears slices while registering them.
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", bootargs: "clk_ignore_unused"),
        options: ["kernel": "nxp-6", "m7": ClockExamples.manifest()]),
      // i.MX 93: the root's OFF bit; a warning, because the root's access control decides at run time whether
      // Linux holds a gate on it at all (HMPFacts §18.10).
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", soc: .imx93),
        options: ["kernel": "nxp-6", "m7": ClockExamples.manifest(soc: .imx93)]),
      // i.MX 93: mcore_booted spares the root under NXP 6.x, not the LPCG, which clk_disable_unused closes.
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", soc: .imx93),
        options: ["kernel": "nxp-6", "m7": ClockExamples.manifest(bootargs: "clk-imx93.mcore_booted=1", soc: .imx93)]),
      // i.MX 8ULP: the clock driver gates an application-domain PCC clock while registering it (HMPFacts §18.11).
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", soc: .imx8ulp),
        options: ["m7": ClockExamples.manifest(soc: .imx8ulp)]),
    ],
    nonTriggering: [
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled"),
        options: ["m7": ClockExamples.manifest(bootargs: "root=/dev/mmcblk2p2 clk-imx8mp.mcore_booted=1")]),
      // The tree's own /chosen/bootargs, when nothing else gives a command line.
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", bootargs: "clk-imx8mp.mcore_booted"),
        options: ["m7": ClockExamples.manifest()]),
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", initOnArray: "208"),
        options: ["kernel": "toradex-bsp6", "m7": ClockExamples.manifest()]),
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", bootargs: "clk_ignore_unused"),
        options: ["m7": ClockExamples.manifest()]),
      // i.MX 93 under NXP 6.x: the root composite's disable returns when mcore_booted is set, and init-on-array
      // holds the LPCG, which mcore_booted does not spare (HMPFacts §18.10).
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", initOnArray: "142", soc: .imx93),
        options: ["kernel": "nxp-6", "m7": ClockExamples.manifest(bootargs: "clk-imx93.mcore_booted=1", soc: .imx93)]),
      // i.MX 93: clk_ignore_unused keeps both the root and the LPCG from the boot-time sweep.
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", soc: .imx93),
        options: ["m7": ClockExamples.manifest(bootargs: "clk_ignore_unused", soc: .imx93)]),
      // i.MX 8ULP: the M33's own LPUART1 is in its real-time domain (PCC1), outside Linux's clock and device trees:
      // Linux cannot gate it (HMPFacts §18.11).
      RuleExample(
        ClockExamples.tree(i2c4Status: "okay", marker: false, soc: .imx8ulp),
        options: ["m7": ClockExamples.manifest(peripherals: "[lpuart1]", soc: .imx8ulp)]),
      // Linux starts the M7 after the boot-time sweep; the firmware enables its clocks itself.
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled"), options: ["m7": ClockExamples.manifest(startedBy: "linux")]),
      // No remoteproc node: nothing HMP to judge.
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", rproc: false), options: ["m7": ClockExamples.manifest()]),
    ])

  func check(_ context: inout RuleContext) {
    guard let power = context.info.m7Power else { return }
    var pending: [(Node, PeripheralClocks, ClockOutcome)] = []
    for (entry, node) in power.claims.peripherals {
      guard let clocks = context.info.clockEntry(of: node, in: power.clocks, soc: power.claims.soc) else { continue }
      let outcome = ClockJudge(power: power, hmp: context.info.hmp).judge(node: node, entry: entry, clocks: clocks)
      if case .report = outcome { pending.append((node, clocks, outcome)) }
    }
    // One init-on-array fix for every slice reported, so the first one applied settles them all.
    let gates = pending.compactMap { p -> ClockRef? in
      guard case .report(_, _, let offer) = p.2, offer else { return nil }
      return p.1.gate
    }
    let fix = ClockFix.initOnArray(gates, power: power, tree: context.tree)
    for (node, _, outcome) in pending {
      guard case .report(let message, let certain, let offer) = outcome else { continue }
      context.reportOwned(
        message.text, node: node, power: power, fixes: offer ? fix.map { [$0] } ?? [] : [],
        cap: certain ? nil : .warning, commandLine: message.commandLine)
    }
  }
}

enum ClockOutcome {
  case safe
  /// The message, whether the evidence is verified (error) or not (warning), and whether an init-on-array fix
  /// applies.
  case report(ClockMessage, certain: Bool, initOnArray: Bool)
}

/// A finding's text and what its fix asks of the kernel command line (for `hmp fix`).
struct ClockMessage {
  var text: String
  var commandLine: CommandLineAdvice
}

/// The verdict for one peripheral: its root slice (HMPFacts §13.2–13.6, §18.10, §18.11) and, where the SoC's
/// gates are judged alone (the i.MX 93's LPCGs, HMPFacts §18.10), its gate.
struct ClockJudge {
  let power: M7PowerContext
  let hmp: HMPContext

  /// The slice's verdict, which names the gate too when both close; else the gate's alone.
  func judge(node: Node, entry: M7Manifest.PeripheralEntry, clocks: PeripheralClocks) -> ClockOutcome {
    let gate = gateVerdict(node: node, clocks: clocks)
    if let slice = clocks.slice {
      let root = judgeSlice(node: node, entry: entry, clocks: clocks, slice: slice, gate: gate)
      if case .report = root { return root }
    }
    guard let gate else { return .safe }
    return gateOnly(node: node, entry: entry, clocks: clocks, verdict: gate)
  }

  /// The root slice's verdict; `gate`, when it closes too, joins the message.
  func judgeSlice(
    node: Node, entry: M7Manifest.PeripheralEntry, clocks: PeripheralClocks, slice: ClockRef, gate: GateVerdict?
  ) -> ClockOutcome {
    let live = node.isLive
    if !power.startedBeforeLinux && !live { return .safe }
    // A Linux user of the same slice (a shared slice such as the watchdogs') keeps it on while its driver runs.
    // For a slice Linux reaches through another clock controller (the SAIs through audio_blk_ctrl), a Linux
    // device that takes that controller's clocks may hold it: that path is not modeled, so dtlint stays silent
    // then, and says at most a warning otherwise.
    let viaNode = clocks.via.flatMap { power.tree.node(withLabel: $0) }
    let provider = power.clocks.provider(of: clocks)
    let sharers = power.clocks.sharing(slice: slice, provider: provider).compactMap(\.gate?.id) + [slice.id]
    if !live,
      sharers.contains(where: { id in power.taker(provider: provider, id: id).map { $0 !== viaNode } ?? false })
    {
      return .safe
    }
    if let viaNode, power.viaUsers(of: viaNode, excluding: node) { return .safe }

    let p = power.clocks.protection(under: power.flavor)
    let param = power.clocks.mcoreBootedParameter ?? "mcore_booted"
    let line = power.commandLine
    let mcore = power.clocks.mcoreBootedParameter.map { line?.isTrue($0) ?? false } ?? false
    let ignoreUnused = line?.has("clk_ignore_unused") ?? false
    let listed = power.initOnArray.contains(slice.id) || clocks.gate.map { power.initOnArray.contains($0.id) } ?? false
    let readsInitOn = p?.initOnArray.read ?? false
    let driverName = slice.driverName ?? ""
    let cleared = p?.clearedAtRegistration
    let mcoreEffect = p?.mcoreBooted.effect ?? .unknown

    var heads: [String] = []
    var certain = false
    let owner =
      "\(node.labelledName) belongs to the \(power.claims.soc.coreName) (\(power.claims.location(of: entry)))"
    let what =
      "its \(power.clocks.sliceNoun) \(slice.name) (\(provider) + \(hexAddress(slice.offset)), \(power.clocks.rootBitPhrase))"
    let kernel = hmp.kernelPhrase

    if mcore && mcoreEffect.protects {
      guard let cleared, !cleared.spares(driverName), !(listed && readsInitOn) else { return .safe }
      heads.append(
        "\(owner); \(power.commandLinePhrase) sets \(param)=1, which \(kernel) honours, but one NXP clock-driver variant "
          + "spares with CONFIG_CLK_POWER_SAVE only NXP's own list of slices and clears \(what) while registering it "
          + "\(factTag(cleared.provenance.status, "which branches carry it and whether your kernel sets CONFIG_CLK_POWER_SAVE, HMPFacts §13.5"))"
      )
      return .report(
        finish(heads, slice: slice, clocks: clocks, node: node, live: live, gate: gate), certain: false,
        initOnArray: readsInitOn)
    }
    if listed && readsInitOn {
      guard let cleared, !mcore else { return .safe }
      heads.append(
        "\(owner) and is listed in init-on-array, which \(kernel) enables at probe, but the NXP clock-driver variant "
          + "that clears every slice while registering it stops \(what) until then: the \(power.claims.soc.coreName)'s \(clocks.label.uppercased()) "
          + "pauses while Linux boots \(factTag(cleared.provenance.status, "HMPFacts §13.5"))")
      return .report(
        finish(heads, slice: slice, clocks: clocks, node: node, live: live, gate: gate), certain: false,
        initOnArray: false)
    }
    var notes: [String] = []
    if mcore && mcoreEffect == .unknown {
      notes.append("whether \(kernel) honours \(param)=1 was not read")
    }
    if listed && !readsInitOn {
      notes.append(
        "init-on-array on &\(power.clocks.provider) is not read by \(kernel) \(factTag(p?.initOnArray.provenance.status ?? .notVerified, "HMPFacts §13.6"))"
      )
    }
    if power.startedBeforeLinux, let detection = p?.mCoreDetection, detection.effect.protects {
      heads.append(
        "\(owner); \(kernel) leaves \(what) alone by itself only when TF-A reports at clock probe that the M core "
          + "was started (FSL_SIP_SRC_M4_STARTED; the kernel then prints \"M4 is started\") "
          + "\(factTag(detection.provenance.status, "the kernel side is verified, whether your TF-A answers is not, HMPFacts §13.5, §11"))"
          + (ignoreUnused
            ? ""
            : "; if it does not, clk_disable_unused \(power.clocks.rootBitClosing) at late boot and the \(power.claims.soc.coreName)'s \(clocks.label.uppercased()) stops")
          + (power.startAssumed
            ? " (assumed: the \(power.claims.soc.coreName) runs before Linux; the manifest does not say firmware.started-by)"
            : ""))
      return .report(
        finish(heads + notes, slice: slice, clocks: clocks, node: node, live: live, gate: gate), certain: false,
        initOnArray: readsInitOn)
    }
    if ignoreUnused && !live && cleared == nil { return .safe }

    // Gated: how, and how sure.
    let read = p != nil && mcoreEffect != .unknown && p?.provenance.status == .verified
    certain = read && !live && clocks.via == nil
    if let via = clocks.via {
      notes.append(
        "no Linux device here takes clocks of \(via), through which Linux's drivers reach this slice "
          + factTag(.inference, "that path is not modeled, HMPFacts §13.7"))
    }
    let sweepTag = factTag(
      read ? .verified : .notVerified,
      read ? "HMPFacts §13.2, §13.4" : "this flavor's clock driver was not read, HMPFacts §13.5")
    // What the command line lacks: the clock driver's parameter, or, where it has none (the 8ULP's), the sweep's.
    let missing = power.clocks.mcoreBootedParameter.map { "\($0)=1" } ?? "clk_ignore_unused"
    let nothing =
      line == nil
      ? "no kernel command line was given (--bootargs, bootargs: in .dtlint.yaml, linux.bootargs in the M7 manifest) "
        + "and the tree has no /chosen/bootargs, so nothing sets \(missing)"
      : "\(power.commandLinePhrase) does not set \(missing)"
    var how: [String] = []
    if live {
      how.append(
        "the node is enabled for Linux (hmp_peripheral_conflict), so Linux's driver switches the slice off when idle "
          + "(runtime PM) \(factTag(.inference, "HMPFacts §13.2"))"
          + (ignoreUnused ? ", which clk_ignore_unused does not stop" : ""))
    }
    let nobody = live ? "once the node is disabled for Linux, no Linux device takes it" : "no Linux device takes it"
    if let cleared, cleared.always {
      // Every copy read clears it while registering it, with nothing that spares it (the i.MX 8ULP's PCC).
      var text =
        "its clock driver \(power.clocks.rootBitClosing) while registering the clock, before any driver can hold it"
        + (live ? " (Linux's own driver turns it on again only when it probes)" : "")
        + ", with no mcore_booted or init-on-array exception "
        + factTag(cleared.provenance.status, cleared.provenance.source ?? "HMPFacts §18.11")
        + (ignoreUnused ? ", whatever clk_ignore_unused says" : "")
      if let bypass = cleared.bypass {
        text += "; \(bypass.text) \(factTag(bypass.provenance.status, bypass.provenance.source ?? ""))"
      }
      how.append(text)
    } else if let cleared, !mcore {
      how.append(
        "\(nobody), and \(nothing): \(kernel)'s clock driver either \(power.clocks.rootBitClosing) while registering the slice "
          + "(NXP's variant \(factTag(cleared.provenance.status, "which lf-6.x branches carry it, HMPFacts §13.5")))"
          + (ignoreUnused
            ? ", whatever clk_ignore_unused says"
            : " or, as lf-6.1 does, registers a gate that clk_disable_unused closes at late boot \(sweepTag)"))
    } else if !ignoreUnused {
      how.append(
        "\(nobody), and \(nothing)\(power.clocks.mcoreBootedParameter == nil ? "" : " or clk_ignore_unused"): "
          + "clk_disable_unused \(power.clocks.rootBitClosing) at late boot \(sweepTag)"
      )
    }
    heads.append("\(owner), but \(kernel) switches off \(what): " + how.joined(separator: "; "))
    heads += notes
    heads.append(
      "the \(power.clocks.sliceShortNoun) has one \(power.clocks.rootBitSense == .off ? "off" : "enable") bit for every core, so the \(power.claims.soc.coreName)'s \(clocks.label.uppercased()) stops "
        + factTag(power.clocks.rootBitProvenance.status, power.clocks.rootBitProvenance.source ?? "HMPFacts §13.3"))
    if let access = power.clocks.gateAccess {
      certain = false
      heads.append(access.text + " " + factTag(access.provenance.status, access.provenance.source ?? ""))
    }
    return .report(
      finish(heads, slice: slice, clocks: clocks, node: node, live: live, gate: gate), certain: certain,
      initOnArray: readsInitOn)
  }

  /// The gate's own verdict (the i.MX 93's LPCG, HMPFacts §18.10): nil when the SoC does not judge gates alone,
  /// the node is Linux's, Linux starts the M core after the sweep, or something keeps the gate open (a Linux
  /// consumer, `clk_ignore_unused`, `init-on-array` where the flavor reads it, `mcore_booted` where it spares gates).
  func gateVerdict(node: Node, clocks: PeripheralClocks) -> GateVerdict? {
    guard let sweep = power.clocks.gateSweep, let gate = clocks.gate, !node.isLive, power.startedBeforeLinux else {
      return nil
    }
    let provider = power.clocks.provider(of: clocks)
    if power.taker(provider: provider, id: gate.id) != nil { return nil }
    let line = power.commandLine
    if line?.has("clk_ignore_unused") ?? false { return nil }
    let p = power.clocks.protection(under: power.flavor)
    let readsInitOn = p?.initOnArray.read ?? false
    if readsInitOn && power.initOnArray.contains(gate.id) { return nil }
    let param = power.clocks.mcoreBootedParameter
    let mcore = param.map { line?.isTrue($0) ?? false } ?? false
    let effect = p?.gateMcoreBooted?.effect ?? .unknown
    if mcore && effect.protects { return nil }

    let kernel = hmp.kernelPhrase
    let noun = power.clocks.gateNoun
    var keeps = ["no Linux device takes it", "no clk_ignore_unused on the kernel command line"]
    if readsInitOn { keeps.append("no init-on-array entry on &\(power.clocks.provider)") }
    var text =
      "nothing keeps its \(noun) \(gate.name) (\(provider) + \(hexAddress(gate.offset))) open (\(keeps.joined(separator: ", "))), "
      + "so clk_disable_unused closes it at late boot "
      + factTag(
        p == nil ? .notVerified : .verified,
        p == nil
          ? "this flavor's clock driver was not read for the \(power.claims.soc.name), HMPFacts §13.2"
          : "HMPFacts §13.2")
    if mcore, let param {
      let gm = p?.gateMcoreBooted
      text +=
        effect == .none
        ? "; \(param)=1 does not keep it: \(kernel) spares at most the \(power.clocks.sliceNoun) with it "
          + factTag(gm?.provenance.status ?? .notVerified, gm?.provenance.source ?? "HMPFacts §18.10")
        : "; whether \(kernel) spares the \(noun) with \(param)=1 was not read \(factTag(.notVerified, "HMPFacts §18.10"))"
    }
    text += "; \(sweep.text) \(factTag(sweep.provenance.status, sweep.provenance.source ?? ""))"
    let certain =
      sweep.provenance.status == .verified && p?.provenance.status == .verified && power.clocks.gateAccess == nil
    return GateVerdict(text: text, certain: certain, initOnArray: readsInitOn, gate: gate)
  }

  /// A finding about the gate alone: the slice is safe, or the peripheral has no slice (the i.MX 93 watchdogs and
  /// GPIOs hang off a root Linux keeps on).
  func gateOnly(node: Node, entry: M7Manifest.PeripheralEntry, clocks: PeripheralClocks, verdict: GateVerdict)
    -> ClockOutcome
  {
    let owner =
      "\(node.labelledName) belongs to the \(power.claims.soc.coreName) (\(power.claims.location(of: entry)))"
    var heads = ["\(owner), but \(verdict.text)"]
    if let slice = clocks.slice {
      heads.append(
        "Linux leaves its \(power.clocks.sliceNoun) \(slice.name) alone here, not the \(power.clocks.gateNoun)")
    }
    if let access = power.clocks.gateAccess {
      heads.append(access.text + " " + factTag(access.provenance.status, access.provenance.source ?? ""))
    }
    var text = heads.joined(separator: "; ")
    text +=
      Self.consequence
    text += ". " + Self.gateFixText(verdict: verdict, clocks: power.clocks, kernel: hmp.kernelPhrase)
    return .report(
      ClockMessage(text: text, commandLine: .add(["clk_ignore_unused"])),
      certain: verdict.certain && power.clocks.gateAccess == nil, initOnArray: verdict.initOnArray)
  }

  /// The message: the findings, the gate's when it closes too, the consequence for RPMsg (inferred) and the fix for
  /// the flavor.
  func finish(
    _ heads: [String], slice: ClockRef, clocks: PeripheralClocks, node: Node, live: Bool, gate: GateVerdict?
  ) -> ClockMessage {
    var text = heads.joined(separator: "; ")
    if let gate { text += "; and " + gate.text }
    text +=
      Self.consequence
    var fix = ClockJudge.fix(flavor: power.flavor, clocks: power.clocks, gate: clocks.gate, kernel: hmp.kernelPhrase)
    if let gate, !gate.initOnArray {
      fix.text +=
        "; and, for \(gate.gate.name), add clk_ignore_unused to the kernel command line (it stops only the boot-time sweep)"
      if case .add(let words) = fix.commandLine { fix.commandLine = .add(words + ["clk_ignore_unused"]) }
    }
    return ClockMessage(text: text + ". " + fix.text, commandLine: fix.commandLine)
  }

  /// What a stopped clock does to RPMsg (inferred).
  static let consequence =
    "; firmware waiting on it stops serving the MU and Linux's kicks time out (imx_rproc_kick -62) "
    + factTag(.inference, "HMPFacts §13.9")

  /// "Fix for kernel X: list the gate in init-on-array of &clk; or add clk_ignore_unused".
  static func gateFixText(verdict: GateVerdict, clocks: SoCClocks, kernel: String) -> String {
    var parts: [String] = []
    if verdict.initOnArray {
      parts.append(
        "list \(verdict.gate.name) (\(verdict.gate.id)) in init-on-array of &\(clocks.provider) (the fix-it writes it)")
    }
    parts.append("add clk_ignore_unused to the kernel command line (it stops only the boot-time sweep)")
    return "Fix for \(kernel): " + parts.joined(separator: "; or ")
  }

  /// "Fix for kernel X: add … to the kernel command line (in U-Boot: …); or list … in init-on-array of &clk", and
  /// the command-line words it names; where the clock driver clears the slice while registering it whatever the
  /// command line says (the i.MX 8ULP's PCC, HMPFacts §18.11), why no word settles it.
  static func fix(flavor: KernelFlavor, clocks: SoCClocks, gate: ClockRef?, kernel: String) -> ClockMessage {
    let p = clocks.protection(under: flavor)
    let effect = p?.mcoreBooted.effect ?? .unknown
    var parts: [String] = []
    var words: [String] = []
    if effect != .none, let parameter = clocks.mcoreBootedParameter {
      let param = parameter + "=1"
      words.append(param)
      var s = "add \(param) to the kernel command line"
      if let since = p?.mcoreBooted.since { s += " (\(flavor.name) ≥ \(since))" }
      if effect == .unknown { s += " (whether this kernel honours it was not read)" }
      s += "; in U-Boot: setenv bootargs \"${bootargs} \(param)\""
      parts.append(s)
    }
    if let gate, p?.initOnArray.read == true {
      var s = "list \(gate.name) (\(gate.id)) in init-on-array of &\(clocks.provider) (the fix-it writes it)"
      if p?.initOnArray.provenance.status != .verified { s += ", read by this flavor's driver: not verified" }
      parts.append(s)
    }
    guard !parts.isEmpty else {
      let text =
        "No device-tree or command-line fix is known for \(kernel)" + (clocks.fixHint.map { ": \($0)." } ?? ".")
      guard let cleared = p?.clearedAtRegistration, cleared.always else {
        return ClockMessage(text: text, commandLine: .add(words))
      }
      let why =
        "the clock driver of \(kernel) \(clocks.rootBitClosing) of the \(clocks.sliceNoun) while registering it, which no "
        + "command-line word prevents (clk_ignore_unused stops only the late-boot sweep) "
        + factTag(cleared.provenance.status, factSection(cleared.provenance.source) ?? "HMPFacts §18.11")
      return ClockMessage(text: text, commandLine: .unsettled(why))
    }
    let joiner = p?.clearedAtRegistration != nil || effect == .unknown ? "; and " : "; or "
    return ClockMessage(text: "Fix for \(kernel): " + parts.joined(separator: joiner), commandLine: .add(words))
  }
}

/// Why a peripheral's own gate closes (the clause for the message), how sure, and whether init-on-array fixes it.
struct GateVerdict {
  let text: String
  let certain: Bool
  let initOnArray: Bool
  let gate: ClockRef
}
