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

/// All built-in rules, in execution order (dtc's check order first).
public struct RuleRegistry: Sendable {
  public let rules: [any TreeRule.Type]
  public let chainRules: [any ChainRule.Type]
  public let descriptions: [RuleDescription]
  private let index: [String: Int]
  private let dependentsMap: [String: [String]]

  public init(rules: [any TreeRule.Type], chainRules: [any ChainRule.Type] = [], frontEnd: [RuleDescription]) {
    self.rules = rules
    self.chainRules = chainRules
    let all = frontEnd + rules.map { $0.description } + chainRules.map { $0.description }
    descriptions = all
    var idx: [String: Int] = [:]
    var deps: [String: [String]] = [:]
    for (i, d) in all.enumerated() {
      idx[d.id] = i
      for p in d.prerequisites { deps[p, default: []].append(d.id) }
    }
    index = idx
    dependentsMap = deps
  }

  public func description(_ id: String) -> RuleDescription? { index[id].map { descriptions[$0] } }
  public func dependents(of id: String) -> [String] { dependentsMap[id] ?? [] }

  public static let shared = RuleRegistry(
    rules: builtInRules, chainRules: builtInChainRules, frontEnd: frontEndRules)
}

/// Runs the selected rules over a tree, honouring prerequisites the way dtc does: a rule runs after its
/// prerequisites, and is skipped (silently, unlike dtc's "Failed prerequisite" noise) when one of them failed —
/// whether or not that prerequisite is itself enabled.
public struct Linter: Sendable {
  public let registry: RuleRegistry
  public let selection: RuleSelection

  public init(registry: RuleRegistry = .shared, selection: RuleSelection? = nil) {
    self.registry = registry
    self.selection = selection ?? RuleSelection(registry: registry)
  }

  /// `frontEnd`: diagnostics produced while reading the tree (syntax errors, dtc's error-level checks that run
  /// during compilation); their rule IDs count as having run. After a syntax or preprocessor error the tree is
  /// incomplete, so only the front-end findings are reported (as dtc stops after a parse error).
  public func lint(_ tree: DeviceTree, frontEnd: [Diagnostic] = []) -> [Diagnostic] {
    let incomplete = frontEnd.contains { Self.stopsChecks($0) }
    let info = TreeInfo(tree: tree)
    var status: [String: Bool] = [:]  // id -> passed
    var output: [Diagnostic] = []
    for d in frontEnd {
      status[d.rule] = false
      if let s = selection.setting(d.rule), !s.enabled { continue }
      var d = d
      if let s = selection.setting(d.rule), d.severity != .error || s.severity == .error { d.severity = s.severity }
      output.append(d)
    }
    for d in registry.descriptions where status[d.id] == nil && registry.rules.allSatisfy({ $0.description.id != d.id })
    {
      status[d.id] = true  // front-end rules that reported nothing passed
    }
    var byID: [String: any TreeRule.Type] = [:]
    for r in registry.rules { byID[r.description.id] = r }

    func needed(_ id: String) -> Bool {
      if selection.setting(id)?.enabled == true { return true }
      return registry.dependents(of: id).contains { needed($0) }
    }

    func run(_ id: String, depth: Int = 0) -> Bool {
      if let s = status[id] { return s }
      guard depth < 64, let rule = byID[id] else { return true }
      status[id] = true  // guards against cycles
      for p in rule.description.prerequisites where !run(p, depth: depth + 1) {
        status[id] = false
        return false
      }
      let setting = selection.setting(id) ?? RuleSetting(enabled: false, severity: rule.description.defaultSeverity)
      var ctx = RuleContext(tree: tree, info: info, ruleID: id, severity: setting.severity)
      rule.init().check(&ctx)
      let passed = ctx.findings.isEmpty
      status[id] = passed
      if setting.enabled { output.append(contentsOf: ctx.findings) }
      return passed
    }

    for r in registry.rules where !incomplete && needed(r.description.id) {
      _ = run(r.description.id)
    }
    if selection.werror {
      for i in output.indices { output[i].severity = .error }
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
  /// `onlyOverlay` keeps only the findings located in overlay content (`check OV --base BASE`).
  public func lint(chain: AppliedChain, onlyOverlay: Bool = false) -> [Diagnostic] {
    let frontEnd = chain.diagnostics
    let tree = chain.merged ?? chain.base.tree
    let blocked = chain.inputFailure || frontEnd.contains { Self.stopsChecks($0) }
    var out = lint(tree, frontEnd: frontEnd)
    let info = TreeInfo(tree: tree)
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
    if onlyOverlay {
      out = out.filter { chain.isInOverlay(range: $0.range, nodePath: $0.nodePath, property: $0.property) }
    }
    return out
  }
}
