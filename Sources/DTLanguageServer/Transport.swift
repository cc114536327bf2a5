import DTCore
import DTRules
import Foundation

/// The base protocol's framing: `Content-Length: N` header lines, an empty line, then N bytes of JSON.
///
/// Reads from a file descriptor into a buffer and cuts frames out of it. Nothing a client sends can stop it: a
/// header block without a usable `Content-Length` is reported (the server answers it with an error) and skipped,
/// text before a header is skipped up to the next `Content-Length:`, and a body larger than ``maxBody`` is read
/// and dropped.
public final class MessageReader {
  public enum Frame: Equatable {
    case message([UInt8])
    /// Bytes that are not a well-formed frame (what was wrong with them).
    case malformed(String)
  }

  public static let maxBody = 64 << 20
  /// A header block longer than this without its terminating empty line is garbage.
  static let maxHeader = 64 << 10

  let fd: Int32
  private var buffer: [UInt8] = []
  private var start = 0
  /// Bytes of an oversized body still to drop.
  private var discarding = 0
  public private(set) var atEnd = false

  public init(fileDescriptor fd: Int32) {
    self.fd = fd
  }

  /// Reads what is available: blocks until some input arrives when `wait`, otherwise only when input is ready.
  /// Returns false when nothing was read.
  @discardableResult
  public func fill(wait: Bool) -> Bool {
    guard !atEnd else { return false }
    if !wait {
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&p, 1, 0) > 0 else { return false }
    }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 {
        atEnd = true
        return false
      }
      append(chunk[0..<n])
      return true
    }
  }

  /// Adds bytes as if read (tests feed the reader directly).
  public func append(_ bytes: ArraySlice<UInt8>) {
    var b = bytes
    if discarding > 0 {
      let drop = min(discarding, b.count)
      discarding -= drop
      b = b.dropFirst(drop)
    }
    if start > 0 && start == buffer.count {
      buffer.removeAll(keepingCapacity: true)
      start = 0
    } else if start > 1 << 20 {
      buffer.removeFirst(start)
      start = 0
    }
    buffer.append(contentsOf: b)
  }

  /// The next complete frame in the buffer, if there is one.
  public func next() -> Frame? {
    guard start < buffer.count else { return nil }
    // Text before a header: skip to the next Content-Length header.
    if let first = buffer[start...].first, !isHeaderStart(first) {
      let skipFrom = start
      let needle = Array("Content-Length:".utf8)
      guard let at = find(needle, from: start, caseInsensitive: true) else {
        // Keep only a tail that could be the start of a header split across reads.
        var keep = min(buffer.count - start, needle.count - 1)
        while keep > 0 && !isPrefix(of: needle, from: buffer.count - keep) { keep -= 1 }
        start = buffer.count - keep
        return .malformed("\(start - skipFrom) bytes that are not a message header were skipped")
      }
      start = at
      return .malformed("\(at - skipFrom) bytes that are not a message header were skipped")
    }
    guard let (headerEnd, bodyStart) = headerTerminator(from: start) else {
      if buffer.count - start > Self.maxHeader {
        let n = buffer.count - start
        start = buffer.count
        return .malformed("a header of more than \(n) bytes without an empty line after it was skipped")
      }
      return nil
    }
    let header = String(decoding: buffer[start..<headerEnd], as: UTF8.self)
    var length: Int?
    var problem: String?
    for rawLine in header.split(separator: "\n", omittingEmptySubsequences: true) {
      let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
      guard let colon = line.firstIndex(of: ":") else {
        problem = "header line without ':' (\(line.prefix(40)))"
        continue
      }
      let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if name == "content-length" {
        if let n = Int(value), n >= 0, value.allSatisfy(\.isASCII) {
          length = n
        } else {
          problem = "Content-Length is not a number: '\(value.prefix(40))'"
        }
      }
    }
    guard let length else {
      // Garbage glued to the front of a real header: start again at the header.
      if let at = find(Array("Content-Length:".utf8), from: start + 1, caseInsensitive: true), at < headerEnd {
        let skipped = at - start
        start = at
        return .malformed("\(skipped) bytes before a message header were skipped")
      }
      start = bodyStart
      return .malformed("a header without a valid Content-Length: " + (problem ?? "no Content-Length"))
    }
    if length > Self.maxBody {
      let available = buffer.count - bodyStart
      let drop = min(available, length)
      start = bodyStart + drop
      discarding = length - drop
      return .malformed("a message of \(length) bytes is larger than the limit of \(Self.maxBody) bytes; skipped")
    }
    guard buffer.count - bodyStart >= length else { return nil }
    let body = Array(buffer[bodyStart..<(bodyStart + length)])
    start = bodyStart + length
    return .message(body)
  }

  /// Whether the buffer from `i` to its end starts `needle` (ignoring case).
  private func isPrefix(of needle: [UInt8], from i: Int) -> Bool {
    func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c + 32 : c }
    var k = 0
    while i + k < buffer.count {
      if k >= needle.count || lower(buffer[i + k]) != lower(needle[k]) { return false }
      k += 1
    }
    return true
  }

  private func isHeaderStart(_ c: UInt8) -> Bool {
    // Header names are tokens: letters, digits and a few symbols.
    (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D
  }

  /// End of the header lines and start of the body: after `\r\n\r\n` (or a bare `\n\n`).
  private func headerTerminator(from s: Int) -> (Int, Int)? {
    var i = s
    while i + 1 < buffer.count {
      if buffer[i] == 0x0A {
        if buffer[i + 1] == 0x0A { return (i, i + 2) }
        if buffer[i + 1] == 0x0D, i + 2 < buffer.count, buffer[i + 2] == 0x0A { return (i, i + 3) }
      }
      i += 1
    }
    return nil
  }

  private func find(_ needle: [UInt8], from s: Int, caseInsensitive: Bool) -> Int? {
    guard buffer.count - s >= needle.count else { return nil }
    func lower(_ c: UInt8) -> UInt8 { caseInsensitive && c >= 0x41 && c <= 0x5A ? c + 32 : c }
    let n = needle.map(lower)
    var i = s
    while i + n.count <= buffer.count {
      var k = 0
      while k < n.count, lower(buffer[i + k]) == n[k] { k += 1 }
      if k == n.count { return i }
      i += 1
    }
    return nil
  }
}

/// Writes framed messages to a file descriptor. A client that went away (EPIPE) ends the server.
public struct MessageWriter {
  let fd: Int32

  public init(fileDescriptor fd: Int32) {
    self.fd = fd
  }

  /// Writes one message; false when the descriptor is closed.
  @discardableResult
  public func send(_ message: JSONValue) -> Bool {
    let body = Array(message.compact().utf8)
    let bytes = Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      written += n
    }
    return true
  }
}
