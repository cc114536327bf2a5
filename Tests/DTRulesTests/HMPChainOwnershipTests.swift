import DTCore
import DTDoctor
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// Issue 15: in a chain the ownership rules judge the merged tree. What the overlay leaves enabled is reported at
/// the base's line, with a note, and its fix-it appends a fragment to the overlay; `hmp fix` applies it and
/// repairs a too-small vring. The base and overlay are the story's vendor files (Examples/verdin-imx8mp-custom),
/// so these tests need no corpus.
struct HMPChainOwnershipTests {
  static let example = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom"
  static let base = example + "/vendor/base.dts"

  /// The vendor overlay without its `&i2c4 { status = "disabled"; };` fragment.
  static func overlayLeavingI2C4() throws -> String {
    let text = try String(contentsOfFile: example + "/vendor/hmp.dtso", encoding: .utf8)
    let cut = try #require(text.range(of: "&i2c4 {"))
    return String(text[..<cut.lowerBound])
  }

  static func frontEnd() -> FrontEndOptions {
    var o = FrontEndOptions()
    o.includePaths = [example + "/include"]
    return o
  }

  static func context(_ s: TestDirectory, peripherals: String = "[i2c4, uart4]") throws -> HMPContext {
    let m7 = s.write("m7.yaml", "soc: imx8mp\nperipherals: \(peripherals)\n")
    return try HMPContext.load(kernel: "toradex-bsp6", board: nil, m7: m7)
  }

  static func lint(overlay: String, hmp: HMPContext, onlyOverlay: Bool) throws -> (
    findings: [Diagnostic], sources: SourceManager
  ) {
    let sources = SourceManager()
    let reader = SourceReader(sources: sources, options: frontEnd())
    let chain = try reader.applyChain(base: base, overlays: [overlay])
    return (Linter(hmp: hmp).lint(chain: chain, onlyOverlay: onlyOverlay), sources)
  }

  @Test(arguments: [true, false]) func claimLeftEnabledIsReportedAtTheBase(onlyOverlay: Bool) throws {
    let s = TestDirectory(prefix: "dtlint-chain-owner")
    let overlay = s.write("hmp.dtso", try Self.overlayLeavingI2C4())
    let (findings, sources) = try Self.lint(overlay: overlay, hmp: try Self.context(s), onlyOverlay: onlyOverlay)
    let conflicts = findings.filter { $0.rule == "hmp_peripheral_conflict" }
    #expect(conflicts.count == 1, "\(findings.map(\.message))")
    let f = try #require(conflicts.first)
    #expect(f.nodePath == "/soc@0/bus@30800000/i2c@30a50000")
    // At the base's line: `status = "okay";` of vendor/base.dts.
    let range = try #require(f.range)
    #expect(sources[range.file].path.hasSuffix("vendor/base.dts"))
    let baseText = try String(contentsOfFile: Self.base, encoding: .utf8)
    #expect(sources[range.file].lineColumn(at: range.start).line == Self.line(of: "status = \"okay\";", in: baseText))
    #expect(f.notes.first?.message.contains("hmp.dtso does not disable it") == true, "\(f.notes)")
    // The fix-it appends a fragment at the end of the overlay.
    let fix = try #require(f.fixes.first)
    #expect(f.fixes.count == 1)
    #expect(fix.message.contains("disables &i2c4"))
    let edit = try #require(fix.edits.first)
    #expect(sources[edit.range.file].path == overlay)
    #expect(Int(edit.range.start) == sources[edit.range.file].bytes.count)
    #expect(edit.replacement.hasSuffix("&i2c4 {\n\tstatus = \"disabled\";\n};\n"))
  }

  static func line(of needle: String, in text: String) -> Int {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return (lines.firstIndex { $0.contains(needle) } ?? -1) + 1
  }

  /// The overlay's own settings keep their own fix-its (uart4 enabled in the overlay is edited in place).
  @Test func overlaySettingsAreEditedInPlace() throws {
    let s = TestDirectory(prefix: "dtlint-chain-owner")
    let text = try Self.overlayLeavingI2C4() + "&uart4 {\n\tstatus = \"okay\";\n};\n"
    let overlay = s.write("hmp.dtso", text)
    let (findings, _) = try Self.lint(overlay: overlay, hmp: try Self.context(s), onlyOverlay: true)
    let uart = try #require(findings.first { $0.nodePath == "/soc@0/bus@30800000/serial@30a60000" })
    #expect(uart.notes.isEmpty)
    #expect(uart.fixes.first?.edits.first?.replacement == "status = \"disabled\";")
  }

  @Test func hmpFixAddsTheFragment() throws {
    let s = TestDirectory(prefix: "dtlint-chain-owner")
    let original = try Self.overlayLeavingI2C4()
    let overlay = s.write("hmp.dtso", original)
    let hmp = try Self.context(s)
    let r = try HMPFixer.fix(path: overlay, base: Self.base, frontEnd: Self.frontEnd(), hmp: hmp, selection: Self.withoutClocks)
    #expect(r.changes.map(\.rule) == ["hmp_peripheral_conflict"], "\(r.changes.map(\.fix))")
    let out = String(decoding: r.output, as: UTF8.self)
    #expect(out.hasPrefix(original))
    #expect(out.hasSuffix("&i2c4 {\n\tstatus = \"disabled\";\n};\n"))
    #expect(!r.remaining.contains { $0.rule == "hmp_peripheral_conflict" }, "\(r.remaining.map(\.message))")
    #expect(try String(contentsOfFile: overlay, encoding: .utf8) == original, "the input is not written")
  }

  /// A node the base has no label for is targeted by path; a blob overlay gets the note and no fix-it.
  @Test func unlabelledNodeAndBlobOverlay() throws {
    let s = TestDirectory(prefix: "dtlint-chain-owner")
    // HMPOwnershipRulesTests' tree: its timer@302d0000 is enabled and has no label.
    let base = s.write("base.dts", HMPOwnershipRulesTests.peripherals)
    let overlay = s.write(
      "ov.dtso", "/dts-v1/;\n/plugin/;\n&{/} {\n\tmodel = \"acme\";\n};\n")
    let m7 = s.write("m7.yaml", "soc: imx8mp\nperipherals: ['0x302d0000']\n")
    let hmp = try HMPContext.load(kernel: nil, board: nil, m7: m7)
    let reader = SourceReader(sources: SourceManager(), options: FrontEndOptions())
    let chain = try reader.applyChain(base: base, overlays: [overlay])
    let f = try #require(
      Linter(hmp: hmp).lint(chain: chain, onlyOverlay: true).first { $0.rule == "hmp_peripheral_conflict" })
    #expect(f.fixes.first?.edits.first?.replacement.contains("&{/timer@302d0000} {\n\tstatus = \"disabled\";") == true)

    // The same overlay as a blob: reported, no edit to make.
    let blob = s.write("ov.dtbo", bytes: DTBWriter.blob(of: chain.overlays[0].loaded.tree))
    let blobChain = try SourceReader(sources: SourceManager(), options: FrontEndOptions())
      .applyChain(base: base, overlays: [blob])
    let g = try #require(
      Linter(hmp: hmp).lint(chain: blobChain, onlyOverlay: true).first { $0.rule == "hmp_peripheral_conflict" })
    #expect(g.notes.first?.message.contains("does not disable it") == true)
    #expect(g.fixes.isEmpty)
  }

  // MARK: - hmp fix repairs a too-small vring

  static func overlay(vring0Size: String, extra: String = "") throws -> String {
    let text = try String(contentsOfFile: example + "/vendor/hmp.dtso", encoding: .utf8)
    let grown = text.replacingOccurrences(
      of: "reg = <0 0x55000000 0 0x8000>;", with: "reg = <0 0x55000000 0 \(vring0Size)>;")
    guard !extra.isEmpty else { return grown }
    return grown.replacingOccurrences(
      of: "\trsc_table: rsc_table@550ff000 {", with: extra + "\n\trsc_table: rsc_table@550ff000 {")
  }

  @Test func vringGrowsToTheFirmwareStep() throws {
    let s = TestDirectory(prefix: "dtlint-chain-vring")
    let hmp = try Self.context(s)
    let small = s.write("small.dtso", try Self.overlay(vring0Size: "0x2000"))
    let r = try HMPFixer.fix(path: small, base: Self.base, frontEnd: Self.frontEnd(), hmp: hmp, selection: Self.withoutClocks)
    #expect(r.changes.map(\.rule) == ["hmp_vring_size"])
    #expect(r.changes.first?.fix == "make it 0x8000 bytes (the firmware's vring step)")
    #expect(String(decoding: r.output, as: UTF8.self) == (try Self.overlay(vring0Size: "0x8000")))
    #expect(!r.remaining.contains { $0.rule == "hmp_vring_size" })
  }

  /// With a region 0x4000 above vring0, the step would overlap it: the minimum is used; with one 0x2000 above,
  /// no size fits and nothing is changed.
  @Test func vringGrowsOnlyIntoFreeMemory() throws {
    let s = TestDirectory(prefix: "dtlint-chain-vring")
    let hmp = try Self.context(s)
    let neighbour = { (at: String) in
      "\tscratch: scratch@\(at) {\n\t\treg = <0 0x\(at) 0 0x1000>;\n\t\tno-map;\n\t};\n"
    }
    let tight = s.write("tight.dtso", try Self.overlay(vring0Size: "0x2000", extra: neighbour("55004000")))
    let r = try HMPFixer.fix(path: tight, base: Self.base, frontEnd: Self.frontEnd(), hmp: hmp, selection: Self.withoutClocks)
    #expect(r.changes.first?.fix == "make it 0x3000 bytes (PAGE_ALIGN(vring_size))", "\(r.changes.map(\.fix))")
    #expect(String(decoding: r.output, as: UTF8.self).contains("reg = <0 0x55000000 0 0x3000>;"))

    let full = s.write("full.dtso", try Self.overlay(vring0Size: "0x2000", extra: neighbour("55002000")))
    let f = try HMPFixer.fix(path: full, base: Self.base, frontEnd: Self.frontEnd(), hmp: hmp, selection: Self.withoutClocks)
    #expect(!f.changes.contains { $0.rule == "hmp_vring_size" })
    #expect(f.remaining.contains { $0.rule == "hmp_vring_size" })
  }
}

/// The seed of issue 15 on the real Verdin trees: a BSP 6-shaped overlay (Tests/Fixtures/hmp/verdin-bsp6-shape.dtso)
/// that takes i2c3 and gives uart4 to the M7's console, checked with `--base` against each board with a manifest
/// claiming I2C3, I2C4 and UART4. I2C4, which every Verdin carrier tree enables, is reported at the carrier's line
/// and `hmp fix` disables it in the overlay.
@Suite(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts is missing"))
struct HMPChainOwnershipCorpusTests {
  static let overlay = SharedCorpus.packageRoot + "/Tests/Fixtures/hmp/verdin-bsp6-shape.dtso"

  @Test(arguments: HMPSystemTests.boards) func seedOverlayOnEveryVerdinBoard(board: String) throws {
    let linux = SharedCorpus.linuxDTS
    let s = TestDirectory(prefix: "dtlint-chain-seed")
    let m7 = s.write("m7.yaml", "soc: imx8mp\nperipherals: [i2c3, i2c4, uart4]\n")
    let hmp = try HMPContext.load(kernel: "toradex-bsp6", board: nil, m7: m7)
    var options = FrontEndOptions()
    options.includePaths = [linux + "/include", linux + "/src/arm64/freescale", linux + "/src"]
    let sources = SourceManager()
    let chain = try SourceReader(sources: sources, options: options)
      .applyChain(base: linux + "/src/arm64/freescale/\(board).dts", overlays: [Self.overlay])
    let conflicts = Linter(hmp: hmp).lint(chain: chain, onlyOverlay: true).filter {
      $0.rule == "hmp_peripheral_conflict"
    }
    let i2c4 = try #require(conflicts.first { $0.nodePath == "/soc@0/bus@30800000/i2c@30a50000" }, "\(board)")
    let file = try #require(i2c4.range.map { sources[$0.file].path })
    #expect(file.contains("imx8mp-verdin") && file.hasSuffix(".dtsi"), "\(board): \(file)")
    #expect(i2c4.notes.first?.message.contains("does not disable it") == true)
    #expect(i2c4.fixes.first?.edits.first?.replacement.contains("&i2c4 {") == true)
    // uart4 is enabled by the overlay itself: reported there.
    #expect(
      conflicts.contains {
        $0.nodePath == "/soc@0/bus@30800000/serial@30a60000"
          && chain.isInOverlay(range: $0.range, nodePath: $0.nodePath, property: $0.property)
      })

    let fixed = try HMPFixer.fix(
      path: Self.overlay, base: linux + "/src/arm64/freescale/\(board).dts", frontEnd: options, hmp: hmp, selection: Self.withoutClocks)
    #expect(Set(fixed.changes.map(\.rule)) == ["hmp_peripheral_conflict"], "\(board): \(fixed.changes.map(\.fix))")
    #expect(!fixed.remaining.contains { $0.rule == "hmp_peripheral_conflict" }, "\(board)")
  }
}

extension HMPChainOwnershipTests {
  /// These tests are about ownership; the clock rule's fix-its (issue 16) are tested in HMPClockRulesTests.
  static var withoutClocks: RuleSelection {
    var s = RuleSelection(registry: .shared)
    try? s.disable("hmp_clock_gated")
    return s
  }
}

extension HMPChainOwnershipCorpusTests {
  static var withoutClocks: RuleSelection { HMPChainOwnershipTests.withoutClocks }
}
