import DTCore
import DTHMP
import DTYAML
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
/// bootargs: "console=ttymxc1,115200 clk-imx8mp.mcore_booted=1"   # --bootargs: the kernel command line
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

  /// Kernel flavors `kernel:` accepts (Documentation/Configuration.md, HMPFacts §12), aliases included.
  /// The bundled kernel flavor profiles (schemas/kernel/*.yaml) say which these are.
  public static var kernelFlavors: [String] { KernelFlavor.knownNames }

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
  /// The kernel command line Linux boots with (`--bootargs`), and the line it was written on.
  public var bootargs: String?
  public var bootargsLine: Int?
  public var rules: [RuleEntry] = []
  public var werror: Bool?

  public init() {}

  // MARK: - Finding and loading

  /// The `.dtlint.yaml` in `directory` or the nearest directory above it, if any.
  public static func find(startingAt directory: String) -> String? {
    var dir = PathDisplay.absolute(directory, in: FileName.currentDirectory)
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
    explicitPath: String?, workingDirectory: String = FileName.currentDirectory,
    registry: RuleRegistry = .shared
  ) throws(ConfigurationError) -> Configuration? {
    if let explicitPath { return try load(path: explicitPath, registry: registry) }
    guard let found = find(startingAt: workingDirectory) else { return nil }
    return try load(path: found, registry: registry)
  }

  /// Reads and validates a configuration file.
  public static func load(path: String, registry: RuleRegistry = .shared) throws(ConfigurationError) -> Configuration {
    try parse(document: YAMLReader.compose(path: path, limit: 1 << 20), path: path, registry: registry)
  }

  /// Parses configuration text. `path` names the file in errors and anchors relative paths.
  public static func parse(_ text: String, path: String, registry: RuleRegistry = .shared) throws(ConfigurationError)
    -> Configuration
  {
    try parse(document: YAMLReader.compose(text, path: path), path: path, registry: registry)
  }

  /// Reads a composed configuration document (nil: an empty one).
  static func parse(document root: Yams.Node?, path: String, registry: RuleRegistry) throws(ConfigurationError)
    -> Configuration
  {
    var config = Configuration()
    config.path = path
    guard let root else { return config }
    guard case .mapping = root else {
      throw ConfigurationError(
        path: path, node: root, key: nil, message: "expected a mapping of settings at the top level")
    }
    let directory = PathDisplay.normalize(
      PathDisplay.absolute(path, in: FileName.currentDirectory) + "/..")
    let known = Set(registry.descriptions.map(\.id))
    let r = YAMLReader(path: path)
    let keys = ["include", "kernel", "board", "m7", "base", "bootargs", "rules", "werror"]
    for (key, keyNode, value) in try r.entries(root, key: nil) {
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
      case "bootargs":
        config.bootargs = try r.string(value, key: key)
        config.bootargsLine = value.mark?.line
      case "werror":
        config.werror = try r.bool(value, key: key)
      case "rules":
        guard case .mapping = value else {
          throw ConfigurationError(
            path: path, node: value, key: key, message: "expected a mapping of rule IDs to error, warning, note or off")
        }
        for (rule, ruleNode, levelNode) in try r.entries(value, key: key) {
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
          message: "unknown key (expected \(YAMLReader.alternatives(keys)))")
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
}

/// A configuration file that cannot be used: `file:line:col: error: key: message` (the error every hand-written
/// YAML file of dtlint gives, shared with the knowledge profiles and the M7 manifest).
public typealias ConfigurationError = InputError

extension InputError {
  /// The same problem as a tool issue for reports (SARIF `toolExecutionNotifications`).
  public var toolIssue: ToolIssue {
    ToolIssue((key.map { "\($0): " } ?? "") + message, severity: .error, file: path, line: line, column: column)
  }
}
