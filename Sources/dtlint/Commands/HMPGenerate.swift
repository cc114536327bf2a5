import ArgumentParser

extension DTLint {
  struct HMPGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "(in progress)")

    func run() throws {
      printError("error: hmp generate is not built yet")
      throw ExitCode(Exit.usage)
    }
  }
}
