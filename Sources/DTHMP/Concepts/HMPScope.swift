import DTCore

/// What the HMP rules read, as a comparison scope (`dtlint diff --hmp`): `/reserved-memory` and its children, the
/// imx-rproc nodes, the MU nodes, and the peripherals an M7 manifest names (found as `check --m7` finds them) with
/// the pin groups their `pinctrl-N` select.
public enum HMPScope {
  /// The scope over `trees` (the union of what each holds). Returns the manifest's peripheral entries found in none
  /// of the trees too, as written.
  public static func scope(for trees: [DeviceTree], manifest: M7Manifest? = nil) -> (
    scope: TreeDiffScope, unresolved: [String]
  ) {
    var roots: Set<String> = ["/reserved-memory"]
    var found = Set<String>()
    for tree in trees {
      let index = PhandleIndex(tree)
      tree.root.traverse(
        enter: { node, _ in
          let compatible = node.property("compatible")?.value.strings ?? []
          if compatible.contains(where: { HMPCompatibles.isRemoteProc($0) || HMPCompatibles.isMU($0) }) {
            roots.insert(node.path)
          }
        }, exit: { _, _ in })
      for r in manifest?.resolvePeripherals(in: tree) ?? [] {
        guard let path = r.nodePath, let n = tree.node(atPath: path) else { continue }
        found.insert(r.entry.text)
        roots.insert(path)
        // The pin groups Linux would mux for it.
        for p in n.liveProperties where PhandleLayout.isPinctrlState(p.name) {
          for ph in p.value.cells ?? [] {
            if let g = index.node(phandle: ph) { roots.insert(g.path) }
          }
        }
      }
    }
    let unresolved = (manifest?.peripherals ?? []).map(\.text).filter { !found.contains($0) }
    return (TreeDiffScope(roots: roots), unresolved)
  }
}
