import DTCore
import DTHMP

// Shared by the HMP rules: finding the remoteproc node, its regions and mailboxes, with the SoC and kernel
// knowledge of `schemas/` (Documentation/HMPFacts.md).

extension RuleDescription {
  /// An HMP rule: `category: .hmp`, enabled, in its `family`; the rationale cites the HMPFacts section. `needs`:
  /// what it reads beyond the tree (a rule that needs the manifest stays silent without one).
  static func hmp(
    _ id: String, family: RuleFamily, name: String, severity: Severity, summary: String, rationale: String,
    needs: Set<RuleNeed> = [],
    triggering: @autoclosure @escaping @Sendable () -> [RuleExample],
    nonTriggering: @autoclosure @escaping @Sendable () -> [RuleExample]
  ) -> RuleDescription {
    RuleDescription(
      id: id, name: name, summary: summary, rationale: rationale, category: .hmp, family: family,
      defaultSeverity: severity, needs: needs, triggering: triggering(), nonTriggering: nonTriggering())
  }
}

// How messages name the SoC's remote core: `SoCProfile.coreName` (DTHMP), `cortex-m7` → `M7`.

extension TreeInfo {
  /// How messages name the remote core of this tree: that of the manifest's SoC, else of the SoC the imx-rproc
  /// node is judged against; `M7` when neither is known (the i.MX 8M Plus, dtlint's reference system).
  var coreName: String { (hmp.manifest?.soc ?? rprocSoC())?.coreName ?? "M7" }
}

/// One `phandle + arguments` entry of a list property (`mboxes = <&mu 0 1>, <&mu 1 1>`).
struct PhandleEntry {
  var phandle: UInt32
  var target: Node?
  var arguments: [UInt32]
}

extension TreeInfo {
  /// The node a phandle value names.
  func node(phandle: UInt32) -> Node? { nodesByPhandle[phandle] }

  /// The live nodes whose `compatible` includes one of `compatibles`, in tree order.
  func nodes(compatibleWith compatibles: Set<String>) -> [Node] {
    allNodes.filter { n in (n.property("compatible")?.value.strings ?? []).contains { compatibles.contains($0) } }
  }

  /// Nodes with an imx-rproc compatible (`fsl,imx8mp-cm7`, `fsl,imx8mm-cm4`, …): from the SoC profile when one is
  /// known, else by the `fsl,imx*-cm*` pattern the driver's table follows. Computed once per tree: most HMP rules
  /// start from it.
  func remoteprocNodes() -> [Node] { self[RemoteprocNodes.self] }

  private enum RemoteprocNodes: TreeFact {
    static func compute(_ info: TreeInfo) -> [Node] {
      // No imx_rproc-like compatible anywhere: nothing to find, and no knowledge file to load.
      if info.imxRprocLikeNodes().isEmpty { return [] }
      if let soc = info.hmpSoC {
        return info.nodes(compatibleWith: Set(soc.remoteproc.compatibles.map(\.compatible)))
      }
      return info.allNodes.filter { n in
        (n.property("compatible")?.value.strings ?? []).contains { HMPCompatibles.isRemoteProc($0) }
      }
    }
  }

  /// ``HMPContext/soc(for:)`` of this tree, decided once (it walks the tree and may load profiles).
  var hmpSoC: SoCProfile? { self[HMPSoC.self] }

  private enum HMPSoC: TreeFact {
    static func compute(_ info: TreeInfo) -> SoCProfile? { info.hmp.soc(for: info.tree) }
  }

  /// `/reserved-memory`, when the tree has it.
  var reservedMemory: Node? { tree.node(atPath: "/reserved-memory") }

  /// Whether the HMP rules have a system to speak for: an M7 manifest was given, or the tree has an enabled node
  /// with an imx-rproc compatible. The rules that could fire on any tree (reserved-memory layout) stay silent
  /// otherwise (HMPFacts §15.8).
  var hasHMPSystem: Bool { hmp.manifest != nil || imxRprocLikeNodes().contains(where: \.isEnabled) }

  /// A list of single phandles (`memory-region = <&a>, <&b>`), each resolved.
  func phandleList(_ property: Property) -> [(phandle: UInt32, target: Node?)] {
    (property.value.cells ?? []).map { ($0, nodesByPhandle[$0]) }
  }

  /// A `phandle + #<cellsName> arguments` list, walked with each provider's cell count. Stops (returning what it
  /// read) at a phandle it cannot resolve or a provider without `cellsName`.
  func phandleArgsList(_ property: Property, cellsName: String) -> (entries: [PhandleEntry], complete: Bool) {
    let cells = property.value.cells ?? []
    var out: [PhandleEntry] = []
    var i = 0
    while i < cells.count {
      let ph = cells[i]
      guard let target = nodesByPhandle[ph], let n = target.property(cellsName)?.value.singleCell else {
        out.append(PhandleEntry(phandle: ph, target: nodesByPhandle[ph], arguments: []))
        return (out, false)
      }
      let count = Int(n)
      guard i + 1 + count <= cells.count else {
        out.append(PhandleEntry(phandle: ph, target: target, arguments: Array(cells[(i + 1)...])))
        return (out, false)
      }
      out.append(PhandleEntry(phandle: ph, target: target, arguments: Array(cells[(i + 1)..<(i + 1 + count)])))
      i += 1 + count
    }
    return (out, true)
  }

  /// A node's `reg` as (address, size) pairs with its parent's cell counts; nil when the length does not fit.
  func regEntries(of node: Node) -> [(address: UInt64, size: UInt64)]? {
    guard let reg = node.property("reg"), let cells = reg.value.cells, let parent = node.parent else { return nil }
    let ac = addressCells(of: parent)
    let sc = sizeCells(of: parent)
    guard ac >= 0, sc >= 0, ac <= 2, sc <= 2, ac + sc > 0, cells.count % (ac + sc) == 0 else { return nil }
    func value(_ slice: ArraySlice<UInt32>) -> UInt64 { slice.reduce(UInt64(0)) { ($0 << 32) | UInt64($1) } }
    var out: [(UInt64, UInt64)] = []
    var i = 0
    while i < cells.count {
      out.append((value(cells[i..<(i + ac)]), value(cells[(i + ac)..<(i + ac + sc)])))
      i += ac + sc
    }
    return out
  }
}

extension Node {
  /// The node name as the kernel's `node->name` sees it: without the unit address.
  var kernelName: Substring { baseName }

  /// `status` is absent, "okay" or "ok" (what the kernel's `of_device_is_available` accepts).
  var isEnabled: Bool {
    guard let s = property("status")?.value.strings?.first else { return true }
    return s == "okay" || s == "ok"
  }
}

/// What the HMP rules see in a tree, for callers outside the rules (`hmp explain-log` decides with it whether a
/// finding is about a region the M core's node uses).
public enum HMPTreeFacts {
  /// The node paths of the regions the enabled imx-rproc nodes list in `memory-region`, and the SoC messages speak
  /// of (the manifest's, else the one the imx-rproc node is judged against; nil when neither is known).
  public static func remoteproc(_ tree: DeviceTree, hmp: HMPContext) -> (regions: Set<String>, soc: SoCProfile?) {
    let info = TreeInfo(tree: tree, hmp: hmp)
    return (Set(info.rprocRegions.regions.map(\.node.path)), hmp.manifest?.soc ?? info.rprocSoC())
  }
}
