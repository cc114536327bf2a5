/// What a source says about itself before it is compiled: the files it includes and whether it is an overlay.
/// Read with the preprocessor's own lexer, so comments, string literals and line splices are treated exactly as the
/// compiler treats them (a `/plugin/;` or `#include` inside a comment does not count; one split by `\` does).
/// Conditionals are not evaluated: an include under `#if 0` is listed (more checking, never less).
public enum SourceScan {
  public struct Include: Sendable, Hashable {
    /// The name as written between the quotes or angle brackets.
    public var name: String
    /// `"…"` (searched next to the including file first), as opposed to `<…>`.
    public var quoted: Bool
    /// 1-based line of the directive.
    public var line: Int
    /// Where the name is written, with its quotes or angle brackets.
    public var range: SourceRange
  }

  /// `#include`, `#include_next`, `#import` with a literal name, and dtc's `/include/ "…"`, in order.
  public static func includes(in file: SourceFile) -> [Include] {
    let lx = PPLexer.lex(file, interner: Interner())
    var out: [Include] = []
    let inDirective = directiveTokens(lx)
    for d in lx.directives {
      guard d.kind.isInclude else { continue }
      let i = Int(d.nameTok) + 1
      guard i < Int(d.endTok) else { continue }
      let t = lx.toks[i]
      guard t.kind == .headerName || t.kind == .string else { continue }
      let spelled = PPLexer.spelling(t, file, lx.pool)
      out.append(
        Include(
          name: String(decoding: spelled.dropFirst().dropLast(), as: UTF8.self), quoted: t.kind == .string,
          line: file.lineColumn(at: t.start).line, range: SourceRange(file: file.id, start: t.start, end: t.end)))
    }
    forEachKeyword(lx, skipping: inDirective) { keyword, next in
      guard keyword == "include", let next, next.kind == .string else { return }
      let spelled = PPLexer.spelling(next, file, lx.pool)
      out.append(
        Include(
          name: String(decoding: spelled.dropFirst().dropLast(), as: UTF8.self), quoted: true,
          line: file.lineColumn(at: next.start).line,
          range: SourceRange(file: file.id, start: next.start, end: next.end)))
    }
    return out.sorted { $0.line < $1.line }
  }

  /// True when the source has dtc's `/plugin/;` header outside comments, strings and directive lines.
  public static func hasPluginDirective(_ file: SourceFile) -> Bool {
    let lx = PPLexer.lex(file, interner: Interner())
    let inDirective = directiveTokens(lx)
    var found = false
    forEachKeyword(lx, skipping: inDirective) { keyword, next in
      if keyword == "plugin", next?.kind == .semicolon { found = true }
    }
    return found
  }

  /// Which tokens belong to a directive line (`#include`, `#define`, …): dtc keywords are not looked for there.
  private static func directiveTokens(_ lx: LexedFile) -> [Bool] {
    var marks = [Bool](repeating: false, count: lx.toks.count)
    for d in lx.directives { for i in Int(d.hashTok)..<Int(d.endTok) { marks[i] = true } }
    return marks
  }

  /// dtc keywords `/name/` spelled as three preprocessing tokens (`/`, a name, `/`) with nothing between them, and
  /// the token after each.
  private static func forEachKeyword(
    _ lx: LexedFile, skipping: [Bool], _ body: (String, Tok?) -> Void
  ) {
    let toks = lx.toks
    var i = 0
    while i + 2 < toks.count {
      defer { i += 1 }
      guard !skipping[i], toks[i].kind == .div, toks[i + 1].kind == .name, toks[i + 2].kind == .div,
        !toks[i + 1].prevWhite, !toks[i + 2].prevWhite
      else { continue }
      let name = String(decoding: PPLexer.spelling(toks[i + 1], lx.source, lx.pool), as: UTF8.self)
      var next: Tok?
      var j = i + 3
      while j < toks.count, toks[j].kind == .padding { j += 1 }
      if j < toks.count, toks[j].kind != .eof { next = toks[j] }
      body(name, next)
    }
  }
}
