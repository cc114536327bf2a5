import DTCore
import DTHMP

/// A peripheral the M7 manifest claims is enabled for Linux.
struct HMPPeripheralConflictRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_peripheral_conflict", name: "HMP Peripheral Conflict", severity: .error,
    summary: "A peripheral the M7 firmware owns (M7 manifest) must be disabled for Linux",
    rationale: """
      Linux creates a device for every node whose `status` is absent, `"okay"` or `"ok"` (and whose parents are \
      enabled), and its driver takes the controller: it enables the clocks, resets and programs the registers, and \
      serves the bus. The M7 firmware programs the same registers from the other core, and nothing arbitrates \
      between them — this is the story's I2C bus that Linux and the M7 both drive. NXP's and Toradex's RPMsg \
      device trees therefore disable for Linux every peripheral the M7 takes (`&i2c3`, `&uart4`, `&pwm4`, … \
      HMPFacts §7.1, §7.4, §10.13); the Verdin trees enable most of them (I2C_1 = `i2c4` is `okay` on every \
      Verdin iMX8M Plus board, HMPFacts §6), and the instances are listed in HMPFacts §5.4.

      HMPFacts §10.13 marks the device-tree facts verified and the effect of the double use inferred; \
      the rule is an error because an enabled node is, by definition, a device Linux drives.

      Needs an M7 manifest (`--m7`): its `peripherals` are found by label, path or unit address. Peripherals the \
      tree does not have (deleted, or named differently) are not reported. Fix-it: `status = "disabled"`.
      """,
    triggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \ti2c4: i2c@30a50000 {
        \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
        \t\treg = <0x30a50000 0x10000>;
        \t\t↓status = "okay";
        \t};
        };
        """, options: ["m7": "{soc: imx8mp, peripherals: [i2c4]}"]),
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \t/* No status: enabled. Named in the manifest by unit address. */
        \t↓timer@302d0000 {
        \t\tcompatible = "fsl,imx8mp-gpt", "fsl,imx6dl-gpt";
        \t\treg = <0x302d0000 0x10000>;
        \t};
        };
        """, options: ["m7": "{soc: imx8mp, peripherals: ['0x302d0000']}"]),
    ],
    nonTriggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \ti2c4: i2c@30a50000 {
        \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
        \t\treg = <0x30a50000 0x10000>;
        \t\tstatus = "disabled";
        \t};
        };
        """, options: ["m7": "{soc: imx8mp, peripherals: [i2c4]}"]),
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \t/* Enabled, but no manifest says the M7 owns it. */
        \ti2c4: i2c@30a50000 {
        \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
        \t\treg = <0x30a50000 0x10000>;
        \t\tstatus = "okay";
        \t};
        };
        """),
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \t/* The bus is disabled, so Linux never creates the controller under it. */
        \tbus@30800000 {
        \t\tcompatible = "simple-bus";
        \t\t#address-cells = <1>;
        \t\t#size-cells = <1>;
        \t\tranges;
        \t\treg = <0x30800000 0x400000>;
        \t\tstatus = "disabled";

        \t\ti2c4: i2c@30a50000 {
        \t\t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
        \t\t\treg = <0x30a50000 0x10000>;
        \t\t};
        \t};
        };
        """, options: ["m7": "{soc: imx8mp, peripherals: [i2c4]}"]),
    ])

  func check(_ context: inout RuleContext) {
    guard let claims = context.info.m7Claims else { return }
    let board = context.info.hmp.board(for: context.tree)
    for (entry, node) in claims.peripherals where node.isLive {
      let label = node.labels.first ?? claims.soc.peripheral(path: node.path)?.label
      var what = label.map { "\($0) (\(node.name))" } ?? node.name
      if let l = label, let b = board, let interface = b.interface(forLabel: l) {
        what = "\(label ?? node.name) (\(node.name), \(b.title) \(interface))"
      }
      let how = node.property("status") == nil ? " (no status property)" : ""
      let named = entry.text == label ? "" : " as '\(entry.text)'"
      let message =
        "\(what) is enabled for Linux\(how), but the M7 firmware owns it (\(claims.manifestLocation(line: entry.line))\(named)): Linux's driver and the firmware would both drive this controller"
      context.reportEnabled(message, node: node)
    }
  }
}

/// The board's M7 debug UART is enabled for Linux while the firmware's manifest does not claim it.
struct HMPDebugUARTRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_debug_uart", name: "HMP Debug UART", severity: .warning,
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
      (then `hmp_peripheral_conflict` reports it, with a fix-it).
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
    guard let claims = context.info.m7Claims, let board = context.info.hmp.board(for: context.tree),
      let debug = board.m7DebugUART
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
    let core = claims.soc.coreName
    // The SDK numbers the instance as the label does (uart4 → 4, lpuart2 → 2).
    let instance = String(debug.label.reversed().prefix { $0.isNumber }.reversed())
    var message =
      "\(debug.label) (\(uart.name), \(board.title) \(debug.interface)) is enabled for Linux, but it is the board's \(core) debug UART: firmware built from the MCUXpresso SDK prints its console there (BOARD_DEBUG_UART_INSTANCE \(instance))"
    if let use = sku?.enables.first(where: { $0.label == debug.label }) {
      message += "; on this SKU (\(sku?.name ?? "")) Linux uses it for \(use.reason)"
    }
    message +=
      ". If the firmware uses it, claim it in \(claims.manifestLocation(line: nil)) and disable it here, or move the \(core) console"
    var notes: [DiagnosticNote] = []
    if let note = debug.provenance.note { notes.append(DiagnosticNote(note)) }
    context.reportEnabled(message, node: uart, notes: notes, fix: false)
  }
}
