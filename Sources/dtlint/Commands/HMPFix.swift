import ArgumentParser

extension DTLint {
  struct HMPFix: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fix", abstract: "(in progress)")

    func run() throws {
      printError("error: hmp fix is not built yet")
      throw ExitCode(Exit.usage)
    }
  }
}
