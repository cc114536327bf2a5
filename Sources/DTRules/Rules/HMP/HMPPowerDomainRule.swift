import DTCore
import DTHMP

/// A peripheral the M7 owns that sits in a power domain Linux may switch off.
struct HMPPowerDomainRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_power_domain", family: .power, name: "HMP Power Domain", severity: .warning,
    summary: "A peripheral the M7 firmware owns should not sit in a power domain Linux may switch off",
    rationale: """
      Linux's generic power domains (genpd) switch a domain off when none of the Linux devices attached to it is \
      in use: at late boot for every domain no device uses (`genpd_power_off_unused`, skipped with \
      `pd_ignore_unused` on the command line, which prints "genpd: Not disabling unused power domains"), and at \
      run time whenever the last of its Linux devices suspends — genpd counts only Linux's devices (verified in \
      `drivers/pmdomain/core.c`, HMPFacts §13.7). It does not know the M7 uses a peripheral of the domain. On the \
      i.MX 8M Plus the audio peripherals SAI1/2/3/5/6/7, MICFIL, EASRC and SDMA2/3 sit on a bus in `pgc_audio`, \
      MU2 takes its clock from `audio_blk_ctrl` in the same domain, and NXP's downstream trees attach the audio \
      nodes to their own `audiomix_pd` (HMPFacts §13.7). That the M7's peripheral then loses power is inferred, so \
      the rule is a warning.

      A domain is found through the peripheral's own `power-domains`, a parent's (a bus), or the `power-domains` of \
      the provider of its clocks. The message lists the domain's Linux devices (nodes with their own \
      `power-domains`, enabled, not the M7's) and gives what is known to help: `pd_ignore_unused` stops only the \
      late-boot power-off; keeping the domain on at run time needs one of its Linux devices kept active, which no \
      device-tree setting dtlint knows does (NXP's rpmsg trees use `audiomix_pd` and `fsl,enable-lpa`; their \
      effect is not verified). The command line comes from the same places as for `hmp_clock_gated`. Needs an \
      M7 manifest and an enabled remoteproc node.
      """,
    needs: [.manifest, .bootargs],
    triggering: [
      RuleExample(ClockExamples.audioTree(), options: ["m7": ClockExamples.manifest(peripherals: "[sai3]")]),
      // pd_ignore_unused does not stop a Linux device of the domain from powering it down at run time.
      RuleExample(
        ClockExamples.audioTree(linuxUser: true),
        options: ["m7": ClockExamples.manifest(peripherals: "[sai3]", bootargs: "pd_ignore_unused")]),
      // i.MX 8M Mini: the M4's USB controller in the GPC's HSIO mix domain, which Linux's usbotg2 also uses.
      RuleExample(
        ClockExamples.hsioTree(linuxUser: true),
        options: ["m7": ClockExamples.manifest(peripherals: "[usbotg1]", soc: .imx8mm)]),
    ],
    nonTriggering: [
      // NXP's layout: the domain on the audio node itself; no Linux device attached, and the late-boot power-off off.
      RuleExample(
        ClockExamples.audioTree(marker: false, onNode: true),
        options: ["m7": ClockExamples.manifest(peripherals: "[sai3]", bootargs: "pd_ignore_unused")]),
      // i2c4 is in no power domain.
      RuleExample(ClockExamples.tree(i2c4Status: "disabled", marker: false), options: ["m7": ClockExamples.manifest()]),
      // i.MX 8M Mini: no Linux device in the HSIO mix domain and pd_ignore_unused given.
      RuleExample(
        ClockExamples.hsioTree(marker: false),
        options: ["m7": ClockExamples.manifest(peripherals: "[usbotg1]", bootargs: "pd_ignore_unused", soc: .imx8mm)]),
      // i.MX 8M Mini: I2C4 is in none of the GPC's domains (HMPFacts §18.9).
      RuleExample(
        ClockExamples.tree(i2c4Status: "disabled", marker: false, soc: .imx8mm),
        options: ["m7": ClockExamples.manifest(soc: .imx8mm)]),
      RuleExample(
        ClockExamples.audioTree(marker: false, domainEnabled: false),
        options: ["m7": ClockExamples.manifest(peripherals: "[sai3]")]),
    ])

  func check(_ context: inout RuleContext) {
    guard let power = context.info.m7Power else { return }
    let info = context.info
    for (entry, node) in power.claims.peripherals {
      for (domain, via) in info.powerDomains(of: node) where domain.isLive {
        let users = info.allNodes.filter { n in
          n.isLive && !power.claims.owns(n) && n !== node
            && info.directPowerDomains(of: n).contains { $0 === domain }
        }
        let pdIgnore = power.commandLine?.has("pd_ignore_unused") ?? false
        if pdIgnore && users.isEmpty { continue }
        let known = power.clocks.powerDomains.first { $0.path == domain.path || domain.labels.contains($0.label) }
        let name = known.map { "\(domain.displayName) (\(domain.name), \($0.title))" } ?? domain.labelledName
        var text =
          "\(node.labelledName) belongs to the \(power.claims.soc.coreName) (\(power.claims.location(of: entry))) and needs power "
          + "domain \(name) (\(via)): Linux's genpd switches a domain off when none of its Linux devices is in use"
        let source = power.commandLine.map { "from \($0.source.phrase)" } ?? "no kernel command line was given"
        if pdIgnore {
          text += " — the command line's pd_ignore_unused (\(source)) stops only the late-boot power-off, not the"
        } else {
          text += " — at late boot unless the command line has pd_ignore_unused (\(source)), and"
        }
        text +=
          " whenever its last Linux device suspends \(factTag(.verified, "drivers/pmdomain/core.c, HMPFacts §13.7"))"
        text +=
          users.isEmpty
          ? "; no Linux device is attached to it here"
          : "; its Linux devices here: \(users.prefix(6).map(\.labelledName).joined(separator: ", "))"
            + (users.count > 6 ? " and \(users.count - 6) more" : "")
        text +=
          "; genpd does not know the \(power.claims.soc.coreName) uses the domain, so the \(power.claims.soc.coreName)'s \(node.displayName) can lose power "
          + factTag(.inference, "HMPFacts §13.7") + ". Fix for \(info.hmp.kernelPhrase): "
        if !pdIgnore {
          text +=
            "add pd_ignore_unused to the kernel command line (in U-Boot: setenv bootargs \"${bootargs} pd_ignore_unused\"); "
        }
        text +=
          "to keep the domain on at run time, keep one of its Linux devices from suspending — no device-tree setting "
          + "for that is known (NXP's rpmsg trees attach the audio nodes to audiomix_pd and mark them fsl,enable-lpa "
          + "instead; effect not verified, HMPFacts §13.7)"
        context.reportOwned(
          text, node: node, power: power, fixes: [], cap: nil, commandLine: .add(pdIgnore ? [] : ["pd_ignore_unused"]))
      }
    }
  }
}

extension TreeInfo {
  /// The domains a device's own `power-domains` names (what Linux attaches it to).
  func directPowerDomains(of node: Node) -> [Node] {
    guard let p = node.property("power-domains") else { return [] }
    return phandleArgsList(p, cellsName: "#power-domain-cells").entries.compactMap(\.target)
  }

  /// The domains that power a node: its own or its nearest ancestor's `power-domains` (a bus), and those of the
  /// providers of its clocks; each with how it was found.
  func powerDomains(of node: Node) -> [(domain: Node, via: String)] {
    var out: [(Node, String)] = []
    func add(_ d: Node, _ via: String) { if !out.contains(where: { $0.0 === d }) { out.append((d, via)) } }
    var n: Node? = node
    while let cur = n {
      let ds = directPowerDomains(of: cur)
      if !ds.isEmpty {
        let via = cur === node ? "its power-domains" : "through the power-domains of \(cur.labelledName)"
        for d in ds { add(d, via) }
        break
      }
      n = cur.parent
    }
    if let clocks = node.property("clocks") {
      for e in phandleArgsList(clocks, cellsName: "#clock-cells").entries {
        guard let provider = e.target, provider !== node else { continue }
        for d in directPowerDomains(of: provider) {
          add(d, "through its clock provider \(provider.labelledName)")
        }
      }
    }
    return out
  }
}
