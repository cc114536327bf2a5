import DTRules
import Foundation
import Testing

@testable import dtlint

/// Environment variables are read by name (issue 20: `ProcessInfo.environment` copies the whole environment at
/// every call); what they say must not change. Serialized: one test sets NO_COLOR and TERM for a moment.
@Suite(.serialized) struct EnvironmentTests {
  @Test func readsSetVariablesAndOnlyThose() {
    let name = "DTLINT_TEST_ENV_\(getpid())"
    setenv(name, "a=b é", 1)
    defer { unsetenv(name) }
    #expect(Environment.value(name) == "a=b é")
    #expect(Environment.value(name + "_UNSET") == nil)
    #expect(Environment.values(name, name + "_UNSET") == [name: "a=b é"])
    #expect(
      Environment.values(name, "PATH")
        == ProcessInfo.processInfo.environment.filter { [name, "PATH"].contains($0.key) })
  }

  @Test func emptyValueIsSetButEmpty() {
    let name = "DTLINT_TEST_EMPTY_\(getpid())"
    setenv(name, "", 1)
    defer { unsetenv(name) }
    #expect(Environment.value(name) == "")
  }

  /// A pseudo-terminal's two ends: /dev/ptmx, unlocked (TIOCSPTLCK), its other end opened by TIOCGPTPEER.
  static func terminal() throws -> (master: Int32, terminal: Int32) {
    let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
    try #require(master >= 0)
    var unlock: Int32 = 0
    let terminal = ioctl(master, 0x4004_5431, &unlock) == 0 ? ioctl(master, 0x5441, O_RDWR | O_NOCTTY) : -1
    if terminal < 0 || isatty(terminal) != 1 { close(master) }
    try #require(terminal >= 0 && isatty(terminal) == 1)
    return (master, terminal)
  }

  /// The colour decision equals the one made from the whole environment, on a terminal and on a pipe.
  @Test(arguments: [ColorMode.auto, .always, .never])
  func colourDecisionIsTheLibrarys(_ mode: ColorMode) throws {
    let (master, terminal) = try Self.terminal()
    defer {
      close(terminal)
      close(master)
    }
    var pipeEnds: [Int32] = [0, 0]
    try #require(pipe(&pipeEnds) == 0)
    defer {
      close(pipeEnds[0])
      close(pipeEnds[1])
    }
    let environment = ProcessInfo.processInfo.environment
    #expect(mode.isEnabled(writingTo: terminal) == mode.isEnabled(isTerminal: true, environment: environment))
    #expect(mode.isEnabled(writingTo: pipeEnds[1]) == mode.isEnabled(isTerminal: false, environment: environment))
  }

  /// NO_COLOR (non-empty) and TERM=dumb turn `auto` off on a terminal; `always` stays on.
  @Test func noColorAndDumbTerminalAreRead() throws {
    let (master, terminal) = try Self.terminal()
    defer {
      close(terminal)
      close(master)
    }
    let saved = (noColor: Environment.value("NO_COLOR"), term: Environment.value("TERM"))
    defer {
      if let v = saved.noColor { setenv("NO_COLOR", v, 1) } else { unsetenv("NO_COLOR") }
      if let v = saved.term { setenv("TERM", v, 1) } else { unsetenv("TERM") }
    }
    unsetenv("NO_COLOR")
    setenv("TERM", "xterm", 1)
    #expect(ColorMode.auto.isEnabled(writingTo: terminal))
    setenv("NO_COLOR", "1", 1)
    #expect(!ColorMode.auto.isEnabled(writingTo: terminal))
    #expect(ColorMode.always.isEnabled(writingTo: terminal))
    setenv("NO_COLOR", "", 1)
    setenv("TERM", "dumb", 1)
    #expect(!ColorMode.auto.isEnabled(writingTo: terminal))
  }
}
