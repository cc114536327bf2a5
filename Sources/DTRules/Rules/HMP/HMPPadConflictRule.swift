import DTCore
import DTHMP

/// A pad the M7 muxes is also muxed by Linux: by an enabled device's pinctrl state or the iomuxc hog.
struct HMPPadConflictRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_pad_conflict", family: .ownership, name: "HMP Pad Conflict", severity: .warning,
    summary:
      "A pad the M7 firmware muxes must not be muxed by Linux (an enabled node's pinctrl group or an iomuxc hog)",
    rationale: """
      A pad has one mux register (HMPFacts §9): whoever writes it last decides what the pin is. Linux writes it \
      for every pinctrl group of an enabled node — the `default` state when the driver probes, other states when \
      it switches — and for the groups of the pin controller's own `pinctrl-0`, the hogs applied when the \
      controller probes. On the Verdin iMX8M Plus Wi-Fi SKUs that hog (`pinctrl_gpio_hog4`) muxes `UART4_RXD` and \
      `UART4_TXD` — the M7's debug UART pads — as GPIO at boot (HMPFacts §6), so an M7 that muxed them earlier \
      loses them.

      The M7's pads come from the manifest (`pins.pads`, and the `IOMUXC_SetPinMux` calls of `pins.pin-mux-c`); \
      Linux's are decoded from `fsl,pins` through the SoC's pad table and compared by pad (mux register), not by \
      function name, as the kernel and the SDK name functions differently (HMPFacts §9). Nodes the manifest \
      claims are left to `hmp_peripheral_conflict` (disabling them removes their pinctrl states too).

      A warning: that a hog overrides an earlier M7 mux is inferred in HMPFacts §6 (the hog content is verified).
      """,
    needs: [.manifest],
    triggering: [
      RuleExample(
        cellsExample(
          """

          \tiomuxc: pinctrl@30330000 {
          \t\tcompatible = "fsl,imx8mp-iomuxc";
          \t\treg = <0x30330000 0x10000>;
          \t\tpinctrl-names = "default";
          \t\t↓pinctrl-0 = <&pinctrl_gpio_hog4>;

          \t\t/* UART4_RXD__GPIO5_IO28, UART4_TXD__GPIO5_IO29 */
          \t\tpinctrl_gpio_hog4: gpiohog4grp {
          \t\t\tfsl,pins = <0x238 0x498 0x000 0x5 0x0 0x1c4>,
          \t\t\t\t   <0x23c 0x49c 0x000 0x5 0x0 0x1c4>;
          \t\t};
          \t};
          """), options: ["m7": "{soc: imx8mp, pins: {pads: [UART4_RXD, UART4_TXD]}}"]),
      RuleExample(
        cellsExample(
          """

          \tiomuxc: pinctrl@30330000 {
          \t\tcompatible = "fsl,imx8mp-iomuxc";
          \t\treg = <0x30330000 0x10000>;

          \t\t/* I2C4_SCL__PWM2_OUT */
          \t\tpinctrl_pwm2: pwm2grp {
          \t\t\tfsl,pins = <0x218 0x478 0x000 0x1 0x0 0x6>;
          \t\t};
          \t};

          \tpwm2: pwm@30670000 {
          \t\tcompatible = "fsl,imx8mp-pwm", "fsl,imx27-pwm";
          \t\treg = <0x30670000 0x10000>;
          \t\tpinctrl-names = "default";
          \t\t↓pinctrl-0 = <&pinctrl_pwm2>;
          \t};
          """), options: ["m7": "{soc: imx8mp, pins: {pads: [I2C4_SCL, I2C4_SDA]}}"]),
    ],
    nonTriggering: [
      RuleExample(
        cellsExample(
          """

          \tiomuxc: pinctrl@30330000 {
          \t\tcompatible = "fsl,imx8mp-iomuxc";
          \t\treg = <0x30330000 0x10000>;
          \t\tpinctrl-names = "default";
          \t\tpinctrl-0 = <&pinctrl_gpio_hog1>;

          \t\t/* ECSPI2_SCLK__GPIO5_IO10: not a pad the M7 takes */
          \t\tpinctrl_gpio_hog1: gpiohog1grp {
          \t\t\tfsl,pins = <0x1f0 0x450 0x000 0x5 0x0 0x1c4>;
          \t\t};

          \t\t/* UART4_RXD__UART4_DCE_RX, UART4_TXD__UART4_DCE_TX, used by a disabled node only */
          \t\tpinctrl_uart4: uart4grp {
          \t\t\tfsl,pins = <0x238 0x498 0x600 0x0 0x8 0x1c4>,
          \t\t\t\t   <0x23c 0x49c 0x000 0x0 0x0 0x1c4>;
          \t\t};
          \t};

          \tuart4: serial@30a60000 {
          \t\tcompatible = "fsl,imx8mp-uart", "fsl,imx6q-uart";
          \t\treg = <0x30a60000 0x10000>;
          \t\tpinctrl-names = "default";
          \t\tpinctrl-0 = <&pinctrl_uart4>;
          \t\tstatus = "disabled";
          \t};
          """), options: ["m7": "{soc: imx8mp, pins: {pads: [UART4_RXD, UART4_TXD]}}"]),
      RuleExample(
        cellsExample(
          """

          \tiomuxc: pinctrl@30330000 {
          \t\tcompatible = "fsl,imx8mp-iomuxc";
          \t\treg = <0x30330000 0x10000>;
          \t\tpinctrl-names = "default";
          \t\tpinctrl-0 = <&pinctrl_gpio_hog4>;

          \t\tpinctrl_gpio_hog4: gpiohog4grp {
          \t\t\tfsl,pins = <0x238 0x498 0x000 0x5 0x0 0x1c4>,
          \t\t\t\t   <0x23c 0x49c 0x000 0x5 0x0 0x1c4>;
          \t\t};
          \t};
          """), options: ["m7": "{soc: imx8mp, peripherals: [iomuxc]}"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard let claims = info.m7Claims, let owned = claims.inputs?.pads, !owned.isEmpty else { return }
    var byName: [String: M7Manifest.OwnedPad] = [:]
    for p in owned where byName[p.name] == nil { byName[p.name] = p }
    let table = claims.soc.pads
    let sku = info.hmp.sku(for: context.tree)

    for node in info.allNodes where node.isLive && !claims.owns(node) {
      let isPinController = isIOMUXC(node, soc: claims.soc)
      for (property, state) in info.pinctrlStates(of: node) {
        for (_, target) in info.phandleList(property) {
          guard let group = target else { continue }
          let hits = info.pads(ofGroup: group, table: table).filter { byName[$0.setting.pad.name] != nil }
          guard !hits.isEmpty else { continue }
          let groupName = group.labels.first ?? group.name
          let list = hits.map { "\($0.setting.pad.name) as \($0.function)" }
          let origins = Array(Set(hits.compactMap { byName[$0.setting.pad.name].map(claims.origin) })).sorted()
          let padsText = hits.count == 1 ? "pad" : "pads"
          let stateText = state.map { "\(property.name) \"\($0)\"" } ?? property.name
          let message: String
          if isPinController {
            message =
              "the iomuxc hog \(groupName) (\(stateText) of \(node.name), applied when the pin controller probes) muxes \(list.joined(separator: ", ")): \(padsText) the \(claims.soc.coreName) firmware muxes (\(origins.joined(separator: ", "))); Linux re-muxes them at boot"
          } else {
            message =
              "\(node.labelledName) muxes \(list.joined(separator: ", ")) through \(groupName) (\(stateText)): \(padsText) the \(claims.soc.coreName) firmware muxes (\(origins.joined(separator: ", "))); Linux applies this state when its driver probes"
          }
          var notes: [DiagnosticNote] = []
          if let hog = sku?.hogs.first(where: { $0.group == groupName }) {
            notes.append(DiagnosticNote("board profile, SKU \(sku?.name ?? ""): \(hog.group): \(hog.reason)"))
          }
          if let fslPins = group.property("fsl,pins"), let r = fslPins.range {
            notes.append(DiagnosticNote("\(groupName) is defined here", at: r))
          }
          context.report(message, node: node, property: property, notes: notes)
        }
      }
    }
  }

  /// The SoC's pin controller: by label, path or compatible of the SoC profile's `iomuxc` node.
  private func isIOMUXC(_ node: Node, soc: SoCProfile) -> Bool {
    if node.labels.contains(soc.iomuxcLabel) { return true }
    guard let n = soc.node(label: soc.iomuxcLabel) else { return false }
    if node.path == n.path { return true }
    let compatible = node.property("compatible")?.value.strings ?? []
    return !n.compatible.isEmpty && compatible.contains(n.compatible[0])
  }
}
