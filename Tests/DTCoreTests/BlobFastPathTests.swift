import Foundation
import Testing

@testable import DTCore

/// The shortcuts `dump`, `apply` and `diff` take on blobs (issue 20), each compared with the general code it
/// stands for, on generated values and trees and on corpus blobs.
extension SplitMix64: RandomNumberGenerator {}

@Suite struct BlobFastPathTests {
  /// Values of the shapes blobs hold: strings, string lists (with empty strings), cells, odd bytes, text with
  /// control bytes, and random bytes.
  static func randomValue(_ rng: inout SplitMix64) -> [UInt8] {
    let length = Int.random(in: 0...24, using: &rng)
    switch Int.random(in: 0..<5, using: &rng) {
    case 0:
      let alphabet = Array("ab,-\0\0\u{7}\t".utf8)
      return (0..<length).map { _ in alphabet.randomElement(using: &rng)! } + [0]
    case 1: return (0..<(length / 4 * 4)).map { _ in UInt8.random(in: 0...3, using: &rng) }
    case 2: return Array("okay\0".utf8)
    case 3: return Array("fsl,imx8mp-uart\0fsl,imx6q-uart\0".utf8)
    default: return (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }
  }

  static func randomMarkers(_ rng: inout SplitMix64, length: Int) -> [ValueMarker] {
    let kinds: [ValueMarker.Kind] = [
      .string, .cells(bits: 32), .cells(bits: 8), .cells(bits: 16), .cells(bits: 7), .phandleReference, .label,
      .pathReference,
    ]
    let refs: [String?] = [nil, "clk", "/soc/gpio@1", "9bad", "/a b", "x"]
    return (0..<Int.random(in: 0...4, using: &rng)).map { _ in
      ValueMarker(
        kind: kinds.randomElement(using: &rng)!, offset: Int.random(in: -2...(length + 2), using: &rng),
        ref: refs.randomElement(using: &rng)!)
    }
  }

  /// `guessedMarkers` answers values without markers, and values whose markers start with a type, without dtc's
  /// list walk: the same markers as the walk.
  @Test func guessedMarkersAnswerLikeTheListWalk() {
    var rng = SplitMix64(seed: 2_026_1203)
    for _ in 0..<5_000 {
      let bytes = Self.randomValue(&rng)
      var markers: [[ValueMarker]] = [[], Self.randomMarkers(&rng, length: bytes.count)]
      markers.append([ValueMarker(kind: .cells(bits: 32), offset: 0)] + markers[1])
      markers.append([ValueMarker(kind: .string, offset: 0), ValueMarker(kind: .label, offset: 0, ref: "l")])
      for m in markers {
        #expect(
          ValueTyping.guessedMarkers(bytes, m) == ValueTyping.generalGuessedMarkers(bytes, m), "\(bytes) \(m)")
      }
    }
  }

  /// A value prints the same whether its markers are already in order and usable (used as they are) or have to
  /// be filtered and sorted first.
  @Test func cleanMarkersPrintLikeSanitizedOnes() {
    var rng = SplitMix64(seed: 77)
    func usable(_ m: ValueMarker, _ length: Int) -> Bool {
      guard m.offset >= 0, m.offset <= length else { return false }
      switch m.kind {
      case .phandleReference: return m.ref.map { DTSPrinter.isLabel($0) || DTSPrinter.isPathReference($0) } ?? false
      case .label: return m.ref.map(DTSPrinter.isLabel) ?? false
      case .cells(let bits): return [8, 16, 32, 64].contains(bits)
      default: return true
      }
    }
    var unclean = 0
    for _ in 0..<5_000 {
      let bytes = Self.randomValue(&rng)
      let markers = Self.randomMarkers(&rng, length: bytes.count)
      let kept = markers.enumerated().filter { usable($0.element, bytes.count) }
        .sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
      if kept != markers { unclean += 1 }
      let general = DTSPrinter.typed(PropertyValue(bytes: bytes, markers: markers))
      let fast = DTSPrinter.typed(PropertyValue(bytes: bytes, markers: kept))
      #expect(general.text == fast.text && general.markers == fast.markers, "\(bytes) \(markers)")
    }
    #expect(unclean > 1_000)
  }

  /// `/__symbols__` paths of ASCII bytes are resolved without building strings of whole paths: the node
  /// ``DeviceTree/node(atPath:)`` finds, on odd paths too.
  @Test func symbolPathsResolveLikeNodeAtPath() {
    let tree = DeviceTree(
      root: N("", [:], [N("soc", [:], [N("gpio@1"), N("uart@2", [:], [N("x")])]), N("é"), N("a")]))
    let paths = [
      "/soc/gpio@1", "/soc/uart@2/x", "//soc//uart@2/", "/", "", "soc/gpio@1", "/soc/none", "/é", "/a", "/a\0/soc",
      "/soc/gpio@1\0junk", "/\u{301}a", "/soc/gpio@1/",
    ]
    for p in paths {
      for bytes in [Array(p.utf8), Array(p.utf8) + [0]] {
        #expect(
          BlobRecovery.node(atPath: bytes, in: tree) === tree.node(atPath: BlobRecovery.cString(bytes)), "\(p)")
      }
    }
  }

  /// `isGPIO`'s search for `nr-gpio` on the name's bytes answers as the string search does.
  @Test func nrGPIOSearchMatchesTheStringSearch() {
    let names = [
      "nr-gpios", "snps,nr-gpios", "gpios", "reset-gpios", "nr-gpi", "nnr-gpio", "nr-gpió", "nr-gpio\u{301}s",
      "é-nr-gpios", "", "n", "xnr-gpio",
    ]
    for n in names {
      #expect(PhandleLayout.containsNrGPIO(n) == n.contains("nr-gpio"), "\(n)")
    }
  }

  /// Two trees whose phandles are numbered differently: a value with equal bytes is the same only where the
  /// numbers name nodes of one path. The shortcut never calls "same" what ``DiffSide/same`` calls different.
  @Test func equalBytesShortcutNeverHidesAChange() {
    func tree(clk: UInt32, gpio: UInt32) -> DeviceTree {
      let root = N(
        "",
        [:],
        [
          N("clk", ["phandle": .cells([clk]), "#clock-cells": .cells([1])]),
          N("gpio", ["phandle": .cells([gpio]), "#gpio-cells": .cells([2])]),
          N(
            "dev",
            [
              "clocks": .cells([1, 5]), "reset-gpios": .cells([2, 3, 0]), "reg": .cells([1, 2]),
              "status": .string("okay"),
            ]),
        ])
      return DeviceTree(root: root)
    }
    let a = tree(clk: 1, gpio: 2)
    let swapped = tree(clk: 2, gpio: 1)
    var walker = TreeDiff.Walker(a: DiffSide(a), b: DiffSide(swapped), options: TreeDiffOptions())
    let devA = a.node(atPath: "/dev")!
    let devB = swapped.node(atPath: "/dev")!
    for name in ["clocks", "reset-gpios", "reg", "status"] {
      let pa = devA.property(name)!
      let pb = devB.property(name)!
      let same = DiffSide.same(
        walker.a.analyze(pa, in: devA), in: walker.a, walker.b.analyze(pb, in: devB), in: walker.b)
      let quick = walker.equalBytesAreSame(pa, pb)
      #expect(!quick || same, "\(name)")
      // Only `status` holds no cell that is a phandle of either tree.
      #expect(quick == (name == "status"), "\(name)")
    }
    #expect(TreeDiff.compare(a, swapped).map { $0.property ?? "" }.sorted() == ["clocks", "reset-gpios"])
    // The same numbering: every equal value is the same, without typing.
    var alike = TreeDiff.Walker(a: DiffSide(a), b: DiffSide(tree(clk: 1, gpio: 2)), options: TreeDiffOptions())
    for p in devA.properties {
      let quick = alike.equalBytesAreSame(p, p)
      #expect(quick, "\(p.name)")
    }
  }

  /// On corpus blobs (pairs of boards compiled with -@): every property pair the shortcut calls the same,
  /// ``DiffSide/same`` does too; and the blob reader's `properties: false` keeps the nodes of a full read.
  @Test(.enabled(if: RefCorpus.available)) func corpusBlobs() throws {
    let boards = RefCorpus.selection().filter { $0.hasSuffix(".dts") }
    var trees: [DeviceTree] = []
    for board in boards {
      guard let blob = try? RefCorpus.compile(board, ["-@"]) else { continue }
      let tree = try DTBReader.read(blob, path: board)
      trees.append(tree)
      let bare = try DTBReader.read(blob, path: board, recover: false, properties: false)
      var full: [String] = []
      var nodes: [String] = []
      tree.root.walk { full.append($0.path) }
      bare.root.walk {
        nodes.append($0.path)
        #expect($0.properties.isEmpty)
      }
      #expect(full == nodes, "\(board)")
      // Values as the reader left them (no markers) type alike through both paths of guessedMarkers.
      let raw = try DTBReader.read(blob, path: board, recover: false)
      raw.root.walk { n in
        for p in n.properties {
          #expect(
            ValueTyping.guessedMarkers(p.value.bytes, []) == ValueTyping.generalGuessedMarkers(p.value.bytes, []))
        }
      }
      // Every `/__symbols__` path resolves as DeviceTree.node(atPath:) resolves it.
      for p in tree.root.child("__symbols__")?.properties ?? [] {
        #expect(
          BlobRecovery.node(atPath: p.value.bytes, in: tree)
            === tree.node(atPath: BlobRecovery.cString(p.value.bytes)))
      }
    }
    #expect(trees.count >= 2)
    var shortcuts = 0
    for (x, y) in zip(trees, trees.dropFirst()) {
      var walker = TreeDiff.Walker(a: DiffSide(x), b: DiffSide(y), options: TreeDiffOptions())
      x.root.walk { na in
        guard let nb = y.node(atPath: na.path) else { return }
        for pa in na.properties {
          guard let pb = nb.property(pa.name), pa.value.bytes == pb.value.bytes else { continue }
          if walker.equalBytesAreSame(pa, pb) {
            shortcuts += 1
            #expect(
              DiffSide.same(walker.a.analyze(pa, in: na), in: walker.a, walker.b.analyze(pb, in: nb), in: walker.b),
              "\(na.path) \(pa.name)")
          }
        }
      }
    }
    #expect(shortcuts > 100)
    // Nodes whose properties the shortcut calls the same give no change when compared in full.
    var skipped = 0
    for (x, y) in zip(trees, trees.dropFirst()) {
      var walker = TreeDiff.Walker(a: DiffSide(x), b: DiffSide(y), options: TreeDiffOptions())
      x.root.walk { na in
        guard let nb = y.node(atPath: na.path), walker.propertiesAreSame(na, nb) else { return }
        skipped += 1
        var full = TreeDiff.Walker(a: walker.a, b: walker.b, options: TreeDiffOptions())
        full.comparePropertiesInFull(na, nb, path: na.path)
        #expect(full.changes.isEmpty, "\(na.path)")
      }
    }
    #expect(skipped > 100)
  }
}
