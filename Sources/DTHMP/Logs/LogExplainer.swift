/// Reads a kernel log and explains the remoteproc, rpmsg, MU mailbox and reserved-memory lines it recognises
/// with the message catalog, for one kernel flavor (its mailbox timeout, its vring names) and one remote core (how
/// the texts name it and the SoC facts they state).
public struct LogExplainer: Sendable {
  public var catalog: KernelMessageCatalog
  public var flavor: KernelFlavor
  /// The SoC's words the texts are filled with (`{core}`, `{mu}`, `{clk.mcore-booted}`, …; the vrings'
  /// directions): the i.MX 8M Plus's, dtlint's reference system, unless told.
  public var soc: LogSoCWords
  /// How the texts name the remote core: `M7`, `M4` or `M33`.
  public var coreName: String { soc.coreName }

  public init(catalog: KernelMessageCatalog, flavor: KernelFlavor, soc: LogSoCWords = .reference) {
    self.catalog = catalog
    self.flavor = flavor
    self.soc = soc
  }

  /// One line of the log, with what came before the message: the time stamp and the `driver device` prefix.
  public struct Line: Sendable, Hashable {
    /// 1-based.
    public var number: Int
    public var text: String
    /// `5.123456` (dmesg), `Nov 25 10:12:03` (syslog, journalctl), or nil.
    public var time: String?
    /// `imx-rproc imx8mp-cm7`, `remoteproc remoteproc0`, `OF: reserved mem`, or nil.
    public var device: String?
    /// The line without its time stamp and syslog prefix: the device prefix and the message.
    public var message: String
  }

  /// Which vring a notify id stands for.
  public struct Vring: Sendable, Hashable {
    public var notifyid: Int
    public var vdev: Int
    public var ring: Int
    /// The carveout (reserved region) name remoteproc looks the vring up by: `vdev0vring1`.
    public var carveout: String
    /// `Linux → M7` or `M7 → Linux` (the explainer's core name).
    public var direction: String
    /// What the ring is for on the Linux side.
    public var role: String
    /// False when the mapping of the notify id to vdev and ring is inferred (more than one vdev).
    public var verified: Bool
  }

  /// A recognised message: its first line, the lines that repeat it with the same values, and what it means.
  public struct Recognised: Sendable {
    public var message: KernelMessageCatalog.Message
    public var line: Line
    /// Later lines with the same message and values.
    public var repeats: [Int]
    /// Later lines of the same message (and errno) with other values, once ``LogExplainer/detailedPerMessage`` of
    /// them are explained in full: the explanation above holds for them but for the values.
    public var otherValues: [Int] = []
    public var values: [String: String]
    public var errno: KernelMessageCatalog.Errno?
    /// The errno as printed (`-62`).
    public var errnoValue: Int?
    public var vring: Vring?
    /// The mailbox client's tx timeout, for messages of the mailbox send path.
    public var txTimeoutMS: Int?
    public var summary: String
    public var meaning: String
    /// Sources of the meaning: the message's, then the errno variant's.
    public var sources: [String]
    /// The causes and exclusions of the catalog, their texts filled in with the line's values.
    public var causes: [KernelMessageCatalog.Cause]
    public var exclusions: [KernelMessageCatalog.Exclusion]
    public var isProblem: Bool { message.severity.isProblem }
  }

  public struct Explanation: Sendable {
    /// Lines in the log.
    public var lineCount: Int
    public var recognised: [Recognised]
    /// Lines the catalog does not know (empty lines not counted).
    public var unrecognised: Int
    public var flavor: String
    /// What the recognised lines show about the run (`attaching`): causes that cannot hold were left out, and
    /// contradictions whose log condition failed.
    public var facts: Set<KernelMessageCatalog.Condition> = []
    /// Lines recognised (repeats included).
    public var recognisedLines: Int {
      recognised.reduce(0) { $0 + 1 + $1.repeats.count + $1.otherValues.count }
    }
    public var problems: [Recognised] { recognised.filter(\.isProblem) }
  }

  /// How many value sets of one message (and errno) are explained in full; later ones are listed under the last.
  /// A log of 300 000 kicks on as many notify ids is then a page, not 1.5 GB (each explanation is ~5 KB of text).
  public static let detailedPerMessage = 3

  /// Explains every line of `text`. Work and memory are linear in the log, and the explanations bounded by the
  /// catalog: lines repeating a message's values count as repeats, and beyond ``detailedPerMessage`` value sets of a
  /// message only the line numbers of the others are kept.
  public func explain(_ text: String) -> Explanation {
    var groups: [Recognised] = []
    var index: [String: Int] = [:]
    // Per message and errno: how many value sets are explained, and the group of the last one.
    var detailed: [String: (count: Int, group: Int)] = [:]
    var unrecognised = 0
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let count = lines.count - (text.isEmpty || text.hasSuffix("\n") ? 1 : 0)
    for (i, raw) in lines.enumerated() {
      var lineText = String(raw)
      if lineText.hasSuffix("\r") { lineText.removeLast() }
      if lineText.trimmingSpaces.isEmpty { continue }
      guard let m = catalog.match(lineText) else {
        unrecognised += 1
        continue
      }
      let key =
        m.message.id + "\u{0}"
        + m.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
          separator: "\u{0}")
      if let g = index[key] {
        groups[g].repeats.append(i + 1)
        continue
      }
      let kind = m.message.id + "\u{0}" + (m.values["errno"] ?? "")
      if let d = detailed[kind], d.count >= Self.detailedPerMessage {
        groups[d.group].otherValues.append(i + 1)
        continue
      }
      detailed[kind] = ((detailed[kind]?.count ?? 0) + 1, groups.count)
      index[key] = groups.count
      var line = Self.line(lineText, number: i + 1, start: m.start)
      if let d = m.values["device"] { line.device = [line.device, d].compactMap { $0 }.joined(separator: " ") }
      groups.append(recognise(m.message, values: m.values, line: line))
    }
    let facts = Set(groups.flatMap(\.message.establishes))
    for i in groups.indices { Self.apply(facts, to: &groups[i]) }
    var e = Explanation(lineCount: count, recognised: groups, unrecognised: unrecognised, flavor: flavor.name)
    e.facts = facts
    return e
  }

  /// Drops the causes the log rules out (`unless`: a start that came too early when the log shows Linux attaching
  /// to a running core) and the contradictions whose log condition does not hold (`when`: a resource table Linux
  /// cannot find matters only when it attaches). Conditions about findings stay for the caller that has the tree.
  static func apply(_ facts: Set<KernelMessageCatalog.Condition>, to r: inout Recognised) {
    r.causes.removeAll { c in c.unless.contains(where: facts.contains) }
    r.exclusions.removeAll { x in x.when.contains { $0.isAboutTheLog && !facts.contains($0) } }
  }

  /// Splits the prefixes off a recognised line.
  static func line(_ text: String, number: Int, start: String.Index) -> Line {
    var rest = text[..<start]
    var time: String?
    rest = rest.drop { $0 == " " || $0 == "\t" }
    // journalctl / syslog: "Nov 25 10:12:03 host kernel: " or an ISO time stamp.
    if let m = try? Self.journal.regex.prefixMatch(in: rest) {
      time = String(m.output.1)
      rest = rest[m.range.upperBound...]
    }
    // printk level "<3>", then dmesg's "[    5.123456]" or dmesg -T's "[Wed Nov 25 10:12:03 2026]".
    if let m = try? Self.dmesg.regex.prefixMatch(in: rest) {
      time = String(m.output.1).trimmingSpaces
      rest = rest[m.range.upperBound...]
    } else if let m = try? Self.level.regex.prefixMatch(in: rest) {
      rest = rest[m.range.upperBound...]
    }
    let message = String(text[rest.startIndex...]).trimmingSpaces
    var device = String(rest).trimmingSpaces
    while device.hasSuffix(":") { device = String(device.dropLast()).trimmingSpaces }
    return Line(number: number, text: text, time: time, device: device.isEmpty ? nil : device, message: message)
  }

  private static let journal = SharedRegex(
    /(?:<\d+>)?([A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:?\d\d)?) +\S+ +kernel: */)
  private static let dmesg = SharedRegex(
    /(?:<\d+>)?\[([ 0-9.]+|[A-Z][a-z]{2} [A-Z][a-z]{2} +\d+ [0-9:]+ \d{4})\] */)
  private static let level = SharedRegex(/<\d+> */)

  /// The meaning, causes and values of one message on one line.
  func recognise(_ message: KernelMessageCatalog.Message, values captured: [String: String], line: Line)
    -> Recognised
  {
    var values = captured
    var errno: KernelMessageCatalog.Errno?
    var errnoValue: Int?
    if let e = captured["errno"] {
      errno = catalog.errno(e)
      errnoValue = Int(e) ?? errno.map { -$0.number }
      if let errno {
        values["errno"] = "-\(errno.number) (\(errno.name), \(errno.text))"
        values["errno.name"] = errno.name
        values["errno.text"] = errno.text
      }
    }
    var vring: Vring?
    if let n = captured["notifyid"].flatMap({ Int($0) }), n >= 0 {
      let v = Self.vring(notifyid: n, core: flavor.core, coreName: coreName)
      vring = v
      values["vring"] = v.carveout
      values["vring.direction"] = "\(v.direction): \(v.role)"
    }
    let timeout = flavor.mailbox.txTimeoutMS
    values["tx-timeout-ms"] = "\(timeout)"
    values["flavor"] = flavor.name

    var meaning = message.meaning
    var sources = [message.source]
    var causes = message.causes
    let variant = errno.flatMap { e in message.errnoVariants.first { $0.errno == e.name } }
    if let variant {
      meaning += " " + variant.meaning
      if let s = variant.source { sources.append(s) }
      causes = variant.causes + causes
    }
    let usesTimeout =
      message.meaning.contains("{tx-timeout-ms}") || variant?.meaning.contains("{tx-timeout-ms}") == true
    return Recognised(
      message: message, line: line, repeats: [], values: captured, errno: errno, errnoValue: errnoValue,
      vring: vring, txTimeoutMS: usesTimeout ? timeout : nil,
      summary: soc.fill(message.summary, values), meaning: soc.fill(meaning, values), sources: sources,
      causes: causes.map { c in
        var c = c
        c.text = soc.fill(c.text, values)
        return c
      },
      exclusions: message.exclusions.map { x in
        var x = x
        x.text = soc.fill(x.text, values)
        return x
      })
  }

  /// Notify ids are allocated in order, two vrings per vdev (remoteproc_core.c rproc_alloc_vring, idr_alloc);
  /// rpmsg's first virtqueue ("input") receives, its second ("output") sends (virtio_rpmsg_bus.c rpmsg_probe).
  /// HMPFacts §2, §3.4.
  static func vring(notifyid n: Int, core: KernelFlavor.RemoteprocCore, coreName: String) -> Vring {
    let vdev = n / 2
    let ring = n % 2
    return Vring(
      notifyid: n, vdev: vdev, ring: ring, carveout: core.vringName(vdev: vdev, ring: ring),
      direction: ring == 1 ? "Linux → \(coreName)" : "\(coreName) → Linux",
      role: ring == 1
        ? "the virtqueue Linux sends on, rpmsg's \"output\"" : "the virtqueue Linux receives on, rpmsg's \"input\"",
      verified: vdev == 0)
  }

  /// Replaces `{name}` by its value (unknown names stay as they are) and resolves `{?name:THEN|ELSE}` by whether
  /// `name` has a value (``LogSoCWords/fill(_:_:)``).
  static func fill(_ template: String, _ values: [String: String]) -> String {
    LogSoCWords.fill(Substring(template)) { values[$0] }
  }
}

extension StringProtocol {
  var trimmingSpaces: String {
    let s = drop { $0 == " " || $0 == "\t" }
    var end = s.endIndex
    while end > s.startIndex, s[s.index(before: end)] == " " || s[s.index(before: end)] == "\t" {
      end = s.index(before: end)
    }
    return String(s[..<end])
  }
}
