import ArgumentParser
import DTCore
import DTHMP
import DTRules
import Dispatch
import Foundation

extension DTLint {
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "check",
      abstract: "Check device trees: dtc's checks under dtc's names, overlays against their base.",
      discussion: """
        Each FILE (.dts, .dtsi, .dtso, .dtb, .dtbo) is checked on its own. With --overlay, FILE is a base and \
        the overlays are applied to it with libfdt (as U-Boot does) before checking; findings in overlay content \
        point at the overlay's lines. With --base, each FILE is an overlay checked against that base, and only \
        findings located in the overlay are reported — without dtc's false reg_format/unit_address warnings on \
        fragments, because cell sizes and targets come from the base — plus what the HMP ownership rules find \
        the overlays leave to Linux: a peripheral the M7 manifest claims that the base enables is reported at the \
        base's line, with a note that the overlay does not disable it and a fix-it that adds a fragment to the \
        overlay (in both modes).

        Configuration is read from .dtlint.yaml (searched upwards from the working directory) or --config; \
        --enable/--disable/--werror apply on top. Exit status: 0 no error-severity finding, 1 at least one \
        (any finding with --werror), 2 an input could not be read, 64 usage error.

        When .dtlint.yaml sets base: and --base is not given, the FILEs that are overlays (.dtso, .dtbo, a \
        source with /plugin/;, a blob with __overlay__ nodes) are checked against that base and the others on \
        their own; --require-base checks every FILE against it and refuses to run without one. A .dtsi is not a \
        complete tree: with --dtsi includers it is checked through the .dts/.dtso files under the project (the \
        directory of .dtlint.yaml, else the working directory) that include it.

        Examples:
          dtlint check board.dts -I include -I arch/arm64/boot/dts/freescale -D CARRIER_REV=2
          dtlint check generated.dts --no-cpp
          dtlint check board.dts --overlay hmp.dtso --format sarif > dtlint.sarif
          dtlint check hmp.dtso --base board.dtb
          dtlint check overlays/*.dtso --require-base
          dtlint check --dtsi includers imx8mp-custom.dtsi board.dts
          dtlint check --enable all --disable unique_unit_address --werror board.dts
          dtlint check board.dtb --overlay hmp.dtbo --m7 m7.yaml --kernel toradex-bsp6 --board verdin-imx8mp
          dtlint check board.dts --config ci/.dtlint.yaml --format github --color never
        """)

    @Argument(
      help: ArgumentHelp("Device trees to check (sources or blobs).", valueName: "file"),
      completion: .file(extensions: ["dts", "dtsi", "dtso", "dtb", "dtbo"]))
    var files: [String] = []

    @OptionGroup var inputOptions: InputOptions

    @Option(
      help: ArgumentHelp("Check each FILE as an overlay applied to this base tree.", valueName: "base"),
      completion: .file(extensions: ["dts", "dtb"]))
    var base: String?

    @Option(
      name: .customLong("overlay"),
      help: ArgumentHelp("Apply this overlay to FILE before checking (repeatable, in order).", valueName: "ov"),
      completion: .file(extensions: ["dtso", "dtbo", "dts"]))
    var overlays: [String] = []

    @Flag(
      help: ArgumentHelp(
        "Every FILE is an overlay checked against --base or, without it, the configuration's base:; a usage error "
          + "when neither names one (the dtlint-overlay pre-commit hook)."))
    var requireBase = false

    @Option(
      help: ArgumentHelp(
        "How a .dtsi FILE is checked: alone (as a complete tree) or includers (through the .dts/.dtso files under "
          + "the project that include it, directly or through other .dtsi files).",
        valueName: "mode"))
    var dtsi: DtsiMode = .alone

    @Option(help: "Output format.")
    var format: ReportFormat = .text

    @OptionGroup(title: "Rules and HMP knowledge") var settingsOptions: SettingsOptions

    @Option(help: "Colour in text output: auto (a terminal, NO_COLOR unset), always or never.")
    var color: ColorMode = .auto

    enum DtsiMode: String, ExpressibleByArgument, CaseIterable {
      case alone, includers
    }

    func validate() throws {
      if files.isEmpty, base == nil {
        throw ValidationError("give at least one file to check")
      }
      if base != nil && !overlays.isEmpty {
        throw ValidationError("use either --base (FILEs are overlays) or --overlay (FILE is the base), not both")
      }
      if !overlays.isEmpty && files.count != 1 {
        throw ValidationError("--overlay applies to exactly one base FILE")
      }
      if requireBase && !overlays.isEmpty {
        throw ValidationError("--require-base checks FILEs as overlays; --overlay makes FILE a base: use one of them")
      }
    }

    func run() throws {
      let cwd = FileManager.default.currentDirectoryPath
      let registry = RuleRegistry.shared
      let settings = try Settings.resolve(
        settingsOptions, includePaths: inputOptions.includePaths, base: base, workingDirectory: cwd)
      let selection = settings.selection
      let hmp = try settings.hmpContext()

      var frontEnd = inputOptions.frontEnd
      frontEnd.includePaths = settings.includePaths
      let sources = SourceManager()
      let reader = SourceReader(sources: sources, options: frontEnd)
      // Everything read stays until the process exits: freeing it would only cost time.
      ProcessLifetime.keep(sources)
      ProcessLifetime.keep(reader.cache)
      let linter = Linter(registry: registry, selection: selection, hmp: hmp)
      let suppressions = Suppressions(sources: sources, registry: registry)

      // The base overlays are checked against: --base for every FILE; otherwise the configuration's base: for the
      // FILEs that are overlays (every FILE with --require-base). Not with --overlay, where FILE is the base.
      let configuredBase = base == nil && overlays.isEmpty ? settings.base : nil
      if requireBase && base == nil && configuredBase == nil {
        let fix =
          settings.configPath.map { "set base: in \(PathDisplay.relative($0, to: cwd))" }
          ?? "add a .dtlint.yaml with base:"
        printError("error: --require-base: no base tree to check the overlays against (give --base BASE or \(fix))")
        throw ExitCode(Exit.usage)
      }

      // A .dtsi is checked through the trees that include it, with --dtsi includers.
      var inputs = files
      var notes: [String] = []
      if dtsi == .includers && overlays.isEmpty {
        let root = settings.configPath.map { PathDisplay.normalize($0 + "/..") } ?? cwd
        let index = IncluderIndex(root: root, includePaths: frontEnd.includePaths, workingDirectory: cwd)
        inputs = []
        var seen = Set<String>()
        for f in files {
          guard f.hasSuffix(".dtsi") else {
            if seen.insert(PathDisplay.absolute(f, in: cwd)).inserted { inputs.append(f) }
            continue
          }
          let trees = index.includers(of: f)
          if trees.isEmpty {
            notes.append(
              "note: \(f): no .dts or .dtso under \(PathDisplay.relative(root, to: cwd)) includes it; not checked "
                + "(a .dtsi alone is not a complete tree)")
            continue
          }
          let shown = trees.map { PathDisplay.relative($0, to: cwd) }
          notes.append("note: \(f): checked through the trees that include it: \(shown.joined(separator: ", "))")
          for t in shown where seen.insert(PathDisplay.absolute(t, in: cwd)).inserted { inputs.append(t) }
        }
      }
      // The configured base checked as a tree of its own (given, or through a .dtsi it includes): the M7 manifest
      // describes the system with the overlays applied, so the base alone is checked without it — otherwise every
      // peripheral the HMP overlay takes from Linux would be reported in the base.
      let baseAlone = configuredBase.map { PathDisplay.absolute($0, in: cwd) }
      let isBaseAlone: (String) -> Bool = { f in
        baseAlone != nil && hmp.manifest != nil && !requireBase && PathDisplay.absolute(f, in: cwd) == baseAlone
      }
      let baseLinter = Linter(
        registry: registry, selection: selection,
        hmp: hmp.withoutManifest())
      for f in inputs where isBaseAlone(f) {
        notes.append(
          "note: \(f) is the configured base: checked without the M7 manifest, which describes the system with its "
            + "overlays applied")
      }
      for n in notes { printError(n) }

      // One job per input (or chain); checked in parallel, reported in the order given.
      struct Job {
        var input: String
        var base: String?
        var overlays: [String]
        /// Only findings located in the overlay are reported (FILE checked against a base).
        var onlyOverlay: Bool
        /// The configured base, checked on its own: without the M7 manifest.
        var withoutManifest = false
      }
      var jobs: [Job] = []
      if let explicitBase = base {
        for f in inputs { jobs.append(Job(input: f, base: explicitBase, overlays: [f], onlyOverlay: true)) }
      } else if !overlays.isEmpty {
        jobs.append(Job(input: inputs[0], base: inputs[0], overlays: overlays, onlyOverlay: false))
      } else {
        for f in inputs {
          if let configuredBase, requireBase || OverlayDetection.isOverlay(path: f) {
            jobs.append(Job(input: f, base: configuredBase, overlays: [f], onlyOverlay: true))
          } else {
            jobs.append(Job(input: f, base: nil, overlays: [], onlyOverlay: false, withoutManifest: isBaseAlone(f)))
          }
        }
      }

      struct Outcome: Sendable {
        var diagnostics: [Diagnostic] = []
        var issue: String?
        var unreadable = false
      }
      // Many overlays checked against one base: read and compile the base once.
      let bases = BaseCache(reader: reader)
      let results = ResultBox<Outcome>(count: jobs.count)
      let allJobs = jobs
      let finalSelection = selection
      concurrentPerformWithLargeStack(iterations: jobs.count) { i in
        let job = allJobs[i]
        var outcome = Outcome()
        // Dispatch's worker threads have small stacks; tree walks recurse with the nesting depth.
        runWithLargeStack {
          do {
            if let b = job.base {
              let chain = try reader.applyChain(base: try bases.base(b), basePath: b, overlays: job.overlays)
              ProcessLifetime.keep(chain.base.tree)
              if let m = chain.merged { ProcessLifetime.keep(m) }
              let files = chain.overlays.flatMap { $0.files } + chain.base.files
              outcome.diagnostics = suppressions.apply(
                linter.lint(chain: chain, onlyOverlay: job.onlyOverlay), files: files, selection: finalSelection)
              outcome.unreadable = chain.inputFailure
            } else {
              // The tree as dtc checks it: before __symbols__/__fixups__/__local_fixups__ are generated.
              var compile = CompileOptions()
              compile.stopBeforeGeneratedNodes = true
              let loaded = try reader.load(path: job.input, options: compile)
              ProcessLifetime.keep(loaded.tree)
              let linter = job.withoutManifest ? baseLinter : linter
              outcome.diagnostics = suppressions.apply(
                linter.lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind), files: loaded.files,
                selection: finalSelection)
              outcome.unreadable = loaded.inputFailure
            }
          } catch {
            outcome.issue = "\(error)"
            outcome.unreadable = true
          }
        }
        results.set(i, outcome)
      }

      var report = Report()
      var unreadable = false
      for (i, job) in jobs.enumerated() {
        guard let o = results.get(i) else { continue }
        report.add(o.diagnostics, input: job.input)
        if let issue = o.issue { report.toolIssues.append(ToolIssue(issue)) }
        unreadable = unreadable || o.unreadable
      }
      let context = ReportContext(
        sources: sources, tool: ToolInfo(version: DTLint.configuration.version), workingDirectory: cwd,
        registry: registry, selection: selection)
      let options = TextRenderOptions(color: format == .text && color.isEnabled(fileDescriptor: STDOUT_FILENO))
      let text = ReportRenderer(context: context, textOptions: options).render(report, as: format)
      try writeStandardOutput(text)
      if format == .text || format == .github {
        for issue in report.toolIssues where format == .github { printError("error: \(issue.description)") }
        let summary = TextRenderer.summary(of: report)
        if !summary.isEmpty { printError(summary) }
      } else {
        for issue in report.toolIssues { printError("error: \(issue.description)") }
      }
      if unreadable { throw ExitCode(Exit.inputError) }
      if report.hasErrors { throw ExitCode(Exit.findings) }
    }
  }
}

/// Bases loaded once per run, whichever job asks first (the others wait for it).
final class BaseCache: @unchecked Sendable {
  private let reader: SourceReader
  private let lock = NSLock()
  private var loaded: [String: LoadedTree] = [:]
  init(reader: SourceReader) { self.reader = reader }

  func base(_ path: String) throws(LoadError) -> LoadedTree {
    lock.lock()
    defer { lock.unlock() }
    if let b = loaded[path] { return b }
    let b = try reader.loadBase(path: path)
    ProcessLifetime.keep(b.tree)
    loaded[path] = b
    return b
  }
}

/// Results written by parallel jobs, read after they finish.
final class ResultBox<T: Sendable>: @unchecked Sendable {
  private var items: [T?]
  private let lock = NSLock()
  init(count: Int) { items = Array(repeating: nil, count: count) }
  func set(_ i: Int, _ v: T) {
    lock.lock()
    items[i] = v
    lock.unlock()
  }
  func get(_ i: Int) -> T? {
    lock.lock()
    defer { lock.unlock() }
    return items[i]
  }
}

extension ReportFormat: ExpressibleByArgument {}
