/// A tolerant C tokenizer for MCUXpresso-generated sources and SDK headers: line splices, `//` and `/* */` comments,
/// string and character literals are handled; preprocessor directives are kept apart; `#if 0` blocks are skipped.
/// It does not preprocess (no includes, no macro expansion): readers resolve the few macros they need themselves.
struct CToken: Sendable, Hashable {
  enum Kind: Sendable, Hashable { case identifier, number, string, punctuation }
  var kind: Kind
  var text: String
  /// 1-based line in the original file (where the token starts).
  var line: Int
  /// Whitespace or a comment came right before it.
  var spaced: Bool
}

/// A preprocessor directive: its tokens after `#` (`define`, `NAME`, …) on one logical line.
struct CDirective: Sendable, Hashable {
  var line: Int
  var tokens: [CToken]
}

struct CScanner {
  var tokens: [CToken] = []
  var directives: [CDirective] = []

  /// Scans a file's bytes.
  init(_ bytes: [UInt8]) {
    // 1. Splice lines: drop backslash-newline, remembering each kept byte's original line.
    var chars: [UInt8] = []
    var lines: [Int] = []
    chars.reserveCapacity(bytes.count)
    lines.reserveCapacity(bytes.count)
    var line = 1
    var i = 0
    while i < bytes.count {
      let c = bytes[i]
      if c == UInt8(ascii: "\\") {
        var j = i + 1
        if j < bytes.count, bytes[j] == UInt8(ascii: "\r") { j += 1 }
        if j < bytes.count, bytes[j] == UInt8(ascii: "\n") {
          line += 1
          i = j + 1
          continue
        }
      }
      chars.append(c)
      lines.append(line)
      if c == UInt8(ascii: "\n") { line += 1 }
      i += 1
    }

    // 2. Tokens; a `#` first on a logical line starts a directive that runs to the end of that line.
    var outTokens: [CToken] = []
    var outDirectives: [CDirective] = []
    var current: CDirective?
    var atLineStart = true
    var spaced = false
    // Conditionals: only literal conditions are decided (`#if 0` skips its branch, `#if 1` its `#else`); anything
    // else keeps every branch, which is the tolerant choice for finding calls.
    struct Frame {
      var parentSkipping: Bool
      var constant: Bool?
      var inElse = false
      var skipping: Bool {
        parentSkipping || (constant == false && !inElse) || (constant == true && inElse)
      }
    }
    var frames: [Frame] = []
    var skipping: Bool { frames.last?.skipping ?? false }
    func isIdentStart(_ c: UInt8) -> Bool {
      (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }
    func isIdent(_ c: UInt8) -> Bool { isIdentStart(c) || (c >= 0x30 && c <= 0x39) }

    func finishDirective(_ d: CDirective) {
      let name = d.tokens.first?.text ?? ""
      switch name {
      case "if", "ifdef", "ifndef":
        var constant: Bool?
        if name == "if" {
          let condition = d.tokens.dropFirst().filter { $0.text != "(" && $0.text != ")" }
          if condition.count == 1, let v = CScanner.integer(condition[condition.startIndex].text) { constant = v != 0 }
        }
        frames.append(Frame(parentSkipping: skipping, constant: constant))
      case "else", "elif":
        if !frames.isEmpty { frames[frames.count - 1].inElse = true }
      case "endif":
        _ = frames.popLast()
      default:
        if !skipping { outDirectives.append(d) }
      }
    }

    var k = 0
    while k < chars.count {
      let c = chars[k]
      let ln = lines[k]
      if c == UInt8(ascii: "\n") {
        if let d = current {
          finishDirective(d)
          current = nil
        }
        atLineStart = true
        spaced = true
        k += 1
        continue
      }
      if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0C || c == 0x0B {
        spaced = true
        k += 1
        continue
      }
      if c == UInt8(ascii: "/"), k + 1 < chars.count, chars[k + 1] == UInt8(ascii: "/") {
        while k < chars.count, chars[k] != UInt8(ascii: "\n") { k += 1 }
        spaced = true
        continue
      }
      if c == UInt8(ascii: "/"), k + 1 < chars.count, chars[k + 1] == UInt8(ascii: "*") {
        k += 2
        while k < chars.count,
          !(chars[k] == UInt8(ascii: "*") && k + 1 < chars.count && chars[k + 1] == UInt8(ascii: "/"))
        {
          // A comment spanning lines ends a directive only at the next real newline after it.
          k += 1
        }
        k = min(chars.count, k + 2)
        spaced = true
        continue
      }
      if c == UInt8(ascii: "#"), atLineStart, current == nil {
        current = CDirective(line: ln, tokens: [])
        atLineStart = false
        spaced = false
        k += 1
        continue
      }
      atLineStart = false
      var token: CToken
      if isIdentStart(c) {
        var e = k
        while e < chars.count, isIdent(chars[e]) { e += 1 }
        token = CToken(kind: .identifier, text: String(decoding: chars[k..<e], as: UTF8.self), line: ln, spaced: spaced)
        k = e
      } else if c >= 0x30 && c <= 0x39 {
        var e = k
        while e < chars.count, isIdent(chars[e]) || chars[e] == UInt8(ascii: ".") { e += 1 }
        token = CToken(kind: .number, text: String(decoding: chars[k..<e], as: UTF8.self), line: ln, spaced: spaced)
        k = e
      } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
        var e = k + 1
        while e < chars.count, chars[e] != c, chars[e] != UInt8(ascii: "\n") {
          e += chars[e] == UInt8(ascii: "\\") ? 2 : 1
        }
        e = min(chars.count, e + 1)
        token = CToken(kind: .string, text: String(decoding: chars[k..<e], as: UTF8.self), line: ln, spaced: spaced)
        k = e
      } else {
        token = CToken(kind: .punctuation, text: String(UnicodeScalar(c)), line: ln, spaced: spaced)
        k += 1
      }
      spaced = false
      if current != nil {
        current?.tokens.append(token)
      } else if !skipping {
        outTokens.append(token)
      }
    }
    if let d = current { finishDirective(d) }
    tokens = outTokens
    directives = outDirectives
  }

  /// A C integer literal (`0x30330238`, `0x0U`, `8`, `010`, `1UL`), nil otherwise.
  static func integer(_ text: String) -> UInt64? {
    var t = Substring(text)
    while let last = t.last, "uUlL".contains(last) { t = t.dropLast() }
    if t.hasPrefix("0x") || t.hasPrefix("0X") {
      let digits = t.dropFirst(2)
      return digits.isEmpty ? nil : UInt64(digits, radix: 16)
    }
    if t.count > 1, t.hasPrefix("0") { return UInt64(t.dropFirst(), radix: 8) }
    return UInt64(t)
  }

  /// Splits the tokens of an argument list at top-level commas (`tokens` excludes the outer parentheses).
  static func arguments(_ tokens: ArraySlice<CToken>) -> [[CToken]] {
    var out: [[CToken]] = [[]]
    var depth = 0
    for t in tokens {
      if t.kind == .punctuation {
        if t.text == "(" || t.text == "[" || t.text == "{" { depth += 1 }
        if t.text == ")" || t.text == "]" || t.text == "}" { depth -= 1 }
        if t.text == ",", depth == 0 {
          out.append([])
          continue
        }
      }
      out[out.count - 1].append(t)
    }
    if out.count == 1 && out[0].isEmpty { return [] }
    return out
  }

  /// A number written as a literal, possibly in parentheses or with a `(type)` cast.
  static func value(_ tokens: [CToken]) -> UInt64? {
    var ts = tokens[...]
    while ts.count >= 3, ts.first?.text == "(", ts.last?.text == ")" { ts = ts.dropFirst().dropLast() }
    // `(uint32_t)0x30330238`
    if ts.count >= 4, ts.first?.text == "(", ts[ts.startIndex + 1].kind == .identifier,
      ts[ts.startIndex + 2].text == ")"
    {
      ts = ts.dropFirst(3)
    }
    guard ts.count == 1, let t = ts.first, t.kind == .number else { return nil }
    return integer(t.text)
  }

  /// The tokens as text, single-spaced where the source had space.
  static func text(_ tokens: [CToken]) -> String {
    var s = ""
    for (i, t) in tokens.enumerated() {
      if i > 0 && t.spaced { s += " " }
      s += t.text
    }
    return s
  }
}
