import DTYAML
import Foundation
import Testing
import Yams

@testable import DTHMP

/// The precomposed forms of the bundled YAML files (BundledNodes.swift) are what Yams composes from the bundled
/// text, and reading through them gives what reading the text gives. `DTLINT_WRITE_BUNDLED_NODES=1` rewrites
/// BundledNodes.swift from the bundled text instead of failing.
@Suite struct PrecomposedKnowledgeTests {
  static var yamlPaths: [String] { KnowledgeBundle.paths.filter { $0.hasSuffix(".yaml") } }

  static func composed(_ relative: String) throws -> Yams.Node {
    let text = try #require(KnowledgeBundle.text(relative))
    return try #require(try Yams.compose(yaml: text, Resolver.basic))
  }

  @Test func formsAreCurrent() throws {
    var entries: [(path: String, source: UInt64, nodes: String)] = []
    for p in Self.yamlPaths {
      let text = try #require(KnowledgeBundle.text(p))
      let form = try #require(PrecomposedYAML.encode(try Self.composed(p)), "\(p) has no precomposed form")
      entries.append((p, PrecomposedYAML.sourceHash(text), form))
    }
    if ProcessInfo.processInfo.environment["DTLINT_WRITE_BUNDLED_NODES"] == "1" {
      try Self.write(entries)
      return
    }
    #expect(
      BundledNodes.files.keys.sorted() == entries.map(\.path),
      "run DTLINT_WRITE_BUNDLED_NODES=1 swift test --filter PrecomposedKnowledgeTests")
    for e in entries {
      let stored = BundledNodes.files[e.path]
      #expect(stored?.source == e.source, "\(e.path): the precomposed form is for other text")
      #expect(stored?.nodes == e.nodes, "\(e.path): the precomposed form differs from Yams' composition")
    }
  }

  /// Each form reads back into the tree Yams composes: kinds, tags, styles, texts and order.
  @Test func formsDecodeToYamsTrees() throws {
    for p in Self.yamlPaths {
      let yams = try Self.composed(p)
      let form = try #require(PrecomposedYAML.encode(yams))
      let decoded = try #require(PrecomposedYAML.decode(form))
      #expect(Self.same(decoded, yams), "\(p)")
      if let stored = BundledNodes.files[p] {
        let fromStored = try #require(PrecomposedYAML.decode(stored.nodes))
        #expect(Self.same(fromStored, yams), "\(p) (stored form)")
      }
    }
  }

  /// Every bundled profile parsed through its form equals the one parsed from the text.
  @Test func profilesReadThroughTheFormsEqualProfilesReadFromTheText() throws {
    func both<T>(_ relative: String, _ parse: (Yams.Node, String) throws(InputError) -> T) throws -> (T, T) {
      let stored = try #require(BundledNodes.files[relative], "\(relative) has no stored form")
      let node = try #require(PrecomposedYAML.decode(stored.nodes))
      let fromForm = try parse(node, "schemas/" + relative)
      let fromText = try parse(try Self.composed(relative), "schemas/" + relative)
      return (fromForm, fromText)
    }
    for name in SoCProfile.knownNames {
      let (a, b) = try both("soc/\(name).yaml") { (n, p) throws(InputError) in try SoCProfile.parse(n, path: p) }
      #expect(Self.canonical(a) == Self.canonical(b), "soc \(name)")
    }
    for name in BoardProfile.knownNames {
      let (a, b) = try both("board/\(name).yaml") { (n, p) throws(InputError) in try BoardProfile.parse(n, path: p) }
      #expect(Self.canonical(a) == Self.canonical(b), "board \(name)")
    }
    for name in KnowledgeBundle.names(in: "kernel") {
      let (a, b) = try both("kernel/\(name).yaml") { (n, p) throws(InputError) in try KernelFlavor.parse(n, path: p) }
      #expect(Self.canonical(a) == Self.canonical(b), "kernel \(name)")
    }
    let (a, b) = try both(KernelMessageCatalog.bundledPath) { (n, p) throws(InputError) in
      try KernelMessageCatalog.parse(n, path: p)
    }
    #expect(Self.canonical(a) == Self.canonical(b), "catalog")
  }

  /// A parse that fails on the form's tree (which has no marks) is done again on the text: the error names its line.
  @Test func anErrorComesFromTheTextWithItsLine() throws {
    let text = "a: 1\nb: x\n"
    let composed = try #require(try Yams.compose(yaml: text, Resolver.basic))
    let form = try #require(PrecomposedYAML.encode(composed))
    let parse = { (node: Yams.Node, path: String) throws(InputError) -> Int in
      let r = YAMLReader(path: path)
      let o = try r.object(node, key: nil, required: ["a", "b"])
      return try o.requiredInt("b")
    }
    do {
      _ = try PrecomposedYAML.read(
        form: form, sourceHash: PrecomposedYAML.sourceHash(text), text: text, path: "t.yaml", parse: parse)
      Issue.record("no error")
    } catch {
      #expect(error.line == 2, "\(error)")
      #expect(error.path == "t.yaml")
    }
  }

  /// A form made from other text is not used; a damaged form is not used.
  @Test func aFormForOtherTextOrDamagedIsNotUsed() throws {
    let old = "a: 1\n"
    let new = "a: 2\n"
    let composed = try #require(try Yams.compose(yaml: old, Resolver.basic))
    let form = try #require(PrecomposedYAML.encode(composed))
    let value = { (node: Yams.Node, path: String) throws(InputError) -> Int in
      try YAMLReader(path: path).object(node, key: nil, required: ["a"]).requiredInt("a")
    }
    let stale = try PrecomposedYAML.read(
      form: form, sourceHash: PrecomposedYAML.sourceHash(old), text: new, path: "t.yaml", parse: value)
    #expect(stale == 2)
    for cut in [1, form.utf8.count / 2, form.utf8.count - 1] {
      let damaged = String(decoding: form.utf8.prefix(cut), as: UTF8.self)
      #expect(PrecomposedYAML.decode(damaged) == nil, "cut at \(cut)")
      let v = try PrecomposedYAML.read(
        form: damaged, sourceHash: PrecomposedYAML.sourceHash(new), text: new, path: "t.yaml", parse: value)
      #expect(v == 2)
    }
    #expect(PrecomposedYAML.decode(form + "S0,0:0:") == nil, "trailing bytes")
    #expect(PrecomposedYAML.decode("M0,0:99999999999999:") == nil, "huge count")
  }

  /// Quoted, block and flow styles, non-ASCII text and empty values survive the round trip.
  @Test func stylesAndTextSurvive() throws {
    let text = """
      plain: 0x10
      single: 'it''s'
      double: "tab\\there ü"
      literal: |
        two
        lines
      folded: >
        one
        line
      flow: { a: 1, b: [x, 'y'] }
      empty:
      list:
        - ~
        - ""
      """
    let yams = try #require(try Yams.compose(yaml: text, Resolver.basic))
    let form = try #require(PrecomposedYAML.encode(yams))
    let decoded = try #require(PrecomposedYAML.decode(form))
    #expect(Self.same(decoded, yams))
    #expect(decoded["double"]?.scalar?.string == "tab\there ü")
    #expect(decoded["single"]?.scalar?.style == .singleQuoted)
  }

  /// An alias comes back as the node it names, as Yams composes it.
  @Test func aliasesComeBackAsTheirNodes() throws {
    let yams = try #require(try Yams.compose(yaml: "a: &x {k: 1}\nb: *x\n", Resolver.basic))
    let form = try #require(PrecomposedYAML.encode(yams))
    let decoded = try #require(PrecomposedYAML.decode(form))
    #expect(Self.same(decoded, yams))
    #expect(decoded["b"]?["k"]?.scalar?.string == "1")
  }

  /// A description of a value in which dictionaries and sets are in sorted order (their own order differs from one
  /// instance to the next).
  static func canonical(_ value: Any) -> String {
    let m = Mirror(reflecting: value)
    let parts = m.children.map { c in (c.label.map { $0 + ": " } ?? "") + canonical(c.value) }
    switch m.displayStyle {
    case .dictionary, .set:
      return "[" + parts.sorted().joined(separator: ", ") + "]"
    case .struct, .class, .enum, .tuple, .collection, .optional:
      return "\(m.subjectType)(" + parts.joined(separator: ", ") + ")" + (parts.isEmpty ? "\(value)" : "")
    default:
      return "\(value)"
    }
  }

  static func same(_ a: Yams.Node, _ b: Yams.Node) -> Bool {
    guard a.tag.rawValue == b.tag.rawValue else { return false }
    switch (a, b) {
    case (.scalar(let x), .scalar(let y)):
      return x.string == y.string && x.style == y.style
    case (.mapping(let x), .mapping(let y)):
      guard x.style == y.style, x.count == y.count else { return false }
      return zip(x, y).allSatisfy { same($0.key, $1.key) && same($0.value, $1.value) }
    case (.sequence(let x), .sequence(let y)):
      guard x.style == y.style, x.count == y.count else { return false }
      return zip(x, y).allSatisfy { same($0, $1) }
    default:
      return false
    }
  }

  static func write(_ entries: [(path: String, source: UInt64, nodes: String)]) throws {
    var out = """
      // Generated by PrecomposedKnowledgeTests from the bundled YAML files. Do not edit: after Scripts/embed-schemas.py,
      // run `DTLINT_WRITE_BUNDLED_NODES=1 swift test --filter PrecomposedKnowledgeTests`.

      /// The precomposed form (``PrecomposedYAML``) of each bundled YAML file, with the hash of the text it was made from.
      enum BundledNodes {
        static let files: [String: (source: UInt64, nodes: String)] = [

      """
    for e in entries {
      var hashes = "#"
      while e.nodes.contains("\"" + hashes) || e.nodes.contains("\\" + hashes) { hashes += "#" }
      out += "    \"\(e.path)\": (\n"
      out += "      0x\(String(e.source, radix: 16)),\n"
      out += "      \(hashes)\"\"\"\n\(e.nodes)\n\"\"\"\(hashes)\n"
      out += "    ),\n"
    }
    out += "  ]\n}\n"
    let url = Package.root.appendingPathComponent("Sources/DTHMP/Knowledge/BundledNodes.swift")
    try out.write(to: url, atomically: true, encoding: .utf8)
  }
}

/// YAMLReader's numbers: decimal without leading zeros, or 0x hexadecimal, up to 64 bits.
@Suite struct YAMLIntegerTests {
  @Test func acceptedSpellings() {
    #expect(YAMLReader.parseInteger("0") == 0)
    #expect(YAMLReader.parseInteger("42") == 42)
    #expect(YAMLReader.parseInteger("0x1F") == 31)
    #expect(YAMLReader.parseInteger("0XfF") == 255)
    #expect(YAMLReader.parseInteger("18446744073709551615") == .max)
    #expect(YAMLReader.parseInteger("0xffffffffffffffff") == .max)
    #expect(YAMLReader.parseInteger("0x0000000000000001") == 1)
  }

  @Test func refusedSpellings() {
    for text in [
      "", "010", "0x", "0x1g", "0x+1", "0x-1", "+1", "-1", "1.0", " 1", "1 ", "18446744073709551616",
      "0x10000000000000000", "٣", "1e3", "0b1",
    ] {
      #expect(YAMLReader.parseInteger(text) == nil, "\(text)")
    }
  }
}
