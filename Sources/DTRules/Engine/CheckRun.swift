import DTCore
import Foundation
import Synchronization

/// One input of a `check` run and how it is checked.
public struct CheckJob: Sendable, Hashable {
  /// The input as the user named it (reports are grouped and counted by it).
  public var input: String
  /// The base the overlays are applied to (nil: `input` is checked on its own).
  public var base: String?
  public var overlays: [String]
  /// Only findings located in the overlay are reported (an overlay checked against a base).
  public var onlyOverlay: Bool
  /// Checked without the M7 manifest (the configured base on its own: the manifest describes the system with
  /// the overlays applied).
  public var withoutManifest: Bool

  public init(
    input: String, base: String? = nil, overlays: [String] = [], onlyOverlay: Bool = false,
    withoutManifest: Bool = false
  ) {
    self.input = input
    self.base = base
    self.overlays = overlays
    self.onlyOverlay = onlyOverlay
    self.withoutManifest = withoutManifest
  }

  /// The jobs of a run. `base`: every input is an overlay checked against it. `overlays`: the single input is a
  /// base with these applied. Otherwise each input on its own, except that the inputs `isOverlay` accepts are
  /// checked against `configuredBase` when there is one (all of them with `requireBase`).
  public static func plan(
    inputs: [String], base: String?, overlays: [String], configuredBase: String?, requireBase: Bool,
    isOverlay: (String) -> Bool, isBaseAlone: (String) -> Bool
  ) -> [CheckJob] {
    if let base {
      return inputs.map { CheckJob(input: $0, base: base, overlays: [$0], onlyOverlay: true) }
    }
    if !overlays.isEmpty, let first = inputs.first {
      return [CheckJob(input: first, base: first, overlays: overlays)]
    }
    return inputs.map { f in
      if let configuredBase, requireBase || isOverlay(f) {
        return CheckJob(input: f, base: configuredBase, overlays: [f], onlyOverlay: true)
      }
      return CheckJob(input: f, withoutManifest: isBaseAlone(f))
    }
  }
}

/// Runs the jobs of a `check` (in parallel, each on a large stack) and collects one report in the order the jobs
/// were given. An input that cannot be read, a blob that is not a device tree, a source whose includes cannot be
/// read and a base that does not compile each become an entry of ``Report/errors`` that names the file and says
/// what to do: a run never reports "no findings" for a file it did not check.
public final class CheckRunner: @unchecked Sendable {
  public let reader: SourceReader
  let linter: Linter
  let linterWithoutManifest: Linter
  let suppressions: Suppressions
  let selection: RuleSelection
  private let lock = NSLock()
  private var bases: [String: Result<LoadedTree, LoadError>] = [:]
  /// Trees kept until the runner goes: freeing a large tree node by node costs more than building it, which a run
  /// of a few files need not pay. Past `keptTreesLimit` trees, each job's trees are freed (on its worker) as soon as
  /// its findings are made, so that a run over thousands of files holds a few trees at a time, not all of them.
  private var kept: [AnyObject] = []
  static let keptTreesLimit = 16

  /// `suppressions`: the suppression comments already read from `reader`'s sources (a long-lived caller, the
  /// language server, keeps them across runners); nil reads them afresh.
  public init(
    reader: SourceReader, registry: RuleRegistry, selection: RuleSelection, hmp: HMPContext,
    suppressions: Suppressions? = nil
  ) {
    self.reader = reader
    self.selection = selection
    linter = Linter(registry: registry, selection: selection, hmp: hmp)
    linterWithoutManifest = Linter(registry: registry, selection: selection, hmp: hmp.withoutManifest())
    self.suppressions = suppressions ?? Suppressions(sources: reader.sources, registry: registry)
  }

  /// The findings of a tree compiled from `files` (its front-end diagnostics in `frontEnd`), rules then
  /// suppression comments, as a job checks it: for a caller that read the tree itself (the language server parses
  /// once, for its index too). `withoutManifest`: as ``CheckJob/withoutManifest``.
  public func findings(
    of tree: DeviceTree, frontEnd: [Diagnostic], input: InputKind, files: [FileID], withoutManifest: Bool = false
  ) -> [Diagnostic] {
    let linter = withoutManifest ? linterWithoutManifest : linter
    return suppressions.apply(
      linter.lint(tree, frontEnd: frontEnd, input: input), files: files, selection: selection)
  }

  /// The findings of an applied chain (only those in the overlays with `onlyOverlay`), rules then suppression
  /// comments of the chain's files, as a job with a base checks it.
  public func findings(of chain: AppliedChain, onlyOverlay: Bool) -> [Diagnostic] {
    let files = chain.overlays.flatMap { $0.files } + chain.base.files
    return suppressions.apply(
      linter.lint(chain: chain, onlyOverlay: onlyOverlay), files: files, selection: selection)
  }

  /// What one job produced.
  struct Outcome: Sendable {
    var diagnostics: [Diagnostic] = []
    var errors: [ToolIssue] = []
    /// The input is an overlay and was checked without a base.
    var overlayAlone = false
  }

  /// Checks every job and returns the report (findings in job order; errors after the findings of their job).
  /// `inspect`, when given, sees each tree that was checked (the merged tree of a chain), from the worker threads.
  public func run(_ jobs: [CheckJob], inspect: (@Sendable (CheckJob, DeviceTree) -> Void)? = nil) -> Report {
    let results = Mutex([Outcome?](repeating: nil, count: jobs.count))
    concurrentPerformWithLargeStack(iterations: jobs.count) { i in
      let outcome = self.check(jobs[i], inspect: inspect)
      results.withLock { $0[i] = outcome }
    }
    var report = Report()
    var shownBaseFailures = Set<String>()
    let outcomes = results.withLock { $0 }
    for (job, outcome) in zip(jobs, outcomes) {
      guard var o = outcome else { continue }
      // A base shared by many overlays that does not compile: its diagnostics once.
      if let b = job.base, b != job.input, o.errors.contains(where: { $0.file == b }) {
        if !shownBaseFailures.insert(b).inserted {
          o.diagnostics.removeAll { d in d.range.map { reader.sources[$0.file].path } == b }
        }
      }
      report.add(o.diagnostics, input: job.input)
      if !o.errors.isEmpty { report.addUnchecked(job.input, o.errors) }
      if o.overlayAlone { report.overlaysCheckedAlone.append(job.input) }
    }
    return report
  }

  func check(_ job: CheckJob, inspect: (@Sendable (CheckJob, DeviceTree) -> Void)? = nil) -> Outcome {
    var outcome = Outcome()
    if let b = job.base {
      let base: LoadedTree
      switch loadBase(b) {
      case .success(let t): base = t
      case .failure(let e):
        let role = job.base == job.input ? "" : " (the base given for \(job.input))"
        outcome.errors = [Self.issue(for: e, role: role)]
        return outcome
      }
      if base.inputFailure || base.refused {
        let count = base.diagnostics.count { $0.severity == .error }
        outcome.diagnostics = base.diagnostics
        var issue = ToolIssue(
          "the base tree does not compile (\(count) error\(count == 1 ? "" : "s")); "
            + (job.base == job.input
              ? "the overlays were not applied" : "\(job.input) was not checked against it"),
          file: b)
        if let first = base.diagnostics.first(where: { $0.severity == .error }), let r = first.range {
          issue = located(issue, at: r)
        }
        outcome.errors = [issue]
        return outcome
      }
      let chain: AppliedChain
      do {
        chain = try reader.applyChain(base: base, basePath: b, overlays: job.overlays)
      } catch {
        outcome.errors = [Self.issue(for: error, role: "")]
        return outcome
      }
      keep(chain.base.tree)
      if let m = chain.merged { keep(m) }
      inspect?(job, chain.merged ?? chain.base.tree)
      outcome.diagnostics = findings(of: chain, onlyOverlay: job.onlyOverlay)
      if chain.inputFailure { outcome.errors = [notChecked(job.input, chain.diagnostics)] }
      return outcome
    }
    // The tree as dtc checks it: before __symbols__/__fixups__/__local_fixups__ are generated.
    var compile = CompileOptions()
    compile.stopBeforeGeneratedNodes = true
    let loaded: LoadedTree
    do {
      loaded = try reader.load(path: job.input, options: compile)
    } catch {
      outcome.errors = [Self.issue(for: error, role: "")]
      return outcome
    }
    keep(loaded.tree)
    inspect?(job, loaded.tree)
    // Known from the tree just read: a source with /plugin/;, or a blob with fragments.
    outcome.overlayAlone =
      loaded.tree.isPlugin || loaded.tree.root.liveChildren.contains { $0.child("__overlay__") != nil }
    outcome.diagnostics = findings(
      of: loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind, files: loaded.files,
      withoutManifest: job.withoutManifest)
    if loaded.inputFailure { outcome.errors = [notChecked(job.input, loaded.diagnostics)] }
    return outcome
  }

  /// A base is read and compiled once, whichever job asks first (the others wait for it).
  private func loadBase(_ path: String) -> Result<LoadedTree, LoadError> {
    lock.lock()
    defer { lock.unlock() }
    if let b = bases[path] { return b }
    let result: Result<LoadedTree, LoadError>
    do {
      let b = try reader.loadBase(path: path)
      kept.append(b.tree)
      result = .success(b)
    } catch {
      result = .failure(error)
    }
    bases[path] = result
    return result
  }

  private func keep(_ object: AnyObject) {
    lock.lock()
    if kept.count < Self.keptTreesLimit { kept.append(object) }
    lock.unlock()
  }

  /// An input whose own file was read but whose includes (or `/incbin/` data) could not be: not checked, at the
  /// first error that stopped it.
  private func notChecked(_ input: String, _ diagnostics: [Diagnostic]) -> ToolIssue {
    Self.stopped(input, diagnostics, sources: reader.sources, what: "not checked")
  }

  private func located(_ issue: ToolIssue, at range: SourceRange) -> ToolIssue {
    Self.located(issue, at: range, sources: reader.sources)
  }

  static func located(_ issue: ToolIssue, at range: SourceRange, sources: SourceManager) -> ToolIssue {
    var i = issue
    let f = sources[range.file]
    let lc = f.lineColumn(at: range.start)
    i.file = f.path
    i.line = lc.line
    i.column = lc.column
    return i
  }

  /// Why `input` could not be used (`what`: "not checked", "not compiled"), from the first error its front end
  /// reported: at that line when it is in the input itself; otherwise the input stays the file and the message says
  /// where.
  public static func stopped(_ input: String, _ diagnostics: [Diagnostic], sources: SourceManager, what: String)
    -> ToolIssue
  {
    let first = diagnostics.first { $0.severity == .error }
    var issue = ToolIssue("\(what): " + (first?.message ?? "the input could not be read completely"), file: input)
    guard let r = first?.range else { return issue }
    let at = located(issue, at: r, sources: sources)
    if at.file == input { return at }
    issue.message += " (at \(at.file ?? ""):\(at.line ?? 0):\(at.column ?? 0))"
    return issue
  }

  /// A file that could not be read at all, with what to do about it.
  public static func issue(for error: LoadError, role: String) -> ToolIssue {
    ToolIssue(InputAdvice.explain(error) + role, file: error.path)
  }
}

/// What to say about an input that could not be read: the reason, and what the user can do.
public enum InputAdvice {
  /// `reason` (as the reader gave it), followed by a hint when one helps: a similarly named file for a typo, the
  /// files inside a directory, what a damaged blob means.
  public static func explain(_ error: LoadError) -> String {
    let path = error.path
    let reason = error.reason
    var r = reason.hasPrefix(path + ": ") ? String(reason.dropFirst(path.count + 2)) : reason
    if r == "No such file or directory" || r.hasSuffix("No such file or directory") {
      r = "no such file"
      if let near = nearestName(to: path) { r += "; did you mean '\(near)'?" }
    } else if r.contains("is a directory") {
      r = "is a directory: give the device trees in it (for example \(path)/*.dts)"
    } else if error.blob != nil, !r.hasPrefix("not a device tree") {
      r = "not a valid device tree blob: \(r) (a truncated or damaged file: rebuild or copy it again)"
    }
    return r
  }

  /// A file beside `path` whose name is at most two edits away (a typo), preferring device-tree extensions.
  static func nearestName(to path: String) -> String? {
    let dir = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    guard !name.isEmpty,
      let entries = try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)
    else { return nil }
    let target = Array(name.utf8)
    var best: (distance: Int, name: String)?
    for e in entries.sorted() where e != name {
      let d = editDistance(target, Array(e.utf8), limit: 2)
      guard d <= 2 else { continue }
      if best == nil || d < best!.distance { best = (d, e) }
    }
    guard let b = best else { return nil }
    return dir.isEmpty ? b.name : dir + "/" + b.name
  }

  /// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
  static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
    if abs(a.count - b.count) > limit { return limit + 1 }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      current[0] = i
      var rowMin = current[0]
      for j in 1...max(b.count, 1) where !b.isEmpty {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        rowMin = min(rowMin, current[j])
      }
      if rowMin > limit { return limit + 1 }
      swap(&previous, &current)
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}
