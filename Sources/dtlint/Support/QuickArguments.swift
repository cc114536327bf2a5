import ArgumentParser
import DTRules

/// The light path for the most common command lines (issue 20): `check`, `compile`, `dump`, `apply` and `diff` with
/// input files and the usual options are read here, without the argument parser, whose reflection of the command
/// (and the runtime's first protocol-conformance lookups it causes) cost 8–24 M instructions, a third of a one-blob
/// run. Anything else — help, completion requests, an option this path does not know, a repeated single-valued
/// option, a value that looks like an option, a command that does not validate — returns nil, and the argument
/// parser reads the command line as always, with its messages. A test checks that every command this path builds
/// equals, field by field, the one the argument parser makes from the same arguments.
enum QuickArguments {
  /// The command `arguments` (without the program name) call for, or nil when the argument parser must read them.
  static func command(_ arguments: [String]) -> (any ParsableCommand)? {
    guard let name = arguments.first else { return nil }
    guard var scan = Scan(Array(arguments.dropFirst())) else { return nil }
    let command: (any ParsableCommand)?
    switch name {
    case "check": command = check(&scan)
    case "compile": command = compile(&scan)
    case "dump": command = dump(&scan)
    case "apply": command = apply(&scan)
    case "diff": command = diff(&scan)
    default: return nil
    }
    // Every option given must have been taken by the command.
    guard var command, scan.options.isEmpty else { return nil }
    do {
      try command.validate()
      // The option groups' checks, as the argument parser runs them (`--quiet` takes effect here).
      if let c = command as? DTLint.Check { try c.quietOption.validate() }
      if let c = command as? DTLint.Diff { try c.quietOption.validate() }
    } catch {
      return nil
    }
    return command
  }

  /// The arguments split into positionals and options (`-X value`, `--name value`, `--name=value`, flags).
  struct Scan {
    var positionals: [String] = []
    /// Option name (as written, `-I` or `--include`) → its values in order; a flag has one empty value.
    var options: [String: [String]] = [:]

    static let valued: Set<String> = [
      "-I", "--include", "-D", "--define", "-o", "--output", "-O", "-b", "--format", "--color",
    ]
    static let flags: Set<String> = ["--no-cpp", "--no-cache", "-q", "--quiet", "-@"]

    init?(_ arguments: [String]) {
      var i = 0
      while i < arguments.count {
        let a = arguments[i]
        i += 1
        if a == "-" || !a.hasPrefix("-") {
          positionals.append(a)
          continue
        }
        if Self.flags.contains(a) {
          options[a, default: []].append("")
          continue
        }
        var name = a
        var value: String?
        // `--name=value`; short options take their value as the next argument only (none allows joining).
        if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
          name = String(a[..<eq])
          value = String(a[a.index(after: eq)...])
        }
        guard Self.valued.contains(name) else { return nil }
        if value == nil {
          guard i < arguments.count else { return nil }
          value = arguments[i]
          i += 1
        }
        // A value the argument parser could take for an option (or refuse): let it decide.
        guard let v = value, !v.hasPrefix("-") || v == "-" else { return nil }
        options[name, default: []].append(v)
      }
    }

    /// Every value of the option, under any of its names (in the order given when only one name was used).
    mutating func values(_ names: String...) -> [String]? {
      let used = names.filter { options[$0] != nil }
      if used.count > 1 { return nil }
      guard let n = used.first else { return [] }
      return options.removeValue(forKey: n)
    }

    /// The single value of the option (nil inside: not given); nil when given more than once.
    mutating func value(_ names: String...) -> String?? {
      let used = names.filter { options[$0] != nil }
      if used.count > 1 { return nil }
      guard let n = used.first else { return .some(nil) }
      let v = options.removeValue(forKey: n) ?? []
      return v.count == 1 ? .some(v[0]) : nil
    }

    /// Whether the flag was given (nil when given more than once: the argument parser says what that means).
    mutating func flag(_ names: String...) -> Bool? {
      var count = 0
      for n in names { count += options.removeValue(forKey: n)?.count ?? 0 }
      return count <= 1 ? count == 1 : nil
    }

    /// `-I`, `-D`, `--no-cpp`, `--no-cache`.
    mutating func inputOptions() -> InputOptions? {
      guard let includes = values("-I", "--include"), let defines = values("-D", "--define"),
        let noCpp = flag("--no-cpp"), let noCache = flag("--no-cache")
      else { return nil }
      var o = InputOptions()
      o.includePaths = includes
      o.defines = defines
      o.noCpp = noCpp
      o.noCache = noCache
      return o
    }

    mutating func quietOption() -> QuietOption? {
      guard let quiet = flag("-q", "--quiet") else { return nil }
      var q = QuietOption()
      q.quiet = quiet
      return q
    }

    mutating func color() -> ColorMode? {
      guard let c = value("--color") else { return nil }
      guard let c else { return .auto }
      return ColorMode(argument: c)
    }
  }

  static func check(_ scan: inout Scan) -> DTLint.Check? {
    guard !scan.positionals.isEmpty, let input = scan.inputOptions(), let quiet = scan.quietOption(),
      let formatName = scan.value("--format"), let color = scan.color()
    else { return nil }
    var c = DTLint.Check()
    if let f = formatName {
      guard let format = ReportFormat(argument: f) else { return nil }
      c.format = format
    } else {
      c.format = .text
    }
    c.files = scan.positionals
    c.inputOptions = input
    c.quietOption = quiet
    c.base = nil
    c.overlays = []
    c.requireBase = false
    c.dtsi = .alone
    c.color = color
    var settings = SettingsOptions()
    settings.m7 = nil
    settings.kernel = nil
    settings.board = nil
    settings.bootargs = nil
    settings.config = nil
    settings.enable = []
    settings.disable = []
    settings.werror = false
    c.settingsOptions = settings
    return c
  }

  static func compile(_ scan: inout Scan) -> DTLint.Compile? {
    guard scan.positionals.count == 1, let input = scan.inputOptions(), let output = scan.value("-o", "--output"),
      let formatName = scan.value("-O"), let symbols = scan.flag("-@"), let boot = scan.value("-b")
    else { return nil }
    var c = DTLint.Compile()
    c.input = scan.positionals[0]
    c.output = output ?? "-"
    if let f = formatName {
      guard let format = DTLint.Compile.OutputFormat(argument: f) else { return nil }
      c.outputFormat = format
    } else {
      c.outputFormat = nil
    }
    c.symbols = symbols
    if let b = boot {
      guard let cpu = UInt32(argument: b) else { return nil }
      c.bootCPU = cpu
    } else {
      c.bootCPU = nil
    }
    c.inputOptions = input
    return c
  }

  static func dump(_ scan: inout Scan) -> DTLint.Dump? {
    guard scan.positionals.count == 1, let input = scan.inputOptions() else { return nil }
    var c = DTLint.Dump()
    c.input = scan.positionals[0]
    c.inputOptions = input
    return c
  }

  static func apply(_ scan: inout Scan) -> DTLint.Apply? {
    guard scan.positionals.count >= 2, let input = scan.inputOptions(), let output = scan.value("-o", "--output"),
      let out = output
    else { return nil }
    var c = DTLint.Apply()
    c.base = scan.positionals[0]
    c.overlays = Array(scan.positionals.dropFirst())
    c.output = out
    c.inputOptions = input
    return c
  }

  static func diff(_ scan: inout Scan) -> DTLint.Diff? {
    guard scan.positionals.count == 2, let input = scan.inputOptions(), let quiet = scan.quietOption(),
      let formatName = scan.value("--format"), let color = scan.color()
    else { return nil }
    var c = DTLint.Diff()
    c.a = scan.positionals[0]
    c.b = scan.positionals[1]
    if let f = formatName {
      guard let format = DTLint.Diff.DiffFormat(argument: f) else { return nil }
      c.format = format
    } else {
      c.format = .text
    }
    c.hmp = false
    c.manifest = nil
    c.includeBookkeeping = false
    c.color = color
    c.config = nil
    c.inputOptions = input
    c.quietOption = quiet
    return c
  }
}
