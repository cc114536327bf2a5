import DTRules
import Foundation

/// The few environment variables dtlint reads, looked up by name. `ProcessInfo.processInfo.environment` copies the
/// whole environment into a dictionary at every call (0.4 M instructions each, two or three times per run: issue
/// 20); here only the named variables are decoded, the same way (`String(cString:)`, so a value that is not UTF-8
/// reads as it did).
enum Environment {
  /// The variable's value, nil when it is not set.
  static func value(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }

  /// The variables among `names` that are set, by name (for readers that take an environment dictionary).
  static func values(_ names: String...) -> [String: String] {
    var found: [String: String] = [:]
    for name in names { found[name] = value(name) }
    return found
  }
}

extension ColorMode {
  /// Whether text written to `fd` is coloured: ``ColorMode/isEnabled(isTerminal:environment:)`` with the only two
  /// variables it reads (NO_COLOR, TERM).
  func isEnabled(writingTo fd: Int32) -> Bool {
    isEnabled(isTerminal: isatty(fd) == 1, environment: Environment.values("NO_COLOR", "TERM"))
  }
}
