import DTCore
import DTHMP

/// A peripheral the M7 manifest claims is enabled for Linux.
struct HMPPeripheralConflictRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_peripheral_conflict", family: .ownership, name: "HMP Peripheral Conflict", severity: .error,
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
    needs: [.manifest],
    triggering: [
      RuleExample(
        cellsExample(
          """

          \ti2c4: i2c@30a50000 {
          \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
          \t\treg = <0x30a50000 0x10000>;
          \t\t↓status = "okay";
          \t};
          """), options: ["m7": "{soc: imx8mp, peripherals: [i2c4]}"]),
      RuleExample(
        cellsExample(
          """

          \t/* No status: enabled. Named in the manifest by unit address. */
          \t↓timer@302d0000 {
          \t\tcompatible = "fsl,imx8mp-gpt", "fsl,imx6dl-gpt";
          \t\treg = <0x302d0000 0x10000>;
          \t};
          """), options: ["m7": "{soc: imx8mp, peripherals: ['0x302d0000']}"]),
    ],
    nonTriggering: [
      RuleExample(
        cellsExample(
          """

          \ti2c4: i2c@30a50000 {
          \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
          \t\treg = <0x30a50000 0x10000>;
          \t\tstatus = "disabled";
          \t};
          """), options: ["m7": "{soc: imx8mp, peripherals: [i2c4]}"]),
      RuleExample(
        cellsExample(
          """

          \t/* Enabled, but no manifest says the M7 owns it. */
          \ti2c4: i2c@30a50000 {
          \t\tcompatible = "fsl,imx8mp-i2c", "fsl,imx21-i2c";
          \t\treg = <0x30a50000 0x10000>;
          \t\tstatus = "okay";
          \t};
          """)),
      RuleExample(
        cellsExample(
          """

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
          """), options: ["m7": "{soc: imx8mp, peripherals: [i2c4]}"]),
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
        "\(what) is enabled for Linux\(how), but the \(claims.soc.coreName) firmware owns it (\(claims.location(of: entry))\(named)): Linux's driver and the firmware would both drive this controller"
      context.reportEnabled(message, node: node)
    }
  }
}
