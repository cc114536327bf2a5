import DTCore
import DTHMP

// Shared by the remoteproc-node and mailbox rules (Rproc*Rule.swift): which SoC a tree is judged against, which
// nodes are imx_rproc nodes, the M core's MU, and fix-it helpers that only edit what was written literally.

extension TreeInfo {
  /// The root node's `compatible` strings.
  var rootCompatibles: [String] { tree.root.property("compatible")?.value.strings ?? [] }

  /// The SoC the remoteproc rules judge a tree against: the manifest's or the board's (``HMPContext/soc(for:)``),
  /// else the bundled SoC the root `compatible` names (`fsl,imx8mp`), else the SoC whose imx-rproc compatible the
  /// tree uses — unless the root names another i.MX SoC (an i.MX 8M Nano tree with `fsl,imx8mn-cm7` is not
  /// judged as an i.MX 8M Plus). Nil when unknown: the rules that need it stay silent.
  /// Decided once per tree: every remoteproc, region, clock and ownership rule asks.
  func rprocSoC() -> SoCProfile? { self[RprocSoC.self] }

  private enum RprocSoC: TreeFact {
    static func compute(_ info: TreeInfo) -> SoCProfile? {
      let hmp = info.hmp
      let tree = info.tree
      // A tree with no imx_rproc-like node and no manifest has nothing to judge: load no knowledge file for it.
      if hmp.manifest == nil && info.imxRprocLikeNodes().isEmpty { return nil }
      if hmp.manifest != nil || hmp.board(for: tree) != nil { return info.hmpSoC }
      let root = info.rootCompatibles
      // Every bundled profile `<name>` has the root compatible `fsl,<name>` (KnowledgeTests checks it): only the
      // profile the root names is loaded, not every one before it in name order.
      for name in SoCProfile.knownNames where root.contains("fsl,\(name)") {
        if let s = try? SoCProfile.load(name: name), root.contains(s.rootCompatible) { return s }
      }
      guard let s = info.hmpSoC else { return nil }
      let namesAnotherSoC = root.contains { c in
        c.hasPrefix("fsl,imx") && !c.dropFirst("fsl,".count).contains("-")
      }
      return namesAnotherSoC ? nil : s
    }
  }

  /// Every live node whose `compatible` looks like an imx_rproc one (`fsl,imx*-cm4`, `-cm7`, `-cm33`, with or
  /// without `-mmio`: the pattern every bundled flavor's and SoC's compatible follows, or one the selected flavor
  /// lists), whatever the SoC. The rules that judge the compatible itself start from these; the others from
  /// ``remoteprocNodes()``.
  /// Computed once per tree (the rules of this family share it) and cheap: no knowledge file is loaded, so a
  /// tree without any such node costs the family one walk.
  func imxRprocLikeNodes() -> [Node] { self[ImxRprocLikeNodes.self] }

  private enum ImxRprocLikeNodes: TreeFact {
    static func compute(_ info: TreeInfo) -> [Node] {
      let listed: Set<String> = info.hmp.kernelGiven == nil ? [] : Set(info.hmp.kernel.compatibles)
      // Every `namesMCore` compatible has "-cm" in it: a node without those bytes is passed over without making
      // its compatible strings (unless the kernel lists compatibles of its own).
      return info.nodes(withProperty: "compatible").compactMap { n, p in
        guard !listed.isEmpty || p.value.containsBytes("-cm") else { return nil }
        return (p.value.strings ?? []).contains { HMPCompatibles.namesMCore($0) || listed.contains($0) } ? n : nil
      }
    }
  }

  /// The imx_rproc nodes the kernel probes (``remoteprocNodes()`` that are enabled). Looks for the SoC only when
  /// the tree has a candidate at all.
  func enabledRemoteprocNodes() -> [Node] {
    imxRprocLikeNodes().contains(where: \.isEnabled) ? remoteprocNodes().filter(\.isEnabled) : []
  }

  /// Whether `node` is the SoC's messaging unit `unit`: at its path, or (trees laid out differently, examples) at
  /// its unit address with one of its compatibles.
  func isUnit(_ node: Node, _ unit: MailboxUnit) -> Bool {
    if node.path == unit.node.path { return true }
    guard !node.unitAddress.isEmpty, UInt64(node.unitAddress, radix: 16) == unit.node.unitAddress else { return false }
    let compats = node.property("compatible")?.value.strings ?? []
    return compats.contains { unit.node.compatible.contains($0) }
  }

  /// The SoC messaging unit `node` is, if any.
  func unit(of node: Node, in soc: SoCProfile) -> MailboxUnit? {
    soc.mailboxes.units.first { isUnit(node, $0) }
  }

  /// The node of the M core's MU in this tree.
  func mCoreMU(_ soc: SoCProfile) -> (unit: MailboxUnit, node: Node?)? {
    guard let unit = soc.mailboxes.forMCore else { return nil }
    if let n = tree.node(atPath: unit.node.path) { return (unit, n) }
    return (unit, allNodes.first { isUnit($0, unit) })
  }

  /// How a message names a node the profile knows: `mu (/soc@0/bus@30800000/mailbox@30aa0000)`.
  func describe(_ node: Node, soc: SoCProfile?) -> String {
    if let soc, let u = unit(of: node, in: soc) { return "\(u.label) (\(node.path))" }
    if let l = node.labels.first { return "\(l) (\(node.path))" }
    return node.path
  }
}

/// The M-core flavor of `node`'s compatible: the first of its compatibles the SoC profile knows.
func rprocVariant(of node: Node, soc: SoCProfile?) -> RprocCompatible? {
  guard let soc else { return nil }
  return (node.property("compatible")?.value.strings ?? []).lazy.compactMap { soc.remoteproc.compatible($0) }.first
}

/// Whether `node`'s compatible is one of the `-mmio` variants (start/stop through SRC and GPR registers).
func isMMIOVariant(_ node: Node, soc: SoCProfile?) -> Bool {
  if let v = rprocVariant(of: node, soc: soc) { return v.method == .mmio }
  return (node.property("compatible")?.value.strings ?? []).contains { $0.hasSuffix("-mmio") }
}

// MARK: - Values as written

/// `"tx", "rx", "rxdb"`.
func quotedList(_ strings: [String]) -> String {
  strings.map { "\"\($0)\"" }.joined(separator: ", ")
}

// MARK: - Fix-it helpers

enum FixSupport {
  /// The range of a property written as one `name = value;` statement (its name spelled out, not produced by a
  /// macro): replacing or deleting it edits exactly that statement. Nil for blobs and generated properties.
  static func statementRange(_ p: Property) -> SourceRange? {
    guard let r = p.range, let n = p.nameRange, r.file == n.file, r.start == n.start,
      Int(n.end - n.start) == p.name.utf8.count, r.end > n.end
    else { return nil }
    return r
  }

  /// Replaces the whole statement of `p` with `text` (e.g. `mbox-names = "tx", "rx", "rxdb";`).
  static func replace(_ p: Property, with text: String, message: String) -> FixIt? {
    guard let r = statementRange(p) else { return nil }
    return FixIt(message: message, edits: [TextEdit(range: r, replacement: text)])
  }

  /// Deletes the statement of `p`.
  static func delete(_ p: Property, message: String) -> FixIt? {
    guard let r = statementRange(p) else { return nil }
    return FixIt(message: message, edits: [TextEdit(range: r, replacement: "")])
  }

  /// Inserts `text` (one statement) right after the statement of `anchor`, on the same line.
  static func insert(_ text: String, after anchor: Property, message: String) -> FixIt? {
    guard let r = statementRange(anchor) else { return nil }
    return FixIt(
      message: message,
      edits: [TextEdit(range: SourceRange(file: r.file, start: r.end, end: r.end), replacement: " " + text)])
  }

  /// The phandle references of a cell property with their written form (`&mu`, `&{/soc/mailbox@30aa0000}`), by
  /// byte offset. Only references whose range covers exactly that spelling are returned.
  static func references(in p: Property) -> [Int: (text: String, range: SourceRange)] {
    var out: [Int: (String, SourceRange)] = [:]
    for m in p.value.markers where m.kind == .phandleReference {
      guard let ref = m.ref, let r = m.range else { continue }
      let text = ref.hasPrefix("/") ? "&{\(ref)}" : "&\(ref)"
      guard Int(r.end - r.start) == text.utf8.count else { continue }
      out[m.offset] = (text, r)
    }
    return out
  }

  /// A reference to `node` as a source would write it: `&label`.
  static func reference(to node: Node) -> String? { node.labels.first.map { "&" + $0 } }
}

extension HMPContext {
  /// How messages name the M7 manifest: `the M7 manifest (m7.yaml)`.
  var manifestPhrase: String {
    guard let m = manifest else { return "no M7 manifest" }
    return "the M7 manifest (\(m.path))"
  }
}

// MARK: - mboxes

/// One `<&mu TYPE IDX>` entry of `mboxes`, with the byte offset of its phandle (where its reference marker is).
struct MboxEntry {
  var index: Int
  var offset: Int
  var target: Node?
  var args: [UInt32]
}

extension TreeInfo {
  /// The entries of `mboxes`, walked with each controller's `#mbox-cells`; `complete` is false when a phandle
  /// did not resolve (an overlay's unresolved reference) or a controller lacks `#mbox-cells`.
  func mboxEntries(_ p: Property) -> (entries: [MboxEntry], complete: Bool) {
    let (list, complete) = phandleArgsList(p, cellsName: "#mbox-cells")
    var offset = 0
    var out: [MboxEntry] = []
    for (i, e) in list.enumerated() {
      out.append(MboxEntry(index: i, offset: offset, target: e.target, args: e.arguments))
      offset += 4 * (1 + e.arguments.count)
    }
    return (out, complete)
  }

  /// How many entries `mboxes` has: walked when every phandle resolves, else counted with the SoC's
  /// `#mbox-cells` when the length fits (nil when unknown).
  func mboxCount(_ p: Property, soc: SoCProfile?) -> Int? {
    let (entries, complete) = mboxEntries(p)
    if complete { return entries.count }
    guard let soc, let cells = p.value.cells, cells.count % (1 + soc.mailboxes.mboxCells) == 0 else { return nil }
    return cells.count / (1 + soc.mailboxes.mboxCells)
  }
}

extension SoCProfile.Mailboxes {
  /// The channel-type name of a type number (`0` → `tx`, `3` → `rxdb`).
  func typeName(_ type: UInt32) -> String? {
    channelTypes.filter { $0.value == type }.map(\.key).sorted().first
  }
}

extension KernelFlavor.MailboxUse {
  /// The index of `mbox-names` the mailbox core picks for `channel`: the first exact match, or with the old
  /// core's `strncmp(name, mbox_name, strlen(name))` the first entry that starts with it (HMPFacts §1.5).
  func index(of channel: String, in names: [String]) -> Int? {
    names.firstIndex { nameMatch.matches(Substring($0), channel) }
  }
}

// MARK: - Examples

/// An example tree for the mailbox rules: the M core clock's controller and the SoC's MUs (flattened from its
/// `.dtsi`), then a remoteproc node with `node` as its body (one property per line, `↓` markers allowed).
func rprocExample(_ node: String, muStatus: String? = nil, withMU2: Bool = false, soc: ExampleSoC = .imx8mp) -> String {
  var s = cellsExampleOpening
  s += "\tclk: clock-controller@\(String(soc.clockControllerAddress, radix: 16)) {\n"
  s += "\t\treg = <\(ExampleSoC.hex(soc.clockControllerAddress)) 0x10000>;\n\t\t#clock-cells = <1>;\n\t};\n"
  func mu(_ label: String, _ address: UInt32) -> String {
    "\t\(label): mailbox@\(String(address, radix: 16)) {\n\t\tcompatible = \(soc.muCompatibles);\n"
      + "\t\treg = <\(ExampleSoC.hex(address)) 0x10000>;\n\t\t#mbox-cells = <2>;\n"
  }
  s += mu("mu", soc.muAddress)
  if let muStatus { s += "\t\tstatus = \"\(muStatus)\";\n" }
  s += "\t};\n"
  if withMU2 { s += mu("mu2", soc.secondMUAddress) + "\t\tstatus = \"disabled\";\n\t};\n" }
  s += soc.remoteprocOpening()
  for line in node.split(separator: "\n") { s += "\t\t" + line + "\n" }
  return s + "\t};\n};\n"
}
