import DTYAML
import Yams

extension KernelFlavor {
  /// What keeps a kernel from gating the clock root slice of a peripheral the M core uses: the `clock-protection`
  /// section of `schemas/kernel/<flavor>.yaml` (HMPFacts §13.2–13.6). The boot-time sweep (`clk_disable_unused`,
  /// skipped with `clk_ignore_unused`) is the clock core's and the same in every flavor.
  public struct ClockProtection: Sendable, Hashable {
    /// What a mechanism does to a root slice.
    public enum Effect: String, Sendable, Hashable, CaseIterable {
      /// The root gate is not registered: Linux has no way to switch the slice off.
      case noRootGate = "no-root-gate"
      /// The root gate is registered with a disable that does nothing.
      case rootGateNeverDisables = "root-gate-never-disables"
      /// The kernel has no such mechanism.
      case none
      /// Not read for this flavor.
      case unknown

      /// Linux cannot switch the slice off.
      public var protects: Bool { self == .noRootGate || self == .rootGateNeverDisables }
    }

    public struct Mechanism: Sendable, Hashable {
      public var effect: Effect
      /// The first release that has it (`5.19`), when known.
      public var since: String?
      public var provenance: Provenance
    }

    /// NXP's `init-on-array` on the clock controller node.
    public struct InitOnArray: Sendable, Hashable {
      public var read: Bool
      public var provenance: Provenance
    }

    /// A clock driver that clears the root enable of every non-critical slice when it registers it (NXP's
    /// composite @0ba80076), sparing them with `mcore_booted` — only `lpaSlices` when `CONFIG_CLK_POWER_SAVE` is set.
    public struct ClearedAtRegistration: Sendable, Hashable {
      public var lpaSlices: [String]
      public var provenance: Provenance
      /// Every copy of the flavor's driver read does it (the i.MX 8ULP's PCC composite), rather than one variant
      /// among others (the i.MX 8M's NXP 6.x composite).
      public var always: Bool = false
      /// A case the driver skips, read in its code but decided at run time (NXP's 8ULP composite skips a clock
      /// whose PCC `PR` bit reads 0).
      public var bypass: FactNote? = nil

      /// NXP's `m4_lpa_required()`: `strstr(listed, name)`, so a name that is part of a listed one counts.
      public func spares(_ driverName: String) -> Bool {
        lpaSlices.contains { $0.contains(driverName) }
      }
    }

    /// The clock driver's `mcore_booted` parameter (`clk-imx8mp.mcore_booted=1`).
    public var mcoreBooted: Mechanism
    /// Protection without the parameter when the M core was started before Linux (NXP 5.15 asks TF-A).
    public var mCoreDetection: Mechanism
    public var initOnArray: InitOnArray
    public var clearedAtRegistration: ClearedAtRegistration?
    /// What `mcore_booted` does to a peripheral's own gate (the i.MX 93's LPCG), where the SoC judges gates alone;
    /// nil: not read.
    public var gateMcoreBooted: Mechanism? = nil
    public var provenance: Provenance

    static func read(_ node: Yams.Node?, reader r: YAMLReader) throws(InputError) -> ClockProtection? {
      guard let node else { return nil }
      let o = try r.object(
        node, key: "clock-protection", required: ["mcore-booted", "m-core-detection", "init-on-array"],
        optional: ["cleared-at-registration", "gate-mcore-booted"] + Provenance.keys)
      let top = try Provenance.read(o)
      func mechanism(_ key: String) throws(InputError) -> Mechanism {
        let m = try r.object(
          try o.required(key), key: o.path(key), required: ["effect"], optional: ["since"] + Provenance.keys)
        return Mechanism(
          effect: try m.requiredChoice("effect", as: Effect.self), since: try m.string("since"),
          provenance: try Provenance.read(m, inherit: top))
      }
      let io = try r.object(
        try o.required("init-on-array"), key: o.path("init-on-array"), required: ["read"], optional: Provenance.keys)
      var cleared: ClearedAtRegistration?
      if let c = o["cleared-at-registration"] {
        let co = try r.object(
          c, key: o.path("cleared-at-registration"), required: ["lpa-slices"],
          optional: ["always", "bypass"] + Provenance.keys)
        cleared = ClearedAtRegistration(
          lpaSlices: try co.requiredStringList("lpa-slices"), provenance: try Provenance.read(co, inherit: top),
          always: try co.bool("always") ?? false,
          bypass: try FactNote.readSourced(co["bypass"], key: co.path("bypass"), reader: r))
      }
      return ClockProtection(
        mcoreBooted: try mechanism("mcore-booted"), mCoreDetection: try mechanism("m-core-detection"),
        initOnArray: InitOnArray(read: try io.requiredBool("read"), provenance: try Provenance.read(io, inherit: top)),
        clearedAtRegistration: cleared,
        gateMcoreBooted: o["gate-mcore-booted"] == nil ? nil : try mechanism("gate-mcore-booted"), provenance: top)
    }
  }
}
