import DTYAML
import Yams

/// One clock of the clock controller: its ID in `dt-bindings/clock/<soc>-clock.h` and its register.
public struct ClockRef: Sendable, Hashable {
  public var id: UInt32
  /// `IMX8MP_CLK_I2C4_ROOT`.
  public var name: String
  /// Register offset from the clock controller's base (a CCGR for a gate, a target register for a slice).
  public var offset: UInt64
  /// For a root slice: the name the clock driver registers it under (`i2c4`), which NXP's lists of slices use.
  public var driverName: String?
}

/// The clocks and power domain of one peripheral (HMPFacts §13.1, §13.7, §13.8).
public struct PeripheralClocks: Sendable, Hashable {
  public var label: String
  /// The CCGR gate (`IMX8MP_CLK_I2C4_ROOT`): Linux changes only its own domain's field of it.
  public var gate: ClockRef?
  /// The root slice (`IMX8MP_CLK_I2C4`): one enable bit for every core. Nil for peripherals hanging off ipg_root.
  public var slice: ClockRef?
  /// The label of the power domain whose switch cuts the peripheral (`pgc_audio`).
  public var powerDomain: String?
  /// The label of another clock controller through whose clocks Linux's drivers reach the slice
  /// (`audio_blk_ctrl` for the SAIs): a path dtlint does not model.
  public var via: String? = nil
  /// The label of the clock controller whose IDs `gate` and `slice` are, when not the section's `provider` (the
  /// i.MX 8ULP's peripherals sit on `pcc3`, `pcc4` or `pcc5`).
  public var provider: String? = nil
}

/// A power domain of the SoC (HMPFacts §13.7).
public struct SoCPowerDomain: Sendable, Hashable {
  public var label: String
  public var path: String
  public var title: String
  public var provenance: Provenance
}

/// The `clocks` section of a SoC profile: clock controller, the M-core parameter of its clock driver, and every
/// peripheral's root slice, CCGR gate and power domain (HMPFacts §13).
public struct SoCClocks: Sendable, Hashable {
  /// Label of the clock controller node (`clk`).
  public var provider: String
  /// The header the IDs come from (`dt-bindings/clock/imx8mp-clock.h`).
  public var header: String
  /// The bit of a slice's target register that enables it.
  public var rootEnableBit: Int
  /// The clock driver's module parameter on the kernel command line (`clk-imx8mp.mcore_booted`); nil when the
  /// SoC's clock driver has none (the i.MX 8ULP's).
  public var mcoreBootedParameter: String?
  public var mcoreBootedProvenance: Provenance
  public var peripherals: [PeripheralClocks]
  public var powerDomains: [SoCPowerDomain]
  public var provenance: Provenance
  /// What the slice's bit does when set: the i.MX 8M's enables the slice, the i.MX 93's (`OFF`, bit 24) stops it.
  public var rootBitSense: RootBitSense = .enable
  /// That the slice's bit is one for every core: verified for the i.MX 8M (HMPFacts §13.3), the profile's own
  /// source otherwise.
  public var rootBitProvenance: Provenance = Provenance(source: "HMPFacts §13.3")
  /// Why Linux may hold no gate on a slice at all (the i.MX 93's access control, set by firmware at run time):
  /// findings are then never errors.
  public var gateAccess: FactNote?
  /// The protection of this SoC's clock driver per kernel flavor, where it differs from the i.MX 8M's facts of
  /// `schemas/kernel/*.yaml`; when the profile has this section, a flavor it does not list was not read for the SoC.
  public var kernelProtection: [String: KernelFlavor.ClockProtection]? = nil
  /// How messages name what `slice` is: "clock root slice" (i.MX 8M), "clock root" (i.MX 93), "PCC clock" (8ULP).
  public var sliceNoun: String = "clock root slice"
  /// The short form messages use after naming it once: "slice" for the default, else `sliceNoun`.
  public var sliceShortNoun: String { sliceNoun == "clock root slice" ? "slice" : sliceNoun }
  /// How messages name `gate` when it is judged alone: "LPCG" (i.MX 93), "PCC gate" (i.MX 8ULP).
  public var gateNoun: String = "gate"
  /// How Linux's boot-time sweep closes a peripheral's `gate` on its own, one gate for every core (the i.MX 93's
  /// LPCGs); nil where a gate alone is not judged (the i.MX 8M CCGR's per-domain fields, HMPFacts §13.3).
  public var gateSweep: FactNote? = nil
  /// What to do when no command-line or device-tree fix is known for a flavor (the i.MX 8ULP: take a
  /// real-time-domain instance instead).
  public var fixHint: String? = nil

  public enum RootBitSense: String, Sendable, Hashable, CaseIterable {
    case enable
    case off
  }

  /// The clock protection `flavor` gives this SoC's slices (nil: not read).
  public func protection(under flavor: KernelFlavor) -> KernelFlavor.ClockProtection? {
    guard let kernelProtection else { return flavor.clockProtection }
    return kernelProtection[flavor.name]
  }

  /// "enable bit 28", "off bit 24".
  public var rootBitPhrase: String { "\(rootBitSense == .off ? "off" : "enable") bit \(rootEnableBit)" }
  /// "clears the enable bit", "sets the off bit".
  public var rootBitClosing: String { rootBitSense == .off ? "sets the off bit" : "clears the enable bit" }

  public func peripheral(label: String) -> PeripheralClocks? { peripherals.first { $0.label == label } }
  /// The label of the clock controller a peripheral's clocks belong to.
  public func provider(of p: PeripheralClocks) -> String { p.provider ?? provider }
  /// Every clock controller label the table uses, the section's `provider` first.
  public var providers: [String] {
    var out = [provider]
    for p in peripherals { if let l = p.provider, !out.contains(l) { out.append(l) } }
    return out
  }
  public func powerDomain(label: String) -> SoCPowerDomain? { powerDomains.first { $0.label == label } }

  /// The peripherals whose slice is `slice` at the clock controller `provider` (several share the watchdog slice).
  public func sharing(slice: ClockRef, provider label: String? = nil) -> [PeripheralClocks] {
    let label = label ?? provider
    return peripherals.filter { $0.slice?.id == slice.id && provider(of: $0) == label }
  }

  /// A clock by ID at the clock controller `provider` (the section's own when nil), with the peripheral it
  /// belongs to.
  public func clock(id: UInt32, provider label: String? = nil) -> (ClockRef, PeripheralClocks)? {
    let label = label ?? provider
    for p in peripherals where provider(of: p) == label {
      if let g = p.gate, g.id == id { return (g, p) }
      if let s = p.slice, s.id == id { return (s, p) }
    }
    return nil
  }

  static func read(_ node: Yams.Node?, reader r: YAMLReader, labels: Set<String>) throws(InputError) -> SoCClocks? {
    guard let node else { return nil }
    let o = try r.object(
      node, key: "clocks",
      required: ["provider", "header", "root-enable-bit", "peripherals"],
      optional: [
        "mcore-booted-parameter", "mcore-booted-source", "power-domains", "root-bit-sense", "root-bit-source",
        "root-bit-status", "gate-access", "kernel-protection", "slice-noun", "gate-noun", "gate-sweep", "fix-hint",
      ] + Provenance.keys)
    func clock(_ n: Yams.Node, key: String, slice: Bool) throws(InputError) -> ClockRef {
      let c = try r.object(
        n, key: key, required: slice ? ["id", "name", "offset", "clock"] : ["id", "name", "ccgr"])
      return ClockRef(
        id: UInt32(try c.requiredInteger("id", max: 0xFFFF)), name: try c.requiredString("name"),
        offset: try c.requiredInteger(slice ? "offset" : "ccgr", max: 0xFFFF),
        driverName: slice ? try c.requiredString("clock") : nil)
    }
    var domains: [SoCPowerDomain] = []
    if let list = o["power-domains"] {
      for (i, n) in try r.sequence(list, key: o.path("power-domains")).enumerated() {
        let d = try r.object(
          n, key: YAMLReader.join(o.path("power-domains"), index: i), required: ["label", "path", "title"],
          optional: Provenance.keys)
        domains.append(
          SoCPowerDomain(
            label: try d.requiredString("label"), path: try d.requiredString("path"),
            title: try d.requiredString("title"), provenance: try Provenance.read(d)))
      }
    }
    var peripherals: [PeripheralClocks] = []
    for (i, n) in try r.sequence(try o.required("peripherals"), key: o.path("peripherals")).enumerated() {
      let key = YAMLReader.join(o.path("peripherals"), index: i)
      let p = try r.object(
        n, key: key, required: ["label"], optional: ["gate", "slice", "via", "power-domain", "provider"])
      let label = try p.requiredString("label")
      guard labels.contains(label) else {
        throw r.error(
          try p.required("label"), key: p.path("label"),
          "'\(label)' is not a peripheral or mailbox label of this profile")
      }
      if peripherals.contains(where: { $0.label == label }) {
        throw r.error(try p.required("label"), key: p.path("label"), "'\(label)' listed twice")
      }
      let domain = try p.string("power-domain")
      if let domain, !domains.contains(where: { $0.label == domain }) {
        throw r.error(
          try p.required("power-domain"), key: p.path("power-domain"),
          "no power domain '\(domain)' in clocks.power-domains")
      }
      peripherals.append(
        PeripheralClocks(
          label: label,
          gate: try p["gate"].map { (g: Yams.Node) throws(InputError) -> ClockRef in
            try clock(g, key: p.path("gate"), slice: false)
          },
          slice: try p["slice"].map { (s: Yams.Node) throws(InputError) -> ClockRef in
            try clock(s, key: p.path("slice"), slice: true)
          }, powerDomain: domain, via: try p.string("via"), provider: try p.string("provider")))
    }
    var clocks = SoCClocks(
      provider: try o.requiredString("provider"), header: try o.requiredString("header"),
      rootEnableBit: try o.requiredInt("root-enable-bit", max: 31),
      mcoreBootedParameter: try o.string("mcore-booted-parameter"),
      mcoreBootedProvenance: Provenance(source: try o.string("mcore-booted-source")), peripherals: peripherals,
      powerDomains: domains, provenance: try Provenance.read(o))
    clocks.rootBitSense = try o.choice("root-bit-sense", as: RootBitSense.self) ?? .enable
    if let source = try o.string("root-bit-source") {
      clocks.rootBitProvenance = Provenance(
        source: source, status: try o.choice("root-bit-status", as: FactStatus.self) ?? .verified)
    }
    clocks.gateAccess = try FactNote.readSourced(o["gate-access"], key: o.path("gate-access"), reader: r)
    clocks.gateSweep = try FactNote.readSourced(o["gate-sweep"], key: o.path("gate-sweep"), reader: r)
    if let noun = try o.string("slice-noun") { clocks.sliceNoun = noun }
    if let noun = try o.string("gate-noun") { clocks.gateNoun = noun }
    clocks.fixHint = try o.string("fix-hint")
    if let k = o["kernel-protection"] {
      var map: [String: KernelFlavor.ClockProtection] = [:]
      for e in try r.entries(k, key: o.path("kernel-protection")) {
        map[e.key] = try KernelFlavor.ClockProtection.read(e.value, reader: r)
      }
      clocks.kernelProtection = map
    }
    return clocks
  }
}

extension SoCProfile {
  /// The binding-header name of a clock ID the profile knows at the clock controller `provider` (the clocks
  /// section's own when nil): a peripheral's gate or slice, the M core's clock.
  public func clockName(id: UInt32, provider: String? = nil) -> String? {
    if let c = clocks?.clock(id: id, provider: provider) { return c.0.name }
    guard provider == nil || provider == remoteproc.clock?.provider else { return nil }
    return remoteproc.clock?.id == id ? remoteproc.clock?.name : nil
  }
}

extension FactNote {
  /// A `{text, source, status}` mapping (status defaults to verified); nil when absent.
  static func readSourced(_ node: Yams.Node?, key: String, reader r: YAMLReader) throws(InputError) -> FactNote? {
    guard let node else { return nil }
    let o = try r.object(node, key: key, required: ["text", "source"], optional: ["status"])
    return FactNote(
      text: try o.requiredString("text"),
      provenance: Provenance(
        source: try o.requiredString("source"), status: try o.choice("status", as: FactStatus.self) ?? .verified))
  }
}
