import DTCore

/// What the source of a tree says where: every node block, property assignment, label and reference, read from
/// the tokens the parser read (so after preprocessing, with positions in the original files). The tree keeps only
/// the result of merging; this keeps every step of it, in the order dtc applied them.
struct SyntaxIndex {
  /// A node block as written: `/ { … }`, `&label { … }`, `name@unit { … }`.
  struct Block {
    /// As written: `/`, `&uart1`, `&{/soc/i2c@1000}`, `serial@30860000`.
    var name: String
    /// The node's path in the analysed tree (nil when the reference does not resolve).
    var path: String?
    var nameRange: SourceRange
    /// From the first label (or the name) to the closing `}`; the name alone when the block ends in another file.
    var range: SourceRange
    var parent: Int?
    var children: [Int] = []
    var properties: [Int] = []
  }

  /// A property assignment (`name = …;`, `name;`) or deletion (`/delete-property/ name;`).
  struct PropertySite {
    var name: String
    var path: String?
    var nameRange: SourceRange
    /// The whole statement up to its `;` (the name alone when it ends in another file).
    var range: SourceRange
    var deletion: Bool
    var block: Int
  }

  /// `&label` or `&{/path}` anywhere: in values, as block targets, after `/delete-node/`.
  struct Reference {
    /// The label, or the path text of `&{…}`.
    var target: String
    var isPath: Bool
    var range: SourceRange
  }

  /// `label:` before a node, a property or inside a value.
  struct LabelSite {
    var name: String
    var range: SourceRange
    /// The node it labels (nil for labels inside values and on properties).
    var path: String?
  }

  var blocks: [Block] = []
  var properties: [PropertySite] = []
  var references: [Reference] = []
  var labels: [LabelSite] = []

  /// Reads `tokens`. `resolve` gives the path of a top-level `&label`/`&{/path}` block in the tree the source
  /// built (nil when not found); in an overlay (`plugin`) such a block that does not resolve is a fragment, named
  /// `/fragment@N/__overlay__` as dtc names it.
  init(tokens: TokenList, plugin: Bool, resolve: @escaping (String) -> String?) {
    var s = Scanner(tokens: tokens, plugin: plugin, resolve: resolve)
    s.run()
    self = s.index
  }

  init() {}

  private struct Scanner {
    let tokens: TokenList
    let plugin: Bool
    let resolve: (String) -> String?
    var index = SyntaxIndex()
    var stack: [Int] = []
    var pending: [(String, SourceRange)] = []
    var fragments = 0

    func isChar(_ t: Token, _ c: Unicode.Scalar) -> Bool { t.kind == .char && t.value == UInt64(c.value) }
    func token(_ k: Int) -> Token? { k < tokens.count ? tokens[k] : nil }

    mutating func open(_ name: String, path: String?, nameToken: Token) {
      var range = nameToken.range
      if let first = pending.first?.1, first.file == range.file, first.start <= range.start {
        range = first.extended(to: range)
      }
      for (l, r) in pending { index.labels.append(LabelSite(name: l, range: r, path: path)) }
      pending = []
      index.blocks.append(Block(name: name, path: path, nameRange: nameToken.range, range: range, parent: stack.last))
      let b = index.blocks.count - 1
      if let p = stack.last { index.blocks[p].children.append(b) }
      stack.append(b)
    }

    func childPath(_ name: String) -> String? {
      guard let p = stack.last, let parent = index.blocks[p].path else { return nil }
      return parent == "/" ? "/" + name : parent + "/" + name
    }

    mutating func reference(_ t: Token) {
      index.references.append(Reference(target: tokens.text(t), isPath: t.kind == .pathRef, range: t.range))
    }

    mutating func property(_ name: Token, end: Token?, deletion: Bool, start: Token? = nil) {
      guard let top = stack.last else { return }
      let first = start ?? name
      var range = first.range
      if let end, end.range.file == first.range.file, end.range.end >= first.range.start {
        range = first.range.extended(to: end.range)
      }
      index.properties.append(
        PropertySite(
          name: tokens.text(name), path: index.blocks[top].path, nameRange: name.range, range: range,
          deletion: deletion,
          block: top))
      index.blocks[top].properties.append(index.properties.count - 1)
    }

    mutating func run() {
      var i = 0
      let n = tokens.count
      while i < n {
        let t = tokens[i]
        switch t.kind {
        case .label:
          pending.append((tokens.text(t), t.range))
          i += 1
        case .labelRef, .pathRef:
          reference(t)
          guard let b = token(i + 1), isChar(b, "{") else {
            i += 1
            continue
          }
          let written = t.kind == .labelRef ? "&" + tokens.text(t) : "&{" + tokens.text(t) + "}"
          var path: String?
          if stack.isEmpty {
            path = t.kind == .pathRef && plugin ? nil : resolve(tokens.text(t))
            if path == nil && plugin {
              path = "/fragment@\(fragments)/__overlay__"
              fragments += 1
            }
          }
          open(written, path: path, nameToken: t)
          i += 2
        case .char where isChar(t, "/") && stack.isEmpty:
          if let b = token(i + 1), isChar(b, "{") {
            open("/", path: "/", nameToken: t)
            i += 2
          } else {
            i += 1
          }
        case .char where isChar(t, "}"):
          if let top = stack.popLast() {
            let r = index.blocks[top].range
            if t.range.file == r.file, t.range.end >= r.start {
              index.blocks[top].range = SourceRange(file: r.file, start: r.start, end: t.range.end)
            }
          }
          pending = []
          i += 1
        case .char where isChar(t, ";"):
          pending = []
          i += 1
        case .name where !stack.isEmpty:
          guard let b = token(i + 1) else {
            i += 1
            continue
          }
          if isChar(b, "{") {
            open(tokens.text(t), path: childPath(tokens.text(t)), nameToken: t)
            i += 2
          } else if isChar(b, "=") || isChar(b, ";") {
            // Labels before a property name label the property.
            for (l, r) in pending { index.labels.append(LabelSite(name: l, range: r, path: nil)) }
            pending = []
            var k = i + 1
            // The value: up to the `;` (or a brace, when the statement is broken).
            while k < n {
              let v = tokens[k]
              if isChar(v, ";") || isChar(v, "{") || isChar(v, "}") { break }
              if v.kind == .labelRef || v.kind == .pathRef { reference(v) }
              if v.kind == .label { index.labels.append(LabelSite(name: tokens.text(v), range: v.range, path: nil)) }
              k += 1
            }
            property(t, end: token(k), deletion: false)
            i = k < n && isChar(tokens[k], ";") ? k + 1 : k
          } else {
            i += 1
          }
        case .deleteNode:
          // `/delete-node/ name;` or `/delete-node/ &label;`: a reference at most, never a property.
          if let target = token(i + 1), target.kind == .labelRef || target.kind == .pathRef { reference(target) }
          pending = []
          i += 2
        case .deleteProperty:
          guard let name = token(i + 1), name.kind == .name else {
            i += 1
            continue
          }
          let semi = token(i + 2).flatMap { isChar($0, ";") ? $0 : nil }
          property(name, end: semi ?? name, deletion: true, start: t)
          i += semi == nil ? 2 : 3
        default:
          i += 1
        }
      }
    }
  }
}
