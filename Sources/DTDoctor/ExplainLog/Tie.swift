import DTCore
import DTHMP
import DTRules

/// The explanation of a log joined with the findings of the trees.
public struct Tie: Sendable {
  public let explanation: LogExplainer.Explanation
  public let catalog: KernelMessageCatalog
  public let trees: TreeFindings
  public let hmp: HMPContext
  public let selection: RuleSelection

  public init(
    explanation: LogExplainer.Explanation, catalog: KernelMessageCatalog, trees: TreeFindings, hmp: HMPContext,
    selection: RuleSelection
  ) {
    self.explanation = explanation
    self.catalog = catalog
    self.trees = trees
    self.hmp = hmp
    self.selection = selection
  }

  /// Trees were given and every one of them was checked: only then does "no finding" mean the tree is clean.
  var hasTree: Bool { !trees.trees.isEmpty && trees.unchecked.isEmpty }

  func findings(of rules: [String]) -> [TreeFinding] {
    trees.findings.filter { rules.contains($0.rule) }
  }

  /// Why a rule produced no finding, when it could not have: "needs --m7", "disabled".
  func silence(_ rule: String) -> String? {
    if let s = selection.setting(rule), !s.enabled { return "disabled" }
    // A rule that needs the M7 manifest stays silent without it (it never guesses what it was not told).
    if hmp.manifest == nil && RuleRegistry.shared.description(rule)?.needs.contains(.manifest) == true {
      return "not checked: needs --m7"
    }
    return nil
  }

  // MARK: - Text

  /// The text report: a head line, then each recognised message with what it means, its causes and the findings
  /// tied to them (Documentation/ExplainLog.md).
  public func text(log: String) -> String {
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

  /// The flavor's protection of the M core's clocks on the manifest's SoC (a SoC with its own clock driver, such
  /// as the i.MX 93, has its own settings: ``SoCClocks/protection(under:)``, as the clock rules read it); the
  /// flavor's i.MX 8M settings when the SoC is not known.
  public var protection: KernelFlavor.ClockProtection? {
    guard let clocks = hmp.manifest?.soc.clocks else { return hmp.kernel.clockProtection }
    return clocks.protection(under: hmp.kernel)
  }

  /// For a flavor that protects the M core's clocks only when TF-A reports it started (NXP 5.15): the log covers
  /// early boot (its command line is there) but has no "M4 is started", so that protection did not apply.
  func missingM4Started(_ c: KernelMessageCatalog.Cause) -> String? {
    guard c.evidence.contains("nxp_m4_started"),
      protection?.mCoreDetection.effect.protects == true,
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
    let ordered = rest.filter { $0.severity == .error } + rest.filter { $0.severity != .error }
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
}
