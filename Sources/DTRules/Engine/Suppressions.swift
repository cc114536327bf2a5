import DTCore
import Foundation
import Synchronization

/// Source comments that silence findings (Documentation/Suppressions.md):
///
/// ```
/// /* dtlint-disable-next-line rule[, rule] [-- reason] */   the line after the comment
/// // dtlint-disable-next-line rule [-- reason]              (either comment form, for every directive)
/// /* dtlint-disable rule [-- reason] */ … /* dtlint-enable rule */   a block of lines
/// /* dtlint-disable-file rule [-- reason] */                the whole file
/// ```
///
/// Without a rule list a directive applies to every rule. Comments exist only in the raw source (the
/// preprocessor strips them), so each file is scanned from its bytes, once; a finding is filtered by the line of
/// its primary location, in the file that location is in (an include's comments govern the include).
public struct SuppressionDirective: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case disableNextLine = "dtlint-disable-next-line"
    case disable = "dtlint-disable"
    case enable = "dtlint-enable"
    case disableFile = "dtlint-disable-file"
  }
  public var kind: Kind
  /// Known rule IDs named by the comment; empty when the comment names none (every rule).
  public var rules: [String]
  /// True when the directive applies to every rule (no list, or `all`).
  public var allRules: Bool
  /// The text after ` -- `, if any.
  public var reason: String?
  /// The whole comment.
  public var range: SourceRange
  /// Lines (1-based) where the comment starts and ends.
  public var line: Int
  public var endLine: Int
}

/// Which lines of one file are silenced for which rules, built once from the file's suppression comments.
public struct SuppressionMask: Sendable {
  public let file: FileID
  public let directives: [SuppressionDirective]
  /// Unknown rule names and directives, unmatched `dtlint-enable`s (rule `suppression`, default severity).
  public let problems: [Diagnostic]

  private struct Interval: Sendable {
    var start: Int
    var end: Int
    /// nil: every rule except `except`.
    var rule: String?
    var except: Set<String>
  }
  private var wholeFile = false
  private var fileRules = Set<String>()
  private var lineAll = Set<Int>()
  private var lineRules: [Int: Set<String>] = [:]
  private var intervals: [Interval] = []

  /// True when no directive applies anywhere in the file.
  public var isEmpty: Bool { directives.isEmpty }

  public func isSuppressed(rule: String, line: Int) -> Bool {
    if wholeFile || fileRules.contains(rule) { return true }
    if lineAll.contains(line) || lineRules[line]?.contains(rule) == true { return true }
    for i in intervals where i.start <= line && line <= i.end {
      if let r = i.rule { if r == rule { return true } } else if !i.except.contains(rule) { return true }
    }
    return false
  }

  /// Scans `file` for suppression comments. `knownRules` are the IDs a comment may name.
  public init(file: SourceFile, knownRules: Set<String>) {
    self.file = file.id
    var scan = CommentScanner(file: file, knownRules: knownRules)
    scan.run()
    directives = scan.directives
    var problems = scan.problems

    // Block intervals: a disable opens on the line of its comment, the matching enable closes on the line of
    // its own comment (both lines included); an unclosed disable runs to the end of the file.
    var open: [String: Int] = [:]
    var openAll: (start: Int, except: Set<String>)?
    var intervals: [Interval] = []
    for d in directives {
      switch d.kind {
      case .disableFile:
        if d.allRules { wholeFile = true } else { fileRules.formUnion(d.rules) }
      case .disableNextLine:
        let target = d.endLine + 1
        if d.allRules { lineAll.insert(target) } else { lineRules[target, default: []].formUnion(d.rules) }
      case .disable:
        if d.allRules {
          if let a = openAll, !a.except.isEmpty {
            intervals.append(Interval(start: a.start, end: d.line, rule: nil, except: a.except))
            openAll = (d.line, [])
          } else if openAll == nil {
            openAll = (d.line, [])
          }
        } else {
          for r in d.rules where open[r] == nil { open[r] = d.line }
        }
      case .enable:
        if d.allRules {
          if open.isEmpty && openAll == nil {
            problems.append(scan.problem("'dtlint-enable' without a preceding 'dtlint-disable'", d.range))
          }
          for (r, s) in open { intervals.append(Interval(start: s, end: d.line, rule: r, except: [])) }
          open = [:]
          if let a = openAll { intervals.append(Interval(start: a.start, end: d.line, rule: nil, except: a.except)) }
          openAll = nil
        } else {
          for r in d.rules {
            var matched = false
            if let s = open.removeValue(forKey: r) {
              intervals.append(Interval(start: s, end: d.line, rule: r, except: []))
              matched = true
            }
            if let a = openAll, !a.except.contains(r) {
              intervals.append(Interval(start: a.start, end: d.line, rule: nil, except: a.except))
              openAll = (d.line + 1, a.except.union([r]))
              matched = true
            }
            if !matched {
              problems.append(
                scan.problem("'dtlint-enable \(r)' without a preceding 'dtlint-disable' of that rule", d.range))
            }
          }
        }
      }
    }
    for (r, s) in open { intervals.append(Interval(start: s, end: Int.max, rule: r, except: [])) }
    if let a = openAll { intervals.append(Interval(start: a.start, end: Int.max, rule: nil, except: a.except)) }
    self.intervals = intervals.sorted { ($0.start, $0.end, $0.rule ?? "") < ($1.start, $1.end, $1.rule ?? "") }
    self.problems = problems
  }
}

/// Applies suppression comments to a run's findings. Masks are built once per file and shared: one instance
/// can serve many inputs that include the same files, from several threads.
public final class Suppressions: Sendable {
  /// The rule that reports problems in suppression comments.
  public static let ruleID = "suppression"

  public let sources: SourceManager
  public let knownRules: Set<String>
  private let cache = Mutex<[FileID: SuppressionMask]>([:])

  public init(sources: SourceManager, registry: RuleRegistry = .shared) {
    self.sources = sources
    self.knownRules = Set(registry.descriptions.map(\.id))
  }

  /// The mask of a file, scanned on first use.
  public func mask(for file: FileID) -> SuppressionMask {
    if let m = cache.withLock({ $0[file] }) { return m }
    let source = sources[file]
    // Blobs and /incbin/ data are not source text: no comments to honour.
    let m =
      source.bytes.withUnsafeBufferPointer { b in b.baseAddress.map { memchr($0, 0, b.count) != nil } ?? false }
      ? SuppressionMask(file: SourceFile(id: file, path: source.path, bytes: []), knownRules: knownRules)
      : SuppressionMask(file: source, knownRules: knownRules)
    return cache.withLock { c in
      if let existing = c[file] { return existing }
      c[file] = m
      return m
    }
  }

  /// Drops the findings a comment silences (by the rule and the line of their primary location) and adds
  /// the `suppression` findings of `files` (default: every text file the source manager has read). Findings
  /// without a source position are kept. `selection` decides whether `suppression` findings are reported and
  /// at which severity (and applies `werror` to them).
  public func apply(_ diagnostics: [Diagnostic], files: [FileID]? = nil, selection: RuleSelection? = nil)
    -> [Diagnostic]
  {
    var out = diagnostics.filter { !isSuppressed($0) }
    let setting = selection?.setting(Self.ruleID)
    guard setting?.enabled ?? true else { return out }
    let ids = files ?? sources.allFiles.map(\.id)
    var seen = Set<FileID>()
    for id in ids where seen.insert(id).inserted {
      for var p in mask(for: id).problems where !isSuppressed(p) {
        p.severity = selection?.werror == true ? .error : (setting?.severity ?? p.severity)
        out.append(p)
      }
    }
    return out
  }

  /// Whether a comment silences this finding.
  public func isSuppressed(_ d: Diagnostic) -> Bool {
    guard let r = d.range else { return false }
    let m = mask(for: r.file)
    if m.isEmpty { return false }
    return m.isSuppressed(rule: d.rule, line: sources[r.file].lineColumn(at: r.start).line)
  }
}

/// Finds comments in raw DTS bytes (skipping string and character literals) and parses the `dtlint-`
/// directives in them.
private struct CommentScanner {
  let file: SourceFile
  let knownRules: Set<String>
  var directives: [SuppressionDirective] = []
  var problems: [Diagnostic] = []

  init(file: SourceFile, knownRules: Set<String>) {
    self.file = file
    self.knownRules = knownRules
  }

  /// Whether `dtlint` occurs anywhere in the bytes (a directive needs it).
  static func mentionsDtlint(_ b: [UInt8]) -> Bool {
    // memchr to each 'd': every file read is scanned, headers of hundreds of kilobytes among them.
    b.withUnsafeBufferPointer { buf in
      guard let base = buf.baseAddress else { return false }
      let n = buf.count
      var i = 0
      while n - i >= 6, let hit = memchr(base + i, 0x64, n - i - 5) {
        let at = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
        if memcmp(base + at, "dtlint", 6) == 0 { return true }
        i = at + 1
      }
      return false
    }
  }

  func problem(_ message: String, _ range: SourceRange) -> Diagnostic {
    Diagnostic(rule: Suppressions.ruleID, severity: .warning, message: message, range: range)
  }

  mutating func run() {
    let b = file.bytes
    // Most files (and every big header) have no directive at all: find that out with one pass over the bytes.
    guard Self.mentionsDtlint(b) else { return }
    let n = b.count
    var i = 0
    while i < n {
      let c = b[i]
      if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
        // A literal ends at its closing quote or, unterminated, at the end of the line.
        i += 1
        while i < n && b[i] != c && b[i] != 0x0A {
          i += b[i] == UInt8(ascii: "\\") && i + 1 < n && b[i + 1] != 0x0A ? 2 : 1
        }
        if i < n && b[i] == c { i += 1 }
      } else if c == UInt8(ascii: "/") && i + 1 < n && b[i + 1] == UInt8(ascii: "*") {
        var j = i + 2
        while j + 1 < n && !(b[j] == UInt8(ascii: "*") && b[j + 1] == UInt8(ascii: "/")) { j += 1 }
        let closed = j + 1 < n
        let end = closed ? j + 2 : n
        comment(start: i, contentStart: i + 2, contentEnd: closed ? j : n, end: end)
        i = end
      } else if c == UInt8(ascii: "/") && i + 1 < n && b[i + 1] == UInt8(ascii: "/") {
        var j = i + 2
        while j < n && b[j] != 0x0A {
          // A backslash-newline continues a // comment (the preprocessor splices lines first).
          if b[j] == UInt8(ascii: "\\") && j + 1 < n && b[j + 1] == 0x0A { j += 2 } else { j += 1 }
        }
        comment(start: i, contentStart: i + 2, contentEnd: j, end: j)
        i = j
      } else {
        i += 1
      }
    }
  }

  private func isSpace(_ c: UInt8) -> Bool {
    c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C
  }

  private func range(_ s: Int, _ e: Int) -> SourceRange { SourceRange(file: file.id, start: UInt32(s), end: UInt32(e)) }

  private mutating func comment(start: Int, contentStart: Int, contentEnd: Int, end: Int) {
    let b = file.bytes
    var p = contentStart
    while p < contentEnd && isSpace(b[p]) { p += 1 }
    let prefix = Array("dtlint".utf8)
    guard p + prefix.count < contentEnd, Array(b[p..<(p + prefix.count)]) == prefix,
      b[p + prefix.count] == UInt8(ascii: "-") || b[p + prefix.count] == UInt8(ascii: ":")
    else { return }
    let commentRange = range(start, end)
    var k = p
    while k < contentEnd
      && (b[k] == UInt8(ascii: "-") || b[k] == UInt8(ascii: ":")
        || (b[k] >= UInt8(ascii: "a") && b[k] <= UInt8(ascii: "z")))
    {
      k += 1
    }
    let word = String(decoding: b[p..<k], as: UTF8.self)
    guard let kind = SuppressionDirective.Kind(rawValue: word), k == contentEnd || isSpace(b[k]) else {
      var e = k
      while e < contentEnd && !isSpace(b[e]) { e += 1 }
      let shown = String(decoding: b[p..<e], as: UTF8.self)
      problems.append(
        problem(
          "unknown suppression directive '\(shown)' (expected dtlint-disable-next-line, dtlint-disable, "
            + "dtlint-enable or dtlint-disable-file)", range(p, e)))
      return
    }
    // Rule list up to ` -- ` (or to the end), then the reason.
    var listEnd = contentEnd
    var reason: String?
    var q = k
    while q + 1 < contentEnd {
      if b[q] == UInt8(ascii: "-") && b[q + 1] == UInt8(ascii: "-") && isSpace(b[q - 1]) {
        listEnd = q
        let text = String(decoding: b[(q + 2)..<contentEnd], as: UTF8.self)
        let words = text.split(whereSeparator: { $0.isWhitespace })
        reason = words.isEmpty ? nil : words.joined(separator: " ")
        break
      }
      q += 1
    }
    var rules: [String] = []
    var all = false
    var named = 0
    var t = k
    while t < listEnd {
      while t < listEnd && (isSpace(b[t]) || b[t] == UInt8(ascii: ",")) { t += 1 }
      let s = t
      while t < listEnd && !isSpace(b[t]) && b[t] != UInt8(ascii: ",") { t += 1 }
      guard t > s else { continue }
      named += 1
      let name = String(decoding: b[s..<t], as: UTF8.self)
      if name == "all" {
        all = true
      } else if knownRules.contains(name) {
        if !rules.contains(name) { rules.append(name) }
      } else {
        problems.append(problem("unknown rule '\(name)' in a suppression comment (see 'dtlint rules')", range(s, t)))
      }
    }
    // A list of only unknown names silences nothing (it must not turn into "every rule").
    if named > 0 && rules.isEmpty && !all { return }
    directives.append(
      SuppressionDirective(
        kind: kind, rules: all ? [] : rules, allRules: all || named == 0, reason: reason, range: commentRange,
        line: file.lineColumn(at: UInt32(start)).line, endLine: file.lineColumn(at: UInt32(max(start, end - 1))).line))
  }
}
