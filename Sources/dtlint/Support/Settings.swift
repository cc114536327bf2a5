import ArgumentParser
import DTCore
import DTHMP
import DTRules
import Foundation

/// The options that decide which rules run and what the HMP rules know: shared by `check` and `config dump`, so
/// the dump shows exactly what a check with the same switches would use.
struct SettingsOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The M7 firmware's manifest: peripherals, pads, firmware ELF, RPMsg settings (enables the ownership rules); "
        + "or the M7's Zephyr device tree (zephyr.dts, or a board .dts compiled with -I).",
      valueName: "manifest"),
    completion: .file(extensions: ["yaml", "yml", "dts", "overlay"]))
  var m7: String?

  @Option(
    help: ArgumentHelp(
      "Kernel flavor the tree runs under: mainline (default), nxp-6, nxp-5.15, nxp-5.4, toradex-bsp7, toradex-bsp6, "
        + "toradex-bsp5.",
      valueName: "flavor"),
    completion: .list(Settings.kernelFlavorNames))
  var kernel: String?

  @Option(
    help: ArgumentHelp(
      "Board profile (verdin-imx8mp) or SKU (verdin-imx8mp-wifi); default: detected from the root compatible.",
      valueName: "board"),
    // Computed when a shell asks for completions, not on every run: listing SKUs parses the bundled profiles.
    completion: .custom { _, _, _ in Settings.boardNames })
  var board: String?

  @Option(
    help: ArgumentHelp(
      "The kernel command line Linux boots with (U-Boot's bootargs), for the clock and power rules: "
        + "clk-imx8mp.mcore_booted=1, clk_ignore_unused, pd_ignore_unused. Default: bootargs: in .dtlint.yaml, else "
        + "the M7 manifest's linux.bootargs, else the tree's /chosen/bootargs.",
      valueName: "args"))
  var bootargs: String?

  @Option(
    help: ArgumentHelp("Configuration file (default: .dtlint.yaml found upwards).", valueName: "file"),
    completion: .file(extensions: ["yaml", "yml"]))
  var config: String?

  @Option(
    help: ArgumentHelp("Enable a rule and its prerequisites, or 'all' (repeatable).", valueName: "rule"),
    completion: .list(Settings.ruleNames))
  var enable: [String] = []

  @Option(
    help: ArgumentHelp("Disable a rule and the rules that depend on it, or 'all' (repeatable).", valueName: "rule"),
    completion: .list(Settings.ruleNames))
  var disable: [String] = []

  @Flag(help: "Treat every finding as an error.")
  var werror = false
}

/// Where an effective setting came from.
enum SettingOrigin: String {
  case `default`
  case config
  case commandLine = "command line"
}

/// The effective settings of a run: defaults, then `.dtlint.yaml`, then the command line.
struct Settings {
  /// The configuration file that was read (nil when there is none).
  var configuration: Configuration
  var configPath: String? { configuration.path }
  /// The rules as the run will use them.
  var selection: RuleSelection
  /// The rules as the defaults and as the configuration file left them: where a rule's setting came from is
  /// worked out from these when asked (`config dump`), not for every rule of every run.
  var defaultSelection: RuleSelection
  var configuredSelection: RuleSelection
  /// Include directories: the configuration's, then `-I`.
  var includePaths: [String]
  var kernel: String?
  var board: String?
  var m7: String?
  var base: String?
  /// `--bootargs`, else `bootargs:` of the configuration (the manifest's `linux.bootargs` and the tree's
  /// `/chosen/bootargs` come after, in the HMP context).
  var bootargs: KernelCommandLine?
  var origins: [String: SettingOrigin]

  /// Where the rule's setting came from.
  func ruleOrigin(_ id: String) -> SettingOrigin {
    if selection.setting(id) != configuredSelection.setting(id) { return .commandLine }
    if configuredSelection.setting(id) != defaultSelection.setting(id) { return .config }
    return .default
  }

  static var ruleNames: [String] { RuleRegistry.shared.descriptions.map(\.id) + ["all"] }

  /// The kernel flavors and aliases, as a constant so option definitions parse no profile (a test keeps it equal
  /// to the bundled profiles' names).
  static let kernelFlavorNames = [
    "mainline", "nxp-6", "nxp-5.15", "nxp-5.4", "toradex-bsp7", "toradex-bsp6", "toradex-bsp5",
  ]

  static var boardNames: [String] {
    var names: [String] = []
    for n in BoardProfile.knownNames {
      names.append(n)
      if let b = try? BoardProfile.load(name: n) { names += b.skus.map { "\(n)-\($0.name)" } }
    }
    return names
  }

  /// Reads the configuration and applies the switches. A configuration that cannot be used exits 64 after saying
  /// why (file, line, key); an unknown rule in `--enable`/`--disable` is a usage error.
  static func resolve(
    _ options: SettingsOptions, includePaths: [String] = [], base: String? = nil,
    workingDirectory cwd: String = FileManager.default.currentDirectoryPath
  ) throws -> Settings {
    try resolve(
      config: options.config, kernel: options.kernel, board: options.board, m7: options.m7,
      bootargs: options.bootargs, enable: options.enable, disable: options.disable, werror: options.werror,
      includePaths: includePaths, base: base, workingDirectory: cwd)
  }

  /// As ``resolve(_:includePaths:base:workingDirectory:)``, for a command that has only some of the switches
  /// (`hmp generate` has no rule switches): each argument is the switch's value, nil or empty when not given.
  static func resolve(
    config: String?, kernel kernelOption: String?, board boardOption: String?, m7 m7Option: String?,
    bootargs bootargsOption: String?, enable: [String] = [], disable: [String] = [], werror: Bool = false,
    includePaths: [String] = [], base: String? = nil,
    workingDirectory cwd: String = FileManager.default.currentDirectoryPath
  ) throws -> Settings {
    let registry = RuleRegistry.shared
    let defaults = RuleSelection(registry: registry)
    var selection = defaults
    var configuration = Configuration()
    do {
      if let c = try Configuration.discover(explicitPath: config, workingDirectory: cwd, registry: registry) {
        configuration = c
      }
      try configuration.apply(to: &selection)
    } catch {
      printError(error.description)
      throw Failure.reported(.usage)
    }
    let afterConfig = selection
    do {
      // `all` first, then single rules: `--disable all --enable X` checks only X, and `--enable all --disable X`
      // everything but X, whatever order the options came in.
      if disable.contains("all") { try selection.disable("all") }
      if enable.contains("all") { try selection.enable("all") }
      for r in enable where r != "all" { try selection.enable(r) }
      for r in disable where r != "all" { try selection.disable(r) }
    } catch {
      printError("error: \(error.description)")
      throw Failure.reported(.usage)
    }
    if werror { selection.werror = true }

    var origins: [String: SettingOrigin] = [:]
    func pick(_ key: String, _ flag: String?, _ configured: String?) -> String? {
      if let flag {
        origins[key] = .commandLine
        return flag
      }
      if let configured {
        origins[key] = .config
        return configured
      }
      origins[key] = .default
      return nil
    }
    let kernel = pick("kernel", kernelOption, configuration.kernel)
    let board = pick("board", boardOption, configuration.board)
    let m7 = pick("m7", m7Option, configuration.m7)
    let base = pick("base", base, configuration.base)
    var bootargs: KernelCommandLine?
    if let text = pick("bootargs", bootargsOption, configuration.bootargs) {
      bootargs = KernelCommandLine(
        text,
        source: origins["bootargs"] == .commandLine
          ? .option
          : .configuration(
            path: configuration.path.map { PathDisplay.relative($0, to: cwd) } ?? Configuration.fileName,
            line: configuration.bootargsLine))
    }
    origins["werror"] = werror ? .commandLine : (configuration.werror != nil ? .config : .default)
    origins["include"] =
      includePaths.isEmpty
      ? (configuration.includePaths.isEmpty ? .default : .config)
      : .commandLine

    return Settings(
      configuration: configuration, selection: selection, defaultSelection: defaults, configuredSelection: afterConfig,
      includePaths: configuration.includePaths + includePaths, kernel: kernel, board: board, m7: m7, base: base,
      bootargs: bootargs, origins: origins)
  }

  /// What the HMP rules know (kernel flavor, board, manifest); a file that cannot be read exits 2.
  /// An unknown kernel flavor or board is a usage error (64); a manifest (or a file it names) that cannot be read
  /// or used is an input error (2), named with the option or configuration key that gave it.
  func hmpContext() throws -> HMPContext {
    do {
      _ = try HMPContext.load(kernel: kernel, board: board, m7: nil)
    } catch {
      throw Failure.usage(error.messageWithoutSeverity)
    }
    do {
      return try HMPContext.load(kernel: kernel, board: board, m7: m7, bootargs: bootargs, includePaths: includePaths)
    } catch {
      let given = origins["m7"] == .config ? "m7: in \(configPath ?? ".dtlint.yaml")" : "--m7"
      throw Failure.manifest(error, manifest: m7, given: given)
    }
  }
}
