import DTCore

/// What a rule is about; also the folder its file lives in.
public enum RuleCategory: String, Sendable, CaseIterable, Codable {
  /// dtc's own checks, under dtc's names.
  case dtc
  /// Overlays checked against their base.
  case overlay
  /// i.MX heterogeneous multiprocessing (remoteproc, RPMsg, MU, resource ownership).
  case hmp
  /// Problems reading the source at all.
  case syntax
}

/// A group of rules within a category that look at one part of the system and sit together in the registry. The
/// callers that treat a group alike (the ownership findings a chain moves into the overlay, the region tests) read
/// it instead of keeping lists of rule IDs.
public enum RuleFamily: String, Sendable, CaseIterable, Codable {
  /// The remoteproc node and its mailbox (HMP).
  case remoteproc
  /// The reserved-memory regions the remoteproc node uses, and `/reserved-memory` itself (HMP).
  case regions
  /// Who owns peripherals, pads, GPIO banks and the debug UART: what Linux is left with (HMP).
  case ownership
  /// The M core firmware against the tree: its ELF, its Zephyr shared-memory window (HMP).
  case firmware
  /// Clocks and power domains of what the M core owns (HMP).
  case power
}

/// An input beyond the tree that a rule reads. The callers that explain a rule's silence or prepare its input
/// (`hmp explain-log`, `hmp fix`) read these from the description instead of keeping lists of rule IDs.
public enum RuleNeed: String, Sendable, CaseIterable, Codable {
  /// The M7 manifest (`--m7`): without one the rule stays silent (it never guesses what it was not told).
  case manifest
  /// The firmware ELF the manifest names (`firmware: elf:`): without one the rule stays silent.
  case firmwareELF
  /// The kernel command line Linux boots with (`--bootargs`, a log's, the configuration's or the manifest's, else
  /// the tree's `/chosen/bootargs`): what the rule reports depends on it.
  case bootargs
}

/// A source snippet that documents a rule and is run as its test.
///
/// In `code`, `↓` marks where a finding must start (optional; without markers the example only has to
/// trigger, or not trigger, the rule). `base` is a base tree for overlay examples. `options`:
/// - `"enable"`: comma-separated extra rules the example needs enabled (e.g. one whose recorded facts it reads);
/// - `"checkedBy"`: for a rule that never reports (a dtc fixup or marker check such as `addr_size_cells`), the rule
///   whose findings show its effect: a triggering example makes that rule report, a non-triggering one does not.
/// - `"kernel"`, `"board"`: as `--kernel` and `--board` (HMP rules);
/// - `"m7"`: an M7 manifest's YAML text, as `--m7` would load it (flow style: `{soc: imx8mp, rpmsg: {mu-channel: 0}}`);
///   the files it names (`firmware: elf:`, `pins: pin-mux-c:`) are the example firmware files and the fixtures of `Tests/Fixtures/hmp/m7` (see `copyM7Fixtures`).
public struct RuleExample: Sendable {
  public var code: String
  public var base: String?
  public var extraOptions: [String: String]
  public var file: String
  public var line: Int

  public init(
    _ code: String, base: String? = nil, options: [String: String] = [:], file: String = #filePath, line: Int = #line
  ) {
    self.code = code
    self.base = base
    self.extraOptions = options
    self.file = file
    self.line = line
  }
}

/// Everything known about a rule, as data: the registry, `dtlint rules`, Rules.md and SARIF read it.
public struct RuleDescription: Sendable {
  /// snake_case, stable forever (dtc's check name where one exists).
  public let id: String
  /// Title Case, for humans.
  public let name: String
  /// One sentence, no trailing period.
  public let summary: String
  /// Why the rule exists (Markdown). HMP rules cite the kernel/firmware behaviour and the HMPFacts section.
  public let rationale: String
  public let category: RuleCategory
  /// The rule's family within its category, if it belongs to one.
  public let family: RuleFamily?
  public let defaultSeverity: Severity
  public let enabledByDefault: Bool
  /// Rules that must have passed for this one to run (dtc's prerequisites).
  public let prerequisites: [String]
  /// What the rule reads beyond the tree (the M7 manifest, the firmware ELF, the kernel command line).
  public let needs: Set<RuleNeed>
  /// Examples for the documentation and the tests. Built when asked for, not when the registry is: a check
  /// reads none of them.
  public var triggering: [RuleExample] { makeTriggering() }
  public var nonTriggering: [RuleExample] { makeNonTriggering() }
  private let makeTriggering: @Sendable () -> [RuleExample]
  private let makeNonTriggering: @Sendable () -> [RuleExample]

  public init(
    id: String, name: String, summary: String, rationale: String, category: RuleCategory, family: RuleFamily? = nil,
    defaultSeverity: Severity, enabledByDefault: Bool = true, prerequisites: [String] = [], needs: Set<RuleNeed> = [],
    triggering: @autoclosure @escaping @Sendable () -> [RuleExample],
    nonTriggering: @autoclosure @escaping @Sendable () -> [RuleExample]
  ) {
    self.id = id
    self.name = name
    self.summary = summary
    self.rationale = rationale
    self.category = category
    self.family = family
    self.defaultSeverity = defaultSeverity
    self.enabledByDefault = enabledByDefault
    self.prerequisites = prerequisites
    self.needs = needs
    self.makeTriggering = triggering
    self.makeNonTriggering = nonTriggering
  }
}

/// Every rule type: a stateless value whose description is all the registry, `dtlint rules`, Rules.md and SARIF
/// know about it. A rule is one of the three kinds below, declared in a file named after its type and listed once
/// in ``builtInRules``.
public protocol LintRule: Sendable {
  static var description: RuleDescription { get }
  /// The rule's kind with its typed metatype, supplied by the kind's protocol (``TreeRule``, ``ChainRule``,
  /// ``FrontEndRule``). The registry sorts rules by it instead of casting `any LintRule.Type` to each kind: such a
  /// cast scans every protocol-conformance record of the binary on first use, about 0.5 M instructions per rule
  /// type and 60 M for the registry, a third of checking one board.
  static var kind: RuleKind { get }
}

/// What a registered rule is, and the typed metatype the linter runs it through.
public enum RuleKind: Sendable {
  case tree(any TreeRule.Type)
  case chain(any ChainRule.Type)
  case frontEnd
}

/// A rule that inspects a whole merged tree. Implementations are stateless values; per-run state lives in the
/// context.
public protocol TreeRule: LintRule {
  init()
  func check(_ context: inout RuleContext)
}

extension TreeRule {
  public var description: RuleDescription { Self.description }
  public static var kind: RuleKind { .tree(Self.self) }
}

/// A rule that looks at a base tree and the overlays applied to it (the chain), not only at the result.
public protocol ChainRule: LintRule {
  init()
  func check(_ chain: AppliedChain, _ context: inout RuleContext)
}

extension ChainRule {
  public static var kind: RuleKind { .chain(Self.self) }
}

/// A rule whose findings come from reading the source (the parser, the preprocessor, suppression comments): it
/// has no check of its own and is registered so it can be documented, configured and reported like the others.
public protocol FrontEndRule: LintRule {}

extension FrontEndRule {
  public static var kind: RuleKind { .frontEnd }
}
