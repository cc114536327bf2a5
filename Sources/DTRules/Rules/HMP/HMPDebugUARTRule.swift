import DTCore
import DTHMP

/// The board's M7 debug UART is enabled for Linux while the firmware's manifest does not claim it.
struct HMPDebugUARTRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_debug_uart", family: .ownership, name: "HMP Debug UART", severity: .warning,
    summary: "The board's M7 debug UART should not be enabled for Linux when the M7 firmware runs",
    rationale: """
      Firmware built from the MCUXpresso SDK prints its debug console on the board's debug UART: the i.MX 8M Plus \
      EVK's `board.h` sets `BOARD_DEBUG_UART_INSTANCE (4U)` (UART4, HMPFacts §8), and on the Verdin iMX8M Plus \
      that UART is Verdin UART_4, which Toradex calls the M7 debug port and the non-Wi-Fi trees leave disabled \
      ("Often used by the M7 and then should not be enabled here", HMPFacts §6). On the Wi-Fi/Bluetooth SKUs the \
      same `uart4` is enabled for the on-module Bluetooth (on the ECSPI2 pads), so firmware that prints to UART4 \
      and Linux's Bluetooth driver share one controller.

      Whether this firmware uses its debug console is not known to dtlint, so the rule is a warning (the conflict \
      is inferred, HMPFacts §10.13). It needs an M7 manifest and a known board (`--board`, or a root \
      `compatible` that a board profile matches), and stays silent when the manifest claims the UART itself \
      (then `hmp_peripheral_conflict` reports it, with a fix-it). When the M7 runs Zephyr and `--m7` gives its \
      device tree, the firmware's console is known (`zephyr,console`, HMPFacts §17): that UART is one of the \
      tree's claims, so `hmp_peripheral_conflict` reports it and this rule, which guesses from the board, is silent.
      """,
    triggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \tcompatible = "toradex,verdin-imx8mp-wifi", "toradex,verdin-imx8mp", "fsl,imx8mp";
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \t/* On-module Bluetooth */
        \tuart4: serial@30a60000 {
        \t\tcompatible = "fsl,imx8mp-uart", "fsl,imx6q-uart";
        \t\treg = <0x30a60000 0x10000>;
        \t\t↓status = "okay";
        \t};
        };
        """, options: ["m7": "{soc: imx8mp}"])
    ],
    nonTriggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \tcompatible = "toradex,verdin-imx8mp-nonwifi", "toradex,verdin-imx8mp", "fsl,imx8mp";
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \tuart4: serial@30a60000 {
        \t\tcompatible = "fsl,imx8mp-uart", "fsl,imx6q-uart";
        \t\treg = <0x30a60000 0x10000>;
        \t\tstatus = "disabled";
        \t};
        };
        """, options: ["m7": "{soc: imx8mp}"]),
      RuleExample(
        """
        /dts-v1/;
        / {
        \t/* Not a board dtlint has a profile for: which UART is the M7's debug port is unknown. */
        \tcompatible = "acme,imx8mp-board", "fsl,imx8mp";
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \tuart4: serial@30a60000 {
        \t\tcompatible = "fsl,imx8mp-uart", "fsl,imx6q-uart";
        \t\treg = <0x30a60000 0x10000>;
        \t\tstatus = "okay";
        \t};
        };
        """, options: ["m7": "{soc: imx8mp}"]),
    ])

  func check(_ context: inout RuleContext) {
    guard let claims = context.info.m7Claims, claims.manifest.zephyr == nil,
      let board = context.info.hmp.board(for: context.tree), let debug = board.m7DebugUART
    else { return }
    let node: Node?
    if let n = context.tree.node(withLabel: debug.label) {
      node = n
    } else if let p = claims.soc.peripheral(label: debug.label) {
      node = context.tree.node(atPath: p.path)
    } else {
      node = nil
    }
    guard let uart = node, uart.isLive, !claims.owns(uart) else { return }
    let sku = context.info.hmp.sku(for: context.tree)
    // The SDK numbers the instance as the label does (uart4 → 4, lpuart2 → 2).
    let instance = String(debug.label.reversed().prefix { $0.isNumber }.reversed())
    var message =
      "\(debug.label) (\(uart.name), \(board.title) \(debug.interface)) is enabled for Linux, but it is the board's \(claims.soc.coreName) debug UART: firmware built from the MCUXpresso SDK prints its console there (BOARD_DEBUG_UART_INSTANCE \(instance))"
    if let use = sku?.enables.first(where: { $0.label == debug.label }) {
      message += "; on this SKU (\(sku?.name ?? "")) Linux uses it for \(use.reason)"
    }
    message +=
      ". If the firmware uses it, claim it in \(claims.manifestLocation(line: nil)) and disable it here, or move the \(claims.soc.coreName) console"
    var notes: [DiagnosticNote] = []
    if let note = debug.provenance.note { notes.append(DiagnosticNote(note)) }
    context.reportEnabled(message, node: uart, notes: notes, fix: false)
  }
}
