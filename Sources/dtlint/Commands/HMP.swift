import ArgumentParser

extension DTLint {
  /// `dtlint hmp …`: the HMP doctor (DESIGN.md §7) — generate the overlay that works, repair a broken one, and
  /// explain what a kernel log says about the wiring.
  struct HMP: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "hmp",
      abstract: "Generate, repair and explain the Linux ⇄ Cortex-M7 (remoteproc/RPMsg) wiring of a device tree.",
      discussion: """
        Examples:
          dtlint hmp explain-log boot.log board.dts --m7 m7.yaml
          dtlint hmp help explain-log
        """,
      subcommands: [HMPGenerate.self, HMPFix.self, HMPExplainLog.self]
    )
  }
}
