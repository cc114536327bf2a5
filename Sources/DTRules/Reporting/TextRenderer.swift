import DTCore
import Foundation

/// `--color auto|always|never`.
public enum ColorMode: String, Sendable, CaseIterable {
  case auto, always, never

  /// `auto`: the stream is a terminal, `TERM` is not `dumb`, and `NO_COLOR` is unset or empty
  /// (https://no-color.org). `always` and `never` ignore the environment.
  public func isEnabled(isTerminal: Bool, environment: [String: String]) -> Bool {
    switch self {
    case .always: return true
    case .never: return false
    case .auto:
      if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
      if environment["TERM"] == "dumb" { return false }
      return isTerminal
    }
  }

  /// As ``isEnabled(isTerminal:environment:)`` for a file descriptor of this process (1 for stdout).
  public func isEnabled(fileDescriptor: Int32) -> Bool {
    isEnabled(isTerminal: isatty(fileDescriptor) == 1, environment: ProcessInfo.processInfo.environment)
  }
}

public struct TextRenderOptions: Sendable {
  /// ANSI colour and bold (decided by the CLI: see ``ColorMode``).
  public var color: Bool
  /// Tab stops in snippets (the header column still counts a tab as one).
  public var tabWidth: Int
  /// Source lines shown before and after the underlined line.
  public var contextLines: Int

  public init(color: Bool = false, tabWidth: Int = 8, contextLines: Int = 0) {
    self.color = color
    self.tabWidth = max(1, tabWidth)
    self.contextLines = max(0, contextLines)
  }
}

/// Human-readable findings, as compilers print them:
///
/// ```
/// board.dts:5:2: warning: node '/uart@1000' has a unit address but no 'reg' or 'ranges' property [unit_address_vs_reg]
///     5 |         uart@1000 {
///       |         ^~~~~~~~~
/// board.dts:3:2: note: parent sets '#address-cells' here
///     3 |         #address-cells = <1>;
///       |         ^~~~~~~~~~~~~~~~~~~~~
///       = fix-it: insert a 'reg' property
/// ```
///
/// The header is `file:line:col: severity: message [rule]`: 1-based, the column counts bytes (a tab is one
/// column). In the snippet, tabs expand to the next tab stop and wide characters take two cells, so the caret
/// sits under the text it points at. Findings without a source position (blob input) are headed by the input
/// and followed by `= at /node/path`.
public struct TextRenderer: Sendable {
  public var context: ReportContext
  public var options: TextRenderOptions

  public init(context: ReportContext, options: TextRenderOptions = TextRenderOptions()) {
    self.context = context
    self.options = options
  }

  /// Every finding in report order, each ending with a newline.
  public func render(_ report: Report) -> String {
    var out = ""
    for f in context.sorted(report.findings) {
      out += render(f)
      out += "\n"
    }
    return out
  }

  /// One finding with its snippet, notes and fix-its (no trailing newline).
  public func render(_ finding: Finding) -> String {
    let d = finding.diagnostic
    var lines: [String] = []
    let primary = d.range.map { context.location(of: $0) }
    var head: String?
    if let p = primary {
      head = DiagnosticText.location(p.path, line: p.line, column: p.column)
    } else if let input = finding.input {
      head = context.displayPath(input)
    }
    lines.append(header(location: head, severity: d.severity, message: d.message, rule: d.rule))
    if let r = d.range {
      lines += snippet(r, color: severityColor(d.severity))
    }
    if let path = d.nodePath {
      lines.append(attachment("at ", path + (d.property.map { ":" + $0 } ?? "")))
    }
    for n in d.notes {
      if let r = n.range {
        let loc = context.location(of: r)
        lines.append(
          header(
            location: DiagnosticText.location(loc.path, line: loc.line, column: loc.column), severity: .note,
            message: n.message))
        if let p = primary, let dr = d.range, dr.file == r.file, p.line == loc.line {
          continue  // the snippet above already shows this line
        }
        lines += snippet(r, color: severityColor(.note))
      } else {
        lines.append(attachment("note: ", n.message))
      }
    }
    for fix in d.fixes {
      lines.append(attachment("fix-it: ", fix.message))
    }
    return lines.joined(separator: "\n")
  }

  /// `2 errors, 3 warnings in 1 file` (notes are counted when there are any; `no findings in 2 files`).
  public static func summary(of report: Report) -> String {
    var parts: [String] = []
    let e = report.count(.error)
    let w = report.count(.warning)
    let n = report.count(.note)
    if e > 0 { parts.append(plural(e, "error")) }
    if w > 0 { parts.append(plural(w, "warning")) }
    if n > 0 { parts.append(plural(n, "note")) }
    var files = report.inputs.count
    if files == 0 {
      files = Set(report.findings.compactMap { $0.input ?? $0.diagnostic.range.map { "\($0.file.raw)" } }).count
    }
    let unchecked = report.unchecked.count
    let unread = "\(plural(unchecked, "file")) could not be checked"
    // Never "no findings" about a file that was not checked.
    if unchecked > 0 && files - unchecked == 0 && parts.isEmpty { return unread }
    let what = parts.isEmpty ? "no findings" : parts.joined(separator: ", ")
    let checked = files > unchecked ? "\(what) in \(plural(files - unchecked, "file"))" : what
    return unchecked > 0 ? "\(checked); \(unread)" : checked
  }

  private static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

  // MARK: - Pieces

  private func header(location: String?, severity: Severity, message: String, rule: String? = nil) -> String {
    DiagnosticText.line(location: location, severity: severity, message: message, rule: rule) { part, text in
      switch part {
      case .location, .message: paint(text, ANSI.bold)
      case .severity(let s): paint(text, severityColor(s))
      }
    }
  }

  /// `      = label text`, aligned with the gutter bar (`label` ends with its separator: `"fix-it: "`, `"at "`).
  private func attachment(_ label: String, _ text: String) -> String {
    String(repeating: " ", count: gutterWidth(for: 1)) + " " + paint("= " + label, ANSI.cyan) + text
  }

  private func gutterWidth(for maxLine: Int) -> Int { max(5, String(maxLine).count) }

  /// The underlined line (with context lines around it) and its caret line.
  private func snippet(_ range: SourceRange, color: String) -> [String] {
    let file = context.sources[range.file]
    let start = file.lineColumn(at: range.start)
    let lineCount = file.lineStarts.count
    let first = max(1, start.line - options.contextLines)
    let last = min(lineCount, start.line + options.contextLines)
    let width = gutterWidth(for: last)
    var out: [String] = []
    for n in first...max(first, last) {
      // Very long lines (minified or generated sources) are shown as a window around the finding.
      var text = lineBytes(file, n)
      var column = start.column
      var clippedLeft = false
      if text.count > Self.maxSnippetBytes {
        let focus = n == start.line ? min(column - 1, text.count) : 0
        var lo = max(0, focus - Self.maxSnippetBytes / 3)
        while lo > 0 && text[lo] & 0xC0 == 0x80 { lo -= 1 }
        var hi = min(text.count, lo + Self.maxSnippetBytes)
        while hi < text.count && text[hi] & 0xC0 == 0x80 { hi += 1 }
        clippedLeft = lo > 0
        let clippedRight = hi < text.count
        text = (clippedLeft ? Array("…".utf8) : []) + Array(text[lo..<hi]) + (clippedRight ? Array("…".utf8) : [])
        if n == start.line { column = column - lo + (clippedLeft ? 3 : 0) }
      }
      let expanded = expand(text)
      let number = String(n)
      let gutter = String(repeating: " ", count: width - number.count) + number + " |"
      out.append(expanded.isEmpty ? gutter : gutter + " " + expanded)
      if n == start.line {
        let prefix = Array(text.prefix(column - 1))
        let endOnLine = range.end > range.start ? min(Int(range.end - range.start), text.count - prefix.count) : 0
        let startCol = displayWidth(prefix, from: 0)
        let span = displayWidth(Array(text[prefix.count..<(prefix.count + max(0, endOnLine))]), from: startCol)
        let marks = "^" + String(repeating: "~", count: max(0, span - 1))
        out.append(
          String(repeating: " ", count: width) + " | " + String(repeating: " ", count: startCol) + paint(marks, color))
      }
    }
    return out
  }

  /// The bytes of a 1-based line without its line ending.
  private func lineBytes(_ file: SourceFile, _ line: Int) -> [UInt8] {
    guard line >= 1, line <= file.lineStarts.count else { return [] }
    let s = Int(file.lineStarts[line - 1])
    var e = line < file.lineStarts.count ? Int(file.lineStarts[line]) : file.bytes.count
    while e > s, file.bytes[e - 1] == 0x0A || file.bytes[e - 1] == 0x0D { e -= 1 }
    return Array(file.bytes[s..<e])
  }

  /// The line as shown: tabs expanded to the next tab stop.
  private func expand(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 16)
    var col = 0
    for u in String(decoding: bytes, as: UTF8.self).unicodeScalars {
      if u == "\t" {
        let n = options.tabWidth - col % options.tabWidth
        out.append(contentsOf: repeatElement(0x20, count: n))
        col += n
      } else if let escaped = Self.escaped(u) {
        out.append(contentsOf: escaped.utf8)
        col += escaped.count
      } else {
        out.append(contentsOf: String(u).utf8)
        col += Self.cellWidth(u)
      }
    }
    while let c = out.last, c == 0x20 { out.removeLast() }
    return String(decoding: out, as: UTF8.self)
  }

  /// Lines longer than this are shown as a window around the finding.
  static let maxSnippetBytes = 240

  /// Terminal cells taken by `bytes` when they start at cell `from` (tabs advance to the next stop).
  private func displayWidth(_ bytes: [UInt8], from: Int) -> Int {
    var col = from
    for u in String(decoding: bytes, as: UTF8.self).unicodeScalars {
      col +=
        u == "\t" ? options.tabWidth - col % options.tabWidth : Self.escaped(u).map { $0.count } ?? Self.cellWidth(u)
    }
    return col - from
  }

  /// How a control character (C0 but tab, DEL, C1) shows in a snippet: `\x1b`, never the byte itself, so a binary
  /// or hostile line cannot drive the terminal. Nil for every other scalar.
  static func escaped(_ u: Unicode.Scalar) -> String? {
    let v = u.value
    guard (v < 0x20 && v != 0x09) || (0x7F...0x9F).contains(v) else { return nil }
    return "\\x" + (v < 0x10 ? "0" : "") + String(v, radix: 16)
  }

  /// Cells a scalar takes in a terminal: 0 for combining marks and zero-width characters, 2 for East Asian
  /// wide and fullwidth characters and most emoji, 1 otherwise (a small table, not the full UAX #11).
  static func cellWidth(_ u: Unicode.Scalar) -> Int {
    let v = u.value
    switch v {
    case 0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F, 0x1AB0...0x1AFF,
      0x1DC0...0x1DFF, 0x200B...0x200F, 0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F, 0xE0100...0xE01EF:
      return 0
    case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3, 0x25FD...0x25FE,
      0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5,
      0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C,
      0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
      0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F,
      0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
      0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F, 0x1F680...0x1F6FF,
      0x1F900...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x3FFFD:
      return 2
    default:
      return 1
    }
  }

  // MARK: - Colour

  private enum ANSI {
    static let bold = "\u{1B}[1m"
    static let red = "\u{1B}[1;31m"
    static let yellow = "\u{1B}[1;33m"
    static let cyan = "\u{1B}[1;36m"
    static let reset = "\u{1B}[0m"
  }

  private func severityColor(_ s: Severity) -> String {
    switch s {
    case .error: ANSI.red
    case .warning: ANSI.yellow
    case .note: ANSI.cyan
    }
  }

  private func paint(_ s: String, _ code: String) -> String {
    options.color && !s.isEmpty ? code + s + ANSI.reset : s
  }
}
