import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// The whole-system view on the real Verdin iMX8M Plus trees of the corpus (issue 4, "Done when"): each board
/// (compiled with `-@`) with an HMP overlay applied by libfdt, checked with an M7 manifest, through the code path of
/// `dtlint check BOARD --overlay OV --m7 M` (`SourceReader.applyChain` + `Linter(…, hmp:)`).
@Suite(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts is missing"))
struct HMPSystemTests {
  static let boards = [
    "imx8mp-verdin-nonwifi-dahlia", "imx8mp-verdin-nonwifi-dev", "imx8mp-verdin-nonwifi-ivy",
    "imx8mp-verdin-nonwifi-mallow", "imx8mp-verdin-nonwifi-yavia", "imx8mp-verdin-wifi-dahlia",
    "imx8mp-verdin-wifi-dev", "imx8mp-verdin-wifi-ivy", "imx8mp-verdin-wifi-mallow", "imx8mp-verdin-wifi-yavia",
  ]

  /// The HMP overlay written from Documentation/HMPFacts.md (mainline naming, `/reserved-memory` by path).
  static let overlay = SharedCorpus.packageRoot + "/Tests/Fixtures/hmp/verdin-hmp.dtso"

  struct Checked {
    var tree: DeviceTree?
    var findings: [Diagnostic]
    var sources: SourceManager
    var overlayFiles: Set<FileID>

    func path(_ d: Diagnostic) -> String? { d.range.map { sources[$0.file].path } }
    func inOverlay(_ d: Diagnostic) -> Bool { d.range.map { overlayFiles.contains($0.file) } ?? false }
    var summary: String {
      findings.map { "\($0.rule) \($0.nodePath ?? "") \(path($0) ?? "")" }.joined(separator: "\n")
    }
  }

  /// `dtlint check <board>.dts --overlay verdin-hmp.dtso --m7 <manifest> --kernel <kernel>`, every rule at its
  /// default. The manifest is written beside copies of the M7 fixtures (so it may name `rpmsg-m7.elf`).
  /// `bootargs`: the kernel command line the system boots with (`--bootargs`); the correct system keeps the M7's
  /// clock root slices with clk-imx8mp.mcore_booted=1 (HMPFacts §13.4).
  static func check(
    board: String, manifest: String, kernel: String? = "mainline", overlay: String = HMPSystemTests.overlay,
    bootargs: String? = HMPSystemTests.bootargs
  ) throws -> Checked {
    let linux = SharedCorpus.linuxDTS
    let scratch = TestDirectory(prefix: "dtlint-hmp-system")
    copyM7Fixtures(into: scratch)
    let m7 = scratch.write("m7.yaml", manifest)
    let hmp = try HMPContext.load(
      kernel: kernel, board: nil, m7: m7, bootargs: bootargs.map { KernelCommandLine($0, source: .option) })
    var options = FrontEndOptions()
    options.includePaths = [linux + "/include", linux + "/src/arm64/freescale", linux + "/src"]
    let sources = SourceManager()
    let reader = SourceReader(sources: sources, options: options)
    let chain = try reader.applyChain(
      base: linux + "/src/arm64/freescale/\(board).dts", overlays: [overlay])
    #expect(chain.merged != nil, "\(board): the overlay did not apply")
    #expect(chain.skipped.isEmpty, "\(board): fragments without a target")
    let findings = Linter(hmp: hmp).lint(chain: chain)
    return Checked(
      tree: chain.merged, findings: findings, sources: sources, overlayFiles: Set(chain.overlays.flatMap { $0.files }))
  }

  /// The command line of the correct system: the M7's root slices kept on (HMPFacts §13.4).
  static let bootargs = "console=ttymxc2,115200 clk-imx8mp.mcore_booted=1"

  static let ownedByFirmware = """
    soc: imx8mp
    peripherals: [i2c3, uart4, pwm4]
    firmware: { elf: rpmsg-m7.elf, started-by: bootloader }
    """

  /// 1. The correct overlay and a manifest claiming what it disables: no HMP or overlay finding, and no finding
  /// located in the overlay (in particular none of dtc's reg_format / avoid_default_addr_size /
  /// unit_address_vs_reg false positives on fragments).
  @Test(arguments: boards) func correctOverlayIsClean(board: String) throws {
    let r = try Self.check(board: board, manifest: Self.ownedByFirmware)
    let hmp = r.findings.filter { $0.rule.hasPrefix("hmp_") || $0.rule.hasPrefix("overlay_") }
    #expect(hmp.isEmpty, "\(board):\n\(r.summary)")
    let inOverlay = r.findings.filter(r.inOverlay)
    #expect(inOverlay.isEmpty, "\(board): findings in the overlay:\n\(inOverlay.map { "\($0.rule): \($0.message)" })")
    let fragmentNoise = r.findings.filter {
      ["reg_format", "avoid_default_addr_size", "unit_address_vs_reg"].contains($0.rule)
    }
    #expect(fragmentNoise.isEmpty, "\(board):\n\(r.summary)")
  }

  /// 2. A manifest claiming `i2c4`, which the overlay leaves enabled: `hmp_peripheral_conflict` on its node.
  @Test(arguments: boards) func claimedI2C4StillEnabledConflicts(board: String) throws {
    let r = try Self.check(
      board: board, manifest: "soc: imx8mp\nperipherals: [i2c3, uart4, pwm4, i2c4]\n")
    let conflicts = r.findings.filter { $0.rule == "hmp_peripheral_conflict" }
    #expect(conflicts.count == 1, "\(board):\n\(r.summary)")
    let f = try #require(conflicts.first)
    #expect(f.nodePath == "/soc@0/bus@30800000/i2c@30a50000")
    #expect(f.severity == .error)
    #expect(f.property == "status")
    #expect(r.path(f)?.hasSuffix("imx8mp-verdin-dev.dtsi") == true || r.path(f)?.contains("imx8mp-verdin") == true)
    // The overlay leaves it enabled: the fix-it disables it in the overlay (issue 15), not in the carrier's tree.
    #expect(f.notes.first?.message.contains("does not disable it") == true)
    #expect(f.fixes.first?.edits.first?.replacement.hasSuffix("&i2c4 {\n\tstatus = \"disabled\";\n};\n") == true)
  }

  /// The boards whose iomuxc hog includes `pinctrl_gpio_hog4` (UART4_RXD/TXD as GPIO5_IO28/29): the Wi-Fi SKUs
  /// (imx8mp-verdin-wifi.dtsi), except on the Ivy carrier, whose imx8mp-verdin-ivy.dtsi replaces the iomuxc's
  /// `pinctrl-0` with its own groups (gpio2, gpio3, ivy digital inputs, relays) — dtc's output agrees.
  static func hogsUART4Pads(_ board: String) -> Bool { board.contains("-wifi-") && !board.hasSuffix("-ivy") }

  /// 3. The manifest's pads UART4_RXD/UART4_TXD: `hmp_pad_conflict` where the iomuxc hog muxes them (HMPFacts §6),
  /// nowhere else.
  @Test(arguments: boards) func uart4PadsConflictWhereTheHogMuxesThem(board: String) throws {
    let r = try Self.check(
      board: board,
      manifest: "soc: imx8mp\nperipherals: [i2c3, uart4, pwm4]\npins:\n  pads: [UART4_RXD, UART4_TXD]\n")
    let pads = r.findings.filter { $0.rule == "hmp_pad_conflict" }
    let iomuxc = try #require(r.tree?.node(atPath: "/soc@0/bus@30000000/pinctrl@30330000"))
    let hog4 = try #require(r.tree?.node(withLabel: "pinctrl_gpio_hog4"))
    let selected = (iomuxc.property("pinctrl-0")?.value.cells ?? []).contains {
      $0 == hog4.property("phandle")?.value.singleCell
    }
    #expect(selected == Self.hogsUART4Pads(board), "\(board): pinctrl_gpio_hog4 selected: \(selected)")
    if Self.hogsUART4Pads(board) {
      #expect(pads.count == 1, "\(board):\n\(r.summary)")
      let f = try #require(pads.first)
      #expect(f.nodePath == "/soc@0/bus@30000000/pinctrl@30330000")
      #expect(f.property == "pinctrl-0")
      #expect(f.message.contains("pinctrl_gpio_hog4"), "\(f.message)")
      #expect(f.message.contains("UART4_RXD as GPIO5_IO28") && f.message.contains("UART4_TXD as GPIO5_IO29"))
      #expect(r.path(f)?.hasSuffix("imx8mp-verdin-wifi.dtsi") == true)
      #expect(f.severity == .warning)
    } else {
      #expect(pads.isEmpty, "\(board):\n\(r.summary)")
    }
    #expect(!r.findings.contains { $0.rule.hasPrefix("hmp_") && $0.rule != "hmp_pad_conflict" }, "\(r.summary)")
  }

  /// Without an overlay disabling `uart4`, the Wi-Fi SKUs enable it for Bluetooth: with a manifest that does not
  /// claim it, `hmp_debug_uart` warns on those five boards only (the board is detected from the root compatible).
  @Test(arguments: boards) func debugUARTOnWifiSKUs(board: String) throws {
    let linux = SharedCorpus.linuxDTS
    let scratch = TestDirectory(prefix: "dtlint-hmp-system")
    let m7 = scratch.write("m7.yaml", "soc: imx8mp\nperipherals: [i2c3]\n")
    let hmp = try HMPContext.load(kernel: nil, board: nil, m7: m7)
    var options = FrontEndOptions()
    options.includePaths = [linux + "/include", linux + "/src/arm64/freescale", linux + "/src"]
    let reader = SourceReader(sources: SourceManager(), options: options)
    var compile = CompileOptions()
    compile.stopBeforeGeneratedNodes = true
    let loaded = try reader.load(path: linux + "/src/arm64/freescale/\(board).dts", options: compile)
    let findings = Linter(hmp: hmp).lint(loaded.tree, frontEnd: loaded.diagnostics, input: loaded.kind)
    let debug = findings.filter { $0.rule == "hmp_debug_uart" }
    #expect(debug.count == (board.contains("-wifi-") ? 1 : 0), "\(board): \(debug.map(\.message))")
    if let f = debug.first {
      #expect(f.nodePath == "/soc@0/bus@30800000/serial@30a60000")
      #expect(f.message.contains("Bluetooth"), "\(f.message)")
    }
    // i2c3 is enabled on every board: claimed without an overlay, it conflicts.
    #expect(
      findings.filter { $0.rule == "hmp_peripheral_conflict" }.map(\.nodePath) == ["/soc@0/bus@30800000/i2c@30a40000"])
  }
}

/// The M7 firmware the examples and tests use: the story's stub (Examples/verdin-imx8mp-custom/firmware), built by
/// its build.sh, checked in there as app.elf (the tests' manifests name it `rpmsg-m7.elf`).
@Suite struct HMPFirmwareFixtureTests {
  static let exampleDir = exampleFirmwareDirectory
  static let fixture = exampleFirmwareDirectory + "/app.elf"

  /// What the rule examples rely on: an rpmsg vdev with vrings at 0x55000000/0x55008000 (align 0x1000, 256
  /// descriptors), the table in ITCM, a 0x100-byte load segment in DDR at 0x80000000.
  static func expectLayout(_ elf: ELFFile, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let table = try #require(elf.resourceTable, sourceLocation: sourceLocation)
    #expect(table.version == 1, sourceLocation: sourceLocation)
    let vdev = try #require(table.vdevs.first, sourceLocation: sourceLocation)
    #expect(table.vdevs.count == 1 && vdev.id == 7, sourceLocation: sourceLocation)
    #expect(vdev.vrings.map(\.da) == [0x5500_0000, 0x5500_8000], sourceLocation: sourceLocation)
    #expect(vdev.vrings.map(\.align) == [0x1000, 0x1000], sourceLocation: sourceLocation)
    #expect(vdev.vrings.map(\.num) == [256, 256], sourceLocation: sourceLocation)
    #expect(elf.resourceTableSection?.size == 88, sourceLocation: sourceLocation)
    #expect((elf.resourceTableSection?.address ?? .max) < 0x20000, "in ITCM", sourceLocation: sourceLocation)
    let ddr = elf.loadSegments.filter { $0.physicalAddress >= 0x4000_0000 }
    #expect(ddr.map(\.physicalAddress) == [0x8000_0000], sourceLocation: sourceLocation)
    #expect(ddr.map(\.memorySize) == [0x100], sourceLocation: sourceLocation)
  }

  @Test func examplesFirmwareHasTheLayoutTheRulesRelyOn() throws {
    try Self.expectLayout(try ELFFile.read(path: Self.fixture))
  }

  /// build.sh still produces that layout (when clang and ld.lld are at hand).
  @Test func buildScriptRebuildsIt() throws {
    let which = Process()
    which.executableURL = URL(fileURLWithPath: "/bin/sh")
    which.arguments = ["-c", "command -v clang >/dev/null && command -v ld.lld >/dev/null"]
    try which.run()
    which.waitUntilExit()
    guard which.terminationStatus == 0 else {
      print("skipped: clang or ld.lld not found")
      return
    }
    let s = TestDirectory(prefix: "dtlint-firmware")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Self.exampleDir + "/build.sh")
    p.arguments = [s.path + "/app.elf"]
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    try Self.expectLayout(try ELFFile.read(path: s.path + "/app.elf"))
  }
}
