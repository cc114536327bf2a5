import DTCore
import DTHMP
import DTRules

/// The generator's check of its own output: the overlay is compiled, applied with libfdt to the base (the real
/// one, or the board's base-tree shape built from the profiles), and the merged tree linted with the HMP and
/// overlay rules under the same kernel flavor, board and manifest.
public enum HMPSelfCheck {
  public struct Result {
    /// `hmp_*` and `overlay_*` findings and front-end problems of the overlay, as in `check`.
    public var findings: [Diagnostic]
    /// The merged tree (nil when the overlay did not apply).
    public var merged: DeviceTree?
    public var hasErrors: Bool { findings.contains { $0.severity == .error } }
  }

  /// Checks `overlayText` (registered under `overlayPath`, a name findings show, such as `<generated overlay>`:
  /// not a file, since nothing is written before the check passes) against `base`, or against the board's shape
  /// when `base` is nil.
  /// `commandLine` are the words the overlay's header prescribes: the check judges the system booted with them.
  public static func check(
    overlayText: String, overlayPath: String, request: HMPGenerateRequest, reader: SourceReader,
    base: (tree: LoadedTree, path: String)?, commandLine: [String] = []
  ) throws(LoadError) -> Result {
    _ = reader.sources.addVirtualFile(path: overlayPath, text: overlayText)
    let baseTree: LoadedTree
    let basePath: String
    if let base {
      (baseTree, basePath) = base
    } else {
      basePath = "\(request.board.name)-\(request.sku.name).shape.dts"
      _ = reader.sources.addVirtualFile(path: basePath, text: shapeText(request))
      baseTree = try reader.loadBase(path: basePath)
    }
    let chain = try reader.applyChain(base: baseTree, basePath: basePath, overlays: [overlayPath])
    var bootargs = request.bootargs
    if !commandLine.isEmpty {
      bootargs = (bootargs ?? KernelCommandLine("", source: .generator)).adding(commandLine, source: .generator)
    }
    let context = HMPContext(
      kernel: request.kernel, kernelGiven: request.kernelName, board: request.board, manifest: request.manifest,
      inputs: request.inputs, bootargs: bootargs)
    let linter = Linter(hmp: context)
    let findings = linter.lint(chain: chain, onlyOverlay: base != nil).filter { d in
      HMPFixer.applies(d.rule) || d.severity == .error
    }
    return Result(findings: findings, merged: chain.merged)
  }

  /// A tree with the shape of the board's mainline base trees as far as an HMP overlay touches them: the root
  /// compatibles, `/reserved-memory`, the SoC's MUs, clock controller, SRC, GPR, iomuxc and peripherals at their
  /// paths with their labels and default status (the SKU's own enables and disables applied).
  public static func shapeText(_ request: HMPGenerateRequest) -> String {
    // The board profile was checked against its (bundled) SoC profile when it loaded.
    guard let soc = request.manifest?.soc ?? (try? SoCProfile.load(name: request.board.soc)) else { return "" }
    final class Entry {
      var name: String
      var children: [String: Entry] = [:]
      var order: [String] = []
      var lines: [String] = []
      var label: String?
      init(name: String) { self.name = name }
      func child(_ n: String) -> Entry {
        if let c = children[n] { return c }
        let c = Entry(name: n)
        children[n] = c
        order.append(n)
        return c
      }
    }
    let root = Entry(name: "/")
    func add(_ node: SoCNode, _ lines: [String]) {
      var e = root
      let comps = node.path.split(separator: "/").map(String.init)
      for (i, c) in comps.enumerated() {
        e = e.child(c)
        if i < comps.count - 1 && e.lines.isEmpty {
          e.lines = ["#address-cells = <1>;", "#size-cells = <1>;", "ranges;"]
        }
      }
      e.label = node.label
      let compat = node.compatible.map { "\"\($0)\"" }.joined(separator: ", ")
      // SCMI protocol nodes (i.MX 95) have no compatible of their own.
      e.lines =
        (compat.isEmpty ? [] : ["compatible = \(compat);"]) + ["reg = <\(hex(node.unitAddress)) 0x10000>;"] + lines
    }
    let sku = request.sku
    func status(_ label: String, _ defaultStatus: String) -> [String] {
      if sku.enables.contains(where: { $0.label == label }) { return [] }
      if sku.disables.contains(where: { $0.label == label }) { return ["status = \"disabled\";"] }
      return defaultStatus == "okay" ? [] : ["status = \"\(defaultStatus)\";"]
    }
    for n in soc.systemNodes {
      add(n, n.label == soc.remoteproc.clock?.provider ? ["#clock-cells = <1>;"] : [])
    }
    for mu in soc.mailboxes.units {
      // A board whose base carries the remoteproc node enables the M core's MU there (Verdin iMX95: &mu7 okay).
      let enabledByBase = mu.mSide != nil && request.board.remoteprocInBase?.muEnabled == true
      add(
        mu.node,
        ["#mbox-cells = <\(soc.mailboxes.mboxCells)>;"] + status(mu.label, enabledByBase ? "okay" : mu.defaultStatus))
    }
    for p in soc.peripherals { add(p.node, status(p.label, p.defaultStatus)) }
    // The SoC's own remoteproc node (i.MX 93, 8ULP), as its .dtsi has it.
    if let n = soc.remoteproc.node, let c = soc.remoteproc.preferred?.compatible {
      let e = root.child(String(n.path.dropFirst()))
      e.label = n.label
      e.lines = ["compatible = \"\(c)\";"] + (n.defaultStatus == "okay" ? [] : ["status = \"\(n.defaultStatus)\";"])
    }

    // The remoteproc node the board's base trees carry (Verdin iMX95), with its mailboxes and regions.
    var baseRegions = ""
    if let rb = request.board.remoteprocInBase, let c = soc.remoteproc.preferred?.compatible,
      let mu = soc.mailboxes.forMCore
    {
      let e = root.child(String(rb.path.dropFirst()))
      e.label = rb.label
      let names = request.kernel.mailbox.bindingNames.filter { soc.mailboxes.channelTypes[$0] != nil }
      let channel = (request.manifest?.rpmsg ?? soc.rpmsgDefaults).muChannel
      e.lines = [
        "compatible = \"\(c)\";",
        "mbox-names = \(names.map { "\"\($0)\"" }.joined(separator: ", "));",
        "mboxes = \(names.map { "<&\(mu.label) \(soc.mailboxes.channelTypes[$0]!) \(channel)>" }.joined(separator: ", "));",
        "memory-region = \(rb.regions.map { "<&\($0.label)>" }.joined(separator: ", "));",
      ]
      for r in rb.regions.sorted(by: { $0.address < $1.address }) {
        baseRegions += "\n\t\t\(r.label): \(r.name)@\(String(r.address, radix: 16)) {\n"
        if let c = r.compatible { baseRegions += "\t\t\tcompatible = \"\(c)\";\n" }
        baseRegions +=
          "\t\t\treg = <\(hex(r.address >> 32)) \(hex(r.address & 0xFFFF_FFFF)) "
          + "\(hex(r.size >> 32)) \(hex(r.size & 0xFFFF_FFFF))>;\n\t\t\tno-map;\n\t\t};\n"
      }
    }

    var out = "/dts-v1/;\n\n/ {\n"
    let compats = [sku.compatible, request.board.compatible, soc.rootCompatible].map { "\"\($0)\"" }
    out += "\tcompatible = \(compats.joined(separator: ", "));\n"
    out += "\t#address-cells = <2>;\n\t#size-cells = <2>;\n\n"
    out += "\treserved-memory {\n\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n\t\tranges;\n\(baseRegions)\t};\n"
    func write(_ e: Entry, level: Int) {
      let tabs = String(repeating: "\t", count: level)
      out += "\n\(tabs)\(e.label.map { "\($0): " } ?? "")\(e.name) {\n"
      for l in e.lines { out += "\(tabs)\t\(l)\n" }
      for c in e.order { write(e.children[c]!, level: level + 1) }
      out += "\(tabs)};\n"
    }
    for c in root.order { write(root.children[c]!, level: 1) }
    out += "};\n"
    return out
  }

  static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
}
