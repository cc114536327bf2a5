import DTCore
import DTLanguageServer
import DTRules
import Foundation
import _DTTestSupport

/// A Language Server Protocol client for the tests: runs `dtlint lsp` (the built binary) with pipes on its standard
/// input and output, writes framed requests and reads framed answers, as an editor does. Standard error (the
/// server's log) goes to a file in the scratch directory.
final class LSPClient {
  enum Failure: Error, CustomStringConvertible {
    case timeout(String)
    case closed(String)
    var description: String {
      switch self {
      case .timeout(let s): "timed out waiting for \(s)"
      case .closed(let s): "the server closed its output while waiting for \(s)"
      }
    }
  }

  let process = Process()
  let input = Pipe()
  let output = Pipe()
  let logPath: String
  private let reader: MessageReader
  private var nextID = 0
  /// Notifications received while waiting for answers, in order.
  var notifications: [JSONValue] = []

  init(_ args: [String] = [], cwd: String, log: String) throws {
    guard let binary = CLI.binary else { throw CocoaError(.fileNoSuchFile) }
    logPath = log
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["lsp"] + args
    process.currentDirectoryURL = URL(fileURLWithPath: cwd)
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle(forWritingAtPath: log)
    try process.run()
    reader = MessageReader(fileDescriptor: output.fileHandleForReading.fileDescriptor)
  }

  deinit {
    if process.isRunning { process.terminate() }
  }

  var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

  static func uri(_ path: String) -> String { FileURI.uri(path) }

  func send(_ message: JSONValue) {
    let body = Array(message.compact().utf8)
    raw(Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body)
  }

  func raw(_ bytes: [UInt8]) {
    input.fileHandleForWriting.write(Data(bytes))
  }

  func notify(_ method: String, _ params: JSONValue) {
    send(.object(["jsonrpc": .string("2.0"), "method": .string(method), "params": params]))
  }

  /// The next message from the server.
  func next(timeout: Double = 60, waitingFor what: String) throws -> JSONValue {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      if let frame = reader.next() {
        guard case .message(let body) = frame else { continue }
        return try JSONReader.parse(body)
      }
      if reader.atEnd { throw Failure.closed(what) }
      var p = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
      let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
      if left == 0 { throw Failure.timeout(what) }
      if poll(&p, 1, min(left, 1000)) > 0 { reader.fill(wait: true) }
    }
  }

  /// Sends a request and returns the whole response (result or error); notifications that come first are kept.
  @discardableResult
  func request(_ method: String, _ params: JSONValue = .null, id: JSONValue? = nil) throws -> JSONValue {
    nextID += 1
    let requestID = id ?? .int(nextID)
    send(.object(["jsonrpc": .string("2.0"), "id": requestID, "method": .string(method), "params": params]))
    return try response(to: requestID, what: method)
  }

  func response(to id: JSONValue, what: String) throws -> JSONValue {
    while true {
      let m = try next(waitingFor: what)
      if m["method"] == nil && m["id"] == id { return m }
      notifications.append(m)
    }
  }

  /// The next `publishDiagnostics` for `path` (one already received first); with `version`, the next one for that
  /// version of the open document (earlier ones are dropped).
  func diagnostics(for path: String, version: Int? = nil, timeout: Double = 60) throws -> [JSONValue] {
    let uri = Self.uri(path)
    func wanted(_ m: JSONValue) -> Bool {
      m["method"]?.stringValue == "textDocument/publishDiagnostics" && m["params"]?["uri"]?.stringValue == uri
    }
    func matches(_ m: JSONValue) -> Bool { version == nil || m["params"]?["version"]?.intValue == version }
    while let i = notifications.firstIndex(where: wanted) {
      let m = notifications.remove(at: i)
      if matches(m) { return m["params"]?["diagnostics"]?.arrayValue ?? [] }
    }
    while true {
      let m = try next(timeout: timeout, waitingFor: "diagnostics of \(path)")
      if wanted(m) {
        if matches(m) { return m["params"]?["diagnostics"]?.arrayValue ?? [] }
      } else {
        notifications.append(m)
      }
    }
  }

  func initialize(root: String) throws -> JSONValue {
    let r = try request(
      "initialize",
      .object(["processId": .null, "rootUri": .string(Self.uri(root)), "capabilities": .object([:])]))
    notify("initialized", .object([:]))
    return r
  }

  func open(_ path: String, text: String? = nil, version: Int = 1) throws {
    let t = try text ?? String(contentsOfFile: path, encoding: .utf8)
    notify(
      "textDocument/didOpen",
      .object([
        "textDocument": .object([
          "uri": .string(Self.uri(path)), "languageId": .string("dts"), "version": .int(version), "text": .string(t),
        ])
      ]))
  }

  /// Replaces the whole text of an open document.
  func change(_ path: String, text: String, version: Int) {
    notify(
      "textDocument/didChange",
      .object([
        "textDocument": .object(["uri": .string(Self.uri(path)), "version": .int(version)]),
        "contentChanges": .array([.object(["text": .string(text)])]),
      ]))
  }

  /// Inserts text at a position of an open document (an incremental change).
  func insert(_ path: String, _ text: String, line: Int, character: Int, version: Int) {
    let p = JSONValue.object(["line": .int(line), "character": .int(character)])
    notify(
      "textDocument/didChange",
      .object([
        "textDocument": .object(["uri": .string(Self.uri(path)), "version": .int(version)]),
        "contentChanges": .array([.object(["range": .object(["start": p, "end": p]), "text": .string(text)])]),
      ]))
  }

  /// `textDocument/<method>` at a position; the result.
  func at(_ method: String, _ path: String, line: Int, character: Int, extra: [String: JSONValue] = [:]) throws
    -> JSONValue
  {
    var params: [String: JSONValue] = [
      "textDocument": .object(["uri": .string(Self.uri(path))]),
      "position": .object(["line": .int(line), "character": .int(character)]),
    ]
    params.merge(extra) { _, new in new }
    return try request("textDocument/" + method, .object(params))["result"] ?? .null
  }

  /// shutdown, exit, and the exit status.
  func finish() throws -> Int32 {
    let r = try request("shutdown")
    precondition(r["error"] == nil, "shutdown failed: \(r.compact())")
    notify("exit", .null)
    return waitForExit()
  }

  func waitForExit(timeout: Double = 30) -> Int32 {
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
      return -1
    }
    return process.terminationStatus
  }
}

extension JSONValue {
  /// The `line:character` of a range's start.
  var start: String {
    "\(self["start"]?["line"]?.intValue ?? -1):\(self["start"]?["character"]?.intValue ?? -1)"
  }
}
