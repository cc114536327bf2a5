import DTYAML
import Yams

/// What one kernel's imx_rproc driver (and the remoteproc and mailbox core around it) reads from the device tree
/// and how it matches names: `schemas/kernel/<flavor>.yaml` (HMPFacts §15). Facts that differ between the releases
/// read for a flavor carry a `version-dependent` text, which messages show.
public struct KernelFlavor: Sendable {
  /// How a region's node name is compared (the node name without its unit address, as the kernel's `node->name`).
  public enum NameMatch: String, Sendable, Hashable, CaseIterable {
    case exact, prefix
    public func matches(_ name: Substring, _ pattern: String) -> Bool {
      switch self {
      case .exact: name == pattern
      case .prefix: name.hasPrefix(pattern)
      }
    }
  }

  /// What the driver does with a `memory-region` entry of a matching name.
  public enum RegionEffect: String, Sendable, Hashable, CaseIterable {
    /// Mapped and used as the loaded resource table.
    case resourceTable = "resource-table"
    /// Not registered as a carveout.
    case noCarveout = "no-carveout"
    /// Not mapped (no `da_to_va` through it).
    case notMapped = "not-mapped"
    /// Registered as the vdev buffer carveout (NXP 5.4's `vdevbuffer`).
    case bufferCarveout = "buffer-carveout"
  }

  public struct RegionNameRule: Sendable, Hashable {
    public var name: String
    public var match: NameMatch
    public var effect: RegionEffect
    public var note: String?
    /// What differs between the releases of the flavor (`skipped in lf-5.15.71; …`).
    public var versionDependent: String?
  }

  /// When the driver reads (or requires) a property.
  public enum Condition: String, Sendable, Hashable, CaseIterable {
    case always, never
    /// Only for the compatibles whose driver configuration uses the MMIO method (``DriverConfig``); without
    /// driver configurations, the `-mmio` compatibles.
    case mmioOnly = "mmio-only"
    /// Only for the compatibles whose driver configuration uses the System Manager method (i.MX 95: the SCMI CPU and
    /// LMM protocols, ``StartMethod/sm``).
    case smOnly = "sm-only"
    /// Only when Linux starts the core itself.
    case whenStarting = "when-starting"
    /// Only when the core was not already running (not attaching).
    case whenNotAttached = "when-not-attached"
    /// Only when attaching to a core that is already running.
    case whenAttaching = "when-attaching"
  }

  /// Whether the binding (`fsl,imx-rproc.yaml`, `additionalProperties: false`) allows a property.
  public enum BindingStatus: String, Sendable, Hashable, CaseIterable {
    case listed
    case notListed = "not-listed"
    /// Allowed only for the `-mmio` compatibles.
    case mmioOnly = "mmio-only"
  }

  public struct PropertyUse: Sendable, Hashable {
    public var name: String
    public var read: Condition
    public var required: Condition
    public var binding: BindingStatus
    public var maxItems: Int?
    public var provenance: Provenance
    /// What differs between the releases of the flavor (`read in lf-5.15.71; …`).
    public var versionDependent: String?
  }

  /// How imx_rproc starts, stops and detects the M core for a driver configuration (`imx_rproc_dcfg.method`).
  public enum StartMethod: String, Sendable, Hashable, CaseIterable {
    /// Through the SRC (and GPR) registers, looked up with `syscon` (and `fsl,iomuxc-gpr`).
    case mmio
    /// Through the TF-A SiP call IMX_SIP_RPROC.
    case smc
    /// Through the i.MX8 SCU firmware.
    case scuAPI = "scu-api"
    /// Through the i.MX9 System Manager.
    case sm
    /// Linux does not control the core (it is always attached).
    case none
  }

  /// One `imx_rproc_dcfg` of the driver and the compatibles that select it.
  public struct DriverConfig: Sendable, Hashable {
    /// `imx_rproc_cfg_imx8mq`.
    public var config: String
    public var method: StartMethod
    public var compatibles: [String]
    public var note: String?
    public var versionDependent: String?
  }

  public struct Alias: Sendable, Hashable {
    public var name: String
    public var provenance: Provenance
  }

  public struct SourceRef: Sendable, Hashable {
    public var tag: String
    public var repository: String?
    public var path: String
    public var commit: String?
    public var provenance: Provenance
  }

  public enum ResourceTableLocation: String, Sendable, Hashable, CaseIterable {
    /// A `memory-region` entry found by its node name (``regionRules``).
    case regionName = "region-name"
    /// The `rsc-da` property (NXP 5.4).
    case rscDA = "rsc-da"
  }

  public struct ResourceTableLookup: Sendable, Hashable {
    public var locatedBy: ResourceTableLocation
    /// Bytes the driver reads of a table found in memory (SZ_1K).
    public var maxSize: UInt64
    /// The table version the driver requires, when it checks one.
    public var version: UInt32?
    /// What happens without one: `silent` (no vdev, no RPMsg, no error).
    public var missing: String
    public var provenance: Provenance
  }

  public struct RemoteprocCore: Sendable, Hashable {
    /// `vdev%dvring%d`: the carveout name a vring region must have.
    public var vringCarveout: String
    /// `vdev%dbuffer`.
    public var bufferCarveout: String
    /// The memory-region index used for buffers when no carveout has ``bufferCarveout``'s name.
    public var bufferFallbackIndex: Int
    /// `char _name[32]`.
    public var carveoutNameSize: Int
    public var provenance: Provenance

    /// `vdev<vdev>vring<ring>`.
    public func vringName(vdev: Int, ring: Int) -> String {
      vringCarveout.replacingFirst("%d", with: "\(vdev)").replacingFirst("%d", with: "\(ring)")
    }
    /// `vdev<vdev>buffer`.
    public func bufferName(vdev: Int) -> String { bufferCarveout.replacingFirst("%d", with: "\(vdev)") }
  }

  public enum WithoutMboxNames: String, Sendable, Hashable, CaseIterable {
    /// The mailbox is not set up; kicks log "No initialized mbox tx channel".
    case skip
    /// The channels are requested anyway (and fail).
    case request
  }

  public struct MailboxUse: Sendable, Hashable {
    /// Channels requested by name, all required.
    public var channels: [String]
    public var optionalChannels: [String]
    /// `mbox-names` as the binding fixes it.
    public var bindingNames: [String]
    public var txTimeoutMS: Int
    public var txBlock: Bool
    public var withoutMboxNames: WithoutMboxNames
    /// How the mailbox core finds a channel name in `mbox-names`.
    public var nameMatch: NameMatch
    public var provenance: Provenance
  }

  public struct BaseTrees: Sendable, Hashable {
    /// The label of `/reserved-memory` in this flavor's SoC trees: nil when there is none (mainline), `unknown`
    /// handled as ``reservedMemoryLabelKnown`` false.
    public var reservedMemoryLabel: String?
    public var reservedMemoryLabelKnown: Bool
    public var provenance: Provenance
  }

  public var name: String
  public var title: String
  public var aliases: [Alias]
  public var sources: [SourceRef]
  public var compatibles: [String]
  public var compatiblesProvenance: Provenance
  /// The driver configurations, when the flavor file lists them (`driver-configs`).
  public var driverConfigs: [DriverConfig]
  public var driverConfigsProvenance: Provenance?
  public var regionRules: [RegionNameRule]
  public var regionRulesProvenance: Provenance
  public var regionHistory: [FactNote]
  public var resourceTable: ResourceTableLookup
  public var maxMappedRegions: Int?
  public var memoryRegionsProvenance: Provenance
  public var core: RemoteprocCore
  public var properties: [PropertyUse]
  /// Set when this flavor's binding was not read and the mainline one is assumed.
  public var bindingProvenance: Provenance?
  public var mailbox: MailboxUse
  public var baseTrees: BaseTrees
  /// What keeps Linux from gating the M core's clock root slices (HMPFacts §13); nil when the file does not say.
  public var clockProtection: ClockProtection?
  /// The file it was read from (`schemas/kernel/mainline.yaml` for the bundled ones).
  public var path: String

  // MARK: - Queries

  /// What the driver does with a memory-region entry named `nodeName` (unit address, if any, ignored).
  public func effects(forRegionNamed nodeName: String) -> [RegionEffect] {
    let base = nodeName.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    return regionRules.filter { $0.match.matches(base, $0.name) }.map(\.effect)
  }

  /// Whether a region of this name is taken as the resource table.
  public func isResourceTableName(_ nodeName: String) -> Bool {
    resourceTable.locatedBy == .regionName && effects(forRegionNamed: nodeName).contains(.resourceTable)
  }

  /// The name a resource-table region should have for this flavor (nil when the table comes from `rsc-da`).
  public var resourceTableName: String? {
    regionRules.first { $0.effect == .resourceTable }?.name
  }

  public func property(_ name: String) -> PropertyUse? { properties.first { $0.name == name } }

  /// Whether this flavor's imx_rproc knows `compatible`.
  public func knows(compatible: String) -> Bool { compatibles.contains(compatible) }

  /// The driver configuration `compatible` selects, when the flavor file lists driver configurations.
  public func driverConfig(for compatible: String) -> DriverConfig? {
    driverConfigs.first { $0.compatibles.contains(compatible) }
  }

  /// Whether `compatible` selects a configuration that starts the core through the SRC registers: from the
  /// driver configurations, else (a flavor file without them) by the `-mmio` suffix.
  public func usesMMIO(_ compatible: String) -> Bool {
    if let c = driverConfig(for: compatible) { return c.method == .mmio }
    return driverConfigs.isEmpty && compatible.hasSuffix("-mmio")
  }

  /// Whether this flavor drives `compatible` through the System Manager (`IMX_RPROC_SM`).
  public func usesSM(_ compatible: String) -> Bool { driverConfig(for: compatible)?.method == .sm }

  /// Whether a node matched by `compatible` must have `property` for this flavor's imx_rproc to probe it: the
  /// property's `required` condition evaluated for the compatible's driver configuration. A property the flavor
  /// does not list is taken as required (the SoC profile says the compatible needs it).
  public func requires(_ property: String, for compatible: String) -> Bool {
    guard let use = self.property(property) else { return true }
    switch use.required {
    case .never: return false
    case .mmioOnly: return usesMMIO(compatible)
    case .smOnly: return usesSM(compatible)
    case .always, .whenStarting, .whenNotAttached, .whenAttaching: return true
    }
  }

  // MARK: - Loading

  /// Every bundled flavor name and alias (`mainline`, `nxp-6`, `nxp-5.15`, `nxp-5.4`, `toradex-bsp6`, …).
  public static var knownNames: [String] {
    // Newest first, as Documentation/Configuration.md lists them (aliases after the flavors: toradex-bsp7, toradex-bsp6, …);
    // flavors added later follow in name order.
    let listed = ["mainline", "nxp-6", "nxp-5.15", "nxp-5.4"]
    let bundled = KnowledgeBundle.names(in: "kernel")
    let flavors = listed.filter(bundled.contains) + bundled.filter { !listed.contains($0) }
    var out = flavors
    for f in flavors {
      if let k = try? load(name: f) { out += k.aliases.map(\.name) }
    }
    return out
  }

  private static let cache = ProfileCache<KernelFlavor>()

  /// A bundled flavor by name or alias.
  public static func load(name: String) throws(InputError) -> KernelFlavor {
    if KnowledgeBundle.text("kernel/\(name).yaml") != nil {
      return try cache.value(name) { () throws(InputError) -> KernelFlavor in
        try KnowledgeBundle.read("kernel/\(name).yaml") { (node, path) throws(InputError) in
          try parse(node, path: path)
        }
      }
    }
    for f in KnowledgeBundle.names(in: "kernel") {
      let k = try load(name: f)
      if k.aliases.contains(where: { $0.name == name }) { return k }
    }
    throw InputError(
      path: "--kernel", message: "unknown kernel flavor '\(name)' (expected \(YAMLReader.alternatives(knownNames)))")
  }

  /// A flavor file.
  public static func load(path: String) throws(InputError) -> KernelFlavor {
    guard let node = try YAMLReader.compose(path: path) else {
      throw InputError(path: path, message: "empty document")
    }
    return try parse(node, path: path)
  }

  /// Parses a composed flavor document.
  public static func parse(_ root: Yams.Node, path: String) throws(InputError) -> KernelFlavor {
    let r = YAMLReader(path: path)
    let top = try r.object(
      root, key: nil,
      required: [
        "flavor", "title", "aliases", "sources", "compatibles", "region-names", "resource-table", "memory-regions",
        "remoteproc-core", "properties", "mailbox", "base-trees",
      ], optional: ["binding", "driver-configs", "clock-protection"])
    let name = try top.requiredString("flavor")

    var aliases: [Alias] = []
    for (i, n) in try r.sequence(try top.required("aliases"), key: "aliases").enumerated() {
      let o = try r.object(n, key: YAMLReader.join("aliases", index: i), required: ["name"], optional: Provenance.keys)
      aliases.append(Alias(name: try o.requiredString("name"), provenance: try Provenance.read(o)))
    }

    var sources: [SourceRef] = []
    for (i, n) in try r.sequence(try top.required("sources"), key: "sources").enumerated() {
      let o = try r.object(
        n, key: YAMLReader.join("sources", index: i), required: ["tag", "path"],
        optional: ["repository", "commit"] + Provenance.keys)
      sources.append(
        SourceRef(
          tag: try o.requiredString("tag"), repository: try o.string("repository"), path: try o.requiredString("path"),
          commit: try o.string("commit"), provenance: try Provenance.read(o)))
    }

    let comp = try r.object(
      try top.required("compatibles"), key: "compatibles", required: ["list"], optional: Provenance.keys)
    let compatibles = try SoCProfile.compatibles(comp, "list")

    var driverConfigs: [DriverConfig] = []
    var driverConfigsProvenance: Provenance?
    if let dc = top["driver-configs"] {
      let o = try r.object(dc, key: "driver-configs", required: ["list"], optional: Provenance.keys)
      driverConfigsProvenance = try Provenance.read(o)
      for (i, n) in try r.sequence(try o.required("list"), key: o.path("list")).enumerated() {
        let key = YAMLReader.join(o.path("list"), index: i)
        let c = try r.object(
          n, key: key, required: ["config", "method", "compatibles"], optional: ["note", "version-dependent"])
        let config = DriverConfig(
          config: try c.requiredString("config"), method: try c.requiredChoice("method", as: StartMethod.self),
          compatibles: try c.requiredStringList("compatibles"), note: try c.string("note"),
          versionDependent: try c.string("version-dependent"))
        for compatible in config.compatibles {
          if !compatibles.contains(compatible) {
            throw r.error(
              try c.required("compatibles"), key: c.path("compatibles"),
              "'\(compatible)' is not in compatibles.list")
          }
          if driverConfigs.contains(where: { $0.compatibles.contains(compatible) }) {
            throw r.error(
              try c.required("compatibles"), key: c.path("compatibles"), "'\(compatible)' selects two configurations")
          }
        }
        driverConfigs.append(config)
      }
    }

    let rn = try r.object(
      try top.required("region-names"), key: "region-names", required: ["rules"],
      optional: ["history"] + Provenance.keys)
    var rules: [RegionNameRule] = []
    for (i, n) in try r.sequence(try rn.required("rules"), key: rn.path("rules")).enumerated() {
      let o = try r.object(
        n, key: YAMLReader.join(rn.path("rules"), index: i), required: ["name", "match", "effect"],
        optional: ["note", "version-dependent"])
      rules.append(
        RegionNameRule(
          name: try o.requiredString("name"),
          match: try o.requiredChoice("match", as: NameMatch.self),
          effect: try o.requiredChoice("effect", as: RegionEffect.self),
          note: try o.string("note"), versionDependent: try o.string("version-dependent")))
    }
    let history = try FactNote.readList(rn["history"], key: rn.path("history"), reader: r)

    let rt = try r.object(
      try top.required("resource-table"), key: "resource-table", required: ["located-by", "max-size", "missing"],
      optional: ["version"] + Provenance.keys)
    let located = try rt.requiredChoice("located-by", as: ResourceTableLocation.self)
    if located == .regionName && !rules.contains(where: { $0.effect == .resourceTable }) {
      throw r.error(
        try rt.required("located-by"), key: rt.path("located-by"),
        "the table is found by region name, but no region-names rule has effect resource-table")
    }
    let resourceTable = ResourceTableLookup(
      locatedBy: located, maxSize: try rt.requiredInteger("max-size"),
      version: try rt.integer("version", max: UInt64(UInt32.max)).map { UInt32($0) },
      missing: try rt.choice("missing", ["silent", "error"]) ?? "silent", provenance: try Provenance.read(rt))

    let mr = try r.object(
      try top.required("memory-regions"), key: "memory-regions", required: [],
      optional: ["max-mapped"] + Provenance.keys)

    let rc = try r.object(
      try top.required("remoteproc-core"), key: "remoteproc-core",
      required: ["vring-carveout", "buffer-carveout", "buffer-fallback-index", "carveout-name-size"],
      optional: Provenance.keys)
    let core = RemoteprocCore(
      vringCarveout: try rc.requiredString("vring-carveout"), bufferCarveout: try rc.requiredString("buffer-carveout"),
      bufferFallbackIndex: try rc.requiredInt("buffer-fallback-index", max: 255),
      carveoutNameSize: try rc.requiredInt("carveout-name-size", max: 4096), provenance: try Provenance.read(rc))
    if core.vringCarveout.components(separatedBy: "%d").count != 3 {
      throw r.error(try rc.required("vring-carveout"), key: rc.path("vring-carveout"), "expected a name with two %d")
    }
    if core.bufferCarveout.components(separatedBy: "%d").count != 2 {
      throw r.error(try rc.required("buffer-carveout"), key: rc.path("buffer-carveout"), "expected a name with one %d")
    }

    var properties: [PropertyUse] = []
    for (i, n) in try r.sequence(try top.required("properties"), key: "properties").enumerated() {
      let key = YAMLReader.join("properties", index: i)
      let o = try r.object(
        n, key: key, required: ["name", "read", "required", "binding"],
        optional: ["max-items", "version-dependent"] + Provenance.keys)
      let p = PropertyUse(
        name: try o.requiredString("name"), read: try o.requiredChoice("read", as: Condition.self),
        required: try o.requiredChoice("required", as: Condition.self),
        binding: try o.requiredChoice("binding", as: BindingStatus.self),
        maxItems: try o.int("max-items", max: 1 << 16), provenance: try Provenance.read(o),
        versionDependent: try o.string("version-dependent"))
      if properties.contains(where: { $0.name == p.name }) {
        throw r.error(try o.required("name"), key: o.path("name"), "property '\(p.name)' listed twice")
      }
      properties.append(p)
    }

    var bindingProvenance: Provenance?
    if let b = top["binding"] {
      bindingProvenance = try Provenance.read(try r.object(b, key: "binding", optional: Provenance.keys))
    }

    let mb = try r.object(
      try top.required("mailbox"), key: "mailbox",
      required: [
        "channels", "optional-channels", "binding-names", "tx-timeout-ms", "tx-block", "without-mbox-names",
        "name-match",
      ], optional: Provenance.keys)
    let mailbox = MailboxUse(
      channels: try mb.requiredStringList("channels"), optionalChannels: try mb.requiredStringList("optional-channels"),
      bindingNames: try mb.requiredStringList("binding-names"),
      txTimeoutMS: try mb.requiredInt("tx-timeout-ms", max: 600_000),
      txBlock: try mb.requiredBool("tx-block"),
      withoutMboxNames: try mb.requiredChoice("without-mbox-names", as: WithoutMboxNames.self),
      nameMatch: try mb.requiredChoice("name-match", as: NameMatch.self),
      provenance: try Provenance.read(mb))

    let bt = try r.object(
      try top.required("base-trees"), key: "base-trees", required: ["reserved-memory-label"], optional: Provenance.keys)
    let label = try bt.requiredString("reserved-memory-label")
    let baseTrees = BaseTrees(
      reservedMemoryLabel: label == "none" || label == "unknown" ? nil : label,
      reservedMemoryLabelKnown: label != "unknown", provenance: try Provenance.read(bt))

    return KernelFlavor(
      name: name, title: try top.requiredString("title"), aliases: aliases, sources: sources,
      compatibles: compatibles, compatiblesProvenance: try Provenance.read(comp), driverConfigs: driverConfigs,
      driverConfigsProvenance: driverConfigsProvenance, regionRules: rules,
      regionRulesProvenance: try Provenance.read(rn), regionHistory: history, resourceTable: resourceTable,
      maxMappedRegions: try mr.int("max-mapped", max: 4096), memoryRegionsProvenance: try Provenance.read(mr),
      core: core, properties: properties, bindingProvenance: bindingProvenance, mailbox: mailbox,
      baseTrees: baseTrees, clockProtection: try ClockProtection.read(top["clock-protection"], reader: r), path: path)
  }
}

extension String {
  func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let r = range(of: target) else { return self }
    return replacingCharacters(in: r, with: replacement)
  }
}
