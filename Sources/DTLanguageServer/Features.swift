import DTCore
import DTDoctor
import DTRules
import Foundation

/// A position in a document, as each check that reads the document sees it.
struct Site {
  var analysis: Analysis
  var file: SourceFile
  var offset: UInt32

  func contains(_ r: SourceRange) -> Bool { r.file == file.id && r.start <= offset && offset <= r.end }
}

extension LanguageServer {
  /// The document and position of a request, in every check of the document (brought up to date first).
  func sites(_ params: JSONValue) throws(RequestError) -> (path: String, sites: [Site]) {
    let (_, path) = try textDocument(params)
    guard let position = LSPPosition(params["position"]) else { throw .invalidParams("position is missing") }
    return (path, sites(path, at: position))
  }

  func sites(_ path: String, at position: LSPPosition?) -> [Site] {
    let keys = documentAnalyses[path] ?? []
    checkDirty(only: Set(keys))
    var out: [Site] = []
    for k in keys {
      guard let a = analyses[k] else { continue }
      for id in a.fileIDs(for: path) {
        let f = a.sources[id]
        out.append(Site(analysis: a, file: f, offset: position.map { f.offset(at: $0) } ?? 0))
      }
    }
    return out
  }

  /// Locations, each once, in order.
  static func unique(_ locations: [JSONValue]) -> JSONValue {
    var seen = Set<JSONValue>()
    return .array(locations.filter { seen.insert($0).inserted })
  }

  // MARK: - Definition and references

  func definition(_ params: JSONValue) throws(RequestError) -> JSONValue {
    var out: [JSONValue] = []
    for s in try sites(params).sites {
      let a = s.analysis
      if let ref = a.index.references.first(where: { s.contains($0.range) }) {
        out += targets(of: ref, in: a).map { location($0, in: a.sources) }
        continue
      }
      if let l = a.index.labels.first(where: { s.contains($0.range) }) {
        out.append(location(l.range, in: a.sources))
        continue
      }
      if let file = includedFile(at: s) {
        let zero = LSPPosition(line: 0, character: 0).json
        out.append(.object(["uri": .string(uri(for: file)), "range": .object(["start": zero, "end": zero])]))
        continue
      }
      if let name = identifier(at: s) {
        out += macroDefinitions(name, at: s).map { location($0, in: a.sources) }
      }
    }
    return out.isEmpty ? .null : Self.unique(out)
  }

  /// Where a reference leads: the label's definition (`label: node { … }`), or for `&{/path}` the node's first
  /// block.
  func targets(of ref: SyntaxIndex.Reference, in a: Analysis) -> [SourceRange] {
    let indexes = [a.baseIndex, a.index].compactMap { $0 }
    if !ref.isPath && !ref.target.contains("/") {
      let sites = indexes.flatMap { $0.labels.filter { $0.name == ref.target }.map(\.range) }
      if !sites.isEmpty { return sites }
    }
    guard let path = referencePath(ref.target, labels: a.labels) else { return [] }
    if let first = indexes.lazy.compactMap({ $0.blocks.first { $0.path == path } }).first { return [first.nameRange] }
    return a.tree.node(atPath: path)?.nameRange.map { [$0] } ?? []
  }

  func references(_ params: JSONValue) throws(RequestError) -> JSONValue {
    let includeDeclaration = params["context"]?["includeDeclaration"]?.boolValue ?? true
    var out: [JSONValue] = []
    for s in try sites(params).sites {
      let a = s.analysis
      let label: String
      if let ref = a.index.references.first(where: { s.contains($0.range) }), !ref.isPath {
        label = ref.target
      } else if let l = a.index.labels.first(where: { s.contains($0.range) }) {
        label = l.name
      } else {
        continue
      }
      for index in [a.baseIndex, a.index].compactMap({ $0 }) {
        if includeDeclaration {
          out += index.labels.filter { $0.name == label }.map { location($0.range, in: a.sources) }
        }
        out += index.references.filter { r in
          !r.isPath && r.target == label || r.isPath && r.target.hasPrefix(label + "/")
        }.map { location($0.range, in: a.sources) }
      }
    }
    return Self.unique(out)
  }

  /// The file an `#include`/`/include/` on the position's line names: as the preprocessor resolved it when it
  /// did, else searched as it would be.
  func includedFile(at s: Site) -> String? {
    let line = s.file.lineColumn(at: s.offset).line
    guard let include = SourceScan.includes(in: s.file).first(where: { $0.line == line }) else { return nil }
    let a = s.analysis
    for c in a.parsed?.text?.contexts ?? [] {
      if case .file(let id, let at?) = c.kind, at.file == s.file.id, at.start <= include.range.start,
        include.range.end <= at.end
      {
        return canonicalPath(a.sources[id].path)
      }
    }
    if include.name.hasPrefix("/") { return a.sources.exists(path: include.name) ? include.name : nil }
    let dirs =
      (include.quoted ? [Self.directory(of: canonicalPath(s.file.path))] : []) + a.settings.frontEnd.includePaths
    return dirs.lazy.map { PathDisplay.absolute(include.name, in: $0) }.first { a.sources.exists(path: $0) }
  }

  /// The C identifier under the position.
  func identifier(at s: Site) -> String? {
    let b = s.file.bytes
    func isIdent(_ c: UInt8) -> Bool {
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }
    var start = Int(min(s.offset, UInt32(b.count)))
    var end = start
    while start > 0, isIdent(b[start - 1]) { start -= 1 }
    while end < b.count, isIdent(b[end]) { end += 1 }
    guard end > start, !(b[start] >= 0x30 && b[start] <= 0x39) else { return nil }
    return String(decoding: b[start..<end], as: UTF8.self)
  }

  /// Where macro `name` used at the position is defined: the definition the preprocessor expanded there, else
  /// every `#define` of that name in the files the check read.
  func macroDefinitions(_ name: String, at s: Site) -> [SourceRange] {
    let a = s.analysis
    for c in a.parsed?.text?.contexts ?? [] {
      if case .macro(let n, let invocation, let definition?) = c.kind, n == name, s.contains(invocation) {
        return [definition]
      }
    }
    return a.files.flatMap { f in
      a.generation.cache.macroDefinitions(in: a.sources[f]).filter { $0.name == name }.map(\.range)
    }
  }

  // MARK: - Hover

  func hover(_ params: JSONValue) throws(RequestError) -> JSONValue {
    for s in try sites(params).sites {
      let a = s.analysis
      var text: String?
      var range: SourceRange?
      if let ref = a.index.references.first(where: { s.contains($0.range) }) {
        if let path = referencePath(ref.target, labels: a.labels) { text = nodeHover(path, in: a) }
        range = ref.range
      } else if let b = a.index.blocks.first(where: { s.contains($0.nameRange) }), let path = b.path {
        text = nodeHover(path, in: a)
        range = b.nameRange
      } else if let l = a.index.labels.first(where: { s.contains($0.range) }), let path = l.path {
        text = nodeHover(path, in: a)
        range = l.range
      } else if let p = a.index.properties.first(where: { s.contains($0.nameRange) }), let path = p.path {
        text = propertyHover(p.name, of: path, in: a)
        range = p.nameRange
      } else if let name = identifier(at: s), let def = macroDefinitions(name, at: s).last {
        let f = a.sources[def.file]
        let line = f.lineColumn(at: def.start).line
        text = "```c\n\(f.lineText(line))\n```\nmacro defined at \(display(def, a))"
      } else if let p = a.index.properties.filter({ s.contains($0.range) }).min(by: {
        $0.range.end - $0.range.start < $1.range.end - $1.range.start
      }), let path = p.path {
        text = propertyHover(p.name, of: path, in: a)
        range = p.nameRange
      }
      if let text {
        var o: [String: JSONValue] = ["contents": .object(["kind": .string("markdown"), "value": .string(text)])]
        if let range { o["range"] = s.file.lspRange(range) }
        return .object(o)
      }
    }
    return .null
  }

  /// `file:line` of a range, the file relative to the project.
  func display(_ r: SourceRange, _ a: Analysis) -> String {
    let f = a.sources[r.file]
    let root = projectRoot(of: a.path, settings: a.settings)
    return "\(PathDisplay.relative(canonicalPath(f.path), to: root)):\(f.lineColumn(at: r.start).line)"
  }

  /// The statement at a site, on one line.
  func statementText(_ r: SourceRange, _ a: Analysis) -> String {
    let f = a.sources[r.file]
    let s = Int(min(r.start, UInt32(f.bytes.count)))
    let e = Int(min(r.end, UInt32(f.bytes.count)))
    let words = String(decoding: f.bytes[s..<e], as: UTF8.self).split(whereSeparator: \.isWhitespace)
    let t = words.joined(separator: " ")
    return t.count > 120 ? String(t.prefix(117)) + "…" : t
  }

  /// Property sites of `path` in the order dtc applied them (the base's first for an overlay).
  func propertySites(_ path: String, _ a: Analysis) -> [SyntaxIndex.PropertySite] {
    [a.baseIndex, a.index].compactMap { $0 }.flatMap { $0.properties.filter { $0.path == path } }
  }

  func nodeHover(_ path: String, in a: Analysis) -> String {
    guard let node = a.tree.node(atPath: path) else { return "`\(path)`: not in the tree (deleted or not found)" }
    var md = "**\(node.name.isEmpty ? "/" : node.name)** `\(path)`"
    if !node.labels.isEmpty { md += " — labels: " + node.labels.map { "`\($0)`" }.joined(separator: ", ") }
    md += "\n\n"
    let blocks = [a.baseIndex, a.index].compactMap { $0 }.flatMap { $0.blocks.filter { $0.path == path } }
    if !blocks.isEmpty {
      md += "Defined and extended at:\n"
      for b in blocks { md += "- \(display(b.nameRange, a)) `\(b.name)`\n" }
      md += "\n"
    }
    let props = Array(node.liveProperties)
    if !props.isEmpty {
      md += "Merged properties (where each value was set):\n```dts\n"
      for p in props.prefix(60) {
        md += Self.propertyLine(p) + (p.range.map { "  // \(display($0, a))" } ?? "") + "\n"
      }
      if props.count > 60 { md += "// … \(props.count - 60) more\n" }
      md += "```\n"
    }
    md += findingsText(a.diagnostics.filter { $0.nodePath == path }, a)
    return md
  }

  static func propertyLine(_ p: Property) -> String { p.name + DTSPrinter.valueText(p.value) }

  func propertyHover(_ name: String, of path: String, in a: Analysis) -> String {
    var md = "**\(name)** in `\(path)`\n\n"
    if let p = a.tree.node(atPath: path)?.property(name) {
      md += "Merged value:\n```dts\n\(Self.propertyLine(p))\n```\n"
    } else {
      md += "Not in the merged tree (deleted, or its node is).\n\n"
    }
    let sites = propertySites(path, a).filter { $0.name == name }
    if !sites.isEmpty {
      md += "Set at (in the order applied; the last one wins):\n"
      for s in sites {
        md += "- \(display(s.nameRange, a)) `\(statementText(s.range, a))`\(s.deletion ? " (deleted here)" : "")\n"
      }
      md += "\n"
    }
    md += findingsText(a.diagnostics.filter { $0.nodePath == path && $0.property == name }, a)
    return md
  }

  /// The findings at a node or property, each rule with its rationale once.
  func findingsText(_ findings: [Diagnostic], _ a: Analysis) -> String {
    guard !findings.isEmpty else { return "" }
    var md = "Findings here:\n"
    var explained = Set<String>()
    for d in findings { md += "- **\(d.rule)** (\(d.severity.rawValue)): \(d.message)\n" }
    for d in findings where explained.insert(d.rule).inserted {
      guard let desc = RuleRegistry.shared.description(d.rule) else { continue }
      md += "\n**Why `\(d.rule)`** — \(desc.summary).\n\n\(desc.rationale)\n"
    }
    return md
  }

  // MARK: - Symbols and completion

  func documentSymbols(_ params: JSONValue) throws(RequestError) -> JSONValue {
    let (_, path) = try textDocument(params)
    guard let s = sites(path, at: nil).first else { return .array([]) }
    let a = s.analysis
    let ids = a.fileIDs(for: path)
    let f = s.file
    func inDocument(_ r: SourceRange) -> Bool { ids.contains(r.file) }
    func symbol(_ i: Int) -> JSONValue {
      let b = a.index.blocks[i]
      var children: [JSONValue] = []
      for p in b.properties {
        let site = a.index.properties[p]
        guard inDocument(site.nameRange), site.range.file == site.nameRange.file else { continue }
        var o: [String: JSONValue] = [
          "name": .string(site.name), "kind": .int(7), "range": f.lspRange(site.range),
          "selectionRange": f.lspRange(site.nameRange),
        ]
        if site.deletion { o["detail"] = .string("deleted") }
        children.append(.object(o))
      }
      for c in b.children where inDocument(a.index.blocks[c].nameRange) { children.append(symbol(c)) }
      var o: [String: JSONValue] = [
        "name": .string(b.name), "kind": .int(3), "range": f.lspRange(b.range),
        "selectionRange": f.lspRange(b.nameRange), "children": .array(children),
      ]
      if let p = b.path { o["detail"] = .string(p) }
      return .object(o)
    }
    var out: [JSONValue] = []
    for (i, b) in a.index.blocks.enumerated() where inDocument(b.nameRange) {
      if let p = b.parent, inDocument(a.index.blocks[p].nameRange) { continue }
      out.append(symbol(i))
    }
    return .array(out)
  }

  func completion(_ params: JSONValue) throws(RequestError) -> JSONValue {
    let (path, all) = try sites(params)
    guard let s = all.first, let doc = documents[path] else { return .array([]) }
    let text = doc.text
    let offset = Int(min(s.offset, UInt32(text.count)))
    func isNameChar(_ c: UInt8) -> Bool {
      switch c {
      case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2C, 0x2E, 0x5F, 0x2B, 0x2A, 0x23, 0x3F, 0x40, 0x2D: true
      default: false
      }
    }
    var start = offset
    while start > 0, isNameChar(text[start - 1]) { start -= 1 }
    let vocabulary = s.analysis.vocabulary()
    var items: [JSONValue] = []
    if start > 0, text[start - 1] == UInt8(ascii: "&") {
      for (label, nodePath) in vocabulary.labels.sorted(by: { $0.key < $1.key }) {
        items.append(.object(["label": .string(label), "kind": .int(18), "detail": .string(nodePath)]))
      }
    } else {
      // A property name starts a statement: only blanks before it on its line.
      var i = start
      while i > 0, text[i - 1] == 0x20 || text[i - 1] == 0x09 { i -= 1 }
      let statementStart =
        i == 0 || text[i - 1] == 0x0A || text[i - 1] == UInt8(ascii: ";")
        || text[i - 1] == UInt8(ascii: "{")
      let inNode = s.analysis.index.blocks.contains {
        s.file.id == $0.range.file && $0.range.start < s.offset && s.offset < $0.range.end
      }
      if statementStart && inNode {
        for name in vocabulary.properties {
          items.append(.object(["label": .string(name), "kind": .int(10)]))
        }
      }
    }
    return .object(["isIncomplete": .bool(false), "items": .array(items)])
  }

  // MARK: - Code actions

  /// The fix-its of the findings in the requested range, as quick fixes (laid out as `hmp fix` lays them out).
  func codeActions(_ params: JSONValue) throws(RequestError) -> JSONValue {
    let (_, path) = try textDocument(params)
    guard let range = params["range"], let from = LSPPosition(range["start"]), let to = LSPPosition(range["end"])
    else { throw .invalidParams("range is missing") }
    var out: [JSONValue] = []
    var seen = Set<JSONValue>()
    for s in sites(path, at: from) {
      let a = s.analysis
      let end = s.file.offset(at: to)
      for d in a.diagnostics where !d.fixes.isEmpty {
        guard let r = d.range, r.file == s.file.id, r.start <= end, s.offset <= r.end,
          let diagnostic = lspDiagnostic(d, in: a.sources)
        else { continue }
        for (i, fix) in d.fixes.enumerated() {
          var changes: [String: [JSONValue]] = [:]
          for e in fix.edits {
            let f = a.sources[e.range.file]
            let laid = HMPFixer.laidOut(e, in: f.bytes)
            changes[uri(for: canonicalPath(f.path)), default: []].append(
              .object(["range": f.lspRange(laid.range), "newText": .string(laid.replacement)]))
          }
          let action = JSONValue.object([
            "title": .string(fix.message), "kind": .string("quickfix"), "diagnostics": .array([diagnostic]),
            "isPreferred": .bool(i == 0), "edit": .object(["changes": .object(changes.mapValues { .array($0) })]),
          ])
          if seen.insert(action).inserted { out.append(action) }
        }
      }
    }
    return .array(out)
  }
}
