import DTYAML
import Yams

/// The kernel messages `dtlint hmp explain-log` recognises (`schemas/logs/kernel-messages.yaml`): for each, the
/// code that prints it, what it means there, the causes consistent with it (verified or inferred, with their
/// source) and the rules whose findings explain a cause or rule the line out (HMPFacts §1.5, §1.6, §2, §3).
public struct KernelMessageCatalog: Sendable {
  /// A kernel source file the message texts were read in.
  public struct SourceRef: Sendable, Hashable {
    public var tag: String
    public var repository: String
    public var path: String
    public var commit: String?
    public var note: String?
  }

  /// A kernel errno: `62`, `ETIME`, "Timer expired".
  public struct Errno: Sendable, Hashable {
    public var number: Int
    public var name: String
    public var text: String
    public var source: String?
  }

  /// What must hold for a cause to stay, or for a contradiction to apply: what the log shows, or where a finding
  /// is.
  public enum Condition: String, Sendable, Hashable, CaseIterable {
    /// The log shows Linux attaching to a core that was already running (`attaching to …`).
    case attaching
    /// The log shows Linux starting the core itself (`powering up …`).
    case linuxStarts = "linux-starts"
    /// The finding's region is in the `memory-region` of an enabled imx-rproc node (decided with the tree).
    case regionListed = "region-listed"

    /// Whether the condition is about the log (decided by ``LogExplainer``) rather than a finding.
    public var isAboutTheLog: Bool { self != .regionListed }
  }

  /// A cause consistent with a message, and the rules whose findings explain it.
  public struct Cause: Sendable, Hashable {
    public var text: String
    public var provenance: Provenance
    public var rules: [String]
    /// Left out when one of these holds (a kick that failed before the firmware was ready is not a cause when
    /// Linux attached to a running core).
    public var unless: [Condition] = []
    /// Ids of messages whose lines in the same log bear on this cause (the command line, the clock sweep).
    public var evidence: [String] = []
  }

  /// A rule whose finding means the tree, under the kernel given, cannot have printed the message.
  public struct Exclusion: Sendable, Hashable {
    public var rule: String
    public var text: String
    public var provenance: Provenance
    /// The contradiction holds only when all of these do.
    public var when: [Condition] = []
  }

  /// What a message means for one errno (`imx_rproc_kick` with -ETIME, -ENOBUFS, …).
  public struct ErrnoVariant: Sendable, Hashable {
    public var errno: String
    public var meaning: String
    public var source: String?
    public var causes: [Cause]
  }

  public enum Severity: String, Sendable, Hashable, CaseIterable {
    case error, warning, info
    /// error and warning messages are problems; info messages are the normal sequence, shown as context.
    public var isProblem: Bool { self != .info }
  }

  public struct Message: Sendable {
    public var id: String
    public var summary: String
    /// The kernel's format string.
    public var text: String
    public var pattern: String
    public var severity: Severity
    public var function: String
    public var file: String
    public var source: String
    public var samples: [String]
    public var nearMisses: [String]
    public var meaning: String
    public var causes: [Cause]
    public var errnoVariants: [ErrnoVariant]
    public var exclusions: [Exclusion]
    /// What a line of this message shows about the run (`attaching`).
    public var establishes: [Condition] = []
    /// A literal every matching line contains (checked before the regular expression).
    public var needle: String {
      didSet { needleBytes = Array(needle.utf8) }
    }
    private(set) var needleBytes: [UInt8]
    let regex: SharedRegex<AnyRegexOutput>

    init(
      id: String, summary: String, text: String, pattern: String, severity: Severity, function: String, file: String,
      source: String, samples: [String], nearMisses: [String], meaning: String, causes: [Cause],
      errnoVariants: [ErrnoVariant], exclusions: [Exclusion], needle: String, regex: SharedRegex<AnyRegexOutput>
    ) {
      self.id = id
      self.summary = summary
      self.text = text
      self.pattern = pattern
      self.severity = severity
      self.function = function
      self.file = file
      self.source = source
      self.samples = samples
      self.nearMisses = nearMisses
      self.meaning = meaning
      self.causes = causes
      self.errnoVariants = errnoVariants
      self.exclusions = exclusions
      self.needle = needle
      self.needleBytes = Array(needle.utf8)
      self.regex = regex
    }

    /// Whether `hay` contains `needle` (an empty needle is everywhere).
    static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
      guard let first = needle.first else { return true }
      let n = needle.count
      guard hay.count >= n else { return false }
      var i = 0
      while i <= hay.count - n {
        if hay[i] == first {
          var j = 1
          while j < n && hay[i + j] == needle[j] { j += 1 }
          if j == n { return true }
        }
        i += 1
      }
      return false
    }

    /// The values of the first match in `line` and where it starts, or nil.
    public func match(_ line: String) -> (values: [String: String], start: String.Index)? {
      var copy = line
      guard copy.withUTF8({ Self.contains($0, needleBytes) }) else { return nil }
      return matchPattern(line)
    }

    /// The regular expression alone (the caller checked the needle).
    func matchPattern(_ line: String) -> (values: [String: String], start: String.Index)? {
      guard let m = try? regex.regex.firstMatch(in: line) else { return nil }
      var values: [String: String] = [:]
      for element in m.output {
        if let name = element.name, let s = element.substring { values[name] = String(s) }
      }
      return (values, m.range.lowerBound)
    }
  }

  public var sources: [SourceRef]
  public var errnos: [Errno]
  public var messages: [Message]
  /// The file it was read from (`schemas/logs/kernel-messages.yaml` for the bundled one).
  public var path: String

  /// The catalog's file in `schemas/`.
  public static let bundledPath = "logs/kernel-messages.yaml"

  private static let cache = ProfileCache<KernelMessageCatalog>()

  /// The catalog bundled into the binary.
  public static func bundled() throws(InputError) -> KernelMessageCatalog {
    try cache.value(bundledPath) { () throws(InputError) -> KernelMessageCatalog in
      try KnowledgeBundle.read(bundledPath) { (node, path) throws(InputError) in try parse(node, path: path) }
    }
  }

  /// A catalog file.
  public static func load(path: String) throws(InputError) -> KernelMessageCatalog {
    guard let node = try YAMLReader.compose(path: path) else {
      throw InputError(path: path, message: "empty document")
    }
    return try parse(node, path: path)
  }

  /// The errno of a value as the kernel prints it: `-62`, `62`, `-ETIME` or `ETIME`.
  public func errno(_ value: String) -> Errno? {
    let v = value.hasPrefix("-") ? String(value.dropFirst()) : value
    if let n = Int(v) { return errnos.first { $0.number == n } }
    return errnos.first { $0.name == v }
  }

  public func message(id: String) -> Message? { messages.first { $0.id == id } }

  /// The first message (in catalog order) a line matches. Lines are scanned for each message's literal first
  /// (bytes, no allocation); the regular expressions run only on the few lines that contain one.
  public func match(_ line: String) -> (message: Message, values: [String: String], start: String.Index)? {
    var copy = line
    let candidates = copy.withUTF8 { bytes in
      messages.indices.filter { Message.contains(bytes, messages[$0].needleBytes) }
    }
    for i in candidates {
      if let r = messages[i].matchPattern(line) { return (messages[i], r.values, r.start) }
    }
    return nil
  }

  // MARK: - Parsing

  public static func parse(_ root: Yams.Node, path: String) throws(InputError) -> KernelMessageCatalog {
    let r = YAMLReader(path: path)
    let top = try r.object(root, key: nil, required: ["sources", "errnos", "messages"])

    var sources: [SourceRef] = []
    for (i, n) in try r.sequence(try top.required("sources"), key: "sources").enumerated() {
      let o = try r.object(
        n, key: YAMLReader.join("sources", index: i), required: ["tag", "repository", "path"],
        optional: ["commit", "note"])
      sources.append(
        SourceRef(
          tag: try o.requiredString("tag"), repository: try o.requiredString("repository"),
          path: try o.requiredString("path"), commit: try o.string("commit"), note: try o.string("note")))
    }

    var errnos: [Errno] = []
    for (i, n) in try r.sequence(try top.required("errnos"), key: "errnos").enumerated() {
      let o = try r.object(
        n, key: YAMLReader.join("errnos", index: i), required: ["number", "name", "text"], optional: ["source"])
      let e = Errno(
        number: try o.requiredInt("number", max: 4095), name: try o.requiredString("name"),
        text: try o.requiredString("text"), source: try o.string("source"))
      if errnos.contains(where: { $0.number == e.number || $0.name == e.name }) {
        throw r.error(n, key: YAMLReader.join("errnos", index: i), "errno \(e.name) (\(e.number)) listed twice")
      }
      errnos.append(e)
    }

    var messages: [Message] = []
    for (i, n) in try r.sequence(try top.required("messages"), key: "messages").enumerated() {
      let key = YAMLReader.join("messages", index: i)
      let o = try r.object(
        n, key: key,
        required: [
          "id", "summary", "text", "pattern", "severity", "function", "file", "source", "samples", "near-misses",
          "meaning",
        ], optional: ["causes", "errno-variants", "excluded-by", "establishes"])
      let id = try o.requiredString("id")
      if messages.contains(where: { $0.id == id }) {
        throw r.error(try o.required("id"), key: o.path("id"), "message '\(id)' listed twice")
      }
      let pattern = try o.requiredString("pattern")
      let regex: Regex<AnyRegexOutput>
      do {
        regex = try Regex(pattern)
      } catch {
        throw r.error(try o.required("pattern"), key: o.path("pattern"), "not a regular expression: \(error)")
      }
      var variants: [ErrnoVariant] = []
      if let vs = o["errno-variants"] {
        for (j, v) in try r.sequence(vs, key: o.path("errno-variants")).enumerated() {
          let vo = try r.object(
            v, key: YAMLReader.join(o.path("errno-variants"), index: j), required: ["errno", "meaning"],
            optional: ["source", "causes"])
          let name = try vo.requiredString("errno")
          if !errnos.contains(where: { $0.name == name }) {
            throw r.error(try vo.required("errno"), key: vo.path("errno"), "unknown errno '\(name)' (not in errnos)")
          }
          variants.append(
            ErrnoVariant(
              errno: name, meaning: try vo.requiredString("meaning"), source: try vo.string("source"),
              causes: try causes(vo["causes"], key: vo.path("causes"), reader: r)))
        }
      }
      var exclusions: [Exclusion] = []
      if let xs = o["excluded-by"] {
        for (j, x) in try r.sequence(xs, key: o.path("excluded-by")).enumerated() {
          let xo = try r.object(
            x, key: YAMLReader.join(o.path("excluded-by"), index: j), required: ["rule", "text"],
            optional: ["status", "source", "when"])
          exclusions.append(
            Exclusion(
              rule: try xo.requiredString("rule"), text: try xo.requiredString("text"),
              provenance: try Provenance.read(xo), when: try conditions(xo, "when", reader: r)))
        }
      }
      let establishes = try conditions(o, "establishes", reader: r)
      if let c = establishes.first(where: { !$0.isAboutTheLog }) {
        throw r.error(try o.required("establishes"), key: o.path("establishes"), "'\(c.rawValue)' is not about the log")
      }
      var message =
        Message(
          id: id, summary: try o.requiredString("summary"), text: try o.requiredString("text"), pattern: pattern,
          severity: try o.requiredChoice("severity", as: Severity.self), function: try o.requiredString("function"),
          file: try o.requiredString("file"), source: try o.requiredString("source"),
          samples: try o.requiredStringList("samples"), nearMisses: try o.requiredStringList("near-misses"),
          meaning: try o.requiredString("meaning"), causes: try causes(o["causes"], key: o.path("causes"), reader: r),
          errnoVariants: variants, exclusions: exclusions, needle: Self.needle(of: pattern),
          regex: SharedRegex(regex))
      message.establishes = establishes
      messages.append(message)
    }
    // Evidence names messages of this catalog.
    let ids = Set(messages.map(\.id))
    for (i, n) in try r.sequence(try top.required("messages"), key: "messages").enumerated() {
      let m = messages[i]
      for c in m.causes + m.errnoVariants.flatMap(\.causes) {
        if let bad = c.evidence.first(where: { !ids.contains($0) }) {
          throw r.error(n, key: YAMLReader.join("messages", index: i), "evidence '\(bad)' is not a message id")
        }
      }
    }
    return KernelMessageCatalog(sources: sources, errnos: errnos, messages: messages, path: path)
  }

  private static func causes(_ node: Yams.Node?, key: String, reader r: YAMLReader) throws(InputError) -> [Cause] {
    guard let node else { return [] }
    var out: [Cause] = []
    for (i, n) in try r.sequence(node, key: key).enumerated() {
      let o = try r.object(
        n, key: YAMLReader.join(key, index: i), required: ["text", "rules"],
        optional: ["status", "source", "unless", "evidence"])
      let unless = try conditions(o, "unless", reader: r)
      if let c = unless.first(where: { !$0.isAboutTheLog }) {
        throw r.error(try o.required("unless"), key: o.path("unless"), "'\(c.rawValue)' is not about the log")
      }
      out.append(
        Cause(
          text: try o.requiredString("text"), provenance: try Provenance.read(o),
          rules: try o.requiredStringList("rules"), unless: unless,
          evidence: try o.stringList("evidence") ?? []))
    }
    return out
  }

  /// A list of conditions (`when`, `unless`); empty when the key is absent.
  private static func conditions(_ o: YAMLObject, _ key: String, reader r: YAMLReader) throws(InputError)
    -> [Condition]
  {
    guard let node = o[key] else { return [] }
    var out: [Condition] = []
    for (i, n) in try r.sequence(node, key: o.path(key)).enumerated() {
      let k = YAMLReader.join(o.path(key), index: i)
      guard let text = n.scalar?.string, let c = Condition(rawValue: text) else {
        throw r.error(
          n, key: k, "expected \(YAMLReader.alternatives(Condition.allCases.map(\.rawValue)))")
      }
      out.append(c)
    }
    return out
  }

  /// The longest literal run a pattern requires: characters outside groups, classes, escapes and alternatives,
  /// without one a quantifier makes optional. Empty when the pattern has a top-level alternative.
  static func needle(of pattern: String) -> String {
    let chars = Array(pattern)
    var best = ""
    var run = ""
    var depth = 0
    var inClass = false
    var i = 0
    func flush() {
      if run.count > best.count { best = run }
      run = ""
    }
    while i < chars.count {
      let c = chars[i]
      if inClass {
        if c == "\\" { i += 1 } else if c == "]" { inClass = false }
        i += 1
        continue
      }
      switch c {
      case "\\":
        flush()
        i += 2
        continue
      case "[":
        flush()
        inClass = true
      case "(":
        flush()
        depth += 1
      case ")":
        flush()
        depth -= 1
      case "|":
        if depth == 0 { return "" }
        flush()
      case "?", "*", "{":
        if depth == 0 && !run.isEmpty { run.removeLast() }
        flush()
      case "+", ".", "^", "$", "}":
        flush()
      default:
        if depth == 0 { run.append(c) } else { flush() }
      }
      i += 1
    }
    flush()
    return best
  }
}

/// A compiled regular expression shared between threads. `Regex` is not declared `Sendable`, but it is an
/// immutable value once built: matching does not change it (its lazily lowered program is created once, behind
/// an atomic swap in _StringProcessing).
final class SharedRegex<Output>: @unchecked Sendable {
  let regex: Regex<Output>
  init(_ regex: Regex<Output>) { self.regex = regex }
}
