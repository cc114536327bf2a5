import ArgumentParser
import DTCore

@main
struct DTLint: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dtlint",
    abstract: "Check, compile and compare device trees for heterogeneous i.MX systems.",
    discussion: """
      dtlint reads .dts, .dtsi, .dtso, .dtb and .dtbo files exactly as the kernel build and U-Boot do (its own C \
      preprocessor, dtc's language and semantics, libfdt for blobs) and reports problems at file:line:col in \
      the original files. Guides for the three flows (pre-commit check, HMP overlays, comparing trees) and the \
      configuration file are in the Documentation/ directory of the source tree; `man dtlint-check` and the \
      other pages are installed by Scripts/install.

      Shell completions come from the argument parser: \
      dtlint --generate-completion-script bash|zsh|fish (Scripts/install puts them in place).

      Examples:
        dtlint check board.dts -I include
        dtlint help check
        dtlint --generate-completion-script zsh > ~/.zfunc/_dtlint
        dtlint --version
      """,
    version: "0.1.0",
    subcommands: [
      Check.self, Compile.self, Dump.self, Apply.self, Diff.self, HMP.self, Overlay.self, Rules.self, Config.self,
      LSP.self, GenerateManual.self,
    ]
  )

  /// Standard streams and signal handlers first (see `ProcessStreams`); the arguments by their bytes, so that a
  /// file name that is not UTF-8 reaches `open` as it was typed.
  static func main() {
    ProcessStreams.prepare()
    run(arguments: Array(FileName.commandLineArguments.dropFirst()))
  }
}
