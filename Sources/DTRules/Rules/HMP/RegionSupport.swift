import DTCore
import DTHMP

// Shared by the reserved-memory region rules (`Region*.swift`): the regions an imx-rproc node's `memory-region`
// references, what each one is for, and the fix-its that edit region nodes (HMPFacts §1.2, §2, §8).

/// What a `memory-region` entry is meant for, as far as its name and properties tell.
enum RegionRole: Equatable {
  /// Named `vdev<N>vring<M>` exactly: the remoteproc core finds it as a vring carveout.
  case vring(vdev: Int, ring: Int)
  /// Looks like a vring (its name mentions `vring`) but is not named `vdev<N>vring<M>`.
  case vringLike
  /// The flavor's driver takes it as the resource table.
  case resourceTable
  /// Named like a resource table (`rsc_table`, `rsc-table`, …) but not the way the flavor's driver matches.
  case resourceTableLike
  /// Named like a vdev buffer pool (`vdev0buffer`, `vdevbuffer`) or a `shared-dma-pool`.
  case buffer
  /// Anything else: memory the M core's firmware runs in (`m7_reserved`), mapped by imx_rproc.
  case firmware

  /// Regions both cores share at run time.
  var isShared: Bool { self != .firmware }

  var isVring: Bool {
    switch self {
    case .vring, .vringLike: true
    default: false
    }
  }

  var isResourceTable: Bool { self == .resourceTable || self == .resourceTableLike }

  /// How messages name the role.
  var phrase: String {
    switch self {
    case .vring, .vringLike: "vring region"
    case .resourceTable, .resourceTableLike: "resource-table region"
    case .buffer: "vdev buffer region"
    case .firmware: "firmware region"
    }
  }
}

/// One resolved entry of an imx-rproc node's `memory-region`.
struct RprocRegion {
  /// The imx-rproc node.
  var rproc: Node
  /// Its `memory-region` property.
  var property: Property
  /// Position in `memory-region`.
  var index: Int
  /// The reserved-memory node referenced.
  var node: Node
  var role: RegionRole
  /// The remoteproc core gives vdev 0 this region for its buffers (HMPFacts §2).
  var isPool: Bool

  /// The node name without its unit address (the kernel's `node->name`).
  var name: Substring { node.kernelName }
}

/// The regions of every enabled imx-rproc node, classified for the kernel flavor of the run.
struct RegionSet {
  /// The run's kernel flavor (the assumed mainline profile is parsed only when a rule asks).
  var kernel: KernelFlavor { hmp.kernel }
  private let hmp: HMPContext
  /// Enabled imx-rproc nodes, in tree order.
  var rprocs: [Node]
  /// Resolved `memory-region` entries of those nodes (unresolvable phandles are left out: an overlay checked
  /// without its base, or a reference another rule reports).
  var regions: [RprocRegion]

  init(_ info: TreeInfo) {
    hmp = info.hmp
    rprocs = info.enabledRemoteprocNodes()
    var out: [RprocRegion] = []
    for rproc in rprocs {
      guard let prop = rproc.property("memory-region") else { continue }
      let entries = info.phandleList(prop)
      let kernel = info.hmp.kernel
      let pool = Self.bufferPoolIndex(entries.map(\.target), kernel: kernel)
      for (i, e) in entries.enumerated() {
        guard let target = e.target else { continue }
        out.append(
          RprocRegion(
            rproc: rproc, property: prop, index: i, node: target, role: Self.role(of: target, kernel: kernel),
            isPool: i == pool))
      }
    }
    regions = out
  }

  /// Each region once (a region referenced twice, or by two rproc nodes, is checked once), in reference order.
  var distinct: [RprocRegion] {
    var seen = Set<ObjectIdentifier>()
    return regions.filter { seen.insert(ObjectIdentifier($0.node)).inserted }
  }

  func regions(of rproc: Node) -> [RprocRegion] { regions.filter { $0.rproc === rproc } }

  /// Which entry the remoteproc core gives vdev 0 for its buffers: a region named `vdev0buffer` when the flavor's
  /// driver registers it as a carveout of that name, else the fallback index (0): HMPFacts §2.
  static func bufferPoolIndex(_ targets: [Node?], kernel: KernelFlavor) -> Int? {
    let name = kernel.core.bufferName(vdev: 0)
    for (i, t) in targets.enumerated() {
      guard let t, t.kernelName == name else { continue }
      if !kernel.effects(forRegionNamed: t.name).contains(.noCarveout) { return i }
    }
    let i = kernel.core.bufferFallbackIndex
    return i < targets.count ? i : nil
  }

  /// Whether the pool is found by its carveout name (`vdev0buffer` registered by the driver) rather than by index.
  func poolIsNamed(_ r: RprocRegion) -> Bool {
    r.isPool && r.name == kernel.core.bufferName(vdev: 0)
      && !kernel.effects(forRegionNamed: r.node.name).contains(.noCarveout)
  }

  static func role(of node: Node, kernel: KernelFlavor) -> RegionRole {
    let name = node.kernelName
    if let v = vringIndices(name) { return .vring(vdev: v.vdev, ring: v.ring) }
    let lower = name.lowercased()
    if lower.contains("vring") { return .vringLike }
    if kernel.isResourceTableName(node.name) { return .resourceTable }
    if looksLikeResourceTable(name) { return .resourceTableLike }
    if lower.contains("buffer") || isSharedDMAPool(node) { return .buffer }
    // A generic node name (`memory@90000000`, as dt-schema asks for) says nothing; the label may: the driver
    // still goes by the name, so such a vring or table is misnamed.
    for label in node.labels {
      let l = label.lowercased()
      if l.contains("vring") { return .vringLike }
      if looksLikeResourceTable(label[...]) { return .resourceTableLike }
      if l.contains("buffer") { return .buffer }
    }
    return .firmware
  }

  /// `vdev<N>vring<M>` (decimal, no sign, no leading junk), as `rproc_find_carveout_by_name` formats it.
  static func vringIndices(_ name: Substring) -> (vdev: Int, ring: Int)? {
    guard name.hasPrefix("vdev") else { return nil }
    let rest = name.dropFirst(4)
    guard let v = rest.firstIndex(of: "v") else { return nil }
    let vdevDigits = rest[..<v]
    let tail = rest[v...]
    guard tail.hasPrefix("vring") else { return nil }
    let ringDigits = tail.dropFirst(5)
    guard let a = decimal(vdevDigits), let b = decimal(ringDigits) else { return nil }
    return (a, b)
  }

  /// A canonical decimal as `%d` prints it ("0", "12"; not "", "01", "+1").
  private static func decimal(_ s: Substring) -> Int? {
    guard !s.isEmpty, s.count <= 9, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    if s.count > 1 && s.first == "0" { return nil }
    return Int(s)
  }

  /// `rsc_table`, `rsc-table`, `rsctable`, `rsc_tbl`, `resource-table`, … (case and separators ignored).
  static func looksLikeResourceTable(_ name: Substring) -> Bool {
    let squashed = name.lowercased().filter { $0 != "-" && $0 != "_" }
    return squashed.hasPrefix("rsctable") || squashed.hasPrefix("rsctbl") || squashed.hasPrefix("resourcetable")
  }

  static func isSharedDMAPool(_ node: Node) -> Bool {
    node.property("compatible")?.value.strings?.contains("shared-dma-pool") ?? false
  }
}

extension TreeInfo {
  /// The regions of the enabled imx-rproc nodes, classified for the run's kernel flavor (computed once per tree).
  var rprocRegions: RegionSet { self[RprocRegions.self] }

  private enum RprocRegions: TreeFact {
    static func compute(_ info: TreeInfo) -> RegionSet { RegionSet(info) }
  }

  /// The first `reg` entry of a region, when `reg` decodes with its parent's cells and the size is not zero.
  /// In an overlay checked alone, a fragment's `__overlay__` node without cell counts of its own takes them from
  /// its target, which is not known: nil then.
  func regionRange(of node: Node) -> (address: UInt64, size: UInt64)? {
    if tree.isPlugin, let parent = node.parent,
      parent.property("#address-cells") == nil
        || parent.property("#size-cells") == nil
    {
      return nil
    }
    guard let r = regEntries(of: node)?.first, r.size > 0 else { return nil }
    return r
  }
}

/// `0x550ff000`: addresses in messages, as the trees write them.
func regionHex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

/// `[0x55000000, 0x55008000)`.
func hexRange(_ address: UInt64, _ size: UInt64) -> String {
  let (end, overflow) = address.addingReportingOverflow(size)
  return "[\(regionHex(address)), \(overflow ? "2^64" : regionHex(end)))"
}

// MARK: - Fix-its on region nodes

enum RegionFixIts {
  /// Renames a node, keeping its unit address: replaces the base name where the node's name is written. Nil when
  /// the name is not written as such (a macro, a `&label` definition) or a sibling already has the new name.
  static func rename(_ node: Node, to newBase: String, message: String) -> FixIt? {
    guard let r = node.nameRange, Int(r.end - r.start) == node.name.utf8.count else { return nil }
    let unit = node.unitAddress
    let newName = unit.isEmpty ? newBase : newBase + "@" + unit
    if let parent = node.parent, parent.child(newName) != nil { return nil }
    let edit = TextEdit(
      range: SourceRange(file: r.file, start: r.start, end: r.start + UInt32(node.baseName.utf8.count)),
      replacement: newBase)
    return FixIt(message: message, edits: [edit])
  }

  /// Adds the empty property `name` (`no-map`) after the last property of the block that defines the node's `reg` (or of its first block),
  /// indented with tabs to the block's depth in the source. Nil for a node without source positions.
  static func addProperty(_ name: String, to node: Node, message: String) -> FixIt? {
    // A later `/delete-property/` would delete the insertion again.
    guard !node.definitions.isEmpty, !node.properties.contains(where: { $0.deleted && $0.name == name }) else {
      return nil
    }
    var block = node.definitions[0]
    if let reg = node.property("reg")?.range,
      let d = node.definitions.first(where: { contains($0, reg) })
    {
      block = d
    }
    let last = node.liveProperties.compactMap(\.range).filter { contains(block, $0) }.max { $0.end < $1.end }
    // Inside the block's `{` when the block holds no property.
    let at = last?.end ?? (block.start + 1)
    let depth = sourceDepth(of: block, in: node)
    let indent = String(repeating: "\t", count: depth + 1)
    let edit = TextEdit(
      range: SourceRange(file: block.file, start: at, end: at), replacement: "\n" + indent + name + ";")
    return FixIt(message: message, edits: [edit])
  }

  /// How many enclosing blocks of the node's ancestors (in the same file) contain `block`: 0 for a node written
  /// at the top level (`&label { … };`), 2 for a child of `reserved-memory` written inside `/ { … };`.
  static func sourceDepth(of block: SourceRange, in node: Node) -> Int {
    var depth = 0
    var p = node.parent
    while let a = p {
      if a.definitions.contains(where: { $0 != block && contains($0, block) }) { depth += 1 }
      p = a.parent
    }
    return depth
  }

  static func contains(_ outer: SourceRange, _ inner: SourceRange) -> Bool {
    outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
  }
}
