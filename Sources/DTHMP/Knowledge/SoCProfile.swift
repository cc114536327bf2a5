import DTYAML
import Yams

/// A node of the SoC's device tree the HMP rules look at: label, path and unit address in the mainline `.dtsi`.
public struct SoCNode: Sendable, Hashable {
  public var label: String
  public var path: String
  public var unitAddress: UInt64
  public var compatible: [String]
}

/// A peripheral the M core may own (HMPFacts §5.4).
public struct Peripheral: Sendable, Hashable {
  public var node: SoCNode
  /// `i2c`, `uart`, `gpio`, … (for messages and grouping).
  public var kind: String
  /// GIC SPI numbers.
  public var irqs: [UInt32]
  /// `okay` (no status property in the `.dtsi`) or `disabled`.
  public var defaultStatus: String
  public var label: String { node.label }
  public var path: String { node.path }
  public var unitAddress: UInt64 { node.unitAddress }
}

/// The RPMsg constants both sides must agree on (HMPFacts §8): the SoC's SDK defaults, overridden by a manifest.
public struct RPMsgSettings: Sendable, Hashable {
  public var vringBase: UInt64
  /// Distance between vring0 and vring1 (`VRING_SIZE`), and the size of each vring region.
  public var vringSize: UInt64
  public var vringAlign: UInt64
  /// Descriptors per vring (`RL_BUFFER_COUNT`).
  public var bufferCount: UInt64
  public var bufferPayloadSize: UInt64
  /// Payload + 16-byte header (`RL_BUFFER_SIZE_RAW`).
  public var bufferSize: UInt64
  /// Where the firmware copies its resource table (`VDEV0_VRING_BASE + RESOURCE_TABLE_OFFSET`).
  public var resourceTable: UInt64
  public var muChannel: UInt64
  public var linkID: UInt64
  public var vdevCount: UInt64
  /// rpmsg-lite's `RL_PLATFORM_HIGHEST_LINK_ID` for the SoC's platform (15 on the i.MX 8M family, 1 on the
  /// i.MX 93/95, 9 on the i.MX 8ULP; HMPFacts §8, §18.5): link ids run from 0 to it, one vdev per link.
  public var highestLinkID: UInt64 = 15

  /// Descriptors per virtqueue: at most 32768 (virtio 1.x, "Queue Size").
  public static let maxBufferCount: UInt64 = 32768
  /// vdevs: one per rpmsg-lite link id, 0 to RL_PLATFORM_HIGHEST_LINK_ID (15 at most on any SoC profiled, §8).
  public static let maxVdevCount: UInt64 = 16

  /// The manifest/profile keys, in order.
  public static let keys = [
    "vring-base", "vring-size", "vring-align", "buffer-count", "buffer-payload-size", "buffer-size",
    "resource-table", "mu-channel", "link-id", "vdev-count",
  ]

  /// Where vring `index` of vdev 0 starts (rpmsg-lite: base + index × vring-size).
  public func vringAddress(_ index: Int) -> UInt64 { vringBase &+ UInt64(index) &* vringSize }

  /// Linux's `PAGE_ALIGN(vring_size(bufferCount, vringAlign))` (HMPFacts §8), nil on overflow.
  public func vringRegionSize(pageSize: UInt64 = 0x1000) -> UInt64? {
    guard let raw = Self.vringBytes(count: bufferCount, align: vringAlign) else { return nil }
    return Self.alignUp(raw, pageSize)
  }

  /// `vring_size(num, align)` of `include/uapi/linux/virtio_ring.h`: descriptors (16 B each) and the available ring
  /// (2 × (3 + num) B) rounded up to `align`, then the used ring (6 + 8 × num B). Nil on overflow or a bad align.
  public static func vringBytes(count num: UInt64, align: UInt64) -> UInt64? {
    guard align > 0, align & (align - 1) == 0, num <= 1 << 32 else { return nil }
    let head = 16 * num + 2 * (3 + num)
    guard let aligned = alignUp(head, align) else { return nil }
    return aligned + 2 * 3 + 8 * num
  }

  static func alignUp(_ v: UInt64, _ align: UInt64) -> UInt64? {
    guard align > 0 else { return nil }
    let (sum, overflow) = v.addingReportingOverflow(align - 1)
    guard !overflow else { return nil }
    return sum / align * align
  }

  /// Values from a mapping with (a subset of) ``keys``, over `base`. Returns the settings and the keys given.
  static func read(_ o: YAMLObject, over base: RPMsgSettings?, highestLinkID: UInt64? = nil) throws(InputError)
    -> RPMsgSettings
  {
    func v(_ key: String, _ fallback: UInt64?) throws(InputError) -> UInt64 {
      if let x = try o.integer(key, max: UInt64(UInt32.max)) { return x }
      guard let fallback else { throw o.reader.error(o.node, key: o.path(key), "missing key '\(key)'") }
      return fallback
    }
    return RPMsgSettings(
      vringBase: try v("vring-base", base?.vringBase), vringSize: try v("vring-size", base?.vringSize),
      vringAlign: try v("vring-align", base?.vringAlign), bufferCount: try v("buffer-count", base?.bufferCount),
      bufferPayloadSize: try v("buffer-payload-size", base?.bufferPayloadSize),
      bufferSize: try v("buffer-size", base?.bufferSize), resourceTable: try v("resource-table", base?.resourceTable),
      muChannel: try v("mu-channel", base?.muChannel), linkID: try v("link-id", base?.linkID),
      vdevCount: try v("vdev-count", base?.vdevCount),
      highestLinkID: highestLinkID ?? base?.highestLinkID ?? 15)
  }

  /// Checks values both sides' code would reject; `o` names the keys in errors.
  func validate(_ o: YAMLObject, channels: Int, soc: String) throws(InputError) {
    func fail(_ key: String, _ message: String) -> InputError {
      o.reader.error(o[key] ?? o.node, key: o.path(key), message)
    }
    if vringAlign == 0 || vringAlign & (vringAlign - 1) != 0 { throw fail("vring-align", "must be a power of two") }
    if bufferCount == 0 || bufferCount & (bufferCount - 1) != 0 {
      throw fail("buffer-count", "must be a power of two (rpmsg-lite RL_BUFFER_COUNT)")
    }
    // Counts are bounded by what the code on both sides can hold (and what dtlint then lays out per vdev).
    if bufferCount > Self.maxBufferCount {
      throw fail(
        "buffer-count", "\(bufferCount) is over \(Self.maxBufferCount), the largest virtqueue the virtio spec allows")
    }
    if vdevCount > highestLinkID + 1 {
      throw fail(
        "vdev-count",
        "\(vdevCount) is over \(highestLinkID + 1): rpmsg-lite gives each vdev a link id, 0 to "
          + "RL_PLATFORM_HIGHEST_LINK_ID (\(highestLinkID) on the \(soc), HMPFacts §8)")
    }
    if linkID > highestLinkID {
      throw fail(
        "link-id", "\(linkID) is over RL_PLATFORM_HIGHEST_LINK_ID (\(highestLinkID) on the \(soc), HMPFacts §8)")
    }
    if vringSize == 0 { throw fail("vring-size", "must not be 0") }
    if muChannel >= UInt64(channels) { throw fail("mu-channel", "must be below \(channels) (MU data registers)") }
    if bufferSize < bufferPayloadSize { throw fail("buffer-size", "smaller than buffer-payload-size") }
  }
}

/// Flags of an address-translation row (imx_rproc `ATT_OWN`, `ATT_IOMEM`).
public struct ATTFlags: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// The region belongs to the M core (da_to_va may use it without a memory-region).
  public static let own = ATTFlags(rawValue: 1)
  /// Mapped as I/O memory.
  public static let iomem = ATTFlags(rawValue: 2)
}

/// One row of imx_rproc's address translation table: M-core address `da` ↔ system address `sa`.
public struct ATTRow: Sendable, Hashable {
  public var da: UInt64
  public var sa: UInt64
  public var size: UInt64
  public var flags: ATTFlags
  public var name: String

  /// The driver's test: `da >= att->da && da + len < att->da + att->size` (strict `<`).
  public func contains(da: UInt64, length: UInt64) -> Bool {
    let (end, o1) = da.addingReportingOverflow(length)
    let (rowEnd, o2) = self.da.addingReportingOverflow(size)
    return !o1 && !o2 && da >= self.da && end < rowEnd
  }
}

/// The M-core address translation (HMPFacts §1.7).
public struct AddressTranslation: Sendable, Hashable {
  public struct Variant: Sendable, Hashable {
    public var kernels: [String]
    public var rows: [ATTRow]
    public var provenance: Provenance
  }
  public var rows: [ATTRow]
  public var variants: [Variant]
  public var provenance: Provenance
  /// The DDR window shared regions should lie in (1:1, da = pa).
  public var sharedWindow: (da: UInt64, size: UInt64)
  public var sharedWindowProvenance: Provenance
  /// How a shared region is judged reachable by the M core (`shared-window.check`).
  public var windowCheck: WindowCheck = .attIdentity

  public enum WindowCheck: String, Sendable, Hashable, CaseIterable {
    /// The region's physical address must translate, through the table, to itself (i.MX 8M: da = pa).
    case attIdentity = "att-identity"
    /// The region must lie in the shared window or in the system range of a table row (the M core's view of TCM
    /// differs from Linux's, and DDR beyond the table's rows is reached at its physical address: i.MX 93).
    case reachable
  }

  /// The table `kernel`'s driver uses (a variant when one lists the flavor).
  public func rows(forKernel kernel: String?) -> [ATTRow] {
    guard let kernel else { return rows }
    return variants.first { $0.kernels.contains(kernel) }?.rows ?? rows
  }

  /// The system address of `[da, da + length)`, as imx_rproc translates it (first matching row).
  public func systemAddress(da: UInt64, length: UInt64, kernel: String? = nil) -> UInt64? {
    for row in rows(forKernel: kernel) where row.contains(da: da, length: length) {
      return row.sa &+ (da &- row.da)
    }
    return nil
  }

  /// The rows whose system range covers `[sa, sa + length)`.
  public func rows(coveringSystemAddress sa: UInt64, length: UInt64, kernel: String? = nil) -> [ATTRow] {
    rows(forKernel: kernel).filter { row in
      let (end, o1) = sa.addingReportingOverflow(length)
      let (rowEnd, o2) = row.sa.addingReportingOverflow(row.size)
      return !o1 && !o2 && sa >= row.sa && end <= rowEnd
    }
  }

  public static func == (a: AddressTranslation, b: AddressTranslation) -> Bool {
    a.rows == b.rows && a.variants == b.variants && a.provenance == b.provenance
      && a.sharedWindow == b.sharedWindow && a.sharedWindowProvenance == b.sharedWindowProvenance
      && a.windowCheck == b.windowCheck
  }
  public func hash(into h: inout Hasher) {
    h.combine(rows)
    h.combine(sharedWindow.da)
  }
}

/// A messaging unit (HMPFacts §3, §5.1).
public struct MailboxUnit: Sendable, Hashable {
  public struct Side: Sendable, Hashable {
    /// Nil where the profile does not know it (HMPFacts marks it).
    public var base: UInt64?
    public var irq: UInt32?
    public var irqName: String?
    /// The SDK's name of the side (`MU1_MUA`, `MU7_MUB`).
    public var instance: String? = nil
    /// `A` or `B`, where the profile states it apart from ``instance`` (the i.MX 8M Plus SDK's `MUB_BASE`).
    public var side: String? = nil
  }
  public var node: SoCNode
  public var defaultStatus: String
  /// Who is on the other side: `m7`, `m4`, `m33`, `dsp`.
  public var peer: String
  /// The Linux (A53) side.
  public var aSide: Side
  /// The M core's side, when the M core is the peer.
  public var mSide: Side?
  public var provenance: Provenance
  public var label: String { node.label }
}

/// An imx_rproc compatible accepted for the SoC's M core (HMPFacts §1.1).
public struct RprocCompatible: Sendable, Hashable {
  /// How imx_rproc starts, stops and detects the core: TF-A SiP call, SRC/GPR registers, the System Manager's SCMI
  /// CPU/LMM protocols (i.MX 95), or not at all (i.MX 8ULP: the core is always taken as running, HMPFacts §18.1).
  public enum Method: String, Sendable, Hashable, CaseIterable { case smc, mmio, sm, none }
  public var compatible: String
  public var method: Method
  public var driverConfig: String
  /// The one to generate.
  public var preferred: Bool
  /// Properties this variant's driver configuration cannot probe without (`syscon`; `fsl,cpu-id` and `fsl,lmm-id`
  /// on the i.MX 95), in the order written. Whether a kernel flavor needs each one is the flavor's `required`
  /// condition for the property (``KernelFlavor/requires(_:for:)``).
  public var requirements: [NeededProperty]
  public var note: String?

  /// The names of ``requirements``.
  public var needs: [String] { requirements.map(\.name) }
  public func requirement(_ name: String) -> NeededProperty? { requirements.first { $0.name == name } }
}

/// A property an imx_rproc compatible needs (`needs:` of a SoC profile's compatible): a bare name (`syscon`), or a
/// one-cell value the driver reads with `of_property_read_u32()`, with the value the SoC fixes or the one the
/// generator writes.
public struct NeededProperty: Sendable, Hashable {
  public enum Format: String, Sendable, Hashable, CaseIterable {
    /// A phandle (`syscon = <&src>`): the generator writes it from the SoC's SRC label.
    case phandle
    /// One 32-bit cell, read with `of_property_read_u32()`.
    case u32
  }
  public var name: String
  public var format: Format
  /// The only value that works on this SoC (the i.MX 95 M7's System Manager CPU id, 1).
  public var value: UInt32?
  /// The value the generator writes when no value is fixed (the M7's logical machine in NXP's configuration).
  public var defaultValue: UInt32?
  /// What the value means (for messages and the overlay's comment).
  public var meaning: String?
  public var provenance: Provenance

  public init(
    name: String, format: Format, value: UInt32? = nil, defaultValue: UInt32? = nil, meaning: String? = nil,
    provenance: Provenance = Provenance()
  ) {
    self.name = name
    self.format = format
    self.value = value
    self.defaultValue = defaultValue
    self.meaning = meaning
    self.provenance = provenance
  }

  /// `syscon`: the SRC's phandle, which every MMIO configuration looks up (HMPFacts §15.6).
  public static let syscon = NeededProperty(name: "syscon", format: .phandle)
}

/// `schemas/soc/<soc>.yaml`: what the HMP rules know about a SoC (schemas/README.md).
public struct SoCProfile: Sendable {
  public struct Remoteproc: Sendable, Hashable {
    /// The M core clock a remoteproc node names (`<&clk IMX8MP_CLK_M7_DIV>`).
    public struct Clock: Sendable, Hashable {
      public var provider: String
      public var id: UInt32
      public var name: String
      public var provenance: Provenance
    }
    public var compatibles: [RprocCompatible]
    public var provenance: Provenance
    /// Nil when the SoC's node takes no clock (i.MX 8ULP, i.MX 95: firmware owns it).
    public var clock: Clock?
    public var smcFunction: UInt64?
    public var smcProvenance: Provenance
    /// The SRC the MMIO method's `syscon` names; nil when no compatible of the SoC uses MMIO.
    public var srcLabel: String?
    public var srcSCROffset: UInt64?
    /// The GPR and its CPUWAIT bit (i.MX 8M Nano/Plus MMIO only; the i.MX 8M Mini configuration has none).
    public var gprLabel: String?
    public var gpr22Offset: UInt64?
    public var gpr22CPUWaitBit: UInt64?
    /// What the System Manager method needs (i.MX 95), as a fact with its source.
    public var systemManager: Provenance?
    /// Compatibles of M-core nodes that other drivers take (`fsl,imx95-cm7-sof`: Sound Open Firmware), which the
    /// imx_rproc rules leave alone.
    public var otherDrivers: [OtherDriver] = []

    public struct OtherDriver: Sendable, Hashable {
      public var compatible: String
      public var driver: String
      public var provenance: Provenance
    }

    public func otherDriver(_ compatible: String) -> OtherDriver? { otherDrivers.first { $0.compatible == compatible } }

    /// The remoteproc node the SoC's own `.dtsi` carries (i.MX 93 and 8ULP: `cm33: remoteproc-cm33`, disabled).
    public var node: DtsiNode? = nil

    public struct DtsiNode: Sendable, Hashable {
      public var label: String
      public var path: String
      public var defaultStatus: String
    }

    public var clockProvider: String? { clock?.provider }
    public var clockID: UInt32? { clock?.id }
    public var clockName: String? { clock?.name }

    public var preferred: RprocCompatible? { compatibles.first { $0.preferred } }
    public func compatible(_ s: String) -> RprocCompatible? { compatibles.first { $0.compatible == s } }
  }

  public struct Mailboxes: Sendable, Hashable {
    public var mboxCells: Int
    /// `tx` → 0, `rx` → 1, `txdb` → 2, `rxdb` → 3, …
    public var channelTypes: [String: UInt32]
    /// Data registers / general-purpose interrupts per type (IDX 0..<channelIndices).
    public var channelIndices: Int
    public var units: [MailboxUnit]
    public var provenance: Provenance
    /// The unit whose other side the M core uses.
    public var forMCore: MailboxUnit? { units.first { $0.mSide != nil } }
  }

  public var name: String
  public var title: String
  public var mCore: String
  public var rootCompatible: String
  /// Who gates the SoC's clocks (`ccm`, `pcc`, `system-manager`), with what it means for the clock rules.
  public var clockControl: ClockControl?

  public struct ClockControl: Sendable, Hashable {
    public enum Owner: String, Sendable, Hashable, CaseIterable {
      case ccm, pcc
      case systemManager = "system-manager"
    }
    public var owner: Owner
    public var provenance: Provenance
  }

  /// The chip as messages name it: `i.MX 8M Plus` (the title without vendor and parenthesis).
  public var chipName: String { Self.chipName(title: title) }

  static func chipName(title: String) -> String {
    var s = Substring(title)
    if let p = s.range(of: " (") { s = s[..<p.lowerBound] }
    if s.hasPrefix("NXP ") { s = s.dropFirst(4) }
    return String(s)
  }

  /// The M core as messages name it: `M7`, `M4`, `M33` (from `m-core: cortex-m7`).
  public var coreName: String {
    let s = mCore.hasPrefix("cortex-") ? String(mCore.dropFirst("cortex-".count)) : mCore
    return s.uppercased()
  }
  public var remoteproc: Remoteproc
  public var mailboxes: Mailboxes
  public var addressTranslation: AddressTranslation
  public var systemNodes: [SoCNode]
  public var peripherals: [Peripheral]
  public var peripheralsProvenance: Provenance
  public var rpmsgDefaults: RPMsgSettings
  public var rpmsgProvenance: Provenance
  public var rpmsgNotes: [FactNote]
  public var iomuxcLabel: String
  /// Absolute address of the IOMUXC (pad register offsets are relative to it).
  public var iomuxcBase: UInt64
  public var pads: PadTable
  /// Root slices, CCGR gates and power domains of the peripherals (HMPFacts §13); nil when the profile has none.
  public var clocks: SoCClocks?
  /// The file it was read from.
  public var path: String

  // MARK: - Queries

  public func peripheral(label: String) -> Peripheral? { peripherals.first { $0.label == label } }
  public func peripheral(unitAddress: UInt64) -> Peripheral? { peripherals.first { $0.unitAddress == unitAddress } }
  public func peripheral(path: String) -> Peripheral? { peripherals.first { $0.path == path } }
  /// A peripheral, MU or system node by label.
  public func node(label: String) -> SoCNode? {
    peripheral(label: label)?.node ?? mailboxes.units.first { $0.label == label }?.node
      ?? systemNodes.first { $0.label == label }
  }

  // MARK: - Loading

  private static let cache = ProfileCache<SoCProfile>()

  /// The bundled SoC names.
  public static var knownNames: [String] { KnowledgeBundle.names(in: "soc") }

  /// A bundled SoC profile (`imx8mp`).
  public static func load(name: String) throws(InputError) -> SoCProfile {
    guard KnowledgeBundle.text("soc/\(name).yaml") != nil else {
      throw InputError(
        path: "soc", message: "unknown SoC '\(name)' (expected \(YAMLReader.alternatives(knownNames)))")
    }
    return try cache.value(name) { () throws(InputError) -> SoCProfile in
      try KnowledgeBundle.read("soc/\(name).yaml") { (node, path) throws(InputError) in try parse(node, path: path) }
    }
  }

  /// The bundled profiles, in name order, whose text has a `compatible:` line naming one of `compatibles`, read
  /// from the text without parsing it: a superset of those whose `remoteproc.compatibles` list one of them
  /// (`KnowledgeTests` checks that every listed compatible is on such a line). Lets a caller load only the profiles
  /// a tree can match instead of parsing all of them (≈145 M instructions each).
  public static func namesMentioning(anyOf compatibles: Set<String>) -> [String] {
    compatibleLinesByName.filter { !$0.values.isDisjoint(with: compatibles) }.map(\.name)
  }

  /// ``compatibleLines(_:)`` of each bundled profile, in name order, scanned once per run.
  static let compatibleLinesByName: [(name: String, values: Set<String>)] = knownNames.map { name in
    (name, KnowledgeBundle.text("soc/\(name).yaml").map(compatibleLines) ?? [])
  }

  /// The values of the `compatible: VALUE` lines of a profile's text (a block value, unquoted, up to the line's
  /// end or a comment).
  static func compatibleLines(_ text: String) -> Set<String> {
    var text = text
    return text.withUTF8 { bytes -> Set<String> in
      var out: Set<String> = []
      let marker = Array("compatible: ".utf8)
      let n = bytes.count
      var i = 0
      while i + marker.count <= n {
        // Compare at i; on a mismatch move on by one byte (the marker has no repeated prefix that matters here).
        var k = 0
        while k < marker.count && bytes[i + k] == marker[k] { k += 1 }
        guard k == marker.count else {
          i += 1
          continue
        }
        let start = i + k
        var end = start
        while end < n && bytes[end] != UInt8(ascii: "\n") && bytes[end] != UInt8(ascii: "#") { end += 1 }
        var last = end
        while last > start && bytes[last - 1] == UInt8(ascii: " ") { last -= 1 }
        if last > start {
          out.insert(String(decoding: bytes[start..<last], as: UTF8.self))
        }
        i = end
      }
      return out
    }
  }

  /// A SoC profile file.
  public static func load(path: String) throws(InputError) -> SoCProfile {
    guard let node = try YAMLReader.compose(path: path, limit: 8 << 20) else {
      throw InputError(path: path, message: "empty document")
    }
    return try parse(node, path: path)
  }

  public static func parse(_ root: Yams.Node, path: String) throws(InputError) -> SoCProfile {
    let r = YAMLReader(path: path)
    let top = try r.object(
      root, key: nil,
      required: [
        "soc", "title", "m-core", "root-compatible", "remoteproc", "mailboxes", "address-translation",
        "system-nodes", "peripherals", "rpmsg-defaults", "iomuxc", "pad-table",
      ], optional: ["clocks", "clock-control"])

    // remoteproc
    let rp = try r.object(
      try top.required("remoteproc"), key: "remoteproc", required: ["compatibles"],
      optional: ["clock", "smc", "mmio", "system-manager", "node", "other-drivers"] + Provenance.keys)
    var compatibles: [RprocCompatible] = []
    for (i, n) in try r.sequence(try rp.required("compatibles"), key: rp.path("compatibles")).enumerated() {
      let o = try r.object(
        n, key: YAMLReader.join(rp.path("compatibles"), index: i), required: ["compatible", "method", "driver-config"],
        optional: ["preferred", "needs", "note"])
      var needs: [NeededProperty] = []
      if let list = o["needs"] {
        for (j, item) in try r.sequence(list, key: o.path("needs")).enumerated() {
          let key = YAMLReader.join(o.path("needs"), index: j)
          if case .scalar = item {
            needs.append(NeededProperty(name: try r.string(item, key: key), format: .phandle))
            continue
          }
          let n = try r.object(
            item, key: key, required: ["property", "format"],
            optional: ["value", "default", "meaning"] + Provenance.keys)
          needs.append(
            NeededProperty(
              name: try n.requiredString("property"),
              format: try n.requiredChoice("format", as: NeededProperty.Format.self),
              value: try n.integer("value", max: UInt64(UInt32.max)).map { UInt32($0) },
              defaultValue: try n.integer("default", max: UInt64(UInt32.max)).map { UInt32($0) },
              meaning: try n.string("meaning"), provenance: try Provenance.read(n)))
        }
      }
      compatibles.append(
        RprocCompatible(
          compatible: try o.requiredString("compatible"),
          method: try o.requiredChoice("method", as: RprocCompatible.Method.self),
          driverConfig: try o.requiredString("driver-config"), preferred: try o.bool("preferred") ?? false,
          requirements: needs, note: try o.string("note")))
    }
    if compatibles.filter(\.preferred).count != 1 {
      throw r.error(
        try rp.required("compatibles"), key: rp.path("compatibles"), "exactly one compatible must be preferred")
    }
    var clock: Remoteproc.Clock?
    if let n = rp["clock"] {
      let c = try r.object(n, key: rp.path("clock"), required: ["provider", "id", "name"], optional: Provenance.keys)
      clock = Remoteproc.Clock(
        provider: try c.requiredString("provider"), id: UInt32(try c.requiredInteger("id", max: UInt64(UInt32.max))),
        name: try c.requiredString("name"), provenance: try Provenance.read(c))
    }
    // Each method's section is there exactly when a compatible uses the method.
    for (method, key) in [(RprocCompatible.Method.smc, "smc"), (.mmio, "mmio"), (.sm, "system-manager")] {
      let used = compatibles.contains { $0.method == method }
      if used && rp[key] == nil {
        throw r.error(
          try rp.required("compatibles"), key: rp.path("compatibles"),
          "a compatible uses method \(method.rawValue) but remoteproc.\(key) is missing")
      }
      if !used, let n = rp[key] {
        throw r.error(n, key: rp.path(key), "no compatible uses method \(method.rawValue)")
      }
    }
    let smc = try rp["smc"].map { (n: Yams.Node) throws(InputError) -> YAMLObject in
      try r.object(n, key: rp.path("smc"), required: ["sip-function"], optional: Provenance.keys)
    }
    let mmio = try rp["mmio"].map { (n: Yams.Node) throws(InputError) -> YAMLObject in
      try r.object(
        n, key: rp.path("mmio"), required: ["src-label", "src-scr-offset"],
        optional: ["gpr-label", "gpr22-offset", "gpr22-cpuwait-bit"] + Provenance.keys)
    }
    let sm = try rp["system-manager"].map { (n: Yams.Node) throws(InputError) -> Provenance in
      try Provenance.read(try r.object(n, key: rp.path("system-manager"), optional: Provenance.keys))
    }
    let dtsiNode = try rp["node"].map { (n: Yams.Node) throws(InputError) -> Remoteproc.DtsiNode in
      let o = try r.object(n, key: rp.path("node"), required: ["label", "path", "default-status"])
      return Remoteproc.DtsiNode(
        label: try o.requiredString("label"), path: try o.requiredString("path"),
        defaultStatus: try o.requiredChoice("default-status", as: DefaultStatus.self).rawValue)
    }
    var others: [Remoteproc.OtherDriver] = []
    if let list = rp["other-drivers"] {
      for (i, n) in try r.sequence(list, key: rp.path("other-drivers")).enumerated() {
        let o = try r.object(
          n, key: YAMLReader.join(rp.path("other-drivers"), index: i), required: ["compatible", "driver"],
          optional: Provenance.keys)
        others.append(
          Remoteproc.OtherDriver(
            compatible: try o.requiredString("compatible"), driver: try o.requiredString("driver"),
            provenance: try Provenance.read(o)))
      }
    }
    let remoteproc = Remoteproc(
      compatibles: compatibles, provenance: try Provenance.read(rp), clock: clock,
      smcFunction: try smc?.requiredInteger("sip-function"),
      smcProvenance: try smc.map { (o: YAMLObject) throws(InputError) -> Provenance in try Provenance.read(o) }
        ?? Provenance(),
      srcLabel: try mmio?.requiredString("src-label"), srcSCROffset: try mmio?.requiredInteger("src-scr-offset"),
      gprLabel: try mmio?.string("gpr-label"), gpr22Offset: try mmio?.integer("gpr22-offset"),
      gpr22CPUWaitBit: try mmio?.integer("gpr22-cpuwait-bit", max: 31), systemManager: sm, otherDrivers: others,
      node: dtsiNode)

    // mailboxes
    let mb = try r.object(
      try top.required("mailboxes"), key: "mailboxes",
      required: ["mbox-cells", "channel-types", "channel-indices", "units"],
      optional: Provenance.keys)
    var channelTypes: [String: UInt32] = [:]
    for (k, _, v) in try r.entries(try mb.required("channel-types"), key: mb.path("channel-types")) {
      channelTypes[k] = UInt32(try r.integer(v, key: YAMLReader.join(mb.path("channel-types"), k), max: 31))
    }
    var units: [MailboxUnit] = []
    for (i, n) in try r.sequence(try mb.required("units"), key: mb.path("units")).enumerated() {
      let key = YAMLReader.join(mb.path("units"), index: i)
      let o = try r.object(
        n, key: key, required: ["label", "path", "unit-address", "compatible", "default-status", "peer", "a-side"],
        optional: ["m-side"] + Provenance.keys)
      func side(_ k: String) throws(InputError) -> MailboxUnit.Side? {
        guard let s = o[k] else { return nil }
        let so = try r.object(s, key: o.path(k), optional: ["base", "irq", "irq-name", "instance", "side"])
        return MailboxUnit.Side(
          base: try so.integer("base"), irq: try so.integer("irq", max: 1023).map { UInt32($0) },
          irqName: try so.string("irq-name"), instance: try so.string("instance"),
          side: try so.choice("side", ["A", "B"]))
      }
      units.append(
        MailboxUnit(
          node: try readNode(o, reader: r),
          defaultStatus: try o.requiredChoice("default-status", as: DefaultStatus.self).rawValue,
          peer: try o.requiredString("peer"), aSide: try side("a-side") ?? MailboxUnit.Side(base: 0, irq: 0),
          mSide: try side("m-side"),
          provenance: try Provenance.read(o)))
    }
    if units.filter({ $0.mSide != nil }).count != 1 {
      throw r.error(
        try mb.required("units"), key: mb.path("units"), "exactly one unit must have an m-side (the M core's MU)")
    }
    let mailboxes = Mailboxes(
      mboxCells: try mb.requiredInt("mbox-cells", max: 8), channelTypes: channelTypes,
      channelIndices: try mb.requiredInt("channel-indices", max: 32), units: units, provenance: try Provenance.read(mb))

    // address translation
    let at = try r.object(
      try top.required("address-translation"), key: "address-translation", required: ["rows", "shared-window"],
      optional: ["variants"] + Provenance.keys)
    let rows = try readRows(try at.required("rows"), key: at.path("rows"), reader: r)
    var variants: [AddressTranslation.Variant] = []
    if let vs = at["variants"] {
      for (i, n) in try r.sequence(vs, key: at.path("variants")).enumerated() {
        let o = try r.object(
          n, key: YAMLReader.join(at.path("variants"), index: i), required: ["kernels", "rows"],
          optional: Provenance.keys)
        variants.append(
          AddressTranslation.Variant(
            kernels: try o.requiredStringList("kernels"),
            rows: try readRows(try o.required("rows"), key: o.path("rows"), reader: r),
            provenance: try Provenance.read(o)))
      }
    }
    let sw = try r.object(
      try at.required("shared-window"), key: at.path("shared-window"), required: ["da", "size"],
      optional: ["check"] + Provenance.keys)
    let translation = AddressTranslation(
      rows: rows, variants: variants, provenance: try Provenance.read(at),
      sharedWindow: (try sw.requiredInteger("da"), try sw.requiredInteger("size")),
      sharedWindowProvenance: try Provenance.read(sw),
      windowCheck: try sw.choice("check", as: AddressTranslation.WindowCheck.self) ?? .attIdentity)

    // nodes
    var systemNodes: [SoCNode] = []
    for (i, n) in try r.sequence(try top.required("system-nodes"), key: "system-nodes").enumerated() {
      let o = try r.object(
        n, key: YAMLReader.join("system-nodes", index: i), required: ["label", "path", "unit-address", "compatible"])
      systemNodes.append(try readNode(o, reader: r))
    }
    let per = try r.object(
      try top.required("peripherals"), key: "peripherals", required: ["instances"], optional: Provenance.keys)
    var peripherals: [Peripheral] = []
    var seen: [String: Int] = [:]
    for (i, n) in try r.sequence(try per.required("instances"), key: per.path("instances")).enumerated() {
      let key = YAMLReader.join(per.path("instances"), index: i)
      let o = try r.object(
        n, key: key, required: ["label", "kind", "path", "unit-address", "compatible", "irqs", "default-status"])
      var irqs: [UInt32] = []
      for (j, x) in try r.sequence(try o.required("irqs"), key: o.path("irqs")).enumerated() {
        irqs.append(UInt32(try r.integer(x, key: YAMLReader.join(o.path("irqs"), index: j), max: 1023)))
      }
      let p = Peripheral(
        node: try readNode(o, reader: r), kind: try o.requiredString("kind"), irqs: irqs,
        defaultStatus: try o.requiredChoice("default-status", as: DefaultStatus.self).rawValue)
      if let first = seen[p.label] {
        throw r.error(
          try o.required("label"), key: o.path("label"), "label '\(p.label)' already used by instances[\(first)]")
      }
      seen[p.label] = i
      peripherals.append(p)
    }

    // rpmsg
    let rm = try r.object(
      try top.required("rpmsg-defaults"), key: "rpmsg-defaults", required: RPMsgSettings.keys,
      optional: ["notes", "highest-link-id"] + Provenance.keys)
    let highest = try rm.integer("highest-link-id", max: RPMsgSettings.maxVdevCount - 1)
    let rpmsg = try RPMsgSettings.read(rm, over: nil, highestLinkID: highest ?? 15)
    let socName = try top.requiredString("soc")
    let title = try top.requiredString("title")
    try rpmsg.validate(rm, channels: mailboxes.channelIndices, soc: chipName(title: title))

    // pins
    let io = try r.object(
      try top.required("iomuxc"), key: "iomuxc", required: ["label", "base"], optional: Provenance.keys)
    let pads = try PadTable.read(try top.required("pad-table"), key: "pad-table", reader: r)
    let clocks = try SoCClocks.read(
      top["clocks"], reader: r, labels: Set(peripherals.map(\.label) + units.map(\.label)))

    let clockControl = try top["clock-control"].map { (n: Yams.Node) throws(InputError) -> ClockControl in
      let o = try r.object(n, key: "clock-control", required: ["owner"], optional: Provenance.keys)
      return ClockControl(
        owner: try o.requiredChoice("owner", as: ClockControl.Owner.self), provenance: try Provenance.read(o))
    }
    return SoCProfile(
      name: socName, title: title,
      mCore: try top.requiredString("m-core"),
      rootCompatible: try top.requiredString("root-compatible"), clockControl: clockControl, remoteproc: remoteproc,
      mailboxes: mailboxes,
      addressTranslation: translation, systemNodes: systemNodes, peripherals: peripherals,
      peripheralsProvenance: try Provenance.read(per), rpmsgDefaults: rpmsg, rpmsgProvenance: try Provenance.read(rm),
      rpmsgNotes: try FactNote.readList(rm["notes"], key: rm.path("notes"), reader: r),
      iomuxcLabel: try io.requiredString("label"), iomuxcBase: try io.requiredInteger("base"), pads: pads,
      clocks: clocks, path: path)
  }

  enum DefaultStatus: String, CaseIterable { case okay, disabled }

  /// label, path, unit-address (which must be the path's own unit address), compatible.
  static func readNode(_ o: YAMLObject, reader r: YAMLReader) throws(InputError) -> SoCNode {
    let path = try o.requiredString("path")
    let address = try o.requiredInteger("unit-address")
    guard path.hasPrefix("/"), let last = path.split(separator: "/").last, let at = last.firstIndex(of: "@"),
      UInt64(last[last.index(after: at)...], radix: 16) == address
    else {
      throw r.error(
        try o.required("unit-address"), key: o.path("unit-address"),
        "\(YAMLReader.hex(address)) is not the unit address of '\(path)'")
    }
    return SoCNode(
      label: try o.requiredString("label"), path: path, unitAddress: address,
      compatible: try compatibles(o, "compatible"))
  }

  /// A list of compatible strings. `vendor,device` in a YAML flow list must be quoted (`[fsl,a, fsl,b]` is four
  /// items), so an item without a comma is taken for a split one.
  static func compatibles(_ o: YAMLObject, _ key: String) throws(InputError) -> [String] {
    let list = try o.requiredStringList(key)
    for (i, c) in list.enumerated() where !c.contains(",") && c != "syscon" {
      throw o.reader.error(
        try o.required(key), key: YAMLReader.join(o.path(key), index: i),
        "'\(c)' is not a vendor,device compatible (quote compatibles inside [ ]: a comma splits a flow list)")
    }
    return list
  }

  static func readRows(_ node: Yams.Node, key: String, reader r: YAMLReader) throws(InputError) -> [ATTRow] {
    var rows: [ATTRow] = []
    for (i, n) in try r.sequence(node, key: key).enumerated() {
      let o = try r.object(
        n, key: YAMLReader.join(key, index: i), required: ["da", "sa", "size", "flags", "name"])
      var flags: ATTFlags = []
      for (j, f) in try o.requiredStringList("flags").enumerated() {
        switch f {
        case "own": flags.insert(.own)
        case "iomem": flags.insert(.iomem)
        default:
          throw r.error(
            try o.required("flags"), key: YAMLReader.join(o.path("flags"), index: j),
            "unknown flag '\(f)' (expected own or iomem)")
        }
      }
      let row = ATTRow(
        da: try o.requiredInteger("da", max: UInt64(UInt32.max)),
        sa: try o.requiredInteger("sa", max: UInt64(UInt32.max)),
        size: try o.requiredInteger("size", max: 1 << 32), flags: flags, name: try o.requiredString("name"))
      if row.size == 0 || row.da + row.size > 1 << 32 || row.sa + row.size > 1 << 32 {
        throw r.error(
          try o.required("size"), key: o.path("size"), "the row must be non-empty and inside the 32-bit space")
      }
      if let clash = rows.firstIndex(where: { $0.da < row.da + row.size && row.da < $0.da + $0.size }) {
        throw r.error(n, key: YAMLReader.join(key, index: i), "overlaps row \(clash) in device addresses")
      }
      rows.append(row)
    }
    return rows
  }
}
