import DTCore
import DTHMP
import DTRules
import Synchronization

/// A finding of a tree, with its position resolved.
public struct TreeFinding: Encodable, Sendable {
  public var rule: String
  public var severity: Severity
  public var message: String
  public var file: String?
  public var line: Int?
  public var column: Int?
  public var nodePath: String?
  public var input: String

  public init(_ d: Diagnostic, input: String, sources: SourceManager, cwd: String) {
    rule = d.rule
    severity = d.severity
    message = d.message
    nodePath = d.nodePath
    self.input = input
    if let r = d.range {
      let f = sources[r.file]
      let lc = f.lineColumn(at: r.start)
      file = PathDisplay.relative(f.path, to: cwd)
      line = lc.line
      column = lc.column
    }
  }

  /// `board.dts:72:2: error: … [rule]`.
  public var formatted: String {
    DiagnosticText.line(
      location: DiagnosticText.location(file ?? input, line: line, column: column), severity: severity,
      message: message, rule: rule)
  }
}

/// The findings of the trees a log is explained with (`dtlint hmp explain-log LOG FILE…`).
public struct TreeFindings: Sendable {
  public var trees: [String] = []
  public var findings: [TreeFinding] = []
  /// Trees that could not be checked, and why (each names its file).
  public var errors: [ToolIssue] = []
  public var unchecked: [String] = []
  public var unreadable: Bool { !errors.isEmpty }
  /// Per input: the node paths of the regions its enabled imx-rproc nodes list in `memory-region`.
  public var remoteprocRegions: [String: Set<String>] = [:]
  /// The SoC of the first tree, in input order, whose SoC is known (HMPTreeFacts): the explanation's words.
  public var soc: SoCProfile?

  public init() {}

  /// Whether a finding is about a region an imx-rproc node lists (or about `/reserved-memory` holding one).
  func isAboutRemoteprocRegion(_ f: TreeFinding) -> Bool {
    guard let path = f.nodePath, let listed = remoteprocRegions[f.input] else { return false }
    return listed.contains(path) || listed.contains { $0.hasPrefix(path + "/") }
  }

  /// Checks `files` as `check` does (same rules, same suppressions, the same runner), judging the whole merged tree
  /// of a chain: the log is what the board ran. `base`: each file is an overlay applied to it; `overlays`: applied
  /// to the single file. `keepAlive` is handed the runner, whose trees outlive the check when the caller keeps it
  /// (freeing a large tree node by node costs more than building it).
  public static func check(
    files: [String], base: String?, overlays: [String], reader: SourceReader, selection: RuleSelection,
    hmp: HMPContext, workingDirectory cwd: String, keepAlive: (AnyObject) -> Void = { _ in }
  ) -> TreeFindings {
    var out = TreeFindings()
    out.trees = overlays.isEmpty ? files : ["\(files[0])+\(overlays.joined(separator: "+"))"]
    if let base { out.trees = files.map { "\(base)+\($0)" } }
    var jobs = CheckJob.plan(
      inputs: files, base: base, overlays: overlays, configuredBase: nil, requireBase: false,
      isOverlay: { _ in false }, isBaseAlone: { _ in false })
    for i in jobs.indices { jobs[i].onlyOverlay = false }
    let runner = CheckRunner(reader: reader, registry: RuleRegistry.shared, selection: selection, hmp: hmp)
    keepAlive(runner)
    // The regions each tree's enabled imx-rproc nodes list: a region contradicts a log line only when listed.
    let facts = Mutex([String: (regions: Set<String>, soc: SoCProfile?)]())
    let report = runner.run(jobs) { job, tree in
      let f = HMPTreeFacts.remoteproc(tree, hmp: hmp)
      facts.withLock { $0[job.input] = f }
    }
    let byInput = facts.withLock { $0 }
    out.remoteprocRegions = byInput.mapValues(\.regions)
    out.soc = jobs.lazy.compactMap { byInput[$0.input]?.soc }.first
    out.findings = report.findings.map {
      TreeFinding($0.diagnostic, input: $0.input ?? "", sources: reader.sources, cwd: cwd)
    }
    out.errors = report.errors
    out.unchecked = report.unchecked
    return out
  }
}

extension LogExplainer.Explanation {
  /// The last "Kernel command line:" of the log, with its line (`log` names the log in the command line's source).
  public func lastCommandLine(log: String) -> KernelCommandLine? {
    let lines = recognised.filter { $0.message.id == "kernel_command_line" }.map { r in
      (r, ([r.line.number] + r.repeats).max() ?? r.line.number)
    }
    guard let (r, line) = lines.max(by: { $0.1 < $1.1 }), let text = r.values["cmdline"] else { return nil }
    return KernelCommandLine(text, source: .log(path: log, line: line))
  }
}
