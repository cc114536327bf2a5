import DTCore
import DTHMP

struct VringNameRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_vring_name", family: .regions, name: "Vring Name", severity: .warning,
    summary: "A vring region of the imx-rproc node is not named `vdev<N>vring<M>`",
    rationale: """
      imx_rproc registers each `memory-region` entry as a carveout named after the node (without the unit \
      address), and the remoteproc core looks vrings up by the exact name `vdev%dvring%d` \
      (`rproc_find_carveout_by_name`, `strcmp`). A region named otherwise (`vring0`, `vdev0-vring0`, \
      `vdev0_vring1`, or a generic `memory@…` whose label says `vdev0vring0`) is never used as the vring: Linux allocates the vring with `dma_alloc_coherent` elsewhere \
      and only warns "Allocated carveout doesn't fit device address request", while rpmsg-lite keeps its \
      hard-coded vring addresses (HMPFacts §2, §8, §10.2). The unit address is free (`vdev0vring0@55000000`).

      A warning: the kernel only warns, and that RPMsg then fails silently is inferred from both sides' code \
      (HMPFacts §2 marks it INFERENCE). The fix-it renames the node when its name says which vdev and vring it is.
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.vring1, "vdev0vring1: ↓vdev0-vring1@55008000 { reg = <0 0x55008000 0 0x8000>; no-map; };")
          ]))),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.vring0, "vdev0vring0: ↓vring0@55000000 { reg = <0 0x55000000 0 0x8000>; no-map; };")
          ]))),
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree()),
      // Not referenced by the rproc node: not a vring of it.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions + ["spare_vring: vring@56000000 { reg = <0 0x56000000 0 0x8000>; no-map; };"])),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard !info.rprocRegions.regions.isEmpty else { return }  // before any profile loads
    let kernel = info.hmp.kernel
    for r in info.rprocRegions.distinct where r.role == .vringLike {
      var fixes: [FixIt] = []
      var hint = ""
      if let guess = Self.guessIndices(r.name) ?? r.node.labels.lazy.compactMap({ Self.guessIndices($0[...]) }).first {
        let name = kernel.core.vringName(vdev: guess.vdev, ring: guess.ring)
        hint = " (here probably '\(name)')"
        let full = r.node.unitAddress.isEmpty ? name : name + "@" + r.node.unitAddress
        if let fix = RegionFixIts.rename(r.node, to: name, message: "rename to '\(full)'") { fixes.append(fix) }
      }
      context.report(
        "vring region '\(r.node.name)' is not named 'vdev<N>vring<M>'\(hint): \(info.hmp.kernelPhrase)'s remoteproc core finds vrings only by that carveout name and allocates this vring elsewhere, where the firmware does not look",
        node: r.node,
        notes: [DiagnosticNote("referenced here as memory-region[\(r.index)]", at: r.property.range)],
        fixes: fixes)
    }
  }

  /// The vdev and vring numbers a vring-like name states: the number after `vring` (required) and the one before
  /// it (vdev 0 when none), separators ignored (`vdev0-vring1`, `vring_1`, `rpmsg_vring0`).
  static func guessIndices(_ name: Substring) -> (vdev: Int, ring: Int)? {
    let lower = name.lowercased()
    guard let r = lower.range(of: "vring") else { return nil }
    func number(_ s: Substring) -> [Int] {
      var out: [Int] = []
      var cur = ""
      for ch in s {
        if ch.isASCII && ch.isNumber {
          cur.append(ch)
        } else if !cur.isEmpty {
          out.append(Int(cur.prefix(6)) ?? 0)
          cur = ""
        }
      }
      if !cur.isEmpty { out.append(Int(cur.prefix(6)) ?? 0) }
      return out
    }
    let after = lower[r.upperBound...]
    let afterDigits = after.drop { $0 == "-" || $0 == "_" }
    guard let first = afterDigits.first, first.isASCII, first.isNumber else { return nil }
    let ringNumbers = number(afterDigits.prefix { $0.isASCII && $0.isNumber })
    let before = number(lower[..<r.lowerBound])
    guard let ring = ringNumbers.first, before.count <= 1 else { return nil }
    return (before.first ?? 0, ring)
  }
}
