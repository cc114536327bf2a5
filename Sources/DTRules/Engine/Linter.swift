import DTCore

/// How one rule is set for a run.
public struct RuleSetting: Sendable, Hashable {
  public var enabled: Bool
  public var severity: Severity
  public init(enabled: Bool, severity: Severity) {
    self.enabled = enabled
    self.severity = severity
  }
}

/// Unknown rule names are tool problems, not findings.
public struct UnknownRuleError: Error, CustomStringConvertible, Sendable {
  public var name: String
  public var description: String { "unknown rule '\(name)' (see 'dtlint rules')" }
}

/// Which rules run, at which severity: defaults, then configuration, then command-line switches.
public struct RuleSelection: Sendable {
  public private(set) var settings: [String: RuleSetting]
  public var werror = false

  public init(registry: RuleRegistry = .shared) {
    var s: [String: RuleSetting] = [:]
    for d in registry.descriptions { s[d.id] = RuleSetting(enabled: d.enabledByDefault, severity: d.defaultSeverity) }
    settings = s
    self.registry = registry
  }

  private let registry: RuleRegistry

  public func setting(_ id: String) -> RuleSetting? { settings[id] }

  /// `--enable RULE` (or `all`): enables the rule and, as dtc does, every rule it depends on.
  public mutating func enable(_ name: String) throws(UnknownRuleError) {
    let registry = self.registry
    try cascade(name, enabled: true) { registry.description($0)?.prerequisites ?? [] }
  }

  /// `--disable RULE` (or `all`): disables the rule and, as dtc does, every rule that depends on it.
  public mutating func disable(_ name: String) throws(UnknownRuleError) {
    let registry = self.registry
    try cascade(name, enabled: false) { registry.dependents(of: $0) }
  }

  private mutating func cascade(_ name: String, enabled: Bool, next: (String) -> [String]) throws(UnknownRuleError) {
    if name == "all" {
      for id in settings.keys { settings[id]?.enabled = enabled }
      return
    }
    guard settings[name] != nil else { throw UnknownRuleError(name: name) }
    var stack = [name]
    var seen = Set<String>()
    while let id = stack.popLast() {
      guard seen.insert(id).inserted else { continue }
      settings[id]?.enabled = enabled
      stack.append(contentsOf: next(id))
    }
  }

  /// Sets a rule's severity (configuration file); `nil` turns it off.
  public mutating func set(_ name: String, severity: Severity?) throws(UnknownRuleError) {
    guard settings[name] != nil else { throw UnknownRuleError(name: name) }
    if let severity {
      settings[name]?.severity = severity
      try enable(name)
    } else {
      try disable(name)
    }
  }
}

/// The rules of a run, in registry order (``builtInRules``: the front-end rules, dtc's checks in dtc's order, the
/// HMP rules, the chain rules).
public struct RuleRegistry: Sendable {
  /// Every rule, in order.
  public let all: [any LintRule.Type]
  /// The tree rules, in execution order.
  public let rules: [any TreeRule.Type]
  /// The chain rules, in execution order.
  public let chainRules: [any ChainRule.Type]
  public let descriptions: [RuleDescription]
  private let index: [String: Int]
  private let dependentsMap: [String: [String]]

  /// A registry of rule types, in the given order.
  public init(_ all: [any LintRule.Type]) {
    self.init(all: all, descriptions: all.map { $0.description })
  }

  /// A registry of front-end rule descriptions (tests' small registries) followed by tree and chain rules.
  public init(rules: [any TreeRule.Type], chainRules: [any ChainRule.Type] = [], frontEnd: [RuleDescription]) {
    let types: [any LintRule.Type] = rules.map { $0 } + chainRules.map { $0 }
    self.init(all: types, descriptions: frontEnd + types.map { $0.description })
  }

  private init(all: [any LintRule.Type], descriptions: [RuleDescription]) {
    self.all = all
    rules = all.compactMap {
      if case .tree(let rule) = $0.kind { return rule }
      return nil
    }
    chainRules = all.compactMap {
      if case .chain(let rule) = $0.kind { return rule }
      return nil
    }
    self.descriptions = descriptions
    var idx: [String: Int] = [:]
    var deps: [String: [String]] = [:]
    for (i, d) in descriptions.enumerated() {
      idx[d.id] = i
      for p in d.prerequisites { deps[p, default: []].append(d.id) }
    }
    index = idx
    dependentsMap = deps
  }

  public func description(_ id: String) -> RuleDescription? { index[id].map { descriptions[$0] } }

  /// The category of a finding, by its rule ID: the registered rule's. `overlay_apply` (libfdt refused an overlay;
  /// reported while the chain is applied, by no rule of its own) counts as an overlay finding.
  public func category(ofFinding rule: String) -> RuleCategory? {
    if let d = description(rule) { return d.category }
    return rule == "overlay_apply" ? .overlay : nil
  }
  public func dependents(of id: String) -> [String] { dependentsMap[id] ?? [] }

  public static let shared = RuleRegistry(builtInRules)
}

/// Runs the selected rules over a tree the way dtc runs its checks:
/// - rules run in registry order (dtc's `check_table` first); a rule runs its prerequisites first, whether or not
///   they are enabled, and is skipped — silently, unlike dtc's "Failed prerequisite" noise — when one of them
///   failed or could not run;
/// - once an enabled error-severity dtc check has failed (or been skipped because of a failed prerequisite),
///   nothing after it runs: dtc gives up there too, so the findings are exactly those dtc prints. The rules dtc
///   does not have (HMP) come after its checks and do not stop each other: one error does not hide the others;
/// - when the source could not be read (a `syntax` or `preprocessor` error), no tree rule runs, as dtc runs no
///   check on input it cannot parse.
public struct Linter: Sendable {
  public let registry: RuleRegistry
  public let selection: RuleSelection

  /// Kernel flavor, board and manifest for the HMP rules.
  public var hmp: HMPContext = .defaults

  /// The tree rules by ID, and what running them needs, by number: made once, not for every tree checked.
  private let treeRules: [String: any TreeRule.Type]
  private let plan: Plan

  public init(registry: RuleRegistry = .shared, selection: RuleSelection? = nil, hmp: HMPContext = .defaults) {
    self.hmp = hmp
    self.registry = registry
    self.selection = selection ?? RuleSelection(registry: registry)
    var byID: [String: any TreeRule.Type] = [:]
    for r in registry.rules { byID[r.description.id] = r }
    treeRules = byID
    plan = Plan(registry: registry, selection: self.selection, treeRules: byID)
  }

  /// Every tree rule and every rule one names as a prerequisite, by number, with its prerequisites' numbers, its
  /// setting and whether the compile runs it: `runRules` looks nothing up by name (hashing rule IDs and copying
  /// rule descriptions cost more than most rules on a small tree).
  private struct Plan: Sendable {
    var ids: [String] = []
    var rules: [(any TreeRule.Type)?] = []
    var prerequisites: [[Int]] = []
    var settings: [RuleSetting] = []
    var compileTime: [Bool] = []
    /// The registry's tree rules in order, with whether each is one of dtc's checks.
    var order: [(index: Int, isDTC: Bool)] = []

    init(registry: RuleRegistry, selection: RuleSelection, treeRules: [String: any TreeRule.Type]) {
      let compileTimeIDs = Set(TreeFixups.compileTimeChecks)
      var number: [String: Int] = [:]
      var pending: [(Int, [String])] = []
      func add(_ id: String) -> Int {
        if let i = number[id] { return i }
        let i = ids.count
        number[id] = i
        ids.append(id)
        let rule = treeRules[id]
        rules.append(rule)
        prerequisites.append([])
        settings.append(
          selection.setting(id)
            ?? RuleSetting(enabled: false, severity: registry.description(id)?.defaultSeverity ?? .warning))
        compileTime.append(compileTimeIDs.contains(id))
        if let rule { pending.append((i, rule.description.prerequisites)) }
        return i
      }
      for r in registry.rules {
        let d = r.description
        order.append((add(d.id), d.category == .dtc))
      }
      while let (i, names) = pending.popLast() { prerequisites[i] = names.map(add) }
    }
  }

  /// `frontEnd`: diagnostics produced while reading the tree (syntax errors, dtc's error-level checks that run
  /// during compilation). A tree rule with front-end diagnostics counts as having run and failed with them; the
  /// others are reported as they come. `input`: whether the tree was compiled from source or read from a blob.
  public func lint(_ tree: DeviceTree, frontEnd: [Diagnostic] = [], input: InputKind = .source) -> [Diagnostic] {
    let byID = treeRules
    var output: [Diagnostic] = []
    var frontEndFindings: [String: [Diagnostic]] = [:]
    var unreadable = false
    for d in frontEnd {
      if byID[d.rule] != nil {
        frontEndFindings[d.rule, default: []].append(d)
        continue
      }
      if Self.stopsChecks(d) { unreadable = true }
      if let s = selection.setting(d.rule), !s.enabled { continue }
      output.append(adjusted(d))
    }
    if !unreadable {
      output += runRules(
        TreeInfo(tree: tree, inputKind: input, hmp: hmp), byID: byID, frontEndFindings: frontEndFindings)
    }
    if selection.werror {
      for i in output.indices { output[i].severity = .error }
    }
    return output
  }

  /// A front-end diagnostic at its configured severity (an error stays an error unless configured as one).
  private func adjusted(_ d: Diagnostic) -> Diagnostic {
    var d = d
    if let s = selection.setting(d.rule), d.severity != .error || s.severity == .error { d.severity = s.severity }
    return d
  }

  private enum Status { case running, passed, failed, skipped }

  private func runRules(
    _ info: TreeInfo, byID: [String: any TreeRule.Type], frontEndFindings: [String: [Diagnostic]]
  ) -> [Diagnostic] {
    let tree = info.tree
    let plan = self.plan
    var status = [Status?](repeating: nil, count: plan.ids.count)
    var output: [Diagnostic] = []

    /// dtc's `c->error`: enabled at error severity.
    func isErrorLevel(_ i: Int) -> Bool {
      let s = plan.settings[i]
      return s.enabled && s.severity == .error
    }

    /// dtc's `run_check`: returns true when an error-level rule failed here or in a prerequisite.
    func run(_ i: Int, depth: Int) -> Bool {
      if let s = status[i] {
        return (s == .failed || s == .skipped) && isErrorLevel(i)
      }
      guard depth < 64, let rule = plan.rules[i] else {
        status[i] = .passed  // not a tree rule (a front-end rule that reported nothing)
        return false
      }
      status[i] = .running
      var error = false
      var prerequisiteFailed = false
      for p in plan.prerequisites[i] {
        if !error { error = run(p, depth: depth + 1) }  // dtc stops running prerequisites after an error
        if status[p] != .passed { prerequisiteFailed = true }
      }
      if prerequisiteFailed {
        status[i] = .skipped
        return error || isErrorLevel(i)
      }
      let id = plan.ids[i]
      let s = plan.settings[i]
      var findings: [Diagnostic]
      if !frontEndFindings.isEmpty, let fe = frontEndFindings[id] {
        findings = fe.map(adjusted)
      } else if info.inputKind == .source && plan.compileTime[i] {
        findings = []  // the compile ran this check and it passed
      } else {
        var ctx = RuleContext(tree: tree, info: info, ruleID: id, severity: s.severity)
        rule.init().check(&ctx)
        findings = ctx.findings
      }
      let passed = findings.isEmpty
      status[i] = passed ? .passed : .failed
      if s.enabled { output.append(contentsOf: findings) }
      return error || (!passed && isErrorLevel(i))
    }

    for (i, isDTC) in plan.order where plan.settings[i].enabled {
      if run(i, depth: 0) && isDTC { break }
    }
    return output
  }
}

extension Linter {
  /// Findings after which the tree is not worth checking further.
  static func stopsChecks(_ d: Diagnostic) -> Bool {
    d.severity == .error && (d.rule == "syntax" || d.rule == "preprocessor")
  }

  /// Lints a base with overlays applied: the chain rules look at the parts, the tree rules at the merged result.
  /// `onlyOverlay` keeps only the findings located in overlay content (`check OV --base BASE`), the ownership
  /// rules' findings on what the overlays leave to Linux (``OwnershipInChain``), the chain rules' and the reasons
  /// the overlay did not apply.
  public func lint(chain: AppliedChain, onlyOverlay: Bool = false) -> [Diagnostic] {
    let frontEnd = chain.diagnostics
    let tree = chain.merged ?? chain.base.tree
    let blocked = chain.inputFailure || frontEnd.contains { Self.stopsChecks($0) }
    // The merged tree was read back from libfdt's blob: its values carry no source markers.
    var out = lint(tree, frontEnd: frontEnd, input: chain.merged != nil ? .blob : chain.base.kind)
    if onlyOverlay {
      // A failure to apply names the overlay (or its base) in its message, and a blob overlay has no lines.
      out = out.filter {
        $0.rule == "overlay_apply" || chain.isInOverlay(range: $0.range, nodePath: $0.nodePath, property: $0.property)
          || OwnershipInChain.isLeftByOverlays($0, in: chain)
      }
    }
    let info = TreeInfo(tree: tree, hmp: hmp)
    // The chain rules judge the overlays themselves: their findings stay in every mode, with or without lines.
    if !blocked {
      for rule in registry.chainRules {
        let id = rule.description.id
        guard let setting = selection.setting(id), setting.enabled else { continue }
        var ctx = RuleContext(
          tree: tree, info: info, ruleID: id, severity: selection.werror ? .error : setting.severity)
        rule.init().check(chain, &ctx)
        out += ctx.findings
      }
    }
    out = out.map {
      OwnershipInChain.isLeftByOverlays($0, in: chain) ? OwnershipInChain.placed($0, in: chain, hmp: hmp) : $0
    }
    return out
  }
}
