import Foundation
import Testing

@testable import DTCore

/// `diff` of blobs read straight from their bytes (``DiffBlobReader``, issue 20) against the general path it stands
/// for: the blobs read with ``DTBReader`` (libfdt, ``BlobRecovery``). The trees must be the same (names, labels,
/// phandles, values, and the value types the comparison guesses where it prints them), and so must every change
/// the comparison reports; where the direct reader declines, the general path reads the blob as before.
@Suite struct DiffBlobReaderTests {
  /// One side as `diff` reads it from `blob`: directly when ``DiffBlobReader`` takes it, else with ``DTBReader``.
  static func side(_ blob: [UInt8]) -> DiffInput? {
    if let tree = DiffBlobReader.read(blob) {
      return DiffInput(spec: "d.dtb", parts: ["d.dtb"], tree: tree, diagnostics: [], typesGuessed: false)
    }
    return general(blob)
  }

  /// One side read by the general path only.
  static func general(_ blob: [UInt8]) -> DiffInput? {
    guard let tree = try? DTBReader.read(blob, path: "g.dtb") else { return nil }
    return DiffInput(spec: "g.dtb", parts: ["g.dtb"], tree: tree, diagnostics: [])
  }

  /// Where the direct tree of a blob differs from the general one (nil: nowhere). Values compare by bytes and by
  /// the type markers guessed for them.
  static func treeDifference(_ direct: DeviceTree, _ general: DeviceTree) -> String? {
    if direct.isPlugin != general.isPlugin { return "isPlugin \(direct.isPlugin) vs \(general.isPlugin)" }
    if direct.reserves.map({ [$0.address, $0.size] }) != general.reserves.map({ [$0.address, $0.size] }) {
      return "reserves"
    }
    if direct.bootCPUID != general.bootCPUID { return "boot CPU" }
    func node(_ x: Node, _ y: Node, _ path: String) -> String? {
      if x.name != y.name { return "\(path): name \(x.name) vs \(y.name)" }
      if x.labels != y.labels { return "\(path): labels \(x.labels) vs \(y.labels)" }
      if x.phandle != y.phandle { return "\(path): phandle \(x.phandle) vs \(y.phandle)" }
      if x.properties.count != y.properties.count { return "\(path): property count" }
      for (p, q) in zip(x.properties, y.properties) {
        if p.name != q.name || p.value.bytes != q.value.bytes { return "\(path): property \(p.name) vs \(q.name)" }
        if ValueTyping.guessedMarkers(p.value.bytes, p.value.markers) != q.value.markers {
          return "\(path): \(p.name): markers"
        }
      }
      if x.children.count != y.children.count { return "\(path): child count" }
      for (c, d) in zip(x.children, y.children) {
        if let why = node(c, d, path + "/" + c.name) { return why }
      }
      return nil
    }
    return node(direct.root, general.root, "")
  }

  /// The changes between two blobs, both read as `diff` reads them, and both read by the general path (nil when
  /// the reader refuses either).
  static func changes(_ a: [UInt8], _ b: [UInt8], _ options: TreeDiffOptions = TreeDiffOptions())
    -> (direct: [TreeChange], general: [TreeChange])?
  {
    guard let sa = side(a), let sb = side(b), let ga = general(a), let gb = general(b) else { return nil }
    return (TreeDiff.compare(sa, sb, options: options), TreeDiff.compare(ga, gb, options: options))
  }

  /// `a` and `b` compare alike on both paths (as text and JSON too), with and without bookkeeping.
  static func expectSameChanges(
    _ a: [UInt8], _ b: [UInt8], _ context: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for options in [TreeDiffOptions(), TreeDiffOptions(includeBookkeeping: true)] {
      guard let c = changes(a, b, options) else {
        Issue.record("\(context): the reader refuses a blob", sourceLocation: sourceLocation)
        return
      }
      #expect(c.direct == c.general, "\(context)", sourceLocation: sourceLocation)
      let r = DiffReportRenderer(sources: SourceManager(), workingDirectory: "/", a: "a", b: "b")
      #expect(r.text(c.direct, color: false) == r.text(c.general, color: false), "\(context)")
      #expect(r.json(c.direct) == r.json(c.general), "\(context)", sourceLocation: sourceLocation)
    }
  }

  // MARK: - Fixtures

  /// The diff fixtures (a Verdin-like board and a customised copy, with -@): read directly, the same trees and
  /// the same changes as the general path, which finds some.
  @Test func fixtureBoardsCompareAlike() throws {
    let d = try DiffFixtures.scratch()
    let base = try DiffFixtures.blob(d.path + "/base.dts", symbols: true)
    let custom = try DiffFixtures.blob(d.path + "/custom.dts", symbols: true)
    let plain = try DiffFixtures.blob(d.path + "/base.dts", symbols: false)
    for blob in [base, custom, plain] {
      let direct = try #require(DiffBlobReader.read(blob))
      let general = try DTBReader.read(blob, path: "g.dtb")
      #expect(Self.treeDifference(direct, general) == nil, "\(Self.treeDifference(direct, general) ?? "")")
    }
    let c = try #require(Self.changes(base, custom))
    #expect(!c.direct.isEmpty)
    Self.expectSameChanges(base, custom, "base -> custom")
    Self.expectSameChanges(custom, base, "custom -> base")
    Self.expectSameChanges(base, plain, "base -> base without -@")
    #expect(try #require(Self.changes(base, base)).direct.isEmpty)
  }

  /// Blobs the direct reader leaves to the general path: an overlay with fixups, version 16 and earlier headers
  /// it does not take, a property after a child node, names DTS cannot write.
  @Test func declinedBlobsGoTheGeneralWay() throws {
    let d = try DiffFixtures.scratch()
    let overlay = try DiffFixtures.blob(d.path + "/hmp.dtso", symbols: true)
    #expect(DiffBlobReader.read(overlay) == nil)
    var late = RawBlob()
    late.begin("")
    late.begin("a")
    late.end()
    late.prop("x", [0, 0, 0, 1])
    late.end()
    #expect(DiffBlobReader.read(late.blob()) == nil)
    #expect(Self.side(late.blob()) != nil)
    var odd = RawBlob()
    odd.begin("")
    odd.prop("bad name", [1])
    odd.end()
    #expect(DiffBlobReader.read(odd.blob()) == nil)
    let base = try DiffFixtures.blob(d.path + "/base.dts", symbols: true)
    Self.expectSameChanges(base, late.blob(), "base -> property after a child")
    Self.expectSameChanges(odd.blob(), base, "name DTS cannot write -> base")
  }

  // MARK: - Corpus and mutations

  /// Consecutive corpus boards (the selection, or all with DTLINT_CORPUS=all), compiled with -@ by dtc: boards
  /// are read directly into the trees the general path reads, and each pair compares alike on both paths.
  @Test(.enabled(if: RefCorpus.available, "skipped: ../shared/corpus (or cpp and dtc) is missing"))
  func corpusPairsCompareAlike() throws {
    var blobs: [(name: String, blob: [UInt8])] = []
    for board in RefCorpus.selection() {
      guard let blob = try? RefCorpus.compile(board, ["-@"]) else { continue }
      blobs.append((board, blob))
      if let direct = DiffBlobReader.read(blob) {
        let general = try DTBReader.read(blob, path: "g.dtb")
        #expect(Self.treeDifference(direct, general) == nil, "\(board): \(Self.treeDifference(direct, general) ?? "")")
      } else {
        #expect(board.hasSuffix(".dtso"), "\(board): declined")
      }
    }
    #expect(blobs.count > 2)
    for (x, y) in zip(blobs, blobs.dropFirst()) {
      Self.expectSameChanges(x.blob, y.blob, "\(x.name) -> \(y.name)")
    }
  }

  /// Valid blobs with bytes flipped, replaced or cut: the direct reader never traps; a blob it reads is one the
  /// general path reads into the same tree, and it compares with the unmutated blob as the general path compares.
  @Test func mutatedBlobsMatchOrDecline() throws {
    let d = try DiffFixtures.scratch()
    let seeds = [
      try DiffFixtures.blob(d.path + "/base.dts", symbols: true),
      try DiffFixtures.blob(d.path + "/custom.dts", symbols: true),
    ]
    var rng = SplitMix64(seed: 2_020)
    var read = 0
    var declined = 0
    for seed in seeds {
      for round in 0..<600 {
        let b = BlobDumpTests.mutated(seed, &rng)
        guard let direct = DiffBlobReader.read(b) else {
          declined += 1
          continue
        }
        read += 1
        guard let general = try? DTBReader.read(b, path: "g.dtb") else {
          Issue.record("the direct reader read a blob the general reader refuses: \(b)")
          continue
        }
        if let why = Self.treeDifference(direct, general) { Issue.record("\(why): \(b)") }
        // Comparing costs more than reading: every tenth blob read.
        if round % 10 == 0 { Self.expectSameChanges(seed, b, "mutated blob (round \(round))") }
      }
    }
    #expect(read > 100 && declined > 100, "\(read) read, \(declined) declined")
  }
}
