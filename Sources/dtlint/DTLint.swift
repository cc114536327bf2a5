import ArgumentParser
import DTCore

@main
struct DTLint: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dtlint",
    abstract: "Check, compile and compare device trees for heterogeneous i.MX systems.",
    version: "0.1.0",
    subcommands: [Check.self, Compile.self, Dump.self, Apply.self, Diff.self, Rules.self]
  )
}
