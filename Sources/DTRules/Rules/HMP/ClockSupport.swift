import DTCore
import DTHMP

// Shared by hmp_clock_gated, hmp_power_domain, the generator and the fixer: what keeps Linux from switching off the
// clocks and power of the peripherals the M7 owns, under a kernel flavor and command line (HMPFacts §13).

/// What a kernel needs to leave the M7's root slices and power domains alone: the command-line words and the
/// `init-on-array` clocks, for a flavor (the generator writes them, the fixer and the rules name them).
public struct ClockProtectionPlan: Sendable, Hashable {
  /// Words for the kernel command line (`clk-imx8mp.mcore_booted=1`, `pd_ignore_unused`).
  public var commandLine: [String]
  /// CCGR gates to list in `init-on-array` of the clock controller (flavors that read it).
  public var initOnArray: [ClockRef]
  /// The clock controller's label (`clk`).
  public var provider: String
  /// The owned peripherals whose root slice needs protecting, and those in a power domain.
  public var slices: [String]
  public var powerDomains: [String]

  public var isEmpty: Bool { commandLine.isEmpty && initOnArray.isEmpty }

  /// The plan for the peripherals `labels` the M7 owns, under `flavor`, on top of the command line `given`.
  public static func make(
    soc: SoCProfile, flavor: KernelFlavor, owned labels: [String], given: KernelCommandLine?
  ) -> ClockProtectionPlan {
    guard let clocks = soc.clocks else {
      return ClockProtectionPlan(commandLine: [], initOnArray: [], provider: "clk", slices: [], powerDomains: [])
    }
    let entries = labels.compactMap { clocks.peripheral(label: $0) }
    let sliced = entries.filter { $0.slice != nil }
    let domains = entries.compactMap(\.powerDomain)
    var words: [String] = []
    var initOn: [ClockRef] = []
    let p = clocks.protection(under: flavor)
    let readsInitOn = p?.initOnArray.read ?? false
    if !sliced.isEmpty {
      if readsInitOn {
        for e in sliced {
          if let g = e.gate, !initOn.contains(g) { initOn.append(g) }
        }
      }
      // The command line where init-on-array alone does not do: a flavor that does not read it, one whose clock
      // driver clears slices while registering them, or one whose clock driver was not read.
      let effect = p?.mcoreBooted.effect ?? .unknown
      if effect != .none && (!readsInitOn || p?.clearedAtRegistration != nil || effect == .unknown),
        let parameter = clocks.mcoreBootedParameter
      {
        words.append(parameter + "=1")
      }
    }
    // Gates the boot-time sweep closes on their own (the i.MX 93's LPCGs, HMPFacts §18.10): init-on-array keeps
    // them where the flavor reads it; elsewhere only clk_ignore_unused does, unless the plan sets an mcore_booted
    // the flavor is known to spare gates with (hmp_clock_gated's gate verdict, the same conditions).
    if clocks.gateSweep != nil {
      let gated = entries.compactMap(\.gate)
      if readsInitOn {
        for g in gated where !initOn.contains(g) { initOn.append(g) }
      } else if !gated.isEmpty {
        let spared =
          (p?.gateMcoreBooted?.effect.protects ?? false)
          && clocks.mcoreBootedParameter.map { words.contains($0 + "=1") } ?? false
        if !spared { words.append("clk_ignore_unused") }
      }
    }
    if !domains.isEmpty { words.append("pd_ignore_unused") }
    let needed = words.filter { w in
      given.map { g in g.adding([w], source: g.source).parameters.count > g.parameters.count } ?? true
    }
    return ClockProtectionPlan(
      commandLine: needed, initOnArray: initOn, provider: clocks.provider, slices: sliced.map(\.label),
      powerDomains: Array(Set(domains)).sorted())
  }

  /// The U-Boot line that appends the words to the command line.
  public var ubootLine: String? {
    commandLine.isEmpty ? nil : "setenv bootargs \"${bootargs} \(commandLine.joined(separator: " "))\"; saveenv"
  }
}

/// The facts of one tree the clock and power rules share, computed once per tree.
struct M7PowerContext {
  let tree: DeviceTree
  let claims: M7Claims
  let clocks: SoCClocks
  let flavor: KernelFlavor
  let commandLine: KernelCommandLine?
  /// The clock controller node, when the tree has it.
  let clockController: Node?
  /// IDs in the clock controller's `init-on-array`.
  let initOnArray: [UInt32]
  /// Clocks of the table's clock controllers that live nodes the M7 does not own take (`clocks`), by controller
  /// label and ID, with one taker each.
  let takers: [ClockKey: Node]
  /// The first enabled remoteproc node (findings fall back to it).
  let rproc: Node

  /// A clock of one of the table's clock controllers: its label (`clk`, `pcc3`) and ID.
  struct ClockKey: Hashable {
    let provider: String
    let id: UInt32
  }

  /// The live node the M7 does not own that takes clock `id` of the controller labelled `provider`.
  func taker(provider: String, id: UInt32) -> Node? { takers[ClockKey(provider: provider, id: id)] }

  /// How messages name the command line: "the kernel command line (--bootargs)", or "no kernel command line".
  var commandLinePhrase: String {
    guard let c = commandLine else { return "no kernel command line (none was given)" }
    return "the kernel command line (\(c.source.phrase))"
  }

  /// Whether a live node the M7 does not own (other than `node` and `provider` itself) takes clocks of `provider`.
  func viaUsers(of provider: Node, excluding node: Node) -> Bool {
    viaTakers.contains { $0.provider === provider && $0.user !== node && $0.user !== provider }
  }
  /// (clock provider other than the clock controller, live non-owned user) pairs.
  let viaTakers: [(provider: Node, user: Node)]

  /// Whether the M7 is started before Linux: the manifest says so, or does not say (then assumed).
  var startedBeforeLinux: Bool { claims.manifest.startedBy != .linux }
  var startAssumed: Bool { claims.manifest.startedBy == nil }
}

extension TreeInfo {
  /// The shared clock and power facts; nil unless an enabled remoteproc node and an M7 manifest exist and the SoC
  /// profile has its `clocks` section (an hmp_ rule speaks only then).
  var m7Power: M7PowerContext? { self[M7Power.self] }

  /// ``m7Power``, computed once per tree.
  private enum M7Power: TreeFact {
    static func compute(_ info: TreeInfo) -> M7PowerContext? { info.makeM7Power() }
  }

  private func makeM7Power() -> M7PowerContext? {
    guard let claims = m7Claims, let clocks = claims.soc.clocks, let rproc = enabledRemoteprocNodes().first else {
      return nil
    }
    func controller(_ label: String) -> Node? {
      tree.node(withLabel: label)
        ?? claims.soc.systemNodes.first { $0.label == label }.flatMap { tree.node(atPath: $0.path) }
    }
    // The table's clock controllers (one, or the i.MX 8ULP's PCCs), by node.
    var controllers: [ObjectIdentifier: String] = [:]
    for label in clocks.providers {
      if let n = controller(label) { controllers[ObjectIdentifier(n)] = label }
    }
    var takers: [M7PowerContext.ClockKey: Node] = [:]
    var viaTakers: [(Node, Node)] = []
    for n in allNodes where n.isLive && !claims.owns(n) {
      guard let p = n.property("clocks") else { continue }
      for e in phandleArgsList(p, cellsName: "#clock-cells").entries {
        guard let target = e.target else { continue }
        if let label = controllers[ObjectIdentifier(target)] {
          let key = M7PowerContext.ClockKey(provider: label, id: e.arguments.first ?? 0)
          if e.arguments.count == 1 && takers[key] == nil { takers[key] = n }
        } else if target.isLive {
          viaTakers.append((target, n))
        }
      }
    }
    let main = controller(clocks.provider)
    return M7PowerContext(
      tree: tree, claims: claims, clocks: clocks, flavor: hmp.kernel, commandLine: hmp.commandLine(for: tree),
      clockController: main, initOnArray: main?.property("init-on-array")?.value.cells ?? [],
      takers: takers, rproc: rproc, viaTakers: viaTakers)
  }

  /// The clocks entry of an owned node: by its labels, else by the SoC profile's peripheral at its path.
  func clockEntry(of node: Node, in clocks: SoCClocks, soc: SoCProfile) -> PeripheralClocks? {
    for l in node.labels { if let e = clocks.peripheral(label: l) { return e } }
    if let p = soc.peripheral(path: node.path) { return clocks.peripheral(label: p.label) }
    if let u = soc.mailboxes.units.first(where: { $0.node.path == node.path }) {
      return clocks.peripheral(label: u.label)
    }
    return nil
  }
}

extension RuleContext {
  /// Reports a finding about an owned peripheral: at its `status` or name when written in the file that holds the
  /// remoteproc node (the file being worked on), else at the remoteproc node (an overlay that does not touch the
  /// peripheral is still where the fix goes).
  mutating func reportOwned(
    _ message: String, node: Node, power: M7PowerContext, fixes: [FixIt], cap: Severity?,
    commandLine: CommandLineAdvice
  ) {
    let file = power.rproc.nameRange?.file ?? power.rproc.definitions.last?.file
    if let s = node.property("status"), let r = s.range, r.file == file {
      report(message, node: node, property: s, fixes: fixes, cap: cap, commandLine: commandLine)
    } else if let def = node.definitions.last, def.file == file, let n = node.nameRange, n.file == file {
      report(message, node: node, fixes: fixes, cap: cap, commandLine: commandLine)
    } else {
      report(
        message, node: node, range: power.rproc.nameRange ?? power.rproc.range, fixes: fixes, cap: cap,
        commandLine: commandLine)
    }
  }
}

enum ClockFix {
  /// A fix-it that lists `gates` (with what the clock controller already lists) in its `init-on-array`: the
  /// statement replaced when this file writes it, else a `&clk { … };` block appended to the file that holds the
  /// root node's last definition. Nil for a plugin tree checked alone or when nothing can be placed.
  static func initOnArray(_ gates: [ClockRef], power: M7PowerContext, tree: DeviceTree) -> FixIt? {
    guard !tree.isPlugin, let controller = power.clockController, !gates.isEmpty else { return nil }
    var ids = power.initOnArray
    for g in gates where !ids.contains(g.id) { ids.append(g.id) }
    let names = ids.map { id in power.claims.soc.clockName(id: id) ?? "\(id)" }
    let value = "init-on-array = <\(ids.map(String.init).joined(separator: " "))>;"
    let statement = value + " /* \(names.joined(separator: " ")) */"
    let message = "list \(gates.map(\.name).joined(separator: ", ")) in init-on-array of &\(power.clocks.provider)"
    guard let file = tree.root.definitions.last?.file ?? power.rproc.definitions.last?.file else { return nil }
    if let p = controller.property("init-on-array"), let r = FixSupport.statementRange(p), r.file == file {
      // The statement only: a comment the file writes after it stays the file's.
      return FixIt(message: message, edits: [TextEdit(range: r, replacement: value)])
    }
    var end: UInt32 = 0
    tree.root.walk { n in
      for d in n.definitions where d.file == file { end = max(end, d.end) }
    }
    guard end > 0 else { return nil }
    let target = controller.labels.first.map { "&" + $0 } ?? "&{\(controller.path)}"
    // The section that verified init-on-array for this SoC and flavor: §13.6 for the i.MX 8M, §18.10 for the 93.
    let source = power.clocks.protection(under: power.flavor)?.initOnArray.provenance.source
    let section = factSection(source).map { String($0.dropFirst("HMPFacts ".count)) } ?? "§13.6"
    let block =
      "\n\n/* Keep the \(power.claims.soc.coreName)'s clocks on: NXP's clock driver enables these at probe and never drops them "
      + "(HMPFacts \(section)). */\n\(target) {\n\t\(statement)\n};"
    return FixIt(
      message: message, edits: [TextEdit(range: SourceRange(file: file, start: end, end: end), replacement: block)])
  }
}

/// `[verified: HMPFacts §13.2]`, `[inference: …]`.
func factTag(_ status: FactStatus, _ source: String) -> String { "[\(status.rawValue): \(source)]" }

/// The first `HMPFacts §N.M` a provenance source names, without what follows it.
func factSection(_ source: String?) -> String? {
  source?.firstMatch(of: /HMPFacts §[0-9.]*[0-9]/).map { String($0.0) }
}

/// The kernel command-line words that would settle findings of the clock and power rules, for `hmp fix`, which can
/// write them only as a comment (U-Boot passes the command line, not the tree).
public enum KernelCommandLineAdvice {
  /// The rules whose findings the command line settles: those that declare they read it (``RuleNeed/bootargs``).
  public static let rules = Set(RuleRegistry.shared.descriptions.filter { $0.needs.contains(.bootargs) }.map(\.id))

  /// The words the findings' rules attached (``Diagnostic/commandLine``), by rule ID and then in the findings'
  /// order, without those the command line `hmp.bootargs` already has.
  public static func words(for findings: [Diagnostic], hmp: HMPContext) -> [String] {
    var words: [String] = []
    for d in findings.enumerated().sorted(by: { ($0.element.rule, $0.offset) < ($1.element.rule, $1.offset) }) {
      guard case .add(let added)? = d.element.commandLine else { continue }
      for w in added where !words.contains(w) { words.append(w) }
    }
    return words.filter { w in
      hmp.bootargs.map { g in g.adding([w], source: g.source).parameters.count > g.parameters.count } ?? true
    }
  }

  /// The comment `hmp fix` writes above `/dts-v1/`, naming the M core of the manifest's SoC.
  /// Why the command line settles none of `findings` that say so (``CommandLineAdvice/unsettled(_:)``), each
  /// with its finding.
  public static func unsettled(_ findings: [Diagnostic]) -> [(finding: Diagnostic, why: String)] {
    findings.compactMap { d in
      guard case .unsettled(let why)? = d.commandLine else { return nil }
      return (d, why)
    }
  }

  public static func comment(_ words: [String], hmp: HMPContext = .defaults) -> String {
    let joined = words.joined(separator: " ")
    return "/*\n * Kernel command line (dtlint hmp fix, HMPFacts §13): Linux must boot with \(joined)\n"
      + " * so that it leaves the clocks and power of what the \(hmp.manifest?.soc.coreName ?? "M7") owns on. In U-Boot:\n"
      + " *   setenv bootargs \"${bootargs} \(joined)\"; saveenv\n */\n"
  }
}
