import ArgumentParser
import DTCore
import DTLanguageServer
import DTRules
import Foundation

extension DTLint {
  struct LSP: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "lsp",
      abstract: "Serve the checks to editors: a Language Server Protocol server on stdin and stdout.",
      discussion: """
        Speaks the Language Server Protocol (JSON-RPC with Content-Length framing) on standard input and \
        output; no network. Editors start it for .dts, .dtsi and .dtso files: Documentation/Editors.md has the \
        set-up for VS Code, Neovim and Emacs. Messages about what the server does go to standard error.

        Open documents are checked as they are typed, with the same rules and configuration as `dtlint check`: \
        .dtlint.yaml found upwards from each document, then the options below. A .dtsi is checked through the \
        trees under the project that include it (as check --dtsi includers), an overlay against the configured \
        base. Findings appear where they are, with the rule ID as code and notes as related information; \
        fix-its are quick fixes. Also: go to definition (&label, #include and /include/ paths, macros), \
        references of a label, hover (a node's or property's merged value, every place that set it, the \
        rationale of rules that fired there), document symbols and completion of labels and property names.

        Exit status: 0 after the client's shutdown and exit, 1 when the input ends (or exit comes) without \
        shutdown, 64 usage error.

        Examples:
          dtlint lsp
          dtlint lsp -I include -I arch/arm64/boot/dts/freescale -D CARRIER_REV=2
          dtlint lsp --include include --define DEBUG --no-cpp
          dtlint lsp -I include --no-cache
          dtlint lsp --kernel toradex-bsp6 --board verdin-imx8mp --m7 m7.yaml
          dtlint lsp --config ci/.dtlint.yaml --enable all --disable reg_format
          dtlint lsp --werror --bootargs "clk-imx8mp.mcore_booted=1"
        """)

    @OptionGroup var inputOptions: InputOptions

    @OptionGroup(title: "Rules and HMP knowledge") var settingsOptions: SettingsOptions

    func run() throws {
      let cwd = FileManager.default.currentDirectoryPath
      // The editor starts the server in a directory of its choosing: paths given here are made absolute now.
      let includePaths = inputOptions.includePaths.map { PathDisplay.absolute($0, in: cwd) }
      var options = settingsOptions
      options.config = options.config.map { PathDisplay.absolute($0, in: cwd) }
      options.m7 = options.m7.map { PathDisplay.absolute($0, in: cwd) }
      try Self.validate(options)
      let frontEnd = inputOptions.frontEnd
      let server = LanguageServer(
        settings: { dir in Self.settings(options, frontEnd: frontEnd, includePaths: includePaths, directory: dir) },
        includers: { root, dirs in
          Includers(index: IncluderIndex(root: root, includePaths: dirs, workingDirectory: root))
        },
        version: DTLint.configuration.version,
        log: { printError("dtlint lsp: " + $0) })
      DTLint.exitProcess(server.run())
    }

    /// Bad switches are usage errors when the server starts, not a message in every document later. A
    /// `.dtlint.yaml` found from here that does not load is not: it only matters to the documents under it.
    static func validate(_ options: SettingsOptions) throws {
      var selection = RuleSelection()
      do {
        for r in options.enable + options.disable where r != "all" { try selection.enable(r) }
      } catch {
        throw Failure.usage(error.description)
      }
      do {
        _ = try HMPContext.load(kernel: options.kernel, board: options.board, m7: nil)
      } catch {
        throw Failure.usage(error.messageWithoutSeverity)
      }
      if let c = options.config {
        do {
          _ = try Configuration.load(path: c)
        } catch {
          throw Failure.usage(error.toolIssue.messageWithLocation)
        }
      }
    }

    /// The settings of documents in `directory`, resolved as `check` resolves them when run there.
    static func settings(
      _ options: SettingsOptions, frontEnd: FrontEndOptions, includePaths: [String], directory: String
    ) -> Result<ProjectSettings, SettingsProblem> {
      do {
        let s = try Settings.resolve(options, includePaths: includePaths, workingDirectory: directory)
        let hmp = try s.hmpContext()
        var f = frontEnd
        f.includePaths = s.includePaths
        return .success(
          ProjectSettings(
            configPath: s.configPath, frontEnd: f, selection: s.selection, hmp: hmp,
            base: s.base.map { PathDisplay.absolute($0, in: directory) }))
      } catch {
        // Settings.resolve said why on stderr; the editor gets the message with its file and line.
        do {
          var selection = RuleSelection()
          try Configuration.discover(explicitPath: options.config, workingDirectory: directory)?.apply(to: &selection)
        } catch let e {
          return .failure(
            SettingsProblem(
              message: "\(e.path): " + (e.key.map { "\($0): " } ?? "") + e.message, file: e.path, line: e.line))
        }
        let message = (error as? Failure)?.message.map { String($0.dropFirst("error: ".count)) }
        return .failure(SettingsProblem(message: message ?? "the settings cannot be used (see the server's log)"))
      }
    }
  }
}

/// The includer index of `check --dtsi includers`, for the server.
private struct Includers: IncluderLookup {
  let index: IncluderIndex
  func includers(of path: String) -> [String] { index.includers(of: path, workingDirectory: index.root) }
}
