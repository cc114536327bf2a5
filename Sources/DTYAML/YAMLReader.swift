import DTCore
import Yams

/// Typed access to a composed YAML document, with errors that carry the file, line, column and dotted key.
///
/// Documents are composed with Yams' basic resolver, which leaves every scalar a string: types are checked here, by
/// key, so that `off` stays a word and `nxp-5.4` a name (YAML 1.1 would read them as a boolean and a number).
/// Numbers are plain scalars, decimal without leading zeros or `0x` hexadecimal, as JSON-Schema-aware editors read
/// them. Used by the knowledge profiles, the M7 manifest and `.dtlint.yaml`.
/// The dotted keys of the scalar and collection accessors are taken as autoclosures: they are only built for an error
/// (reading a profile's pad table built one per entry, most of its reading cost).
public struct YAMLReader: Sendable {
  /// The file named in errors.
  public let path: String

  public init(path: String) {
    self.path = path
  }

  // MARK: - Documents

  /// Reads and composes a YAML file (at most `limit` bytes, UTF-8). Nil for an empty document.
  public static func compose(path: String, limit: Int = 1 << 20) throws(InputError) -> Yams.Node? {
    let bytes: [UInt8]
    do {
      bytes = try SourceManager.readBytes(path: path, limit: limit)
    } catch {
      throw InputError(path: path, message: error.reason)
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw InputError(path: path, message: "not UTF-8 text")
    }
    return try compose(text, path: path)
  }

  /// Composes YAML text; `path` names it in errors. Nil for an empty document.
  public static func compose(_ text: String, path: String) throws(InputError) -> Yams.Node? {
    do {
      let node = try Yams.compose(yaml: text, Resolver.basic)
      guard let node, !isNull(node) else { return nil }
      return node
    } catch let error as YamlError {
      throw InputError(yaml: error, path: path)
    } catch {
      throw InputError(path: path, message: "invalid YAML: \(error)")
    }
  }

  /// A plain `~`, `null` or empty scalar.
  public static func isNull(_ node: Yams.Node) -> Bool {
    guard case .scalar(let s) = node, s.style == .plain else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(s.string)
  }

  /// `parent.child` (or `child` at the top level).
  public static func join(_ parent: String?, _ child: String) -> String {
    guard let parent, !parent.isEmpty else { return child }
    return "\(parent).\(child)"
  }

  /// `parent[index]`.
  public static func join(_ parent: String?, index: Int) -> String {
    "\(parent ?? "")[\(index)]"
  }

  // MARK: - Errors

  public func error(_ node: Yams.Node, key: String?, _ message: String) -> InputError {
    InputError(path: path, node: node, key: key, message: message)
  }

  /// What a node is, for messages: `'text'`, `a mapping`, `a list`, `nothing (null)`.
  public func kind(_ node: Yams.Node) -> String {
    switch node {
    case .scalar(let s):
      if Self.isNull(node) { return "nothing (null)" }
      return "'\(s.string)'"
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
  }

  // MARK: - Scalars

  /// A mapping key: a non-null scalar.
  public func key(_ node: Yams.Node, parent: @autoclosure () -> String? = nil) throws(InputError) -> String {
    guard case .scalar(let s) = node, !Self.isNull(node) else {
      throw error(node, key: parent(), "expected a plain key, not \(kind(node))")
    }
    return s.string
  }

  public func string(_ node: Yams.Node, key: @autoclosure () -> String) throws(InputError) -> String {
    guard case .scalar(let s) = node, !Self.isNull(node) else {
      throw error(node, key: key(), "expected a string, found \(kind(node))")
    }
    return s.string
  }

  public func bool(_ node: Yams.Node, key: @autoclosure () -> String) throws(InputError) -> Bool {
    if case .scalar(let s) = node, s.style == .plain {
      switch s.string {
      case "true", "True", "TRUE": return true
      case "false", "False", "FALSE": return false
      default: break
      }
    }
    throw error(node, key: key(), "expected true or false, found \(kind(node))")
  }

  /// A non-negative integer: plain decimal (no leading zeros) or `0x` hexadecimal, at most `max`.
  public func integer(_ node: Yams.Node, key: @autoclosure () -> String, max: UInt64 = .max) throws(InputError)
    -> UInt64
  {
    guard case .scalar(let s) = node, s.style == .plain, !Self.isNull(node) else {
      throw error(node, key: key(), "expected a number, found \(kind(node))")
    }
    guard let value = Self.parseInteger(s.string) else {
      throw error(node, key: key(), "expected a number (decimal, or hexadecimal with 0x), found '\(s.string)'")
    }
    guard value <= max else {
      throw error(node, key: key(), "\(s.string) is too large (at most \(Self.hex(max)))")
    }
    return value
  }

  /// An integer that fits `Int`, at most `max`.
  public func int(_ node: Yams.Node, key: @autoclosure () -> String, max: Int = .max) throws(InputError) -> Int {
    Int(try integer(node, key: key(), max: UInt64(max)))
  }

  /// Decimal without leading zeros (YAML 1.1 would read `010` as octal) or `0x`/`0X` hexadecimal.
  public static func parseInteger(_ text: String) -> UInt64? {
    var text = text
    return text.withUTF8 { b -> UInt64? in
      var value: UInt64 = 0
      if b.count > 2, b[0] == UInt8(ascii: "0"), b[1] | 0x20 == UInt8(ascii: "x") {
        guard b.count <= 18 else { return nil }
        for c in b[2...] {
          let d: UInt8
          switch c {
          case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
          case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
          case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
          default: return nil
          }
          value = value << 4 | UInt64(d)
        }
        return value
      }
      guard !b.isEmpty, !(b.count > 1 && b[0] == UInt8(ascii: "0")) else { return nil }
      for c in b {
        guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
        let (m, o1) = value.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
        guard !o1, !o2 else { return nil }
        value = a
      }
      return value
    }
  }

  /// `0x…` for messages.
  public static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

  // MARK: - Collections

  public func sequence(_ node: Yams.Node, key: @autoclosure () -> String) throws(InputError) -> [Yams.Node] {
    guard case .sequence(let seq) = node else {
      throw error(node, key: key(), "expected a list, found \(kind(node))")
    }
    return Array(seq)
  }

  public func stringList(_ node: Yams.Node, key: @autoclosure () -> String) throws(InputError) -> [String] {
    guard case .sequence(let seq) = node else {
      throw error(node, key: key(), "expected a list of strings, found \(kind(node))")
    }
    var out: [String] = []
    for (i, item) in seq.enumerated() {
      out.append(try string(item, key: Self.join(key(), index: i)))
    }
    return out
  }

  /// The entries of a mapping in file order, keys checked to be plain scalars.
  public func entries(_ node: Yams.Node, key: @autoclosure () -> String?) throws(InputError)
    -> [(key: String, keyNode: Yams.Node, value: Yams.Node)]
  {
    guard case .mapping(let mapping) = node else {
      throw error(node, key: key(), "expected a mapping, found \(kind(node))")
    }
    var out: [(key: String, keyNode: Yams.Node, value: Yams.Node)] = []
    for (k, v) in mapping {
      out.append((try self.key(k, parent: key()), k, v))
    }
    return out
  }

  /// A mapping with a fixed set of keys: unknown keys and missing required keys are errors.
  public func object(
    _ node: Yams.Node, key: String?, required: [String] = [], optional: [String] = []
  ) throws(InputError) -> YAMLObject {
    guard case .mapping(let mapping) = node else {
      throw error(node, key: key, "expected a mapping, found \(kind(node))")
    }
    var values: [YAMLObject.Entry] = []
    values.reserveCapacity(mapping.count)
    for (k, v) in mapping {
      let name = try self.key(k, parent: key)
      guard required.contains(name) || optional.contains(name) else {
        throw error(
          k, key: Self.join(key, name), "unknown key (expected \(Self.alternatives(required + optional)))")
      }
      values.append(YAMLObject.Entry(key: name, value: v))
    }
    for r in required where !values.contains(where: { $0.key == r }) {
      throw error(node, key: Self.join(key, r), "missing key '\(r)'")
    }
    return YAMLObject(node: node, keyPath: key, values: values, reader: self)
  }

  /// `a, b or c`.
  public static func alternatives(_ words: [String]) -> String {
    guard words.count > 1 else { return words.first ?? "nothing" }
    return words.dropLast().joined(separator: ", ") + " or " + (words.last ?? "")
  }
}

/// A YAML mapping whose keys were checked by ``YAMLReader/object(_:key:required:optional:)``.
public struct YAMLObject {
  public let node: Yams.Node
  /// The dotted key of the mapping itself (nil at the top level).
  public let keyPath: String?
  /// The entries in file order (a mapping's keys are distinct: Yams refuses duplicates; objects are small, so a
  /// look-up is a scan, cheaper than hashing).
  let values: [Entry]
  struct Entry {
    let key: String
    let value: Yams.Node
  }
  public let reader: YAMLReader

  public subscript(_ key: String) -> Yams.Node? {
    for e in values where e.key == key { return e.value }
    return nil
  }

  /// The dotted key of one of its entries.
  public func path(_ key: String) -> String { YAMLReader.join(keyPath, key) }

  public func string(_ key: String) throws(InputError) -> String? {
    guard let n = self[key] else { return nil }
    return try reader.string(n, key: path(key))
  }
  public func requiredString(_ key: String) throws(InputError) -> String {
    guard let n = self[key] else { throw reader.error(node, key: path(key), "missing key '\(key)'") }
    return try reader.string(n, key: path(key))
  }
  public func integer(_ key: String, max: UInt64 = .max) throws(InputError) -> UInt64? {
    guard let n = self[key] else { return nil }
    return try reader.integer(n, key: path(key), max: max)
  }
  public func int(_ key: String, max: Int = .max) throws(InputError) -> Int? {
    guard let n = self[key] else { return nil }
    return try reader.int(n, key: path(key), max: max)
  }
  public func bool(_ key: String) throws(InputError) -> Bool? {
    guard let n = self[key] else { return nil }
    return try reader.bool(n, key: path(key))
  }
  public func stringList(_ key: String) throws(InputError) -> [String]? {
    guard let n = self[key] else { return nil }
    return try reader.stringList(n, key: path(key))
  }
  /// A string that must be one of `choices`.
  public func choice(_ key: String, _ choices: [String]) throws(InputError) -> String? {
    guard let n = self[key] else { return nil }
    let s = try reader.string(n, key: path(key))
    guard choices.contains(s) else {
      throw reader.error(n, key: path(key), "unknown value '\(s)' (expected \(YAMLReader.alternatives(choices)))")
    }
    return s
  }
  /// A required entry's node (``YAMLReader/object(_:key:required:optional:)`` has checked it is there).
  public func required(_ key: String) throws(InputError) -> Yams.Node {
    guard let n = self[key] else { throw reader.error(node, key: path(key), "missing key '\(key)'") }
    return n
  }
  public func requiredInteger(_ key: String, max: UInt64 = .max) throws(InputError) -> UInt64 {
    try reader.integer(try required(key), key: path(key), max: max)
  }
  public func requiredInt(_ key: String, max: Int = .max) throws(InputError) -> Int {
    try reader.int(try required(key), key: path(key), max: max)
  }
  public func requiredBool(_ key: String) throws(InputError) -> Bool {
    try reader.bool(try required(key), key: path(key))
  }
  public func requiredStringList(_ key: String) throws(InputError) -> [String] {
    try reader.stringList(try required(key), key: path(key))
  }
  /// A word that must be one of an enumeration's raw values.
  public func choice<E: RawRepresentable & CaseIterable>(_ key: String, as type: E.Type) throws(InputError) -> E?
  where E.RawValue == String {
    guard let s = try choice(key, E.allCases.map(\.rawValue)) else { return nil }
    guard let e = E(rawValue: s) else { throw reader.error(node, key: path(key), "unknown value '\(s)'") }
    return e
  }
  public func requiredChoice<E: RawRepresentable & CaseIterable>(_ key: String, as type: E.Type) throws(InputError)
    -> E
  where E.RawValue == String {
    guard let e = try choice(key, as: type) else { throw reader.error(node, key: path(key), "missing key '\(key)'") }
    return e
  }
  /// A node's line, for values that keep where they were written.
  public func line(_ key: String) -> Int? { self[key]?.mark?.line }
}
