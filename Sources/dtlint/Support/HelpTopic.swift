import ArgumentParser
import Foundation

extension DTLint {
  /// `dtlint help NAME…` where a NAME is not a command: the usage error to print (exit 64), nil when every NAME is
  /// one. The argument parser's own `help` shows the top-level help and exits 0 for any unknown name.
  static func unknownHelpTopic(_ arguments: [String]) -> String? {
    guard arguments.first == "help" else { return nil }
    var subcommands = DTLint.configuration.subcommands
    var path = "dtlint"
    for name in arguments.dropFirst() where !name.hasPrefix("-") {
      let visible = subcommands.filter { $0.configuration.shouldDisplay }
      let names = visible.map { $0.configuration.commandName ?? "" }
      guard let i = names.firstIndex(of: name) else {
        return names.isEmpty
          ? "error: unknown command '\(name)': '\(path)' has no subcommands"
          : "error: unknown command '\(name)' (\(path) commands: \(names.joined(separator: ", ")))"
      }
      subcommands = visible[i].configuration.subcommands
      path += " " + name
    }
    return nil
  }
}
