import Yams

/// A composed YAML document written as compact text, read back into the same `Yams.Node` tree without scanning
/// or parsing YAML (issue 20): composing a bundled SoC profile with Yams costs ≈ 100 M instructions, rebuilding it
/// from this form a few million. Used for the files bundled into the binary, whose form is generated from Yams'
/// own composition and checked against it by a test.
///
/// The form keeps, for every node, its kind, tag, style and order (mapping pairs, sequence items) and each
/// scalar's text; it does not keep marks (line and column): ``read(_:sourceHash:text:parse:)`` parses a node from
/// this form first and, if that parse fails, composes the text with Yams and parses again, so every error still
/// names its line.
///
///     node    = scalar | mapping | sequence
///     scalar  = "S" style "," tag length ":" UTF-8 bytes
///     mapping = "M" style "," tag count ":" (node node){count}
///     sequence = "Q" style "," tag count ":" node{count}
///     tag     = length ":" UTF-8 bytes           (a spelling not written before; empty: implicit)
///             | "~" index ","                    (the index-th distinct spelling written before, from 0)
///
/// Numbers are decimal. An alias is written as the node it names (Yams' composition resolves it so).
public enum PrecomposedYAML {
  /// The precomposed form of `node`; nil when it holds anything the form does not keep (an unresolved alias or
  /// an anchor).
  public static func encode(_ node: Yams.Node) -> String? {
    var writer = Writer()
    guard writer.write(node) else { return nil }
    return String(decoding: writer.out, as: UTF8.self)
  }

  private struct Writer {
    var out: [UInt8] = []
    var tags: [String: Int] = [:]

    mutating func write(_ node: Yams.Node) -> Bool {
      guard node.anchor == nil else { return false }
      switch node {
      case .scalar(let s):
        head("S", style: s.style.rawValue, tag: s.tag)
        string(s.string)
      case .mapping(let m):
        head("M", style: m.style.rawValue, tag: m.tag)
        number(m.count)
        out.append(UInt8(ascii: ":"))
        for (k, v) in m {
          guard write(k), write(v) else { return false }
        }
      case .sequence(let q):
        head("Q", style: q.style.rawValue, tag: q.tag)
        number(q.count)
        out.append(UInt8(ascii: ":"))
        for item in q {
          guard write(item) else { return false }
        }
      case .alias:
        return false
      }
      return true
    }

    mutating func head(_ kind: Unicode.Scalar, style: UInt32, tag: Tag) {
      out.append(UInt8(ascii: kind))
      number(Int(style))
      out.append(UInt8(ascii: ","))
      if let i = tags[tag.rawValue] {
        out.append(UInt8(ascii: "~"))
        number(i)
        out.append(UInt8(ascii: ","))
      } else {
        tags[tag.rawValue] = tags.count
        string(tag.rawValue)
      }
    }

    mutating func number(_ n: Int) { out.append(contentsOf: String(n).utf8) }

    mutating func string(_ s: String) {
      number(s.utf8.count)
      out.append(UInt8(ascii: ":"))
      out.append(contentsOf: s.utf8)
    }
  }

  /// The node tree `form` describes (tags resolved with `resolver`, as `Yams.compose` resolves them); nil when the
  /// form is damaged.
  public static func decode(_ form: String, resolver: Resolver = .basic) -> Yams.Node? {
    var form = form
    return form.withUTF8 { bytes -> Yams.Node? in
      var reader = Reader(bytes: bytes, resolver: resolver)
      guard let node = reader.node(depth: 0), reader.at == bytes.count else { return nil }
      return node
    }
  }

  private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let resolver: Resolver
    /// One constructor for the whole document, as Yams' parser has (`Constructor.default` makes a new one per call).
    let constructor = Constructor.default
    var at = 0
    /// The distinct tag spellings met, in order (a tag object itself is made per node, as Yams makes it: tags
    /// resolve lazily and are not shared).
    var names: [Tag.Name] = []

    init(bytes: UnsafeBufferPointer<UInt8>, resolver: Resolver) {
      self.bytes = bytes
      self.resolver = resolver
    }

    mutating func node(depth: Int) -> Yams.Node? {
      guard depth < 512, at < bytes.count else { return nil }
      let kind = bytes[at]
      at += 1
      guard let style = number(until: UInt8(ascii: ",")), let tagName = tag() else { return nil }
      let tag = Tag(tagName, resolver, constructor)
      switch kind {
      case UInt8(ascii: "S"):
        guard let text = string(), let s = Node.Scalar.Style(rawValue: numericCast(style)) else { return nil }
        return .scalar(Node.Scalar(text, tag, s))
      case UInt8(ascii: "M"):
        guard let count = number(until: UInt8(ascii: ":")),
          let s = Node.Mapping.Style(rawValue: numericCast(style))
        else { return nil }
        var pairs: [(Yams.Node, Yams.Node)] = []
        pairs.reserveCapacity(count)
        for _ in 0..<count {
          guard let k = node(depth: depth + 1), let v = node(depth: depth + 1) else { return nil }
          pairs.append((k, v))
        }
        return .mapping(Node.Mapping(pairs, tag, s))
      case UInt8(ascii: "Q"):
        guard let count = number(until: UInt8(ascii: ":")),
          let s = Node.Sequence.Style(rawValue: numericCast(style))
        else { return nil }
        var items: [Yams.Node] = []
        items.reserveCapacity(count)
        for _ in 0..<count {
          guard let item = node(depth: depth + 1) else { return nil }
          items.append(item)
        }
        return .sequence(Node.Sequence(items, tag, s))
      default:
        return nil
      }
    }

    /// A decimal number ended by `end` (consumed).
    mutating func number(until end: UInt8) -> Int? {
      var n = 0
      var digits = 0
      while at < bytes.count, bytes[at] != end {
        let d = Int(bytes[at]) - 48
        guard d >= 0, d <= 9, digits < 12 else { return nil }
        n = n * 10 + d
        digits += 1
        at += 1
      }
      guard digits > 0, at < bytes.count else { return nil }
      at += 1
      return n
    }

    mutating func string() -> String? {
      guard let n = number(until: UInt8(ascii: ":")), n <= bytes.count - at else { return nil }
      let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[at..<(at + n)]), as: UTF8.self)
      at += n
      return s
    }

    mutating func tag() -> Tag.Name? {
      if at < bytes.count, bytes[at] == UInt8(ascii: "~") {
        at += 1
        guard let i = number(until: UInt8(ascii: ",")), i < names.count else { return nil }
        return names[i]
      }
      guard let spelling = string() else { return nil }
      let name = spelling.isEmpty ? Tag.Name.implicit : Tag.Name(rawValue: spelling)
      names.append(name)
      return name
    }
  }

  /// A 64-bit hash of `text`'s UTF-8 bytes, which a precomposed form records to be used only for that text.
  public static func sourceHash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    var text = text
    text.withUTF8 { bytes in
      var i = 0
      let n = bytes.count
      let raw = UnsafeRawBufferPointer(bytes)
      while i + 8 <= n {
        h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01b3
        h ^= h >> 29
        i += 8
      }
      while i < n {
        h = (h ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01b3
        i += 1
      }
    }
    return h ^ UInt64(text.utf8.count)
  }

  /// Parses a document given as YAML `text` and, when it matches (`sourceHash`), its precomposed `form`: from the
  /// form when that parse succeeds, else from Yams' composition of the text (so an error names its line).
  public static func read<T>(
    form: String?, sourceHash: UInt64?, text: String, path: String,
    parse: (Yams.Node, String) throws(InputError) -> T
  ) throws(InputError) -> T {
    if let form, let sourceHash, sourceHash == Self.sourceHash(text), let node = decode(form),
      !YAMLReader.isNull(node), let value = try? parse(node, path)
    {
      return value
    }
    guard let node = try YAMLReader.compose(text, path: path) else {
      throw InputError(path: path, message: "empty document")
    }
    return try parse(node, path)
  }
}
