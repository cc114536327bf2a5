import ArgumentParser

extension DTLint {
  struct HMPExplainLog: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "explain-log", abstract: "(in progress)")

    func run() throws {
      printError("error: hmp explain-log is not built yet")
      throw ExitCode(Exit.usage)
    }
  }
}
