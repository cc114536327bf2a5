/// What the HMP rules read, as a comparison scope (`dtlint diff --hmp`): `/reserved-memory` and its children, the
/// nodes with an imx-rproc compatible (`fsl,imx*-cm*`), the MU nodes (`fsl,imx*-mu`), `/memreserve/`, and the
/// peripherals an M7 manifest names with the pin groups their `pinctrl-N` select.
public enum HMPScope {
  /// `fsl,imx8mp-cm7`, `fsl,imx8mm-cm4`, `fsl,imx93-cm33`, `fsl,imx8mn-cm7-mmio`, …: `fsl,imx<soc>-cm<digit>…`.
  public static func isRemoteProcCompatible(_ s: String) -> Bool {
    guard s.hasPrefix("fsl,imx"), let dash = s.range(of: "-cm") else { return false }
    return s[dash.upperBound...].first?.isNumber == true
  }

  /// `fsl,imx8mp-mu`, `fsl,imx6sx-mu`, `fsl,imx8ulp-mu-s4`, …: `fsl,imx<soc>-mu`, optionally with a suffix.
  public static func isMUCompatible(_ s: String) -> Bool {
    guard s.hasPrefix("fsl,imx") else { return false }
    return s.hasSuffix("-mu") || s.contains("-mu-")
  }

  /// The scope over `trees` (the union of what each holds), with the manifest's `peripherals` (labels, node paths
  /// or unit addresses). Returns the peripherals found in none of the trees too.
  public static func scope(for trees: [DeviceTree], peripherals: [String] = []) -> (
    scope: TreeDiffScope, unresolved: [String]
  ) {
    var roots: Set<String> = ["/reserved-memory"]
    var found = Set<String>()
    for tree in trees {
      let index = PhandleIndex(tree)
      tree.root.traverse(
        enter: { node, _ in
          let compatible = node.property("compatible")?.value.strings ?? []
          if compatible.contains(where: { isRemoteProcCompatible($0) || isMUCompatible($0) }) {
            roots.insert(node.path)
          }
        }, exit: { _, _ in })
      for name in peripherals {
        let nodes = peripheralNodes(name, in: tree, index: index)
        if !nodes.isEmpty { found.insert(name) }
        for n in nodes {
          roots.insert(n.path)
          // The pin groups Linux would mux for it.
          for p in n.liveProperties where PhandleLayout.isPinctrlState(p.name) {
            for ph in p.value.cells ?? [] {
              if let g = index.node(phandle: ph) { roots.insert(g.path) }
            }
          }
        }
      }
    }
    return (TreeDiffScope(roots: roots), peripherals.filter { !found.contains($0) })
  }

  /// The nodes a manifest entry names: a path (`/soc@0/…`), a label (`uart4`), or a unit address
  /// (`30a60000`, `0x30a60000`; nodes with `ranges`, i.e. buses, are not peripherals).
  static func peripheralNodes(_ name: String, in tree: DeviceTree, index: PhandleIndex) -> [Node] {
    if name.hasPrefix("/") { return tree.node(atPath: name).map { [$0] } ?? [] }
    if let n = index.node(label: name) { return [n] }
    var hex = name.lowercased()
    if hex.hasPrefix("0x") { hex.removeFirst(2) }
    guard !hex.isEmpty, hex.allSatisfy(\.isHexDigit) else { return [] }
    let trimmed = hex.drop(while: { $0 == "0" })
    var out: [Node] = []
    tree.root.traverse(
      enter: { node, _ in
        let unit = node.unitAddress.lowercased()
        guard !unit.isEmpty, node.property("ranges") == nil else { return }
        if unit.drop(while: { $0 == "0" }) == trimmed { out.append(node) }
      }, exit: { _, _ in })
    return out
  }
}
