/// The kernel command line (`bootargs`) the HMP rules judge a tree under, and where it was taken from.
///
/// Parsed as the kernel's `parse_args()` splits it: words separated by spaces, a double-quoted part may hold spaces
/// (the quotes are dropped), and `--` ends the kernel's parameters (what follows goes to init). Parameter names
/// compare as the kernel's `parameq()` does: `-` and `_` are the same character.
public struct KernelCommandLine: Sendable, Hashable {
  /// Where the command line came from, in the order dtlint prefers them.
  public enum Source: Sendable, Hashable {
    /// `--bootargs`.
    case option
    /// The "Kernel command line:" line of a kernel log (`dtlint hmp explain-log`).
    case log(path: String, line: Int)
    /// `bootargs:` in `.dtlint.yaml`.
    case configuration(path: String, line: Int?)
    /// `linux: { bootargs: … }` in the M7 manifest.
    case manifest(path: String, line: Int?)
    /// The tree's `/chosen/bootargs`.
    case tree
    /// What `dtlint hmp generate` prescribes in the overlay's header, on top of the given command line.
    case generator

    /// How messages name it: "--bootargs", "boot.log:14", "the tree's /chosen/bootargs (U-Boot usually replaces it)".
    public var phrase: String {
      switch self {
      case .option: "--bootargs"
      case .log(let path, let line): "the kernel log's command line (\(path):\(line))"
      case .configuration(let path, let line): "bootargs: in \(path)\(line.map { ":\($0)" } ?? "")"
      case .manifest(let path, let line): "linux.bootargs of the M7 manifest (\(path)\(line.map { ":\($0)" } ?? ""))"
      case .tree: "the tree's /chosen/bootargs (U-Boot usually replaces it with its own bootargs)"
      case .generator: "the command line the generated overlay's header prescribes"
      }
    }
  }

  /// One `name[=value]` word.
  public struct Parameter: Sendable, Hashable {
    public var name: String
    /// Nil for a bare word (`clk_ignore_unused`).
    public var value: String?
  }

  public var text: String
  public var source: Source
  /// The kernel's parameters (before `--`), in order.
  public var parameters: [Parameter]

  public init(_ text: String, source: Source) {
    self.text = text
    self.source = source
    self.parameters = Self.parse(text)
  }

  /// Words as the kernel's `next_arg()` splits them, up to `--`.
  static func parse(_ text: String) -> [Parameter] {
    var out: [Parameter] = []
    var word = ""
    var inQuotes = false
    var started = false
    func flush() -> Bool {
      defer {
        word = ""
        started = false
      }
      guard started else { return true }
      if word == "--" { return false }
      if let eq = word.firstIndex(of: "=") {
        out.append(Parameter(name: String(word[..<eq]), value: String(word[word.index(after: eq)...])))
      } else {
        out.append(Parameter(name: word, value: nil))
      }
      return true
    }
    for c in text {
      if c == "\"" {
        inQuotes.toggle()
        started = true
        continue
      }
      if !inQuotes && (c == " " || c == "\t" || c == "\n" || c == "\r") {
        if !flush() { return out }
        continue
      }
      word.append(c)
      started = true
    }
    _ = flush()
    return out
  }

  /// `-` and `_` compare equal in parameter names.
  static func normalized(_ name: String) -> String { name.replacingOccurrences(of: "-", with: "_") }

  /// The last occurrence of `name` (the kernel applies them in order, so the last one wins).
  public func parameter(_ name: String) -> Parameter? {
    let n = Self.normalized(name)
    return parameters.last { Self.normalized($0.name) == n }
  }

  /// Whether a `__setup()` flag such as `clk_ignore_unused` is given (with or without a value).
  public func has(_ name: String) -> Bool { parameter(name) != nil }

  /// Whether a bool module parameter is set: a bare name, or a value `kstrtobool()` reads as true (1, y, t, on).
  public func isTrue(_ name: String) -> Bool {
    guard let p = parameter(name) else { return false }
    guard let v = p.value?.lowercased() else { return true }
    return v.hasPrefix("1") || v.hasPrefix("y") || v.hasPrefix("t") || v.hasPrefix("on")
  }

  /// The command line with `words` appended (those already given left out), from `source`.
  public func adding(_ words: [String], source: Source) -> KernelCommandLine {
    let missing = words.filter { w in
      let name = String(w.split(separator: "=", maxSplits: 1).first ?? "")
      return w.contains("=") ? !isTrue(name) : !has(name)
    }
    let joined = ([text] + missing).filter { !$0.isEmpty }.joined(separator: " ")
    return KernelCommandLine(joined, source: source)
  }
}
