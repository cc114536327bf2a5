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
          dtlint check board.dts -I include -I arch/arm64/boot/dts -D CARRIER_REV=2
          dtlint check generated.dts --no-cpp
          dtlint check board.dts -I include --no-cache
          dtlint check board.dts --overlay hmp.dtso --format sarif > dtlint.sarif
          dtlint check hmp.dtso --base board.dtb
          dtlint check overlays/*.dtso --require-base
          dtlint check --dtsi includers imx8mp-custom.dtsi board.dts
          dtlint check --enable all --disable unique_unit_address --werror board.dts
          dtlint check board.dtb --overlay hmp.dtbo --m7 m7.yaml --kernel toradex-bsp6
          dtlint check board.dtb --board verdin-imx8mp
          dtlint check board.dts --m7 m7.yaml --bootargs "clk_ignore_unused"
          dtlint check board.dts --config ci/.dtlint.yaml --format github --color never
          dtlint check --quiet - < generated.dts
        """)

    @Argument(
      help: ArgumentHelp("Device trees to check (sources or blobs).", valueName: "file"),
      completion: .file(extensions: ["dts", "dtsi", "dtso", "dtb", "dtbo"]))
    var files: [String] = []

    @OptionGroup var inputOptions: InputOptions

    @OptionGroup var quietOption: QuietOption

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

      // The base overlays are checked against: --base for every FILE; otherwise the configuration's base: for the
      // FILEs that are overlays (every FILE with --require-base). Not with --overlay, where FILE is the base.
      let configuredBase = base == nil && overlays.isEmpty ? settings.base : nil
      if requireBase && base == nil && configuredBase == nil {
        let fix =
          settings.configPath.map { "set base: in \(PathDisplay.relative($0, to: cwd))" }
          ?? "add a .dtlint.yaml with base:"
        throw Failure.usage("--require-base: no base tree to check the overlays against (give --base BASE or \(fix))")
      }

      // `-`: standard input, shown as <stdin>.
      var named = files
      for i in named.indices where named[i] == "-" { named[i] = try StandardInput.path("-", sources: sources) }
      // A .dtsi is checked through the trees that include it, with --dtsi includers.
      var inputs = named
      var notes: [String] = []
      if dtsi == .includers && overlays.isEmpty {
        let root = settings.configPath.map { PathDisplay.normalize($0 + "/..") } ?? cwd
        let index = IncluderIndex(root: root, includePaths: frontEnd.includePaths, workingDirectory: cwd)
        inputs = []
        var seen = Set<String>()
        for f in named {
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
      for f in inputs where isBaseAlone(f) {
        notes.append(
          "note: \(f) is the configured base: checked without the M7 manifest, which describes the system with its "
            + "overlays applied")
      }
      for n in notes { printNote(n) }

      // One job per input (or chain); checked in parallel, reported in the order given.
      let jobs = CheckJob.plan(
        inputs: inputs, base: base, overlays: overlays, configuredBase: configuredBase, requireBase: requireBase,
        isOverlay: { OverlayDetection.isOverlay(path: $0) }, isBaseAlone: isBaseAlone)
      if jobs.count == 1 { Memory.keepFreedMemoryForOneInput() }
      let runner = CheckRunner(reader: reader, registry: registry, selection: selection, hmp: hmp)
      ProcessLifetime.keep(runner)
      let report = runner.run(jobs)
      printNote(Self.overlayWithoutBaseNote(report: report))

      let context = ReportContext(
        sources: sources, tool: ToolInfo(version: DTLint.configuration.version), workingDirectory: cwd,
        registry: registry, selection: selection)
      let options = TextRenderOptions(color: format == .text && color.isEnabled(writingTo: STDOUT_FILENO))
      let text = ReportRenderer(context: context, textOptions: options).render(report, as: format)
      writeStandardOutput(text)
      // Text and github: errors on stderr, then the summary (github also annotates them on stdout). JSON and SARIF
      // carry them inside the report; stderr says them too, for the person watching the run.
      for e in report.errors { printError("\(e.severity.rawValue): \(e.messageWithLocation)") }
      if format == .text || format == .github {
        let summary = TextRenderer.summary(of: report)
        if !summary.isEmpty { printNote(summary) }
      }
      if !report.errors.isEmpty { throw Failure.reported(.unreadable) }
      if report.hasErrors { throw Failure.reported(.findings) }
    }

    /// One note when overlays were checked without a base: the fragment warnings dtc gives them are expected then.
    static func overlayWithoutBaseNote(report: Report) -> String? {
      let alone = report.overlaysCheckedAlone
      guard let first = alone.first else { return nil }
      let more = alone.count > 1 ? " (and \(alone.count - 1) more)" : ""
      return "note: \(first)\(more) is an overlay checked without a base: targets and cell sizes are unknown, so "
        + "dtc's fragment warnings are expected; check it against its base with --base BASE"
    }
  }
}

extension ReportFormat: ExpressibleByArgument {}
