import Foundation
import Testing
import _DTTestSupport

@testable import DTCore
@testable import DTRules

/// Overlays checked against their base: the chain rules' examples, and the false positives dtc gives on
/// fragments that disappear when cells and targets come from the base.
@Suite struct OverlayCheckTests {
  typealias Dir = TestDirectory

  /// Applies `overlay` to `base` and lints with only `rules` enabled (all when nil).
  static func check(
    overlay: String, base: String, rules: [String]?, onlyOverlay: Bool = true
  ) throws -> (findings: [Diagnostic], sources: SourceManager, overlayPath: String) {
    let d = Dir()
    let b = d.write("base.dts", base)
    let o = d.write("overlay.dtso", overlay)
    let sm = SourceManager()
    var opts = FrontEndOptions()
    opts.preprocess = false
    let reader = SourceReader(sources: sm, options: opts)
    var selection = RuleSelection()
    if let rules {
      try selection.disable("all")
      for r in rules { try selection.enable(r) }
    }
    let chain = try reader.applyChain(base: b, overlays: [o])
    let findings = Linter(selection: selection).lint(chain: chain, onlyOverlay: onlyOverlay)
    return (findings, sm, o)
  }

  static let chainRuleIDs = RuleRegistry.shared.chainRules.map { $0.description.id }

  @Test(arguments: chainRuleIDs) func chainRuleExamplesBehave(id: String) throws {
    guard let rule = RuleRegistry.shared.chainRules.first(where: { $0.description.id == id }) else {
      Issue.record("no chain rule \(id)")
      return
    }
    let d = rule.description
    #expect(!d.triggering.isEmpty && !d.nonTriggering.isEmpty)
    for ex in d.triggering {
      let loc = SourceLocation(fileID: #fileID, filePath: ex.file, line: ex.line, column: 1)
      let (code, markers) = stripArrowMarkers(ex.code)
      let r = try Self.check(overlay: code, base: ex.base ?? "", rules: [id])
      let mine = r.findings.filter { $0.rule == id }
      #expect(!mine.isEmpty, "\(id) did not trigger", sourceLocation: loc)
      let starts = Set(mine.compactMap { $0.range?.start })
      for m in markers {
        #expect(
          starts.contains(UInt32(m)), "\(id): no finding at marker offset \(m) (got \(starts.sorted()))",
          sourceLocation: loc)
      }
    }
    for ex in d.nonTriggering {
      let loc = SourceLocation(fileID: #fileID, filePath: ex.file, line: ex.line, column: 1)
      let r = try Self.check(overlay: ex.code, base: ex.base ?? "", rules: [id])
      let mine = r.findings.filter { $0.rule == id }
      #expect(mine.isEmpty, "\(id) triggered: \(mine.map(\.message))", sourceLocation: loc)
    }
  }

  static let base = """
    /dts-v1/;
    / {
    \tcompatible = "acme,board";
    \t#address-cells = <1>;
    \t#size-cells = <1>;
    \ti2c1: i2c@1000 {
    \t\tcompatible = "acme,i2c";
    \t\t#address-cells = <1>;
    \t\t#size-cells = <0>;
    \t\treg = <0x1000 0x100>;
    \t};
    };
    """

  static let sensorOverlay = """
    /dts-v1/;
    /plugin/;
    &i2c1 {
    \tsensor@48 {
    \t\tcompatible = "acme,sensor";
    \t\treg = <0x48>;
    \t};
    };
    """

  @Test func overlayFindingsUseTheBaseCellsNotDtcDefaults() throws {
    #expect(RuleRegistry.shared.description("reg_format") != nil)
    let r = try Self.check(overlay: Self.sensorOverlay, base: Self.base, rules: nil)
    let noisy = r.findings.filter {
      ["reg_format", "avoid_default_addr_size", "unit_address_vs_reg"].contains($0.rule)
    }
    #expect(noisy.isEmpty, "\(noisy.map { "\($0.rule) \($0.nodePath ?? "")" })")
  }

  @Test func findingsInOverlayContentPointAtOverlayLines() throws {
    let bad = """
      /dts-v1/;
      /plugin/;
      &i2c1 {
      \tsensor@48 {
      \t\treg = [00 00 48];  // 3 bytes: not a whole number of cells
      \t};
      };
      """
    let r = try Self.check(overlay: bad, base: Self.base, rules: ["reg_format"])
    let f = r.findings.first { $0.rule == "reg_format" }
    #expect(f?.nodePath == "/i2c@1000/sensor@48")
    let loc = f?.range.map { (r.sources[$0.file].path, r.sources[$0.file].lineColumn(at: $0.start).line) }
    #expect(loc?.0 == r.overlayPath)
    #expect(loc?.1 == 5)
  }

  @Test func onlyOverlayFindingsAreReportedWithBase() throws {
    // The base has its own problem (a unit address without reg); checking the overlay does not report it.
    let noisyBase = Self.base.replacingOccurrences(of: "\t};\n};", with: "\t};\n\tthing@5 { };\n};")
    let withBase = try Self.check(overlay: Self.sensorOverlay, base: noisyBase, rules: nil, onlyOverlay: true)
    #expect(!withBase.findings.contains { $0.nodePath == "/thing@5" })
    let whole = try Self.check(overlay: Self.sensorOverlay, base: noisyBase, rules: nil, onlyOverlay: false)
    #expect(whole.findings.contains { $0.nodePath == "/thing@5" })
  }

  @Test func aMissingTargetDoesNotStopTheOtherFragments() throws {
    let ov = """
      /dts-v1/;
      /plugin/;
      &nope {
      \tstatus = "okay";
      };
      &i2c1 {
      \tsensor@48 {
      \t\treg = [00 00 48];  // 3 bytes: not a whole number of cells
      \t};
      };
      """
    let r = try Self.check(overlay: ov, base: Self.base, rules: ["overlay_target_missing", "reg_format"])
    #expect(r.findings.contains { $0.rule == "overlay_target_missing" })
    #expect(r.findings.contains { $0.rule == "reg_format" && $0.nodePath == "/i2c@1000/sensor@48" })
  }

  @Test func baseWithoutSymbolsIsExplained() throws {
    let d = Dir()
    let sm = SourceManager()
    var opts = FrontEndOptions()
    opts.preprocess = false
    let reader = SourceReader(sources: sm, options: opts)
    let basePath = d.write("base.dts", Self.base)
    // A blob compiled without -@ has no __symbols__.
    let compiled = try reader.compile(path: basePath, options: CompileOptions())
    let blobPath = d.path + "/base.dtb"
    _ = FileManager.default.createFile(atPath: blobPath, contents: Data(DTBWriter.blob(of: compiled.tree)))
    let ov = d.write("o.dtso", Self.sensorOverlay)
    let chain = try reader.applyChain(base: blobPath, overlays: [ov])
    let f = Linter().lint(chain: chain).first { $0.rule == "overlay_target_missing" }
    #expect(f?.notes.contains { $0.message.contains("-@") } == true)
  }
}
