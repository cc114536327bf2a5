import DTCore
import Foundation
import Testing
import _DTTestSupport

@testable import DTRules

typealias ParityCorpus = SharedCorpus

extension SharedCorpus {
  static func read(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
  }
}

/// What parity is measured on: which check, on which node, about which property.
struct CheckFinding: Hashable, Comparable, Sendable, CustomStringConvertible {
  var rule: String
  var path: String
  var property: String?
  var description: String { "\(rule) \(path)\(property.map { ":" + $0 } ?? "")" }
  static func < (a: CheckFinding, b: CheckFinding) -> Bool { a.description < b.description }
}

/// dtc's check IDs (the `dtc` rules of the registry).
let dtcCheckIDs = Set(RuleRegistry.shared.rules.map { $0.description }.filter { $0.category == .dtc }.map(\.id))

/// The check findings in dtc's stderr: `pos: Warning|ERROR (check): /path[:prop]: message`. Other lines (parser and
/// lexer errors, "Failed prerequisite", fatal errors, `also defined at` continuations) are not check findings.
func parseDtcStderr(_ text: String) -> Set<CheckFinding> { Set(parseDtcStderrLines(text)) }

/// As ``parseDtcStderr(_:)``, one element per line: a check that fails twice on one node (one line per pair of
/// `unique_unit_address`) counts twice.
func parseDtcStderrLines(_ text: String) -> [CheckFinding] {
  var out: [CheckFinding] = []
  for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
    for level in [": Warning (", ": ERROR ("] {
      guard let head = line.range(of: level) else { continue }
      let rest = line[head.upperBound...]
      guard let close = rest.range(of: "): ") else { continue }
      let rule = String(rest[..<close.lowerBound])
      let subject = rest[close.upperBound...]
      guard subject.hasPrefix("/"), let end = subject.range(of: ": ") else { continue }
      let target = subject[..<end.lowerBound]
      if let colon = target.firstIndex(of: ":") {
        out.append(
          CheckFinding(
            rule: rule, path: String(target[..<colon]), property: String(target[target.index(after: colon)...])))
      } else {
        out.append(CheckFinding(rule: rule, path: String(target), property: nil))
      }
      break
    }
  }
  return out
}

/// Lints a compiled source with `selection` and keeps the findings of dtc's checks, one per finding.
func dtcFindingLines(_ compilation: Compilation, selection: RuleSelection) -> [CheckFinding] {
  let findings = Linter(selection: selection).lint(compilation.tree, frontEnd: compilation.diagnostics)
  return findings.filter { dtcCheckIDs.contains($0.rule) }.map {
    CheckFinding(rule: $0.rule, path: $0.nodePath ?? "", property: $0.property)
  }
}

/// One compared input: what dtc printed and what we found, as sets (which check, node, property) and line by line
/// (how many times each: dtc prints a line per pair of siblings sharing a unit address).
struct ParityResult: Sendable {
  var name: String
  var expected: Set<CheckFinding>
  var actual: Set<CheckFinding>
  var note: String?
  var expectedLines: [CheckFinding] = []
  var actualLines: [CheckFinding] = []

  init(name: String, expected: Set<CheckFinding>, actual: Set<CheckFinding>, note: String? = nil) {
    self.name = name
    self.expected = expected
    self.actual = actual
    self.note = note
  }

  init(name: String, expectedLines: [CheckFinding], actualLines: [CheckFinding], note: String? = nil) {
    self.init(name: name, expected: Set(expectedLines), actual: Set(actualLines), note: note)
    self.expectedLines = expectedLines
    self.actualLines = actualLines
  }

  static func counted(_ lines: [CheckFinding]) -> [CheckFinding: Int] {
    lines.reduce(into: [:]) { $0[$1, default: 0] += 1 }
  }
  var matches: Bool {
    expected == actual && note == nil && Self.counted(expectedLines) == Self.counted(actualLines)
  }
  var report: String {
    var lines = ["  \(name):"]
    if let note { lines.append("    \(note)") }
    for f in expected.subtracting(actual).sorted() { lines.append("    missing \(f)") }
    for f in actual.subtracting(expected).sorted() { lines.append("    extra   \(f)") }
    let e = Self.counted(expectedLines)
    let a = Self.counted(actualLines)
    for f in expected.intersection(actual).sorted() where e[f] != a[f] {
      lines.append("    \(f): dtc \(e[f] ?? 0) lines, dtlint \(a[f] ?? 0)")
    }
    return lines.joined(separator: "\n")
  }
}

/// Runs `work` over `items` on the cooperative pool and returns the results in the items' order.
func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ work: @escaping @Sendable (T) -> R) async -> [R] {
  await withTaskGroup(of: (Int, R).self) { group in
    for (i, item) in items.enumerated() { group.addTask { (i, work(item)) } }
    var out = [R?](repeating: nil, count: items.count)
    for await (i, r) in group { out[i] = r }
    return out.map { $0! }
  }
}

func summary(_ title: String, _ results: [ParityResult]) -> String {
  let matched = results.filter(\.matches).count
  let dtcLines = results.reduce(0) { $0 + $1.expectedLines.count }
  let ourLines = results.reduce(0) { $0 + $1.actualLines.count }
  var text = "\(title): \(matched)/\(results.count) match; \(dtcLines) dtc check lines, \(ourLines) dtlint findings"
  let bad = results.filter { !$0.matches }
  if !bad.isEmpty { text += "\n" + bad.map(\.report).joined(separator: "\n") }
  return text
}

@Suite struct DtcParityTests {
  /// Linux's arm64 freescale trees, compiled as the kernel does (cpp, `-b 0`, `-@` for overlays), with dtc's default
  /// checks: same findings as dtc 1.8.1 printed. The boards' blobs, read back, are checked too.
  @Test(
    .enabled(
      if: ParityCorpus.linuxAvailable, "the shared corpus (../shared/corpus/linux-dts) is not beside the package"))
  func linuxTreesMatchDtc() async throws {
    let base = ParityCorpus.linuxDTS
    let list = try #require(ParityCorpus.read(base + "/expected/dtc-1.8.1.sha256"))
    let files = Set(
      list.split(separator: "\n").compactMap {
        $0.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init)
      }
    )
    .sorted()
    #expect(files.count == 341)
    let cache = PreprocessorCache()
    let results = await parallelMap(files) { file -> (source: ParityResult, blob: ParityResult?) in
      let name = (file as NSString).lastPathComponent
      let expectedLines =
        ParityCorpus.read(base + "/expected/dtc-1.8.1-warnings/\(name).txt").map(parseDtcStderrLines) ?? []
      let expected = Set(expectedLines)
      var options = FrontEndOptions()
      options.preprocess = true
      options.includePaths = [base + "/include", base + "/src/arm64/freescale", base + "/src"]
      let reader = SourceReader(sources: SourceManager(), options: options, cache: cache)
      var compile = CompileOptions()
      compile.symbols = file.hasSuffix(".dtso")
      compile.bootCPU = 0
      compile.stopBeforeGeneratedNodes = true
      let c: Compilation
      do {
        c = try reader.compile(path: base + "/" + file, options: compile)
      } catch {
        return (
          ParityResult(name: file, expectedLines: expectedLines, actualLines: [], note: "cannot read: \(error)"), nil
        )
      }
      let errors = c.diagnostics.filter { $0.severity == .error && !dtcCheckIDs.contains($0.rule) }
      let note = errors.isEmpty ? nil : "front end: \(errors.prefix(3).map { "\($0.rule): \($0.message)" })"
      let source = ParityResult(
        name: file, expectedLines: expectedLines, actualLines: dtcFindingLines(c, selection: RuleSelection()),
        note: note)
      // The blob of a board (no generated nodes without -@), read back and checked as dtc checks `-I dtb` input.
      guard file.hasSuffix(".dts"), note == nil else { return (source, nil) }
      return (source, DtcParityTests.blobParity(file, c.tree, expected: expected))
    }
    let sourceText = summary("linux-dts parity", results.map(\.source))
    let blobText = summary("linux-dts blob parity", results.compactMap(\.blob))
    print(String(sourceText.split(separator: "\n").first ?? ""))
    print(String(blobText.split(separator: "\n").first ?? ""))
    let allMatch = results.allSatisfy { $0.source.matches }
    #expect(allMatch, "\(sourceText)")
    let blobsMatch = results.allSatisfy { $0.blob?.matches ?? true }
    #expect(blobsMatch, "\(blobText)")
  }

  /// Checks the blob of `tree` as dtc checks a blob: what dtc printed for the source, except where a check looks
  /// at deleted nodes, which a blob no longer has (dtc tests "has children" on its raw child list).
  private static func blobParity(_ file: String, _ tree: DeviceTree, expected: Set<CheckFinding>) -> ParityResult {
    let name = file + " (blob)"
    let blob: DeviceTree
    do {
      blob = try DTBReader.read(DTBWriter.blob(of: tree), path: name)
    } catch {
      return ParityResult(name: name, expected: expected, actual: [], note: "cannot read back: \(error)")
    }
    let childrenAllDeleted = { (path: String) -> Bool in
      guard let n = tree.node(atPath: path) else { return false }
      return !n.children.isEmpty && !n.children.contains { !$0.deleted }
    }
    let childListChecks: Set<String> = ["avoid_unnecessary_addr_size", "i2c_bus_bridge", "spi_bus_bridge"]
    let adjusted = expected.filter { !(childListChecks.contains($0.rule) && childrenAllDeleted($0.path)) }
    let actual = Set(
      Linter().lint(blob, input: .blob).filter { dtcCheckIDs.contains($0.rule) }.map {
        CheckFinding(rule: $0.rule, path: $0.nodePath ?? "", property: $0.property)
      })
    return ParityResult(name: name, expected: adjusted, actual: actual)
  }

  /// dtc's own test inputs, with default checks and with every check enabled: same findings as dtc 1.8.1 printed
  /// (errors included; parser and lexer errors are the front end's `syntax` findings and are not compared).
  @Test(
    .enabled(
      if: ParityCorpus.dtcTestsAvailable, "the shared corpus (../shared/corpus/dtc-tests) is not beside the package"))
  func dtcTestInputsMatchDtc() async throws {
    let base = ParityCorpus.dtcTests
    let tsv = try #require(ParityCorpus.read(base + "/expected/dtc-1.8.1.tsv"))
    var rows: [(file: String, mode: String)] = []
    for line in tsv.split(separator: "\n").dropFirst() {
      let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard cols.count >= 2, cols[1] == "default" || cols[1] == "all" else { continue }
      rows.append((String(cols[0]), String(cols[1])))
    }
    #expect(rows.count == 304)
    let flags = try #require(ParityCorpus.read(base + "/expected/all-checks.flags"))
    var all = RuleSelection()
    for flag in flags.split(whereSeparator: { $0 == " " || $0 == "\n" }) where flag.hasPrefix("-W") {
      try all.enable(String(flag.dropFirst(2)))
    }
    let allChecks = all
    let results = await parallelMap(rows.map { "\($0.file)\t\($0.mode)" }) { row -> ParityResult in
      let parts = row.split(separator: "\t").map(String.init)
      let (file, mode) = (parts[0], parts[1])
      let name = "\(file) (\(mode))"
      let expected = ParityCorpus.read(base + "/expected/stderr/\(file).\(mode).txt").map(parseDtcStderrLines) ?? []
      var options = FrontEndOptions()
      options.preprocess = false
      let reader = SourceReader(sources: SourceManager(), options: options)
      var compile = CompileOptions()
      compile.stopBeforeGeneratedNodes = true
      do {
        let c = try reader.compile(path: base + "/inputs/" + file, options: compile)
        let selection = mode == "all" ? allChecks : RuleSelection()
        return ParityResult(
          name: name, expectedLines: expected, actualLines: dtcFindingLines(c, selection: selection))
      } catch {
        // dtc could not open it either: it printed no check finding.
        return ParityResult(name: name, expectedLines: expected, actualLines: [])
      }
    }
    let text = summary("dtc-tests parity", results)
    print(String(text.split(separator: "\n").first ?? ""))
    let allMatch = results.allSatisfy { $0.matches }
    #expect(allMatch, "\(text)")
  }
}
