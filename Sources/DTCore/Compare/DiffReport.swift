/// Renders the changes of `dtlint diff` (``TreeDiff``) as text or JSON.
///
/// JSON (format of Documentation/Report.md):
/// ```json
/// { "version": 1, "inputs": {"a": "base.dtb+hmp.dtbo", "b": "custom.dts"},
///   "changes": [ { "kind": "added|removed|changed", "nodePath": "/…", "property": "…" | null,
///                  "a": <typed value> | null, "b": <typed value> | null,
///                  "aText": "<&clk 0x01>" | null, "bText": … ,
///                  "aLocation": {"file", "line", "column"} | null, "bLocation": … } ] }
/// ```
/// A typed value is a list of groups, as the value prints: `{"type": "string", "value": "okay"}`,
/// `{"type": "cells", "bits": 32, "values": ["0x1", {"phandle": …}]}`, `{"type": "bytes", "value": "0a0b"}`, and
/// for a group that is one phandle with its arguments `{"type": "reference", "target": {"path": "/…",
/// "label": "clk" | null, "phandle": "0x3"}, "args": ["0x1"]}`. An empty property is `[]`. A node added or
/// removed as a whole has `property: null` and `{"type": "node", "name", "properties": {name: value},
/// "children": [node…]}` on its side; a `/memreserve/` entry `{"type": "memreserve", "address", "size"}`.
/// Every key is always present; keys are sorted.
public struct DiffReportRenderer: Sendable {
  public static let formatVersion = 1

  /// The sources the changes' ranges point into.
  public var sources: SourceManager
  /// Absolute. File paths below it are printed relative to it.
  public var workingDirectory: String
  /// The inputs as the user named them.
  public var a: String
  public var b: String

  public init(sources: SourceManager, workingDirectory: String, a: String, b: String) {
    self.sources = sources
    self.workingDirectory = workingDirectory
    self.a = a
    self.b = b
  }

  // MARK: - JSON

  public func json(_ changes: [TreeChange]) -> String {
    document(changes).serialized()
  }

  public func document(_ changes: [TreeChange]) -> JSONValue {
    .object([
      "version": .int(Self.formatVersion),
      "inputs": .object(["a": .string(a), "b": .string(b)]),
      "changes": .array(changes.map(change)),
    ])
  }

  private func change(_ c: TreeChange) -> JSONValue {
    .object([
      "kind": .string(c.kind.rawValue),
      "nodePath": .string(c.nodePath),
      "property": .string(c.property),
      "a": c.a.map(Self.json) ?? .null,
      "b": c.b.map(Self.json) ?? .null,
      "aText": .string(c.a.map(Self.text)),
      "bText": .string(c.b.map(Self.text)),
      "aLocation": location(c.aRange),
      "bLocation": location(c.bRange),
    ])
  }

  private func location(_ range: SourceRange?) -> JSONValue {
    guard let range else { return .null }
    let l = position(range)
    return .object(["file": .string(l.path), "line": .int(l.line), "column": .int(l.column)])
  }

  /// Where a range starts, its file relative to the working directory (as every report prints it).
  private func position(_ range: SourceRange) -> (path: String, line: Int, column: Int) {
    let file = sources[range.file]
    let lc = file.lineColumn(at: range.start)
    return (PathDisplay.relative(file.path, to: workingDirectory), lc.line, lc.column)
  }

  static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

  static func json(_ content: TreeChange.Content) -> JSONValue {
    switch content {
    case .value(let v): return json(v)
    case .node(let n): return json(n)
    case .reservation(let address, let size):
      return .object(["type": .string("memreserve"), "address": .string(hex(address)), "size": .string(hex(size))])
    }
  }

  static func json(_ n: NodeContent) -> JSONValue {
    var props: [String: JSONValue] = [:]
    for p in n.properties { props[p.name] = json(p.value) }
    return .object([
      "type": .string("node"), "name": .string(n.name), "properties": .object(props),
      "children": .array(n.children.map(json)),
    ])
  }

  static func json(_ t: ReferenceTarget) -> JSONValue {
    .object(["path": .string(t.path), "label": .string(t.label), "phandle": .string(hex(UInt64(t.phandle)))])
  }

  /// The typed groups of a value (see the type's documentation).
  public static func json(_ v: TypedValue) -> JSONValue {
    .array(
      v.items.map { item in
        switch item {
        case .string(let s):
          return .object(["type": .string("string"), "value": .string(s)])
        case .bytes(let b):
          return .object([
            "type": .string("bytes"),
            "value": .string(b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()),
          ])
        case .cells(let bits, let cells):
          if bits == 32, case .reference(let t)? = cells.first {
            let args: [JSONValue] = cells.dropFirst().compactMap { c in
              if case .number(let n) = c { return .string(hex(n)) }
              return nil
            }
            if args.count == cells.count - 1 {
              return .object(["type": .string("reference"), "target": json(t), "args": .array(args)])
            }
          }
          return .object([
            "type": .string("cells"), "bits": .int(bits),
            "values": .array(
              cells.map { c in
                switch c {
                case .number(let n): return .string(hex(n))
                case .reference(let t): return json(t)
                }
              }),
          ])
        }
      })
  }

  // MARK: - Text

  /// One line per property change, grouped under its node; a node added or removed is printed whole, each line
  /// signed. Locations follow in parentheses. Ends with a count; empty when there is no change.
  public func text(_ changes: [TreeChange], color: Bool) -> String {
    guard !changes.isEmpty else { return "" }
    let paint = Paint(enabled: color)
    var out = paint(.bold, "--- a: \(a)") + "\n" + paint(.bold, "+++ b: \(b)") + "\n"
    var i = 0
    while i < changes.count {
      let path = changes[i].nodePath
      var j = i
      while j < changes.count, changes[j].nodePath == path { j += 1 }
      let group = changes[i..<j]
      let properties = group.filter { $0.property != nil }
      for c in group where c.property == nil { out += whole(c, paint) }
      if !properties.isEmpty {
        out += paint(.yellow, "~") + " " + paint(.bold, path) + "\n"
        for c in properties { out += property(c, paint) }
      }
      i = j
    }
    let added = changes.filter { $0.kind == .added }.count
    let removed = changes.filter { $0.kind == .removed }.count
    let changed = changes.count - added - removed
    out += "\(changes.count) difference\(changes.count == 1 ? "" : "s"): \(added) added, \(removed) removed, "
    out += "\(changed) changed\n"
    return out
  }

  private func at(_ range: SourceRange?, _ paint: Paint) -> String {
    guard let range else { return "" }
    let l = position(range)
    return "  " + paint(.cyan, "(" + DiagnosticText.location(l.path, line: l.line, column: l.column) + ")")
  }

  private func property(_ c: TreeChange, _ paint: Paint) -> String {
    let name = c.property ?? ""
    switch c.kind {
    case .removed:
      return paint(.red, "  - " + Self.assignment(name, c.a)) + at(c.aRange, paint) + "\n"
    case .added:
      return paint(.green, "  + " + Self.assignment(name, c.b)) + at(c.bRange, paint) + "\n"
    case .changed:
      return "  " + paint(.yellow, "~") + " \(name)\n"
        + paint(.red, "      - " + Self.valueText(c.a)) + at(c.aRange, paint) + "\n"
        + paint(.green, "      + " + Self.valueText(c.b)) + at(c.bRange, paint) + "\n"
    }
  }

  /// A node or reservation only one side has.
  private func whole(_ c: TreeChange, _ paint: Paint) -> String {
    let removed = c.kind == .removed
    let sign = removed ? "-" : "+"
    let colour: Paint.Style = removed ? .red : .green
    let content = removed ? c.a : c.b
    let range = removed ? c.aRange : c.bRange
    switch content {
    case .reservation(let address, let size)?:
      return paint(colour, "\(sign) /memreserve/ \(Self.hex(address)) \(Self.hex(size));") + at(range, paint) + "\n"
    case .node(let n)?:
      var out = paint(colour, "\(sign) ") + paint(.bold, c.nodePath) + at(range, paint) + "\n"
      var lines: [String] = []
      Self.nodeLines(n, depth: 1, into: &lines)
      for l in lines { out += paint(colour, "\(sign) " + l) + "\n" }
      return out
    default:
      return ""
    }
  }

  static func nodeLines(_ n: NodeContent, depth: Int, into lines: inout [String]) {
    let pad = String(repeating: "    ", count: depth)
    for p in n.properties { lines.append(pad + assignment(p.name, .value(p.value))) }
    for c in n.children {
      lines.append(pad + c.name + " {")
      nodeLines(c, depth: depth + 1, into: &lines)
      lines.append(pad + "};")
    }
  }

  /// `name = value;` or `name;`.
  static func assignment(_ name: String, _ content: TreeChange.Content?) -> String {
    let v = valueText(content)
    return v == ";" ? name + ";" : name + " = " + v
  }

  /// `value;` (`;` alone for an empty property).
  static func valueText(_ content: TreeChange.Content?) -> String {
    guard let content else { return "" }
    let t = text(content)
    return t.isEmpty ? ";" : t + ";"
  }

  /// The DTS text of a side (no `;`).
  static func text(_ content: TreeChange.Content) -> String {
    switch content {
    case .value(let v): return v.text
    case .node(let n):
      var lines: [String] = []
      nodeLines(n, depth: 0, into: &lines)
      return lines.joined(separator: " ")
    case .reservation(let address, let size): return "\(hex(address)) \(hex(size))"
    }
  }

  struct Paint {
    enum Style: String {
      case bold = "\u{1B}[1m"
      case red = "\u{1B}[31m"
      case green = "\u{1B}[32m"
      case yellow = "\u{1B}[33m"
      case cyan = "\u{1B}[36m"
    }
    var enabled: Bool
    func callAsFunction(_ style: Style, _ s: String) -> String {
      enabled ? style.rawValue + s + "\u{1B}[0m" : s
    }
  }
}
