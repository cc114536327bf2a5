import DTCore
import Yams

/// A file dtlint reads that cannot be used (a YAML profile, manifest or configuration, an ELF file, a `pin_mux.c`):
/// `file:line:col: error: key: message`. Every reader of hand-written or foreign input throws this one type, so the
/// CLI reports them alike.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
  public var path: String
  /// 1-based; nil when the problem is the file as a whole.
  public var line: Int?
  public var column: Int?
  /// Dotted key (`rules.unit_address_vs_reg`, `pins.pads[2]`), when the problem is a key or its value.
  public var key: String?
  public var message: String

  public init(path: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
    self.path = path
    self.line = line
    self.column = column
    self.key = key
    self.message = message
  }

  /// An error at a YAML node's position.
  public init(path: String, node: Yams.Node, key: String?, message: String) {
    self.init(path: path, line: node.mark?.line, column: node.mark?.column, key: key, message: message)
  }

  /// A YAML syntax error (scanner, parser, composer, duplicated keys) at its position.
  public init(yaml error: YamlError, path: String) {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
      self.init(path: path, line: mark.line, column: mark.column, message: "invalid YAML: \(what)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      self.init(
        path: path, line: context.mark.line, column: context.mark.column, key: duplicates.first,
        message: "key given more than once")
    default:
      self.init(path: path, message: "invalid YAML: \(error)")
    }
  }

  public var description: String {
    DiagnosticText.line(
      location: DiagnosticText.location(path, line: line, column: column), severity: .error,
      message: (key.map { "\($0): " } ?? "") + message)
  }
}
