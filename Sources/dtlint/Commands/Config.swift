import ArgumentParser
import DTCore
import DTHMP
import DTRules
import Foundation

extension DTLint {
  struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "config",
      abstract: "Show the effective configuration.",
      discussion: """
        `dtlint config` alone is `dtlint config dump`. .dtlint.yaml is documented in \
        Documentation/Configuration.md; its JSON Schema is schemas/dtlint-config.schema.json.

        Examples:
          dtlint config dump
          dtlint config dump --format json --enable all --werror
        """,
      subcommands: [Dump.self],
      defaultSubcommand: Dump.self)

    struct Dump: ParsableCommand {
      static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the configuration a check would use: file, paths, HMP settings and every rule.",
        discussion: """
          Reads .dtlint.yaml as `dtlint check` does (found upwards from the working directory, or --config) and \
          applies the same switches on top, then prints the result: the file that was read (null when none was \
          found), the include directories (the configuration's, then -I), kernel, board, M7 manifest and base \
          tree, the kernel command line (--bootargs or bootargs:), werror, and every rule with its effective enabled state and severity. `from` says where each \
          value came from: default, config or command line. Paths are absolute.

          The output is YAML (default) or JSON; both have the same keys. Exit status: 0, or 64 when the \
          configuration or a switch is not valid (the message names the file, line and key).

          Examples:
            dtlint config dump
            dtlint config dump --config ci/.dtlint.yaml --format json
            dtlint config dump -I include --kernel toradex-bsp6 --board verdin-imx8mp
            dtlint config dump --m7 m7.yaml --base board.dtb --werror
            dtlint config dump --bootargs "clk-imx8mp.mcore_booted=1"
            dtlint config dump --enable all --disable unique_unit_address
          """)

      @Option(help: "Output format.")
      var format: Format = .yaml

      @Option(
        name: [.customShort("I"), .customLong("include")],
        help: ArgumentHelp("Add an include directory after the configuration's (repeatable).", valueName: "dir"),
        completion: .directory)
      var includePaths: [String] = []

      @Option(
        help: ArgumentHelp("Base tree overlays are checked against (overrides base:).", valueName: "base"),
        completion: .file(extensions: ["dts", "dtb"]))
      var base: String?

      @OptionGroup(title: "Rules and HMP knowledge") var settingsOptions: SettingsOptions

      enum Format: String, ExpressibleByArgument, CaseIterable {
        case yaml, json
      }

      func run() throws {
        let cwd = FileManager.default.currentDirectoryPath
        let settings = try Settings.resolve(
          settingsOptions, includePaths: includePaths.map { PathDisplay.absolute($0, in: cwd) },
          base: base.map { PathDisplay.absolute($0, in: cwd) }, workingDirectory: cwd)
        // The manifest, board and flavor must load, as they would for a check.
        _ = try settings.hmpContext()
        var s = settings
        s.m7 = s.m7.map { PathDisplay.absolute($0, in: cwd) }
        let dump = ConfigDump(settings: s, cwd: cwd)
        let text = format == .json ? dump.json() : dump.yaml()
        writeStandardOutput(text)
      }
    }
  }
}

/// The effective configuration as data: `config dump`'s YAML and JSON.
struct ConfigDump {
  struct Rule {
    var id: String
    var enabled: Bool
    var severity: String
    var from: String
  }

  var file: String?
  var include: [String]
  var kernel: String
  var board: String?
  var m7: String?
  var base: String?
  var bootargs: String?
  var werror: Bool
  var from: [(String, String)]
  var rules: [Rule]

  init(settings: Settings, cwd: String) {
    file = settings.configPath.map { PathDisplay.absolute($0, in: cwd) }
    include = settings.includePaths.map { PathDisplay.absolute($0, in: cwd) }
    kernel = settings.kernel ?? HMP.defaultKernelFlavor
    board = settings.board
    m7 = settings.m7
    base = settings.base
    bootargs = settings.bootargs?.text
    werror = settings.selection.werror
    from = ["include", "kernel", "board", "m7", "base", "bootargs", "werror"].map {
      ($0, (settings.origins[$0] ?? .default).rawValue)
    }
    let werror = self.werror
    rules = RuleRegistry.shared.descriptions.map { d in
      let s = settings.selection.setting(d.id) ?? RuleSetting(enabled: d.enabledByDefault, severity: d.defaultSeverity)
      return Rule(
        id: d.id, enabled: s.enabled, severity: (werror ? Severity.error : s.severity).rawValue,
        from: settings.ruleOrigin(d.id).rawValue)
    }
  }

  func yaml() -> String {
    var out = "# dtlint config dump: the effective configuration (Documentation/Configuration.md)\n"
    out += "version: 1\n"
    out += "file: \(Self.yamlScalar(file))\n"
    out += include.isEmpty ? "include: []\n" : "include:\n" + include.map { "  - \(Self.yamlScalar($0))\n" }.joined()
    out += "kernel: \(Self.yamlScalar(kernel))\n"
    out += "board: \(Self.yamlScalar(board))\n"
    out += "m7: \(Self.yamlScalar(m7))\n"
    out += "base: \(Self.yamlScalar(base))\n"
    out += "bootargs: \(Self.yamlScalar(bootargs))\n"
    out += "werror: \(werror)\n"
    out += "from:\n" + from.map { "  \($0.0): \(Self.yamlScalar($0.1))\n" }.joined()
    out += "rules:\n"
    for r in rules {
      out += "  \(r.id): {enabled: \(r.enabled), severity: \(r.severity), from: \(Self.yamlScalar(r.from))}\n"
    }
    return out
  }

  /// The same keys as the YAML, sorted (rules by ID).
  func json() -> String {
    var rulesObject: [String: JSONValue] = [:]
    for r in rules {
      rulesObject[r.id] = .object([
        "enabled": .bool(r.enabled), "severity": .string(r.severity), "from": .string(r.from),
      ])
    }
    let o: [String: JSONValue] = [
      "version": .int(1),
      "file": .string(file),
      "include": .array(include.map { .string($0) }),
      "kernel": .string(kernel),
      "board": .string(board),
      "m7": .string(m7),
      "base": .string(base),
      "bootargs": .string(bootargs),
      "werror": .bool(werror),
      "from": .object(Dictionary(uniqueKeysWithValues: from.map { ($0.0, JSONValue.string($0.1)) })),
      "rules": .object(rulesObject),
    ]
    return JSONValue.object(o).serialized()
  }

  /// A YAML scalar: plain when that reads back as the same string, double-quoted (JSON escapes) otherwise.
  static func yamlScalar(_ s: String?) -> String {
    guard let s else { return "null" }
    let reserved: Set<String> = [
      "", "null", "Null", "NULL", "~", "true", "True", "TRUE", "false", "False", "FALSE",
      "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
    ]
    let safe = s.unicodeScalars.allSatisfy { c in
      (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || "/._-+@".unicodeScalars.contains(c)
        || c == " "
    }
    let startsOK = s.first.map { $0.isLetter || $0 == "/" || $0 == "." || $0 == "_" } ?? false
    if safe && startsOK && !reserved.contains(s) && !s.hasSuffix(" ") && Double(s) == nil { return s }
    return JSONValue.string(s).compact()
  }
}
