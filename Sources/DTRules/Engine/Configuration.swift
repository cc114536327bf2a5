import DTCore
import Foundation
import Yams

/// A rule's level in `.dtlint.yaml`: a severity, or `off`.
public enum RuleLevel: String, Sendable, CaseIterable, Hashable {
  case error, warning, note, off

  public var severity: Severity? {
    switch self {
    case .error: .error
    case .warning: .warning
    case .note: .note
    case .off: nil
    }
  }
}

/// `.dtlint.yaml`: project settings that would otherwise be repeated on every command line.
///
/// ```yaml
/// include: [include, arch/arm64/boot/dts/freescale]   # -I, relative to this file
/// kernel: nxp-5.15                                     # --kernel
/// board: verdin-imx8mp                                 # --board
/// m7: firmware/m7.yaml                                 # --m7, relative to this file
/// base: build/imx8mp-verdin-wifi-dev.dtb               # --base, relative to this file
/// rules:                                               # per-rule level: error, warning, note or off
///   unit_address_vs_reg: error
///   avoid_default_addr_size: off
/// werror: false                                        # --werror
/// ```
///
/// Every key is optional. Unknown keys, values of the wrong type, unknown kernel flavors and unknown rule IDs
/// are errors naming the file, the line and the key. The JSON Schema is `schemas/dtlint-config.schema.json`.
public struct Configuration: Sendable, Equatable {
  /// The configuration file's name.
  public static let fileName = ".dtlint.yaml"

  /// Kernel flavors `kernel:` accepts (DESIGN.md §2, HMP-FACTS §12), aliases included.
  public static let kernelFlavors = ["mainline", "nxp-6", "nxp-5.15", "nxp-5.4", "toradex-bsp6", "toradex-bsp5"]

  /// One `rules:` entry, in file order.
  public struct RuleEntry: Sendable, Equatable {
    public var rule: String
    public var level: RuleLevel
    public var line: Int
    public init(rule: String, level: RuleLevel, line: Int = 0) {
      self.rule = rule
      self.level = level
      self.line = line
    }
  }

  /// The file it was read from (nil for a configuration built in code).
  public var path: String?
  /// Include directories, already resolved against the configuration file's directory.
  public var includePaths: [String] = []
  public var kernel: String?
  public var board: String?
  /// M7 manifest, resolved against the configuration file's directory.
  public var m7: String?
  /// Base tree, resolved against the configuration file's directory.
  public var base: String?
  public var rules: [RuleEntry] = []
  public var werror: Bool?

  public init() {}

  // MARK: - Finding and loading

  /// The `.dtlint.yaml` in `directory` or the nearest directory above it, if any.
  public static func find(startingAt directory: String) -> String? {
    var dir = PathDisplay.absolute(directory, in: FileManager.default.currentDirectoryPath)
    while true {
      let candidate = dir == "/" ? "/" + fileName : dir + "/" + fileName
      if SourceManager.fileExists(candidate) { return candidate }
      if dir == "/" { return nil }
      let parent = dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)]
      dir = parent.isEmpty ? "/" : String(parent)
    }
  }

  /// `--config FILE` when given (it must exist), otherwise the file found upwards from `workingDirectory`;
  /// nil when there is none.
  public static func discover(
    explicitPath: String?, workingDirectory: String = FileManager.default.currentDirectoryPath,
    registry: RuleRegistry = .shared
  ) throws(ConfigurationError) -> Configuration? {
    if let explicitPath { return try load(path: explicitPath, registry: registry) }
    guard let found = find(startingAt: workingDirectory) else { return nil }
    return try load(path: found, registry: registry)
  }

  /// Reads and validates a configuration file.
  public static func load(path: String, registry: RuleRegistry = .shared) throws(ConfigurationError) -> Configuration {
    let bytes: [UInt8]
    do {
      bytes = try SourceManager.readBytes(path: path, limit: 1 << 20)
    } catch {
      throw ConfigurationError(path: path, message: error.reason)
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw ConfigurationError(path: path, message: "not UTF-8 text")
    }
    return try parse(text, path: path, registry: registry)
  }

  /// Parses configuration text. `path` names the file in errors and anchors relative paths.
  public static func parse(_ text: String, path: String, registry: RuleRegistry = .shared) throws(ConfigurationError)
    -> Configuration
  {
    let root: Yams.Node?
    do {
      // The basic resolver leaves every scalar a string: types are checked here, by key, so that `off` stays
      // a level and `nxp-5.4` a flavor (YAML 1.1 would read them as a boolean and, elsewhere, a number).
      root = try Yams.compose(yaml: text, Resolver.basic)
    } catch let error as YamlError {
      throw ConfigurationError(yaml: error, path: path)
    } catch {
      throw ConfigurationError(path: path, message: "\(error)")
    }
    var config = Configuration()
    config.path = path
    guard let root, !isNull(root) else { return config }
    guard case .mapping(let mapping) = root else {
      throw ConfigurationError(
        path: path, node: root, key: nil, message: "expected a mapping of settings at the top level")
    }
    let directory = PathDisplay.normalize(
      PathDisplay.absolute(path, in: FileManager.default.currentDirectoryPath) + "/..")
    let known = Set(registry.descriptions.map(\.id))
    let r = Reader(path: path)
    for (keyNode, value) in mapping {
      let key = try r.key(keyNode)
      switch key {
      case "include":
        config.includePaths = try r.stringList(value, key: key).map { resolve($0, in: directory) }
      case "kernel":
        let flavor = try r.string(value, key: key)
        guard kernelFlavors.contains(flavor) else {
          throw ConfigurationError(
            path: path, node: value, key: key,
            message: "unknown kernel flavor '\(flavor)' (expected \(kernelFlavors.joined(separator: ", ")))")
        }
        config.kernel = flavor
      case "board":
        config.board = try r.string(value, key: key)
      case "m7":
        config.m7 = resolve(try r.string(value, key: key), in: directory)
      case "base":
        config.base = resolve(try r.string(value, key: key), in: directory)
      case "werror":
        config.werror = try r.bool(value, key: key)
      case "rules":
        guard case .mapping(let rules) = value else {
          throw ConfigurationError(
            path: path, node: value, key: key, message: "expected a mapping of rule IDs to error, warning, note or off")
        }
        for (ruleNode, levelNode) in rules {
          let rule = try r.key(ruleNode, parent: key)
          let ruleKey = "\(key).\(rule)"
          guard known.contains(rule) else {
            throw ConfigurationError(
              path: path, node: ruleNode, key: ruleKey, message: "unknown rule '\(rule)' (see 'dtlint rules')")
          }
          let word = try r.string(levelNode, key: ruleKey)
          guard let level = RuleLevel(rawValue: word) else {
            throw ConfigurationError(
              path: path, node: levelNode, key: ruleKey,
              message: "unknown level '\(word)' (expected error, warning, note or off)")
          }
          config.rules.append(RuleEntry(rule: rule, level: level, line: levelNode.mark?.line ?? 0))
        }
      default:
        throw ConfigurationError(
          path: path, node: keyNode, key: key,
          message: "unknown key (expected include, kernel, board, m7, base, rules or werror)")
      }
    }
    return config
  }

  // MARK: - Applying

  /// Applies `rules:` (in file order, with `--enable`/`--disable`'s cascading: a level enables the rule and its
  /// prerequisites, `off` disables it and its dependents) and `werror`. Command-line switches come after.
  public func apply(to selection: inout RuleSelection) throws(ConfigurationError) {
    for e in rules {
      do {
        try selection.set(e.rule, severity: e.level.severity)
      } catch {
        throw ConfigurationError(
          path: path ?? Self.fileName, line: e.line, key: "rules.\(e.rule)", message: error.description)
      }
    }
    if let werror { selection.werror = werror }
  }

  private static func resolve(_ p: String, in directory: String) -> String {
    PathDisplay.absolute(p, in: directory)
  }

  fileprivate static func isNull(_ node: Yams.Node) -> Bool {
    guard case .scalar(let s) = node, s.style == .plain else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(s.string)
  }
}

/// A configuration file that cannot be used: `file:line:col: error: key: message`.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
  public var path: String
  /// 1-based; nil when the problem is the file as a whole.
  public var line: Int?
  public var column: Int?
  /// Dotted key (`rules.unit_address_vs_reg`), when the problem is a key or its value.
  public var key: String?
  public var message: String

  public init(path: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
    self.path = path
    self.line = line
    self.column = column
    self.key = key
    self.message = message
  }

  init(path: String, node: Yams.Node, key: String?, message: String) {
    self.init(path: path, line: node.mark?.line, column: node.mark?.column, key: key, message: message)
  }

  init(yaml error: YamlError, path: String) {
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
    var s = path
    if let line { s += ":\(line)" + (column.map { ":\($0)" } ?? "") }
    s += ": error: "
    if let key { s += "\(key): " }
    return s + message
  }

  /// The same problem as a tool issue for reports (SARIF `toolExecutionNotifications`).
  public var toolIssue: ToolIssue {
    ToolIssue((key.map { "\($0): " } ?? "") + message, severity: .error, file: path, line: line, column: column)
  }
}

/// Typed access to YAML nodes, with errors that carry positions.
private struct Reader {
  let path: String

  func key(_ node: Yams.Node, parent: String? = nil) throws(ConfigurationError) -> String {
    guard case .scalar(let s) = node, !Configuration.isNull(node) else {
      throw ConfigurationError(
        path: path, node: node, key: parent, message: "expected a plain key, not a \(kind(node))")
    }
    return s.string
  }

  func string(_ node: Yams.Node, key: String) throws(ConfigurationError) -> String {
    guard case .scalar(let s) = node, !Configuration.isNull(node) else {
      throw ConfigurationError(path: path, node: node, key: key, message: "expected a string, found \(kind(node))")
    }
    return s.string
  }

  func bool(_ node: Yams.Node, key: String) throws(ConfigurationError) -> Bool {
    if case .scalar(let s) = node, s.style == .plain {
      switch s.string {
      case "true", "True", "TRUE": return true
      case "false", "False", "FALSE": return false
      default: break
      }
    }
    throw ConfigurationError(path: path, node: node, key: key, message: "expected true or false, found \(kind(node))")
  }

  func stringList(_ node: Yams.Node, key: String) throws(ConfigurationError) -> [String] {
    guard case .sequence(let seq) = node else {
      throw ConfigurationError(
        path: path, node: node, key: key, message: "expected a list of strings, found \(kind(node))")
    }
    var out: [String] = []
    for item in seq {
      out.append(try string(item, key: key))
    }
    return out
  }

  private func kind(_ node: Yams.Node) -> String {
    switch node {
    case .scalar(let s):
      if Configuration.isNull(node) { return "nothing (null)" }
      return "'\(s.string)'"
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
  }
}
