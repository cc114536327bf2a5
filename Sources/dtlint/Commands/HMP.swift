import ArgumentParser

extension DTLint {
  /// `dtlint hmp …`: the HMP doctor (Documentation/HMPOverlays.md) — generate the overlay that works, repair a
  /// broken one, and explain what a kernel log says about the wiring.
  struct HMP: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "hmp",
      abstract: "Generate, repair and explain the Linux ⇄ Cortex-M7 (remoteproc/RPMsg) wiring of a device tree.",
      discussion: """
        The HMP doctor (Documentation/HMPOverlays.md): `generate` writes the overlay a board, kernel flavor and M7 \
        firmware need; `fix` repairs a broken overlay or custom tree with the rules' own fix-its; `explain-log` \
        says what remoteproc, RPMsg, mailbox and reserved-memory kernel messages mean and which findings of a \
        tree explain them.

        Examples:
          dtlint hmp generate --board verdin-imx8mp-nonwifi -o hmp.dtso
          dtlint hmp fix hmp.dtso --base board.dts -I include -o fixed.dtso
          dtlint hmp explain-log boot.log board.dts -I include --m7 m7.yaml
          dtlint hmp help generate
        """,
      subcommands: [HMPGenerate.self, HMPFix.self, HMPExplainLog.self]
    )
  }
}
