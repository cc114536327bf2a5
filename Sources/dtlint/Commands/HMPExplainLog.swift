import ArgumentParser
import DTCore
import DTHMP
import DTRules
import Foundation
import Synchronization

extension DTLint {
  /// `dtlint hmp explain-log LOG [FILE...]`: what the remoteproc, rpmsg, MU mailbox and reserved-memory lines of a
  /// kernel log mean in the kernel code, the causes consistent with each, and — given the tree — the findings that
  /// explain them (Documentation/ExplainLog.md, HMPFacts §3.4).
  struct HMPExplainLog: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "explain-log",
      abstract: "Explain the remoteproc, RPMsg, MU mailbox and reserved-memory lines of a kernel log.",
      discussion: """
        LOG is a kernel log: dmesg output (with or without time stamps, dmesg -T), journalctl -k, a syslog or \
        serial console capture; - reads standard input. Every line is compared with dtlint's catalog of kernel \
        messages (schemas/logs/kernel-messages.yaml, bundled): imx_rproc, the remoteproc core and its virtio \
        devices, the RPMsg bus, the mailbox core and the i.MX MU driver, and reserved memory. Each recognised \
        message is explained in terms of the code that prints it: the function, the errno by name, which vring \
        a notify id is and in which direction it carries messages, which timeout expired (the mailbox timeout \
        depends on --kernel). Then the causes consistent with it are listed, each marked verified (read in the \
        kernel or firmware code) or inference, with its source. Lines the catalog does not know are ignored and \
        counted; a message repeated with the same values is shown once, with the lines that repeat it.

        Given the device tree the board ran (FILE: a .dts or .dtb; with --overlay, FILE is a base and the \
        overlays are applied with libfdt; with --base, each FILE is an overlay applied to BASE), dtlint checks \
        it as `dtlint check` does — same rules, same options, same .dtlint.yaml — and ties every cause to the \
        findings that explain it (rule, file:line:col, message). Findings that show the tree, under that \
        kernel, cannot have printed the line are listed as contradictions: then the log came from another tree \
        or another kernel (--kernel). Without FILE the log is explained alone, and each cause names the rules \
        whose findings would confirm it. Rules that need the M7 manifest (the ownership and firmware rules) \
        run only with --m7. The tree is checked under the log's own "Kernel command line:" (the last one in \
        the log), unless --bootargs is given: it decides what hmp_clock_gated and hmp_power_domain say.

        Output: text, grouped per recognised message with its line number in LOG; or --format json (version 1: \
        log, kernel, trees, line counts, messages with their values, errno, vring, timeout, causes and their \
        findings, contradictions, and every finding of the trees; see Documentation/ExplainLog.md).

        Exit status: 0 the log has no recognised problem (only the normal remoteproc/RPMsg sequence, or nothing \
        recognised); 1 at least one recognised error or warning message (a CI job that collects boot logs \
        fails on it, whatever the tree says); 2 LOG or FILE could not be read; 64 usage error.

        Examples:
          dtlint hmp explain-log boot.log
          dmesg | dtlint hmp explain-log -
          dtlint hmp explain-log boot.log board.dts -I include -D CARRIER_REV=2
          dtlint hmp explain-log boot.log board.dts --m7 m7.yaml --kernel toradex-bsp6
          dtlint hmp explain-log boot.log board.dts --no-cpp --format json
          dtlint hmp explain-log boot.log base.dtb --overlay hmp.dtbo --m7 m7.yaml
          dtlint hmp explain-log boot.log board.dtb --board verdin-imx8mp
          dtlint hmp explain-log boot.log hmp.dtso --base base.dts --no-cache
          dtlint hmp explain-log boot.log board.dts --config ci/.dtlint.yaml
          dtlint hmp explain-log boot.log board.dts --enable all --werror
          dtlint hmp explain-log boot.log board.dts --disable reg_format
          dtlint hmp explain-log boot.log board.dts --bootargs "clk_ignore_unused"
        """)

    @Argument(
      help: ArgumentHelp("The kernel log to explain; - reads standard input.", valueName: "log"),
      completion: .file())
    var log: String

    @Argument(
      help: ArgumentHelp(
        "The device tree the board ran (sources or blobs), to tie causes to findings.", valueName: "file"),
      completion: .file(extensions: ["dts", "dtsi", "dtso", "dtb", "dtbo"]))
    var files: [String] = []

    @OptionGroup var inputOptions: InputOptions

    @Option(
      help: ArgumentHelp("Each FILE is an overlay applied to this base tree.", valueName: "base"),
      completion: .file(extensions: ["dts", "dtb"]))
    var base: String?

    @Option(
      name: .customLong("overlay"),
      help: ArgumentHelp("Apply this overlay to FILE first (repeatable, in order).", valueName: "ov"),
      completion: .file(extensions: ["dtso", "dtbo", "dts"]))
    var overlays: [String] = []

    @Option(help: "Output format.")
    var format: Format = .text

    @OptionGroup(title: "Rules and HMP knowledge") var settingsOptions: SettingsOptions

    enum Format: String, ExpressibleByArgument, CaseIterable {
      case text, json
    }

    func validate() throws {
      if base != nil && !overlays.isEmpty {
        throw ValidationError("use either --base (FILEs are overlays) or --overlay (FILE is the base), not both")
      }
      if !overlays.isEmpty && files.count != 1 {
        throw ValidationError("--overlay applies to exactly one base FILE")
      }
      if base != nil && files.isEmpty {
        throw ValidationError("--base needs at least one overlay FILE")
      }
    }

    func run() throws {
      let cwd = FileManager.default.currentDirectoryPath
      let logName = log == "-" ? "<stdin>" : PathDisplay.relative(log, to: cwd)
      let text: String
      do {
        text = try Self.read(log)
      } catch {
        printError("error: \(logName): \(error)")
        throw Failure.reported(.unreadable)
      }

      let settings = try Settings.resolve(
        settingsOptions, includePaths: inputOptions.includePaths, base: base, workingDirectory: cwd)
      var hmp = try settings.hmpContext()
      let catalog: KernelMessageCatalog
      do {
        catalog = try KernelMessageCatalog.bundled()
      } catch {
        printError(error.description)
        throw Failure.reported(.unreadable)
      }
      let explanation = LogExplainer(catalog: catalog, flavor: hmp.kernel).explain(text)
      // The tree is judged under the command line the log's kernel booted with (the last boot's), unless
      // --bootargs says otherwise (HMPFacts §13).
      if settings.origins["bootargs"] != .commandLine, let logged = Self.commandLine(explanation, log: logName) {
        hmp = hmp.with(bootargs: logged)
      }

      var trees = TreeFindings()
      if !files.isEmpty {
        trees = try lint(settings: settings, hmp: hmp, cwd: cwd)
      }
      let tie = Tie(
        explanation: explanation, catalog: catalog, trees: trees, hmp: hmp, selection: settings.selection)
      let output: String
      switch format {
      case .text: output = tie.text(log: logName)
      case .json: output = try tie.json(log: logName)
      }
      writeStandardOutput(output)
      for e in trees.errors { printError("\(e.severity.rawValue): \(e.messageWithLocation)") }
      if trees.unreadable { throw Failure.reported(.unreadable) }
      if !explanation.problems.isEmpty { throw Failure.reported(.findings) }
    }

    /// The last "Kernel command line:" of the log, with its line.
    static func commandLine(_ e: LogExplainer.Explanation, log: String) -> KernelCommandLine? {
      let lines = e.recognised.filter { $0.message.id == "kernel_command_line" }.map { r in
        (r, ([r.line.number] + r.repeats).max() ?? r.line.number)
      }
      guard let (r, line) = lines.max(by: { $0.1 < $1.1 }), let text = r.values["cmdline"] else { return nil }
      return KernelCommandLine(text, source: .log(path: log, line: line))
    }

    /// The log's text (`-`: standard input), invalid UTF-8 replaced. A log may be a regular file or a stream
    /// (`<(journalctl -k)`, a FIFO); at most 256 MiB is read.
    static func read(_ path: String) throws -> String {
      do {
        let bytes =
          path == "-"
          ? try readStandardInput()
          : try SourceManager.readBytes(path: path, limit: standardInputLimit, accept: .regularFileOrStream)
        return String(decoding: bytes, as: UTF8.self)
      } catch {
        throw ReadError(error.reason)
      }
    }

    struct ReadError: Error, CustomStringConvertible {
      var description: String
      init(_ d: String) { description = d }
    }

    /// Checks the FILEs as `check` does (same rules, same suppressions, the same runner), judging the whole merged
    /// tree of a chain: the log is what the board ran.
    func lint(settings: Settings, hmp: HMPContext, cwd: String) throws -> TreeFindings {
      var frontEnd = inputOptions.frontEnd
      frontEnd.includePaths = settings.includePaths
      let sources = SourceManager()
      let reader = SourceReader(sources: sources, options: frontEnd)
      var out = TreeFindings()
      out.trees = overlays.isEmpty ? files : ["\(files[0])+\(overlays.joined(separator: "+"))"]
      if let base { out.trees = files.map { "\(base)+\($0)" } }
      var jobs = CheckJob.plan(
        inputs: files, base: base, overlays: overlays, configuredBase: nil, requireBase: false,
        isOverlay: { _ in false }, isBaseAlone: { _ in false })
      for i in jobs.indices { jobs[i].onlyOverlay = false }
      let runner = CheckRunner(
        reader: reader, registry: RuleRegistry.shared, selection: settings.selection, hmp: hmp)
      ProcessLifetime.keep(runner)
      // The regions each tree's enabled imx-rproc nodes list: a region contradicts a log line only when listed.
      let regions = Mutex([String: Set<String>]())
      let report = runner.run(jobs) { job, tree in
        let paths = HMPTreeFacts.remoteprocRegionPaths(tree, hmp: hmp)
        regions.withLock { $0[job.input] = paths }
      }
      out.remoteprocRegions = regions.withLock { $0 }
      out.findings = report.findings.map {
        TreeFinding($0.diagnostic, input: $0.input ?? "", sources: sources, cwd: cwd)
      }
      out.errors = report.errors
      out.unchecked = report.unchecked
      return out
    }
  }
}

/// A finding of a tree, with its position resolved.
struct TreeFinding: Encodable {
  var rule: String
  var severity: String
  var message: String
  var file: String?
  var line: Int?
  var column: Int?
  var nodePath: String?
  var input: String

  init(_ d: Diagnostic, input: String, sources: SourceManager, cwd: String) {
    rule = d.rule
    severity = d.severity.rawValue
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
  var formatted: String {
    var head = file ?? input
    if let line { head += ":\(line)" }
    if let column { head += ":\(column)" }
    return "\(head): \(severity): \(message) [\(rule)]"
  }
}

struct TreeFindings {
  var trees: [String] = []
  var findings: [TreeFinding] = []
  /// Trees that could not be checked, and why (each names its file).
  var errors: [ToolIssue] = []
  var unchecked: [String] = []
  var unreadable: Bool { !errors.isEmpty }
  /// Per input: the node paths of the regions its enabled imx-rproc nodes list in `memory-region`.
  var remoteprocRegions: [String: Set<String>] = [:]

  /// Whether a finding is about a region an imx-rproc node lists (or about `/reserved-memory` holding one).
  func isAboutRemoteprocRegion(_ f: TreeFinding) -> Bool {
    guard let path = f.nodePath, let listed = remoteprocRegions[f.input] else { return false }
    return listed.contains(path) || listed.contains { $0.hasPrefix(path + "/") }
  }
}

/// The explanation of a log joined with the findings of the trees.
struct Tie {
  let explanation: LogExplainer.Explanation
  let catalog: KernelMessageCatalog
  let trees: TreeFindings
  let hmp: HMPContext
  let selection: RuleSelection

  /// Rules that stay silent without the M7 manifest (a rule never guesses what it was not told).
  static let manifestRules: Set<String> = [
    "hmp_rproc_missing", "hmp_peripheral_conflict", "hmp_pad_conflict", "hmp_gpio_bank_shared",
    "hmp_firmware_vring_mismatch", "hmp_firmware_rsc_table", "hmp_firmware_segment_unreserved",
    "hmp_clock_gated", "hmp_power_domain",
  ]

  /// Trees were given and every one of them was checked: only then does "no finding" mean the tree is clean.
  var hasTree: Bool { !trees.trees.isEmpty && trees.unchecked.isEmpty }

  func findings(of rules: [String]) -> [TreeFinding] {
    trees.findings.filter { rules.contains($0.rule) }
  }

  /// Why a rule produced no finding, when it could not have: "needs --m7", "disabled".
  func silence(_ rule: String) -> String? {
    if let s = selection.setting(rule), !s.enabled { return "disabled" }
    if hmp.manifest == nil && Self.manifestRules.contains(rule) { return "not checked: needs --m7" }
    return nil
  }

  // MARK: - Text

  func text(log: String) -> String {
    var out: [String] = []
    let e = explanation
    let problems = e.problems.count
    let context = e.recognised.count - problems
    var head =
      "\(log): \(plural(e.lineCount, "line")), \(e.recognisedLines) recognised: \(plural(e.recognised.count, "message")) "
      + "(\(plural(problems, "problem")), \(context) context), \(e.unrecognised) not recognised; \(hmp.kernelPhrase)"
    if !trees.unchecked.isEmpty {
      head +=
        "; tree \(trees.trees.joined(separator: ", ")): \(plural(trees.unchecked.count, "file")) could not be "
        + "checked (errors on stderr), so no cause below is tied to the tree"
    } else if hasTree {
      head += "; tree \(trees.trees.joined(separator: ", ")): \(plural(trees.findings.count, "finding"))"
      if let c = hmp.bootargs { head += ", checked under \(c.source.phrase)" }
    } else {
      head += "; no tree given"
    }
    out.append(head)
    for r in e.recognised {
      out.append("")
      out += render(r, log: log)
    }
    if e.recognised.isEmpty {
      out.append("")
      out.append("No remoteproc, RPMsg, MU mailbox or reserved-memory message that dtlint knows is in the log.")
    }
    out += untied
    let cited = citedSources
    if !cited.isEmpty {
      out.append("")
      out.append("Kernel sources cited (the texts above were read there):")
      for s in cited {
        out.append("  \(s.tag): \(s.repository) \(s.path)\(s.commit.map { " @" + $0.prefix(12) } ?? "")")
      }
    }
    return out.joined(separator: "\n") + "\n"
  }

  private func render(_ r: LogExplainer.Recognised, log: String) -> [String] {
    let m = r.message
    var out = ["\(log):\(r.line.number): \(m.severity.rawValue): \(r.line.message) [\(m.id)]"]
    if !r.repeats.isEmpty {
      out.append("  repeated \(plural(r.repeats.count, "time")), same values: \(lineList(r.repeats))")
    }
    if !r.otherValues.isEmpty {
      out += wrap(
        "also on \(plural(r.otherValues.count, "more line")) with other values (\(lineList(r.otherValues))): as "
          + "explained here, but for the values",
        first: "  ", rest: "    ")
    }
    guard r.isProblem else {
      out += wrap(r.meaning, first: "  ", rest: "  ")
      return out
    }
    out += wrap(r.summary, first: "  what:    ", rest: "           ")
    out.append("  code:    \(m.function)() in \(m.file)")
    if let errno = r.errno {
      out.append("  errno:   \(r.errnoValue.map(String.init) ?? "-\(errno.number)") = \(errno.name) (\(errno.text))")
    }
    if let v = r.vring {
      var s =
        "notify id \(v.notifyid) = vring \(v.ring) of vdev \(v.vdev) (region \(v.carveout)): "
        + "\(v.direction), \(v.role)"
      if !v.verified { s += " [inference: two vrings per vdev, numbered in order]" }
      out += wrap(s, first: "  vring:   ", rest: "           ")
    }
    if let t = r.txTimeoutMS {
      out.append(
        "  timeout: \(t) ms, the mailbox client's tx_tout that imx_rproc sets (kernel \(hmp.kernel.name))")
    }
    out += wrap(r.meaning, first: "  meaning: ", rest: "           ")
    out += wrap(r.sources.joined(separator: "; "), first: "  source:  ", rest: "           ")
    if !r.causes.isEmpty {
      out.append("  causes consistent with it:")
      for (i, c) in r.causes.enumerated() {
        let number = "    \(i + 1). "
        let pad = String(repeating: " ", count: number.count)
        out += wrap("[\(c.provenance.status.rawValue)] \(c.text)", first: number, rest: pad)
        if let s = c.provenance.source { out += wrap("(\(s))", first: pad, rest: pad) }
        for (r, line) in evidence(c) {
          out += wrap("log: \(log):\(line): \(r.line.message) [\(r.message.id)]", first: pad, rest: pad + "  ")
        }
        if let absent = missingM4Started(c) { out += wrap("log: \(absent)", first: pad, rest: pad + "  ") }
        out += tie(rules: c.rules, pad: pad)
      }
    }
    let contradicting = contradictions(of: r)
    if !contradicting.isEmpty {
      out.append(
        hasTree ? "  the tree contradicts this line:" : "  a finding of these rules would contradict this line:")
      for (x, fs) in contradicting {
        if fs.isEmpty {
          out += wrap("\(x.rule): [\(x.provenance.status.rawValue)] \(x.text)", first: "    - ", rest: "      ")
        } else {
          for f in fs { out += wrap(f.formatted, first: "    - ", rest: "      ") }
          out += wrap("[\(x.provenance.status.rawValue)] \(x.text)", first: "      ", rest: "      ")
        }
      }
    }
    return out
  }

  /// The contradictions of a message and the findings that make each: with a tree, only those whose findings meet
  /// the contradiction's own conditions (a malformed region counts only when an imx-rproc node lists it; the log
  /// conditions were decided by the explainer); without, every one, as what a finding would mean.
  func contradictions(of r: LogExplainer.Recognised) -> [(KernelMessageCatalog.Exclusion, [TreeFinding])] {
    r.exclusions.compactMap { x in
      var f = findings(of: [x.rule])
      if x.when.contains(.regionListed) { f = f.filter(trees.isAboutRemoteprocRegion) }
      return hasTree && f.isEmpty ? nil : (x, f)
    }
  }

  /// The recognised lines of the log a cause names as evidence, each with its (last) line number.
  func evidence(_ c: KernelMessageCatalog.Cause) -> [(LogExplainer.Recognised, Int)] {
    explanation.recognised.filter { c.evidence.contains($0.message.id) }.map { r in
      (r, ([r.line.number] + r.repeats).max() ?? r.line.number)
    }
  }

  /// For a flavor that protects the M core's clocks only when TF-A reports it started (NXP 5.15): the log covers
  /// early boot (its command line is there) but has no "M4 is started", so that protection did not apply.
  func missingM4Started(_ c: KernelMessageCatalog.Cause) -> String? {
    guard c.evidence.contains("nxp_m4_started"),
      hmp.kernel.clockProtection?.mCoreDetection.effect.protects == true,
      let boot = explanation.recognised.first(where: { $0.message.id == "kernel_command_line" }),
      !explanation.recognised.contains(where: { $0.message.id == "nxp_m4_started" })
    else { return nil }
    return "no \"M4 is started\" although the log covers early boot (line \(boot.line.number)): TF-A did not report "
      + "the M core started when the clock driver asked, so \(hmp.kernel.name)'s automatic protection of its root "
      + "slices did not apply [inference: HMPFacts §13.5]"
  }

  /// The tree's findings that no line above shows (a syntax error, a rule no cause or exclusion names): the
  /// summary counts them, so they are listed, errors first, at most ``untiedShown`` of them.
  var untied: [String] {
    var shownRules = Set<String>()
    for r in explanation.recognised where r.isProblem {
      for c in r.causes { shownRules.formUnion(c.rules) }
      for x in r.exclusions { shownRules.insert(x.rule) }
    }
    let rest = trees.findings.filter { !shownRules.contains($0.rule) }
    guard !rest.isEmpty else { return [] }
    let ordered = rest.filter { $0.severity == "error" } + rest.filter { $0.severity != "error" }
    var out = ["", "Findings of the tree that no line above is tied to:"]
    for f in ordered.prefix(Self.untiedShown) { out += wrap(f.formatted, first: "  ", rest: "    ") }
    if ordered.count > Self.untiedShown {
      out.append("  … and \(ordered.count - Self.untiedShown) more (dtlint check lists them all)")
    }
    return out
  }

  static let untiedShown = 20

  /// The catalog's sources whose tag the shown problems cite.
  var citedSources: [KernelMessageCatalog.SourceRef] {
    // The words of every source text, once (not once per catalog source).
    var words = Set<Substring>()
    for r in explanation.problems {
      for t in r.sources + r.causes.compactMap(\.provenance.source) {
        words.formUnion(t.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-") }))
      }
    }
    return catalog.sources.filter { words.contains(Substring($0.tag)) }
  }

  private func tie(rules: [String], pad: String) -> [String] {
    guard !rules.isEmpty else { return ["\(pad)no device-tree rule can confirm it"] }
    guard hasTree else {
      return wrap("would be confirmed by a finding of: \(rules.joined(separator: ", "))", first: pad, rest: pad)
    }
    var out: [String] = []
    let found = findings(of: rules)
    for f in found { out += wrap("explained by \(f.formatted)", first: pad, rest: pad + "  ") }
    let quiet = rules.filter { r in !found.contains { $0.rule == r } }
    if !quiet.isEmpty {
      let parts = quiet.map { r in silence(r).map { "\(r) (\($0))" } ?? r }
      out += wrap("no finding of \(parts.joined(separator: ", "))", first: pad, rest: pad)
    }
    return out
  }

  private func lineList(_ lines: [Int]) -> String {
    let shown = lines.prefix(12).map(String.init).joined(separator: ", ")
    if lines.count == 1 { return "line \(shown)" }
    return lines.count > 12 ? "lines \(shown), … (\(lines.count) in all)" : "lines \(shown)"
  }

  private func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

  /// Words of `text` on lines of at most 110 columns, the first starting with `first`, the others with `rest`.
  private func wrap(_ text: String, first: String, rest: String) -> [String] {
    var lines: [String] = []
    var current = first
    var width = first.count  // characters in `current`, kept as it grows (String.count walks the string)
    var empty = true
    for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
      let w = word.count
      if !empty && width + 1 + w > 110 {
        lines.append(current)
        current = rest
        width = rest.count
        empty = true
      }
      current += (empty ? "" : " ") + word
      width += (empty ? 0 : 1) + w
      empty = false
    }
    lines.append(current)
    return lines
  }

  // MARK: - JSON

  struct JSONReport: Encodable {
    var version = 1
    var tool: Tool
    var log: String
    var kernel: String
    var kernelAssumed: Bool
    /// The command line the trees were checked under and where it came from (null when none was known).
    var bootargs: Bootargs?
    var trees: [String]
    var lines: Int
    var recognisedLines: Int
    var unrecognisedLines: Int
    var problems: Int
    var messages: [Message]
    var findings: [TreeFinding]
    /// Trees that could not be checked (as in `check --format json`).
    var errors: [InputProblem]
    var kernelSources: [Source]
  }
  struct InputProblem: Encodable {
    var severity: String
    var message: String
    var file: String?
    var line: Int?
    var column: Int?
  }
  struct Source: Encodable {
    var tag: String
    var repository: String
    var path: String
    var commit: String?
  }
  struct Bootargs: Encodable {
    var text: String
    var source: String
  }
  struct Tool: Encodable {
    var name: String
    var version: String
  }
  struct Message: Encodable {
    var id: String
    var severity: String
    var line: Int
    var repeats: [Int]
    var otherValues: [Int]
    var text: String
    var time: String?
    var device: String?
    var summary: String
    var function: String
    var file: String
    var meaning: String
    var sources: [String]
    var values: [String: String]
    var errno: Errno?
    var vring: Vring?
    var txTimeoutMs: Int?
    var causes: [Cause]
    var contradictions: [Contradiction]
  }
  struct Errno: Encodable {
    var value: Int?
    var number: Int
    var name: String
    var text: String
  }
  struct Vring: Encodable {
    var notifyid: Int
    var vdev: Int
    var ring: Int
    var region: String
    var direction: String
    var role: String
    var verified: Bool
  }
  struct Cause: Encodable {
    var text: String
    var status: String
    var source: String?
    var rules: [String]
    var findings: [TreeFinding]
    /// Lines of the log that bear on the cause (the command line, the clock sweep).
    var evidence: [Evidence]
    /// What the log's lines (or their absence) say about the cause.
    var logNotes: [String]
  }
  struct Evidence: Encodable {
    var id: String
    var line: Int
    var text: String
  }
  struct Contradiction: Encodable {
    var rule: String
    var text: String
    var status: String
    var source: String?
    var findings: [TreeFinding]
  }

  func json(log: String) throws -> String {
    let e = explanation
    let messages = e.recognised.map { r in
      Message(
        id: r.message.id, severity: r.message.severity.rawValue, line: r.line.number, repeats: r.repeats,
        otherValues: r.otherValues, text: r.line.text, time: r.line.time, device: r.line.device, summary: r.summary,
        function: r.message.function, file: r.message.file, meaning: r.meaning, sources: r.sources,
        values: r.values,
        errno: r.errno.map { Errno(value: r.errnoValue, number: $0.number, name: $0.name, text: $0.text) },
        vring: r.vring.map {
          Vring(
            notifyid: $0.notifyid, vdev: $0.vdev, ring: $0.ring, region: $0.carveout, direction: $0.direction,
            role: $0.role, verified: $0.verified)
        }, txTimeoutMs: r.txTimeoutMS,
        causes: r.causes.map {
          Cause(
            text: $0.text, status: $0.provenance.status.rawValue, source: $0.provenance.source, rules: $0.rules,
            findings: findings(of: $0.rules),
            evidence: evidence($0).map { Evidence(id: $0.0.message.id, line: $0.1, text: $0.0.line.message) },
            logNotes: missingM4Started($0).map { [$0] } ?? [])
        },
        contradictions: contradictions(of: r).map { x, f in
          Contradiction(
            rule: x.rule, text: x.text, status: x.provenance.status.rawValue, source: x.provenance.source,
            findings: f)
        })
    }
    let report = JSONReport(
      tool: Tool(name: "dtlint", version: DTLint.configuration.version), log: log, kernel: hmp.kernel.name,
      kernelAssumed: hmp.kernelGiven == nil,
      bootargs: hmp.bootargs.map { Bootargs(text: $0.text, source: $0.source.phrase) }, trees: trees.trees,
      lines: e.lineCount,
      recognisedLines: e.recognisedLines, unrecognisedLines: e.unrecognised, problems: e.problems.count,
      messages: messages, findings: trees.findings,
      errors: trees.errors.map {
        InputProblem(
          severity: $0.severity.rawValue, message: $0.message, file: $0.file, line: $0.line, column: $0.column)
      },
      kernelSources: citedSources.map {
        Source(tag: $0.tag, repository: $0.repository, path: $0.path, commit: $0.commit)
      })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
  }
}
