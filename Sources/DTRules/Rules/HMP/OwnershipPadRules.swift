import DTCore
import DTHMP

/// One pad a pinctrl group muxes, decoded from its `fsl,pins`.
struct GroupPad {
  var group: Node
  var setting: PinSetting
  /// The function's name (`UART4_DCE_RX`), or `mode N` when the mode/daisy pair matches no known function.
  var function: String {
    setting.functions.first?.name ?? "mode \(setting.mode)"
  }
}

extension TreeInfo {
  /// The pads a pinctrl group node muxes: its own `fsl,pins`, or those of its children (function nodes with group
  /// children, as older i.MX bindings nest them). Entries of unknown pads are left out.
  func pads(ofGroup group: Node, table: PadTable) -> [GroupPad] {
    var out: [GroupPad] = []
    func decode(_ n: Node) {
      guard let cells = n.property("fsl,pins")?.value.cells else { return }
      for s in table.decode(fslPins: cells) {
        if let s { out.append(GroupPad(group: n, setting: s)) }
      }
    }
    if group.property("fsl,pins") != nil {
      decode(group)
    } else {
      for c in group.liveChildren { decode(c) }
    }
    return out
  }

  /// The `pinctrl-<n>` properties of a node with their state names (`pinctrl-names`), in order.
  func pinctrlStates(of node: Node) -> [(property: Property, state: String?)] {
    let names = node.property("pinctrl-names")?.value.strings ?? []
    var out: [(Property, String?)] = []
    for p in node.liveProperties where p.name.hasPrefix("pinctrl-") {
      guard let index = Int(p.name.dropFirst("pinctrl-".count)), index >= 0 else { continue }
      out.append((p, index < names.count ? names[index] : nil))
    }
    return out
  }
}

/// A pad the M7 muxes is also muxed by Linux: by an enabled device's pinctrl state or the iomuxc hog.
struct HMPPadConflictRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_pad_conflict", name: "HMP Pad Conflict", severity: .warning,
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
    triggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

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
        };
        """, options: ["m7": "{soc: imx8mp, pins: {pads: [UART4_RXD, UART4_TXD]}}"]),
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

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
        };
        """, options: ["m7": "{soc: imx8mp, pins: {pads: [I2C4_SCL, I2C4_SDA]}}"]),
    ],
    nonTriggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

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
        };
        """, options: ["m7": "{soc: imx8mp, pins: {pads: [UART4_RXD, UART4_TXD]}}"]),
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

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
        };
        """, options: ["m7": "{soc: imx8mp, peripherals: [iomuxc]}"]),
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
              "the iomuxc hog \(groupName) (\(stateText) of \(node.name), applied when the pin controller probes) muxes \(list.joined(separator: ", ")): \(padsText) the M7 firmware muxes (\(origins.joined(separator: ", "))); Linux re-muxes them at boot"
          } else {
            message =
              "\(node.labelledName) muxes \(list.joined(separator: ", ")) through \(groupName) (\(stateText)): \(padsText) the M7 firmware muxes (\(origins.joined(separator: ", "))); Linux applies this state when its driver probes"
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

/// The M7 drives GPIO pins of a bank whose controller Linux also runs.
struct HMPGPIOBankSharedRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_gpio_bank_shared", name: "HMP GPIO Bank Shared", severity: .warning,
    summary: "The M7 firmware should not drive pins of a GPIO bank whose controller is enabled for Linux",
    rationale: """
      An i.MX GPIO bank is one controller (`gpio1` … `gpio5`, HMPFacts §5.4) with one data register, one \
      direction register and one set of interrupt registers for its 32 pins. When Linux runs the bank's driver \
      and the M7 firmware drives some of its pins, both cores update those shared registers with \
      read-modify-write sequences and nothing serialises them, so either side can undo the other's change; Linux \
      also owns the bank's interrupt line. RPMsg device trees for the M7 therefore disable whole GPIO banks for \
      Linux (the Verdin HMP overlay copy disables `gpio1`, `gpio3` and `gpio4`, HMPFacts §7.4; NXP's lists \
      GPIO1/GPIO5 among the IPs the M7 may use, §7.1).

      The M7's GPIO pins are the pads its `pin_mux.c` muxes to a `GPIOn_IOm` function (manifest \
      `pins.pin-mux-c`); pads listed by name only (`pins.pads`) say nothing about their function and are not \
      used. A bank the manifest claims as a peripheral is left to `hmp_peripheral_conflict`.

      A warning: the race is inferred from the shared registers, not observed (HMPFacts §7.4 records which banks \
      the overlay disables; whether those lines are Toradex's is not verified).
      """,
    triggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \tgpio5: ↓gpio@30240000 {
        \t\tcompatible = "fsl,imx8mp-gpio", "fsl,imx35-gpio";
        \t\treg = <0x30240000 0x10000>;
        \t\tgpio-controller;
        \t\t#gpio-cells = <2>;
        \t};

        \tleds {
        \t\tcompatible = "gpio-leds";
        \t\tled {
        \t\t\tgpios = <&gpio5 20 0>;
        \t\t};
        \t};
        };
        """,
        options: [
          "m7":
            "{soc: imx8mp, pins: {pin-mux-c: gpio-pin_mux.c, iomuxc-header: fsl_iomuxc.h}}"
        ])
    ],
    nonTriggering: [
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \tgpio5: gpio@30240000 {
        \t\tcompatible = "fsl,imx8mp-gpio", "fsl,imx35-gpio";
        \t\treg = <0x30240000 0x10000>;
        \t\tgpio-controller;
        \t\t#gpio-cells = <2>;
        \t\tstatus = "disabled";
        \t};
        };
        """,
        options: [
          "m7":
            "{soc: imx8mp, pins: {pin-mux-c: gpio-pin_mux.c, iomuxc-header: fsl_iomuxc.h}}"
        ]),
      RuleExample(
        """
        /dts-v1/;
        / {
        \t#address-cells = <1>;
        \t#size-cells = <1>;

        \t/* The M7's pin_mux.c muxes I2C4 and UART4 pads to I2C4/UART4, not to GPIO. */
        \tgpio5: gpio@30240000 {
        \t\tcompatible = "fsl,imx8mp-gpio", "fsl,imx35-gpio";
        \t\treg = <0x30240000 0x10000>;
        \t\tgpio-controller;
        \t\t#gpio-cells = <2>;
        \t};
        };
        """,
        options: [
          "m7": "{soc: imx8mp, pins: {pin-mux-c: pin_mux.c, iomuxc-header: fsl_iomuxc.h}}"
        ]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard let claims = info.m7Claims else { return }
    // Bank number → the M7's pins in it, with the pin_mux.c line that muxes each (or the Zephyr `*-gpios` user).
    var banks: [Int: [(pin: Int, function: String, at: String)]] = [:]
    for call in claims.inputs?.pinMux?.calls ?? [] where call.kind == .setPinMux {
      for f in call.functions {
        guard let (bank, pin) = Self.gpio(f.name) else { continue }
        if !(banks[bank]?.contains { $0.pin == pin } ?? false) {
          banks[bank, default: []].append(
            (pin, f.name, "\(M7Claims.display(claims.inputs?.pinMux?.path ?? "")):\(call.line)"))
        }
        break
      }
    }
    for g in claims.manifest.zephyr?.gpios ?? [] where !(banks[g.bank]?.contains { $0.pin == g.pin } ?? false) {
      banks[g.bank, default: []].append((g.pin, g.function, g.location.description))
    }
    for bank in banks.keys.sorted() {
      let label = "gpio\(bank)"
      let node: Node?
      if let n = context.tree.node(withLabel: label) {
        node = n
      } else if let p = claims.soc.peripheral(label: label) {
        node = context.tree.node(atPath: p.path)
      } else {
        node = nil
      }
      guard let controller = node, controller.isLive, !claims.owns(controller) else { continue }
      let mine = banks[bank] ?? []
      let pins = mine.map { "\($0.function) (\($0.at))" }
      let users = linuxUsers(of: controller, info: info)
      var message =
        "\(label) (\(controller.name)) is enabled for Linux, and the M7 firmware drives \(pins.joined(separator: ", ")) of the same bank: both cores update its data, direction and interrupt registers without a lock between them"
      let shared = users.filter { u in mine.contains { $0.pin == u.pin } }
      if let first = shared.first {
        message += "; Linux itself uses \(label.uppercased())_IO\(String(format: "%02d", first.pin)) (\(first.what))"
      }
      message += ". Disable \(label) for Linux, or keep the M7 off this bank"
      var notes: [DiagnosticNote] = []
      if !users.isEmpty {
        let shown = users.prefix(4).map { "\($0.what) (pin \($0.pin))" }
        notes.append(
          DiagnosticNote(
            "Linux uses \(users.count) pin\(users.count == 1 ? "" : "s") of this bank: \(shown.joined(separator: ", "))\(users.count > shown.count ? ", …" : "")"
          ))
      }
      context.reportEnabled(message, node: controller, notes: notes, fix: false)
    }
  }

  /// `GPIO5_IO28` → (5, 28).
  static func gpio(_ function: String) -> (bank: Int, pin: Int)? {
    guard function.hasPrefix("GPIO"), let sep = function.range(of: "_IO") else { return nil }
    guard let bank = Int(function[function.index(function.startIndex, offsetBy: 4)..<sep.lowerBound]),
      let pin = Int(function[sep.upperBound...])
    else { return nil }
    return (bank, pin)
  }

  /// Enabled nodes' `*-gpios`/`gpios`/`gpio` entries pointing at `controller`, and its `gpio-hog` children.
  private func linuxUsers(of controller: Node, info: TreeInfo) -> [(what: String, pin: Int)] {
    var out: [(String, Int)] = []
    for n in info.allNodes where n.isLive && n.property("gpio-hog") == nil {
      for p in n.liveProperties
      where p.name == "gpios" || p.name == "gpio" || p.name.hasSuffix("-gpios") || p.name.hasSuffix("-gpio") {
        guard p.name != "nr-gpios", p.name != "ngpios" else { continue }
        for e in info.phandleArgsList(p, cellsName: "#gpio-cells").entries where e.target === controller {
          if let pin = e.arguments.first { out.append(("\(n.displayName):\(p.name)", Int(pin))) }
        }
      }
    }
    for c in controller.liveChildren where c.property("gpio-hog") != nil && c.isEnabled {
      if let pin = c.property("gpios")?.value.cells?.first { out.append(("hog \(c.name)", Int(pin))) }
    }
    return out
  }
}
