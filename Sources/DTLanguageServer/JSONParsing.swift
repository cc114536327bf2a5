import DTCore
import DTRules

/// Why a message body is not JSON: the byte offset and what was expected there.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
  public var offset: Int
  public var message: String
  public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A strict RFC 8259 reader for message bodies, producing ``JSONValue``s. Numbers with a fraction or an exponent
/// (which no request the server answers uses) are kept as their text in a string; integers that do not fit in
/// an `Int` likewise. Nesting is limited, so a hostile body cannot exhaust the stack.
public enum JSONReader {
  public static let maxDepth = 256

  public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
    var p = Parser(bytes: bytes)
    p.skipSpace()
    let v = try p.value(depth: 0)
    p.skipSpace()
    guard p.i == bytes.count else { throw p.fail("unexpected text after the value") }
    return v
  }

  private struct Parser {
    let bytes: [UInt8]
    var i = 0

    func fail(_ message: String) -> JSONParseError { JSONParseError(offset: i, message: message) }

    mutating func skipSpace() {
      while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D {
        i += 1
      }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
      guard depth < JSONReader.maxDepth else { throw fail("nested more than \(JSONReader.maxDepth) levels") }
      guard i < bytes.count else { throw fail("expected a value, found the end of the message") }
      switch bytes[i] {
      case UInt8(ascii: "{"): return try object(depth: depth)
      case UInt8(ascii: "["): return try array(depth: depth)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): return try literal("true", .bool(true))
      case UInt8(ascii: "f"): return try literal("false", .bool(false))
      case UInt8(ascii: "n"): return try literal("null", .null)
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
      default: throw fail("expected a value")
      }
    }

    mutating func literal(_ word: StaticString, _ v: JSONValue) throws(JSONParseError) -> JSONValue {
      let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
      guard i + w.count <= bytes.count, bytes[i..<(i + w.count)].elementsEqual(w) else {
        throw fail("expected a value")
      }
      i += w.count
      return v
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
      i += 1
      var o: [String: JSONValue] = [:]
      skipSpace()
      if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
        i += 1
        return .object(o)
      }
      while true {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
        let key = try string()
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        i += 1
        skipSpace()
        o[key] = try value(depth: depth + 1)
        skipSpace()
        guard i < bytes.count else { throw fail("unterminated object") }
        if bytes[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
        i += 1
        return .object(o)
      }
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
      i += 1
      var a: [JSONValue] = []
      skipSpace()
      if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
        i += 1
        return .array(a)
      }
      while true {
        skipSpace()
        a.append(try value(depth: depth + 1))
        skipSpace()
        guard i < bytes.count else { throw fail("unterminated array") }
        if bytes[i] == UInt8(ascii: ",") {
          i += 1
          continue
        }
        guard bytes[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
        i += 1
        return .array(a)
      }
    }

    mutating func number() throws(JSONParseError) -> JSONValue {
      let start = i
      if bytes[i] == UInt8(ascii: "-") { i += 1 }
      let intStart = i
      let n = digits()
      guard n > 0 else { throw fail("expected digits") }
      if n > 1 && bytes[intStart] == UInt8(ascii: "0") {
        throw JSONParseError(offset: intStart, message: "leading zero")
      }
      var integral = true
      if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
        i += 1
        integral = false
        guard digits() > 0 else { throw fail("expected digits after '.'") }
      }
      if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
        i += 1
        integral = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard digits() > 0 else { throw fail("expected digits in the exponent") }
      }
      let text = String(decoding: bytes[start..<i], as: UTF8.self)
      if integral, let v = Int(text) { return .int(v) }
      return .string(text)
    }

    mutating func digits() -> Int {
      let s = i
      while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
      return i - s
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
      guard i + 4 <= bytes.count else { throw fail("incomplete \\u escape") }
      var v: UInt32 = 0
      for _ in 0..<4 {
        guard let d = hexDigit(bytes[i]) else { throw fail("bad hex digit in \\u escape") }
        v = v << 4 | UInt32(d)
        i += 1
      }
      return v
    }

    mutating func string() throws(JSONParseError) -> String {
      i += 1
      var out: [UInt8] = []
      while true {
        guard i < bytes.count else { throw fail("unterminated string") }
        let c = bytes[i]
        if c == UInt8(ascii: "\"") {
          i += 1
          break
        }
        if c < 0x20 { throw fail("control character in a string") }
        if c != UInt8(ascii: "\\") {
          out.append(c)
          i += 1
          continue
        }
        i += 1
        guard i < bytes.count else { throw fail("unterminated escape") }
        let e = bytes[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if scalar >= 0xD800 && scalar < 0xDC00 {
            // A high surrogate must be followed by an escaped low one.
            guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
              throw fail("unpaired surrogate in \\u escape")
            }
            i += 2
            let low = try hex4()
            guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired surrogate in \\u escape") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          } else if scalar >= 0xDC00 && scalar < 0xE000 {
            throw fail("unpaired surrogate in \\u escape")
          }
          guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
          out.append(contentsOf: Array(String(Character(u)).utf8))
        default: throw fail("unknown escape '\\\(Character(Unicode.Scalar(e)))'")
        }
      }
      guard let s = String(validating: out, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
      return s
    }
  }
}

/// The value of a hexadecimal digit.
func hexDigit(_ c: UInt8) -> UInt8? {
  switch c {
  case 0x30...0x39: c - 0x30
  case 0x41...0x46: c - 0x41 + 10
  case 0x61...0x66: c - 0x61 + 10
  default: nil
  }
}

extension JSONValue {
  /// The member `key` of an object (nil for anything else or a missing key).
  public subscript(_ key: String) -> JSONValue? {
    if case .object(let o) = self { return o[key] }
    return nil
  }

  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  public var intValue: Int? {
    if case .int(let i) = self { return i }
    return nil
  }

  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }

  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  public var isNull: Bool { self == .null }
}
