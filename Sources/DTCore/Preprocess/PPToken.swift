// Preprocessing tokens shared by the lexer, the macro expander and the output writer.

/// Token kinds. The order of the first group matters: every kind up to `lshift` can form a new token when
/// followed by `=` (used to decide where a space must separate two tokens in the output).
enum TK: UInt8, Sendable {
  case eq = 0, not, greater, less, plus, minus, mult, div, mod, and, or, xor, rshift, lshift
  case compl, andAnd, orOr, query, colon, comma, openParen, closeParen
  case eqEq, notEq, greaterEq, lessEq
  case plusEq, minusEq, multEq, divEq, modEq, andEq, orEq, xorEq, rshiftEq, lshiftEq
  case hash, paste, openSquare, closeSquare, openBrace, closeBrace, semicolon, ellipsis
  case plusPlus, minusMinus, deref, dot
  // Non-operators start here.
  case name, number
  /// `'x'` without prefix, and with a prefix (`L'x'`, `u'x'`, `U'x'`, `u8'x'`).
  case char, wideChar
  case string, wideString
  /// `<file.h>` in `#include` / `__has_include`.
  case headerName
  /// Any other byte, and (assembler mode) an unterminated quote running to the end of the line.
  case other
  /// Internal: spacing marker produced by macro expansion (never printed).
  case padding
  /// Internal: end of a directive line, of a macro argument, or of the input.
  case eof
  /// Internal: a parameter reference inside a macro body (`aux` = parameter index).
  case macroArg

  static let lastEq = TK.lshift
  var isOperator: Bool { rawValue <= TK.dot.rawValue }
}

/// Token flags.
enum TF {
  /// Whitespace (or a comment) came before the token on its line.
  static let prevWhite: UInt8 = 1
  /// First token of a logical line.
  static let bol: UInt8 = 2
  /// An identifier painted blue: never expanded again.
  static let noExpand: UInt8 = 4
  /// The token is the left operand of `##`.
  static let pasteLeft: UInt8 = 8
  /// A macro parameter preceded by `#`.
  static let stringify: UInt8 = 16
  /// The token's map location is verbatim (output bytes correspond one to one to `start..<end`).
  static let verbatim: UInt8 = 32
}

/// Where the `source` of a padding token stands (GCC's `val.source`): none, or a token with or without
/// whitespace before it.
enum PadSrc: UInt16 {
  case none = 0, noWhite = 1, white = 2
}

/// Kinds of `eof` tokens (stored in `aux`).
enum EOFKind: UInt16 {
  case input = 0, directiveEnd = 1, argEnd = 2
}

/// One preprocessing token. Spelling and map location are kept separately: a token of a macro body is spelled
/// as in the `#define`, but maps to the place the macro was invoked.
struct Tok: Sendable {
  var kind: TK
  var flags: UInt8
  /// macroArg: parameter index; padding: a `PadSrc`; eof: an `EOFKind`.
  var aux: UInt16
  /// Identifier id (names), directive index (a `#` starting a directive line in a lexed file), else -1.
  var ident: Int32
  /// Where the spelling lives: `2*file` = the source bytes of that file, `2*file+1` = that lexed file's pool
  /// of cleaned spellings, -1 = the translation unit's pool.
  var spBase: Int32
  var spStart: UInt32
  var spLen: UInt32
  /// Map location.
  var file: Int32
  var start: UInt32
  var end: UInt32
  /// Index of the output `SourceContext` (-1 until known).
  var ctx: Int32

  @inline(__always) func has(_ f: UInt8) -> Bool { flags & f != 0 }
  var prevWhite: Bool { flags & TF.prevWhite != 0 }

  static func padding(_ src: PadSrc) -> Tok {
    Tok(
      kind: .padding, flags: 0, aux: src.rawValue, ident: -1, spBase: -1, spStart: 0, spLen: 0, file: -1, start: 0,
      end: 0, ctx: -1)
  }
  static func eof(_ k: EOFKind) -> Tok {
    Tok(
      kind: .eof, flags: 0, aux: k.rawValue, ident: -1, spBase: -1, spStart: 0, spLen: 0, file: -1, start: 0, end: 0,
      ctx: -1)
  }
  var padSrc: PadSrc { PadSrc(rawValue: aux) ?? .none }
  /// The padding source a token stands for when it is itself the source.
  var asPadSrc: PadSrc { prevWhite ? .white : .noWhite }
}

/// Byte classes.
@inline(__always) func isIdentStart(_ c: UInt8) -> Bool {
  (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || c == 0x24
}
@inline(__always) func isIdentChar(_ c: UInt8) -> Bool {
  isIdentStart(c) || (c >= 0x30 && c <= 0x39)
}
@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
/// Horizontal whitespace inside a line (NUL counts, as GCC ignores it with a warning).
@inline(__always) func isHSpace(_ c: UInt8) -> Bool {
  c == 0x20 || c == 0x09 || c == 0x0C || c == 0x0B || c == 0x0D || c == 0
}
