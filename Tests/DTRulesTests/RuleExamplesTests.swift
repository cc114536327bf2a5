import DTCore
import DTHMP
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

/// One example of one rule, as a test case.
struct ExampleCase: Sendable, CustomTestStringConvertible {
  let ruleID: String
  let triggering: Bool
  let index: Int
  let example: RuleExample
  var testDescription: String { "\(ruleID) \(triggering ? "triggering" : "non-triggering") #\(index + 1)" }

  static let all: [ExampleCase] = RuleRegistry.shared.rules.flatMap { rule -> [ExampleCase] in
    let d = rule.description
    return d.triggering.enumerated().map { ExampleCase(ruleID: d.id, triggering: true, index: $0, example: $1) }
      + d.nonTriggering.enumerated().map { ExampleCase(ruleID: d.id, triggering: false, index: $0, example: $1) }
  }
}

/// The example without its `↓` markers, and the byte offsets the markers stood at.
func stripMarkers(_ code: String) -> (code: String, offsets: [UInt32]) {
  let (text, offsets) = stripArrowMarkers(code)
  return (text, offsets.map { UInt32($0) })
}

/// Compiles an example the way `dtlint check` reads a source (no preprocessing here), up to where dtc runs its
/// checks.
func compileExample(_ code: String) -> Compilation {
  let sources = SourceManager()
  let file = sources.addVirtualFile(path: "example.dts", text: code)
  var options = FrontEndOptions()
  options.preprocess = false
  let reader = SourceReader(sources: sources, options: options)
  var compile = CompileOptions()
  compile.stopBeforeGeneratedNodes = true
  return SourceReader.finish(reader.parse(file: file), options: compile)
}

/// The files an example's manifest may name: the story example's firmware directory (its `pin_mux.c`,
/// `fsl_iomuxc.h`, and `app.elf` under the name `rpmsg-m7.elf`) plus the test-only files of `Tests/Fixtures/hmp/m7`.
let exampleFirmwareDirectory = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom/firmware"
let exampleM7Fixtures = SharedCorpus.packageRoot + "/Tests/Fixtures/hmp/m7"

/// Copies the M7 fixtures into `directory`, so a manifest written there may name them.
func copyM7Fixtures(into directory: TestDirectory) {
  let files: [(from: String, to: String)] =
    [("pin_mux.c", "pin_mux.c"), ("fsl_iomuxc.h", "fsl_iomuxc.h"), ("app.elf", "rpmsg-m7.elf")].map {
      (exampleFirmwareDirectory + "/" + $0.0, $0.1)
    }
    + ((try? FileManager.default.contentsOfDirectory(atPath: exampleM7Fixtures)) ?? []).map {
      (exampleM7Fixtures + "/" + $0, $0)
    }
  for (from, to) in files {
    if let data = FileManager.default.contents(atPath: from) { directory.write(to, bytes: [UInt8](data)) }
  }
}

/// What an example's `kernel`, `board` and `m7` options say (see ``RuleExample``), loaded as `dtlint check` loads
/// `--kernel`, `--board` and `--m7`: the manifest text is written to a scratch directory beside copies of the
/// fixtures, so it may name them (`firmware: {elf: rpmsg-m7.elf}`).
func exampleHMPContext(_ options: [String: String]) throws -> HMPContext {
  let kernel = options["kernel"]
  guard kernel != nil || options["board"] != nil || options["m7"] != nil else { return .defaults }
  let flavor = try KernelFlavor.load(name: kernel ?? HMP.defaultKernelFlavor)
  let board = try options["board"].map { (b: String) throws -> BoardProfile in try HMPContext.boardProfile(named: b) }
  let scratch = TestDirectory(prefix: "dtlint-example")
  var manifest: M7Manifest?
  if let m7 = options["m7"] {
    copyM7Fixtures(into: scratch)
    var m = try M7Manifest.load(path: scratch.write("example-m7.yaml", m7 + "\n"))
    m.path = "example-m7.yaml"  // as messages name it (the files it names were resolved already)
    manifest = m
  }
  return HMPContext(
    kernel: flavor, kernelGiven: kernel, board: board, manifest: manifest, inputs: try manifest?.loadInputs())
}

@Suite struct RuleExamplesTests {
  @Test(arguments: ExampleCase.all)
  func example(_ c: ExampleCase) throws {
    let location = SourceLocation(
      fileID: "DTRules/" + (c.example.file.split(separator: "/").last.map(String.init) ?? c.example.file),
      filePath: c.example.file, line: c.example.line, column: 1)
    let (code, markers) = stripMarkers(c.example.code)
    let compilation = compileExample(code)
    let syntax = compilation.diagnostics.filter { $0.rule == "syntax" || $0.rule == "preprocessor" }
    #expect(syntax.isEmpty, "example does not parse: \(syntax.map(\.message))", sourceLocation: location)

    // Only the rule (with its prerequisites) runs; a rule that never reports is shown through the one it feeds.
    var selection = RuleSelection()
    try selection.disable("all")
    try selection.enable(c.ruleID)
    let observed = c.example.extraOptions["checkedBy"] ?? c.ruleID
    try selection.enable(observed)
    for extra in (c.example.extraOptions["enable"] ?? "").split(separator: ",") {
      try selection.enable(String(extra.trimmingCharacters(in: .whitespaces)))
    }
    let hmp = try exampleHMPContext(c.example.extraOptions)
    let findings = Linter(selection: selection, hmp: hmp).lint(compilation.tree, frontEnd: compilation.diagnostics)
      .filter { $0.rule == observed }

    if c.triggering {
      #expect(!findings.isEmpty, "\(observed) reported nothing", sourceLocation: location)
      for offset in markers {
        #expect(
          findings.contains { $0.range?.start == offset },
          "no \(observed) finding at the ↓ marker (offset \(offset)); found at \(findings.map { $0.range?.start ?? 0 }): \(findings.map(\.message))",
          sourceLocation: location)
      }
    } else {
      #expect(findings.isEmpty, "unexpected: \(findings.map(\.message))", sourceLocation: location)
    }
  }

  @Test func everyRuleHasExamplesOfBothKinds() {
    for d in RuleRegistry.shared.rules.map({ $0.description }) {
      #expect(!d.triggering.isEmpty, "\(d.id) has no triggering example")
      #expect(!d.nonTriggering.isEmpty, "\(d.id) has no non-triggering example")
    }
  }

  @Test func ruleIDsAreUniqueSnakeCase() {
    var seen = Set<String>()
    for d in RuleRegistry.shared.descriptions {
      #expect(seen.insert(d.id).inserted, "duplicate rule ID \(d.id)")
      let ok =
        !d.id.isEmpty && d.id.first != "_" && d.id.last != "_" && !d.id.contains("__")
        && d.id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
      #expect(ok, "\(d.id) is not snake_case")
    }
  }

  @Test func dtcChecksAreRegisteredInCheckTableOrder() {
    let dtc = RuleRegistry.shared.rules.map { $0.description }.filter { $0.category == .dtc }
    #expect(dtc.count == 88)
    #expect(dtc.first?.id == "duplicate_node_names")
    #expect(dtc.last?.id == "graph_endpoint")
    // Every prerequisite is registered.
    for d in dtc {
      for p in d.prerequisites { #expect(RuleRegistry.shared.description(p) != nil, "\(d.id): unknown \(p)") }
    }
  }
}
