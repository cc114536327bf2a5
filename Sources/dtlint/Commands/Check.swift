import ArgumentParser
import DTCore
import DTHMP
import DTRules
import Dispatch
import Foundation

extension DTLint {
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check device trees: dtc's checks under dtc's names, overlays against their base.",
      discussion: """
        Each FILE (.dts, .dtsi, .dtso, .dtb, .dtbo) is checked on its own. With --overlay, FILE is a base and \
        the overlays are applied to it with libfdt (as U-Boot does) before checking; findings in overlay content \
        point at the overlay's lines. With --base, each FILE is an overlay checked against that base, and only \
        findings located in the overlay are reported — without dtc's false reg_format/unit_address warnings on \
        fragments, because cell sizes and targets come from the base.

        Configuration is read from .dtlint.yaml (searched upwards from the working directory) or --config; \
        --enable/--disable/--werror apply on top. Exit status: 0 no error-severity finding, 1 at least one \
        (any finding with --werror), 2 an input could not be read, 64 usage error.

        Examples:
          dtlint check board.dts -I include -I arch/arm64/boot/dts/freescale
          dtlint check board.dts --overlay hmp.dtso --format sarif > dtlint.sarif
          dtlint check hmp.dtso --base board.dtb
          dtlint check --enable all --disable unique_unit_address board.dts
          dtlint check board.dtb --overlay hmp.dtbo --m7 m7.yaml --kernel toradex-bsp6
        """)

    @Argument(help: ArgumentHelp("Device trees to check (sources or blobs).", valueName: "file"))
    var files: [String] = []

    @OptionGroup var inputOptions: InputOptions

    @Option(help: ArgumentHelp("Check each FILE as an overlay applied to this base tree.", valueName: "base"))
    var base: String?

    @Option(
      name: .customLong("overlay"),
      help: ArgumentHelp("Apply this overlay to FILE before checking (repeatable, in order).", valueName: "ov"))
    var overlays: [String] = []

    @Option(
      help: ArgumentHelp(
        "The M7 firmware's manifest: peripherals, pads, firmware ELF, RPMsg settings (enables the ownership rules).",
        valueName: "manifest"))
    var m7: String?

    @Option(
      help: ArgumentHelp(
        "Kernel flavor the tree runs under: mainline (default), nxp-6, nxp-5.15, nxp-5.4, toradex-bsp6, toradex-bsp5.",
        valueName: "flavor"))
    var kernel: String?

    @Option(
      help: ArgumentHelp(
        "Board profile (verdin-imx8mp) or SKU (verdin-imx8mp-wifi); default: detected from the root compatible.",
        valueName: "board"))
    var board: String?

    @Option(help: "Output format.")
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("Configuration file (default: .dtlint.yaml found upwards).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Enable a rule and its prerequisites, or 'all' (repeatable).", valueName: "rule"))
    var enable: [String] = []

    @Option(
      help: ArgumentHelp("Disable a rule and the rules that depend on it, or 'all' (repeatable).", valueName: "rule"))
    var disable: [String] = []

    @Flag(help: "Treat every finding as an error.")
    var werror = false

    @Option(help: "Colour in text output: auto (a terminal, NO_COLOR unset), always or never.")
    var color: ColorMode = .auto

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
    }

    func run() throws {
      let cwd = FileManager.default.currentDirectoryPath
      let registry = RuleRegistry.shared
      var selection = RuleSelection(registry: registry)
      var configuration = Configuration()
      do {
        if let c = try Configuration.discover(explicitPath: config, workingDirectory: cwd, registry: registry) {
          configuration = c
        }
        try configuration.apply(to: &selection)
      } catch {
        printError(error.description)
        throw ExitCode(Exit.usage)
      }
      do {
        for r in enable { try selection.enable(r) }
        for r in disable { try selection.disable(r) }
      } catch {
        throw ValidationError(error.description)
      }
      if werror { selection.werror = true }

      let hmp: HMPContext
      do {
        hmp = try HMPContext.load(
          kernel: kernel ?? configuration.kernel, board: board ?? configuration.board, m7: m7 ?? configuration.m7)
      } catch {
        printError(error.description)
        throw ExitCode(Exit.inputError)
      }

      var frontEnd = inputOptions.frontEnd
      frontEnd.includePaths = configuration.includePaths + frontEnd.includePaths
      let sources = SourceManager()
      let reader = SourceReader(sources: sources, options: frontEnd)
      let linter = Linter(registry: registry, selection: selection, hmp: hmp)
      let suppressions = Suppressions(sources: sources, registry: registry)
      let baseTree = base

      // One job per input (or chain); checked in parallel, reported in the order given.
      struct Job {
        var input: String
        var base: String?
        var overlays: [String]
      }
      var jobs: [Job] = []
      if let baseTree {
        for f in files { jobs.append(Job(input: f, base: baseTree, overlays: [f])) }
      } else if !overlays.isEmpty {
        jobs.append(Job(input: files[0], base: files[0], overlays: overlays))
      } else {
        for f in files { jobs.append(Job(input: f, base: nil, overlays: [])) }
      }

      struct Outcome: Sendable {
        var diagnostics: [Diagnostic] = []
        var issue: String?
        var unreadable = false
      }
      let results = ResultBox<Outcome>(count: jobs.count)
      let onlyOverlay = baseTree != nil
      let allJobs = jobs
      let finalSelection = selection
      DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
        let job = allJobs[i]
        var outcome = Outcome()
        do {
          if let b = job.base {
            let chain = try reader.applyChain(base: b, overlays: job.overlays)
            ProcessLifetime.keep(chain.base.tree)
            if let m = chain.merged { ProcessLifetime.keep(m) }
            let files = chain.overlays.flatMap { $0.files } + chain.base.files
            outcome.diagnostics = suppressions.apply(
              linter.lint(chain: chain, onlyOverlay: onlyOverlay), files: files, selection: finalSelection)
            outcome.unreadable = chain.inputFailure
          } else {
            // The tree as dtc checks it: before __symbols__/__fixups__/__local_fixups__ are generated.
            var compile = CompileOptions()
            compile.stopBeforeGeneratedNodes = true
            let loaded = try reader.load(path: job.input, options: compile)
            ProcessLifetime.keep(loaded.tree)
            outcome.diagnostics = suppressions.apply(
              linter.lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind), files: loaded.files,
              selection: finalSelection)
            outcome.unreadable = loaded.inputFailure
          }
        } catch {
          outcome.issue = "\(error)"
          outcome.unreadable = true
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
      FileHandle.standardOutput.write(Data(text.utf8))
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
