import DTCore
import DTHMP

/// The M7 drives GPIO pins of a bank whose controller Linux also runs.
struct HMPGPIOBankSharedRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_gpio_bank_shared", family: .ownership, name: "HMP GPIO Bank Shared", severity: .warning,
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
    needs: [.manifest],
    triggering: [
      RuleExample(
        cellsExample(
          """

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
          """),
        options: [
          "m7":
            "{soc: imx8mp, pins: {pin-mux-c: gpio-pin_mux.c, iomuxc-header: fsl_iomuxc.h}}"
        ])
    ],
    nonTriggering: [
      RuleExample(
        cellsExample(
          """

          \tgpio5: gpio@30240000 {
          \t\tcompatible = "fsl,imx8mp-gpio", "fsl,imx35-gpio";
          \t\treg = <0x30240000 0x10000>;
          \t\tgpio-controller;
          \t\t#gpio-cells = <2>;
          \t\tstatus = "disabled";
          \t};
          """),
        options: [
          "m7":
            "{soc: imx8mp, pins: {pin-mux-c: gpio-pin_mux.c, iomuxc-header: fsl_iomuxc.h}}"
        ]),
      RuleExample(
        cellsExample(
          """

          \t/* The M7's pin_mux.c muxes I2C4 and UART4 pads to I2C4/UART4, not to GPIO. */
          \tgpio5: gpio@30240000 {
          \t\tcompatible = "fsl,imx8mp-gpio", "fsl,imx35-gpio";
          \t\treg = <0x30240000 0x10000>;
          \t\tgpio-controller;
          \t\t#gpio-cells = <2>;
          \t};
          """),
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
        "\(label) (\(controller.name)) is enabled for Linux, and the \(claims.soc.coreName) firmware drives \(pins.joined(separator: ", ")) of the same bank: both cores update its data, direction and interrupt registers without a lock between them"
      let shared = users.filter { u in mine.contains { $0.pin == u.pin } }
      if let first = shared.first {
        message += "; Linux itself uses \(label.uppercased())_IO\(String(format: "%02d", first.pin)) (\(first.what))"
      }
      message += ". Disable \(label) for Linux, or keep the \(claims.soc.coreName) off this bank"
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
