import DTCore
import DTHMP
import DTRules

/// `dtlint hmp fix`: applies the rules' own fix-its to one file until none is left, so every change is one a rule
/// asked for; the rest of the text (comments, layout, order) is kept byte for byte.
public enum HMPFixer {
  /// One change made: which rule asked for it and where it landed in the output.
  public struct Change: Sendable {
    public var rule: String
    /// The finding's message.
    public var finding: String
    /// The fix-it's message (`rename to 'rsc-table@550ff000'`).
    public var fix: String
    public var nodePath: String?
    /// Byte offset in the output of the first edit, and its 1-based line and column.
    public var offset: Int
    public var line = 0
    public var column = 0
  }

  public struct Result {
    public var original: [UInt8]
    public var output: [UInt8]
    public var changes: [Change]
    /// What the last pass still found (rules with and without fix-its), with the sources it was read from.
    public var remaining: [Diagnostic]
    public var sources: SourceManager
    /// The input (or the base) could not be read or compiled.
    public var unreadable: Bool
    public var passes: Int
  }

  /// The rules whose fix-its `hmp fix` applies (and whose findings `hmp generate` checks its output for): the HMP
  /// and overlay rules, by their declared category.
  public static func applies(_ rule: String) -> Bool {
    switch RuleRegistry.shared.category(ofFinding: rule) {
    case .hmp, .overlay: true
    case .dtc, .syntax, nil: false
    }
  }

  /// An edit adjusted to the file's layout: a statement inserted after another one that ends its line goes on a
  /// line of its own with that line's indentation; a statement deleted from a line of its own takes the line.
  public static func laidOut(_ e: TextEdit, in text: [UInt8]) -> TextEdit {
    let start = Int(e.range.start)
    let end = Int(e.range.end)
    guard start <= end, end <= text.count else { return e }
    func lineStart(_ i: Int) -> Int {
      var j = i
      while j > 0 && text[j - 1] != UInt8(ascii: "\n") { j -= 1 }
      return j
    }
    func lineEnd(_ i: Int) -> Int {
      var j = i
      while j < text.count && text[j] != UInt8(ascii: "\n") { j += 1 }
      return j
    }
    func blank(_ a: Int, _ b: Int) -> Bool {
      text[a..<b].allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
    }
    let ls = lineStart(start)
    let le = lineEnd(end)
    if start == end, e.replacement.hasPrefix(" "), !e.replacement.hasPrefix("  "), blank(end, le) {
      let indent = String(decoding: text[ls..<ls + text[ls..<le].prefix { $0 == 9 || $0 == 32 }.count], as: UTF8.self)
      return TextEdit(range: e.range, replacement: "\n" + indent + e.replacement.dropFirst())
    }
    if e.replacement.isEmpty, blank(ls, start), blank(end, le), le < text.count {
      return TextEdit(
        range: SourceRange(file: e.range.file, start: UInt32(ls), end: UInt32(le + 1)), replacement: "")
    }
    return e
  }

  /// Fixes `path` (a custom tree, or an overlay when `base` is given) under the HMP context `hmp`.
  public static func fix(
    path: String, base: String?, frontEnd: FrontEndOptions, hmp: HMPContext, selection: RuleSelection? = nil,
    maxPasses: Int = 16
  ) throws(LoadError) -> Result {
    let original: [UInt8]
    do {
      original = try SourceManager().load(path: path).bytes
    } catch {
      throw LoadError(path: path, reason: error.reason)
    }
    var text = original
    var changes: [Change] = []
    var passes = 0
    var remaining: [Diagnostic] = []
    var sources = SourceManager()
    var unreadable = false
    while true {
      passes += 1
      sources = SourceManager()
      let file = sources.addVirtualFile(path: path, bytes: text)
      let reader = SourceReader(sources: sources, options: frontEnd)
      let linter = Linter(selection: selection, hmp: hmp)
      let suppressions = Suppressions(sources: sources)
      var findings: [Diagnostic]
      if let base {
        let chain = try reader.applyChain(base: base, overlays: [path])
        findings = linter.lint(chain: chain, onlyOverlay: true)
        unreadable = chain.inputFailure
      } else {
        var options = CompileOptions()
        options.stopBeforeGeneratedNodes = true
        let loaded = try reader.load(path: path, options: options)
        findings = linter.lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind)
        unreadable = loaded.inputFailure
      }
      findings = suppressions.apply(findings)
      remaining = findings
      guard !unreadable, passes <= maxPasses else { break }

      // One fix-it per finding, all of its edits in this file, none overlapping another's.
      var chosen: [(Diagnostic, FixIt)] = []
      var taken: [(UInt32, UInt32)] = []
      // One fix per node and pass: two rules reading the same node (mbox-names and mboxes) would otherwise each
      // fix against the other's old text.
      var fixedNodes: Set<String> = []
      for d in findings where applies(d.rule) {
        if let n = d.nodePath, fixedNodes.contains(n) { continue }
        guard let fix = d.fixes.first, !fix.edits.isEmpty,
          fix.edits.allSatisfy({ $0.range.file == file.id })
        else { continue }
        let spans = fix.edits.map { ($0.range.start, $0.range.end) }
        let overlaps = spans.contains { s in
          taken.contains { t in
            s.0 < t.1 && t.0 < s.1 || (s.0 == s.1 && s.0 == t.0) || (t.0 == t.1 && t.0 == s.0)
          }
        }
        if overlaps { continue }
        taken += spans
        if let n = d.nodePath { fixedNodes.insert(n) }
        chosen.append((d, fix))
      }
      if chosen.isEmpty {
        // What only the kernel command line can settle goes into a comment above /dts-v1/, once; the next pass
        // reads the file with it, so the positions of what remains are right.
        let pending = findings.filter { KernelCommandLineAdvice.rules.contains($0.rule) }
        let words = KernelCommandLineAdvice.words(for: pending, hmp: hmp)
        let comment = KernelCommandLineAdvice.comment(words, hmp: hmp)
        guard let first = pending.first, !words.isEmpty, !String(decoding: text, as: UTF8.self).contains(comment)
        else { break }
        let at = text.firstRange(of: Array("/dts-v1/".utf8))?.lowerBound ?? 0
        let inserted = Array(comment.utf8)
        text.insert(contentsOf: inserted, at: at)
        for i in changes.indices where changes[i].offset >= at { changes[i].offset += inserted.count }
        changes.append(
          Change(
            rule: first.rule, finding: first.message,
            fix: "wrote the kernel command line the tree needs (\(words.joined(separator: " "))) into a comment; "
              + "a tree cannot set it (U-Boot passes its own bootargs)",
            nodePath: nil, offset: at))
        continue
      }

      // Apply from the end so earlier offsets stay valid; move the offsets of earlier passes' changes.
      var edits: [(edit: TextEdit, change: Int?)] = []
      for (d, fix) in chosen {
        let first = fix.edits.min { $0.range.start < $1.range.start }!
        changes.append(
          Change(
            rule: d.rule, finding: d.message, fix: fix.message, nodePath: d.nodePath,
            offset: Int(first.range.start)))
        for e in fix.edits { edits.append((e, e == first ? changes.count - 1 : nil)) }
      }
      let newChanges = Set(edits.compactMap(\.change))
      edits = edits.map { (Self.laidOut($0.edit, in: text), $0.change) }
      edits.sort { $0.edit.range.start > $1.edit.range.start }
      for (e, _) in edits {
        let start = Int(e.range.start)
        let end = Int(e.range.end)
        let replacement = Array(e.replacement.utf8)
        text.replaceSubrange(start..<end, with: replacement)
        let delta = replacement.count - (end - start)
        for i in changes.indices where !newChanges.contains(i) && changes[i].offset > start {
          changes[i].offset += delta
        }
      }
      // The new changes' own offsets, shifted by the edits before them in this pass.
      for i in newChanges {
        let original = changes[i].offset
        var shift = 0
        for (e, _) in edits where Int(e.range.start) < original {
          shift += e.replacement.utf8.count - Int(e.range.end - e.range.start)
        }
        changes[i].offset = original + shift
      }
    }
    let final = SourceFile(id: FileID(0), path: path, bytes: text)
    for i in changes.indices {
      let lc = final.lineColumn(at: UInt32(min(changes[i].offset, text.count)))
      changes[i].line = lc.line
      changes[i].column = lc.column
    }
    return Result(
      original: original, output: text, changes: changes, remaining: remaining, sources: sources,
      unreadable: unreadable, passes: passes)
  }
}
