import ArgumentParser
import DTCore
import DTHMP
import DTRules
import Foundation

extension DTLint {
  /// `dtlint hmp explain-log LOG [FILE...]`: what the remoteproc, rpmsg, MU mailbox and reserved-memory lines of a
  /// kernel log mean in the kernel code, the causes consistent with each, and — given the tree — the findings that
  /// explain them (DESIGN.md §7, HMP-FACTS §3.4).
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
        run only with --m7.

        Output: text, grouped per recognised message with its line number in LOG; or --format json (version 1: \
        log, kernel, trees, line counts, messages with their values, errno, vring, timeout, causes and their \
        findings, contradictions, and every finding of the trees; see Documentation/ExplainLog.md).

        Exit status: 0 the log has no recognised problem (only the normal remoteproc/RPMsg sequence, or nothing \
        recognised); 1 at least one recognised error or warning message (a CI job that collects boot logs \
        fails on it, whatever the tree says); 2 LOG or FILE could not be read; 64 usage error.

        Examples:
          dtlint hmp explain-log boot.log
          dmesg | dtlint hmp explain-log -
          dtlint hmp explain-log boot.log board.dts -I include -D CARRIER_REV=2 --m7 m7.yaml --kernel toradex-bsp6
          dtlint hmp explain-log boot.log board.dts --no-cpp --format json
          dtlint hmp explain-log boot.log base.dtb --overlay hmp.dtbo --board verdin-imx8mp --m7 m7.yaml
          dtlint hmp explain-log boot.log hmp.dtso --base base.dts --config ci/.dtlint.yaml
          dtlint hmp explain-log boot.log board.dts --enable all --disable reg_format --werror
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
        throw ExitCode(Exit.inputError)
      }

      let settings = try Settings.resolve(
        settingsOptions, includePaths: inputOptions.includePaths, base: base, workingDirectory: cwd)
      let hmp = try settings.hmpContext()
      let catalog: KernelMessageCatalog
      do {
        catalog = try KernelMessageCatalog.bundled()
      } catch {
        printError(error.description)
        throw ExitCode(Exit.inputError)
      }
      let explanation = LogExplainer(catalog: catalog, flavor: hmp.kernel).explain(text)

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
      try writeStandardOutput(output)
      for issue in trees.issues { printError("error: \(issue)") }
      if trees.unreadable { throw ExitCode(Exit.inputError) }
      if !explanation.problems.isEmpty { throw ExitCode(Exit.findings) }
    }

    /// The log's text (`-`: standard input), invalid UTF-8 replaced.
    static func read(_ path: String) throws -> String {
      if path == "-" {
        return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
      }
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw ReadError("no such file")
      }
      if isDirectory.boolValue { throw ReadError("is a directory") }
      guard let data = FileManager.default.contents(atPath: path) else { throw ReadError("cannot read the file") }
      return String(decoding: data, as: UTF8.self)
    }

    struct ReadError: Error, CustomStringConvertible {
      var description: String
      init(_ d: String) { description = d }
    }

    /// Checks the FILEs as `check` does (same rules, same suppressions), sequentially.
    func lint(settings: Settings, hmp: HMPContext, cwd: String) throws -> TreeFindings {
      var frontEnd = inputOptions.frontEnd
      frontEnd.includePaths = settings.includePaths
      let sources = SourceManager()
      let reader = SourceReader(sources: sources, options: frontEnd)
      let registry = RuleRegistry.shared
      let linter = Linter(registry: registry, selection: settings.selection, hmp: hmp)
      let suppressions = Suppressions(sources: sources, registry: registry)
      var out = TreeFindings()
      out.trees = overlays.isEmpty ? files : ["\(files[0])+\(overlays.joined(separator: "+"))"]
      if let base { out.trees = files.map { "\(base)+\($0)" } }
      var jobs: [(input: String, base: String?, overlays: [String])] = []
      if let base {
        jobs = files.map { ($0, base, [$0]) }
      } else if !overlays.isEmpty {
        jobs = [(files[0], files[0], overlays)]
      } else {
        jobs = files.map { ($0, nil, []) }
      }
      for job in jobs {
        do {
          let diagnostics: [Diagnostic]
          if let b = job.base {
            let chain = try reader.applyChain(base: b, overlays: job.overlays)
            ProcessLifetime.keep(chain.base.tree)
            if let m = chain.merged { ProcessLifetime.keep(m) }
            diagnostics = suppressions.apply(
              linter.lint(chain: chain), files: chain.overlays.flatMap { $0.files } + chain.base.files,
              selection: settings.selection)
            out.unreadable = out.unreadable || chain.inputFailure
          } else {
            var compile = CompileOptions()
            compile.stopBeforeGeneratedNodes = true
            let loaded = try reader.load(path: job.input, options: compile)
            ProcessLifetime.keep(loaded.tree)
            diagnostics = suppressions.apply(
              linter.lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind), files: loaded.files,
              selection: settings.selection)
            out.unreadable = out.unreadable || loaded.inputFailure
          }
          out.findings += diagnostics.map { TreeFinding($0, input: job.input, sources: sources, cwd: cwd) }
        } catch {
          out.issues.append("\(error)")
          out.unreadable = true
        }
      }
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
  var issues: [String] = []
  var unreadable = false
}

/// The explanation of a log joined with the findings of the trees.
struct Tie {
  let explanation: LogExplainer.Explanation
  let catalog: KernelMessageCatalog
  let trees: TreeFindings
  let hmp: HMPContext
  let selection: RuleSelection

  /// Rules that stay silent without the M7 manifest (DESIGN.md §5: a rule never guesses what it was not told).
  static let manifestRules: Set<String> = [
    "hmp_rproc_missing", "hmp_peripheral_conflict", "hmp_pad_conflict", "hmp_gpio_bank_shared",
    "hmp_firmware_vring_mismatch", "hmp_firmware_rsc_table", "hmp_firmware_segment_unreserved",
  ]

  var hasTree: Bool { !trees.trees.isEmpty }

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
    if hasTree {
      head += "; tree \(trees.trees.joined(separator: ", ")): \(plural(trees.findings.count, "finding"))"
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
        out += tie(rules: c.rules, pad: pad)
      }
    }
    let contradicting = r.exclusions.compactMap { x -> (KernelMessageCatalog.Exclusion, [TreeFinding])? in
      let f = findings(of: [x.rule])
      return hasTree && f.isEmpty ? nil : (x, f)
    }
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
    var trees: [String]
    var lines: Int
    var recognisedLines: Int
    var unrecognisedLines: Int
    var problems: Int
    var messages: [Message]
    var findings: [TreeFinding]
    var kernelSources: [Source]
  }
  struct Source: Encodable {
    var tag: String
    var repository: String
    var path: String
    var commit: String?
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
            findings: findings(of: $0.rules))
        },
        contradictions: r.exclusions.compactMap { x in
          let f = findings(of: [x.rule])
          if hasTree && f.isEmpty { return nil }
          return Contradiction(
            rule: x.rule, text: x.text, status: x.provenance.status.rawValue, source: x.provenance.source,
            findings: f)
        })
    }
    let report = JSONReport(
      tool: Tool(name: "dtlint", version: DTLint.configuration.version), log: log, kernel: hmp.kernel.name,
      kernelAssumed: hmp.kernelGiven == nil, trees: trees.trees, lines: e.lineCount,
      recognisedLines: e.recognisedLines, unrecognisedLines: e.unrecognised, problems: e.problems.count,
      messages: messages, findings: trees.findings,
      kernelSources: citedSources.map {
        Source(tag: $0.tag, repository: $0.repository, path: $0.path, commit: $0.commit)
      })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
  }
}
