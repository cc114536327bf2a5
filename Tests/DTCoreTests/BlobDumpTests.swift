import Foundation
import Testing

@testable import DTCore

/// `dump` of a blob straight from its bytes (``BlobDump``, issue 20) against the general path it stands for: the
/// blob read into a tree (``DTBReader``) and printed (``DTSPrinter``). Every text the direct path writes must be
/// byte for byte the general path's; where it declines, the general path prints as before.
@Suite struct BlobDumpTests {
  /// The general path's text and omissions, nil when the reader refuses the blob.
  static func general(_ blob: [UInt8]) -> (text: [UInt8], omitted: [DTSPrinter.Omission])? {
    guard let tree = try? DTBReader.read(blob, path: "t.dtb") else { return nil }
    var omitted: [DTSPrinter.Omission] = []
    let text = DTSPrinter.printBytes(tree, omitted: &omitted)
    return (text, omitted)
  }

  /// The direct path prints `blob`, the same bytes as the general path, which leaves nothing out.
  static func expectDirect(_ blob: [UInt8], _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let g = general(blob) else {
      Issue.record("\(context): the reader refuses the blob", sourceLocation: sourceLocation)
      return
    }
    guard let direct = BlobDump.text(blob) else {
      Issue.record("\(context): the direct path declined", sourceLocation: sourceLocation)
      return
    }
    #expect(g.omitted.isEmpty, "\(context)", sourceLocation: sourceLocation)
    if direct != g.text {
      Issue.record(
        "\(context): \(firstDifference(direct, g.text))\n\(String(decoding: direct, as: UTF8.self))",
        sourceLocation: sourceLocation)
    }
  }

  /// The direct path declines `blob`; the general path reads it and prints `expected` (with `omissions`
  /// left out).
  static func expectFallback(
    _ blob: [UInt8], _ context: String, printing expected: String? = nil, omissions: Int = 0,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(BlobDump.text(blob) == nil, "\(context)", sourceLocation: sourceLocation)
    guard let g = general(blob) else {
      Issue.record("\(context): the reader refuses the blob", sourceLocation: sourceLocation)
      return
    }
    #expect(g.omitted.count == omissions, "\(context): \(g.omitted)", sourceLocation: sourceLocation)
    if let expected {
      #expect(String(decoding: g.text, as: UTF8.self) == expected, "\(context)", sourceLocation: sourceLocation)
    }
  }

  // MARK: - The value writer

  /// ``DTSPrinter/writeGuessedValue(_:from:to:into:)`` writes what the general path writes for a blob's value
  /// (the markers ``ValueTyping/guessedMarkers(_:_:)`` gives it, then ``DTSPrinter/valueText(_:)``), also for a
  /// value in the middle of a larger buffer.
  @Test func guessedValuesPrintLikeTheirMarkers() {
    var rng = SplitMix64(seed: 20_201)
    var kinds: Set<String> = []
    for _ in 0..<5_000 {
      let bytes = BlobFastPathTests.randomValue(&rng)
      let general = DTSPrinter.valueText(
        PropertyValue(bytes: bytes, markers: ValueTyping.guessedMarkers(bytes, [])))
      let padded = [0x22, 0x00] + bytes + [0x5C]
      var out: [UInt8] = Array("x".utf8)
      DTSPrinter.writeGuessedValue(padded, from: 2, to: 2 + bytes.count, into: &out)
      #expect(String(decoding: out.dropFirst(), as: UTF8.self) == general, "\(bytes)")
      kinds.insert(String(general.prefix(4)))
    }
    // Empty values, strings, cells and bytes all came up.
    #expect(kinds.isSuperset(of: [";", " = \"", " = <", " = ["]), "\(kinds)")
  }

  // MARK: - Blobs the direct path prints

  /// Labels from `/__symbols__` in the reader's order and choice: several on one node (the latest first), one
  /// label named twice, paths with empty components, without the leading `/`, with text after the NUL, paths that
  /// name nothing, a label on the root, a non-label entry whose path names nothing; memory reservations; values
  /// of every kind.
  @Test func symbolsReservesAndValues() {
    let symbols: KeyValuePairs<String, PropertyValue> = [
      "uart": .string("/soc/serial@1"), "serial": .string("/soc/serial@1"), "uart_again": .string("/soc/serial@1"),
      "uart2": .string("//soc//serial@1/"), "relative": .string("soc/gpio@2"), "uart": .string("/soc/gpio@2"),
      "junk": PropertyValue(bytes: Array("/soc\0/nothing".utf8)), "none": .string("/soc/none"),
      "top": .string("/"), "empty": .string(""), "9notalabel": .string("/nowhere"), "deep": .string("/soc/gpio@2/x"),
      "unterminated": PropertyValue(bytes: Array("/soc/gpio@2".utf8)),
    ]
    let root = N(
      "",
      ["model": .string("acme"), "compatible": strings("a,b", "c"), "#address-cells": .cells([1])],
      [
        N(
          "soc", ["ranges": empty, "reg": .cells([0x1000, 0xffff_ffff])],
          [
            N(
              "serial@1",
              [
                "status": .string("okay"), "mac": bytes([0, 0x11, 0xff]), "odd": PropertyValue(bytes: [1, 2, 3, 4, 5]),
                "text": PropertyValue(bytes: Array("tab\there \"q\" back\\slash \u{7}\0".utf8)),
                "high": PropertyValue(bytes: [0x41, 0xe9, 0x00]), "list": strings("a", "", "b"),
                "nuls": PropertyValue(bytes: [0, 0]), "one-nul": PropertyValue(bytes: [0]),
              ]),
            N("gpio@2", ["#gpio-cells": .cells([2])], [N("x")]),
          ]),
        N("__symbols__", symbols),
      ])
    let tree = DeviceTree(
      root: root, reserves: [ReserveEntry(address: 0x8000_0000, size: 0x10_0000), ReserveEntry(address: 1, size: 2)])
    let blob = DTBWriter.blob(of: tree)
    Self.expectDirect(blob, "hand-made")
    let text = String(decoding: BlobDump.text(blob) ?? [], as: UTF8.self)
    #expect(text.contains("\t\tuart2: uart_again: serial: uart: serial@1 {"), "\(text)")
    #expect(text.contains("\t\tunterminated: uart: relative: gpio@2 {"), "\(text)")
    #expect(text.contains("\t\t\tdeep: x {"), "\(text)")
    #expect(text.contains("\tjunk: soc {"), "\(text)")
    #expect(text.contains("empty: top: / {"), "\(text)")
    #expect(text.contains("/memreserve/\t0x0000000080000000 0x0000000000100000;"), "\(text)")
  }

  /// An overlay without references (no fixup nodes): `/plugin/` from its `__overlay__`; and a board and an overlay
  /// compiled by dtc, plain.
  @Test func overlaysWithoutFixupsAndDtcBlobs() throws {
    let fragment = N(
      "", [:], [N("fragment@0", ["target-path": .string("/")], [N("__overlay__", ["new": .string("n")])])])
    let blob = DTBWriter.blob(of: DeviceTree(root: fragment))
    Self.expectDirect(blob, "fragment")
    #expect(String(decoding: BlobDump.text(blob) ?? [], as: UTF8.self).hasPrefix("/dts-v1/;\n/plugin/;\n\n/ {"))
    // `__overlay__` deeper down does not make an overlay.
    let deep = N("", [:], [N("a", [:], [N("b", [:], [N("__overlay__")])])])
    Self.expectDirect(DTBWriter.blob(of: DeviceTree(root: deep)), "deep __overlay__")
    guard RefTool.isInstalled("dtc") else { return }
    Self.expectDirect(try RefTool.dtb(RoundTripSources.board, ["-@"]), "board -@")
    Self.expectDirect(try RefTool.dtb(RoundTripSources.board), "board")
    Self.expectDirect(try RefTool.dtb(RoundTripSources.board, ["-H", "both"]), "board -H both")
  }

  /// NOP tags anywhere in the structure block are skipped, as libfdt skips them.
  @Test func nopTags() {
    var raw = RawBlob()
    raw.nop()
    raw.begin("")
    raw.nop()
    raw.prop("a", [0, 0, 0, 1])
    raw.nop()
    raw.begin("n")
    raw.nop()
    raw.end()
    raw.end()
    Self.expectDirect(raw.blob(), "nops")
  }

  // MARK: - Blobs the direct path declines

  /// Overlays with `__fixups__` or `__local_fixups__`: references are restored by the general path.
  @Test func fixupsFallBack() throws {
    guard RefTool.isInstalled("dtc") else { return }
    Self.expectFallback(try RefTool.dtb(RoundTripSources.overlay, ["-@"]), "overlay -@")
    Self.expectFallback(try RefTool.dtb(RoundTripSources.overlay), "overlay")
    let local =
      "/dts-v1/;\n/plugin/;\n/ { fragment@0 { target-path = \"/\"; __overlay__ { l: a { }; b { r = <&l>; }; }; }; };"
    let blob = try RefTool.dtb(local)
    let text = String(decoding: Self.general(blob)?.text ?? [], as: UTF8.self)
    #expect(text.contains("r = <&{/fragment@0/__overlay__/a}>;"), "\(text)")
    Self.expectFallback(blob, "local fixups only")
  }

  /// Names DTS cannot write and `/__symbols__` labels that are not DTS labels: the general path leaves them out
  /// with a comment (and the command warns).
  @Test func unprintableNamesAndLabelsFallBack() {
    let badNode = N("", [:], [N("bad name", ["a": empty], [N("below")]), N("ok")])
    Self.expectFallback(
      DTBWriter.blob(of: DeviceTree(root: badNode)), "node name",
      printing: """
        /dts-v1/;

        / {

        \t/* node "bad name" and the 1 node below it: DTS cannot write this name (only [a-zA-Z0-9,._+*#?@-]), left out */

        \tok {
        \t};
        };

        """, omissions: 1)
    let badProperty = N("", ["a b": .string("x"), "ok": empty])
    Self.expectFallback(DTBWriter.blob(of: DeviceTree(root: badProperty)), "property name", omissions: 1)
    let emptyName = N("", [:], [N("")])
    Self.expectFallback(DTBWriter.blob(of: DeviceTree(root: emptyName)), "empty node name", omissions: 1)
    let nonASCII = N("", [:], [N("é")])
    Self.expectFallback(DTBWriter.blob(of: DeviceTree(root: nonASCII)), "non-ASCII node name", omissions: 1)
    let badLabel = N("", [:], [N("a"), N("__symbols__", ["9bad": .string("/a"), "good": .string("/a")])])
    Self.expectFallback(DTBWriter.blob(of: DeviceTree(root: badLabel)), "label", omissions: 1)
    let dashLabel = N("", [:], [N("a"), N("__symbols__", ["a-b": .string("/a")])])
    Self.expectFallback(DTBWriter.blob(of: DeviceTree(root: dashLabel)), "label with a dash", omissions: 1)
    // A label that is not a DTS label but whose path names nothing is not printed anyway: the direct path prints.
    let unused = N("", [:], [N("a"), N("__symbols__", ["9bad": .string("/none")])])
    Self.expectDirect(DTBWriter.blob(of: DeviceTree(root: unused)), "unused non-label")
  }

  /// Shapes the direct path does not take on, each read and printed by the general path: a `/__symbols__` path
  /// that is not ASCII, a property after a child node, two nodes of one path, a version before 16.
  @Test func oddShapesFallBack() {
    let nonASCIIPath = N("", [:], [N("a"), N("__symbols__", ["l": .string("/\u{301}a")])])
    Self.expectFallback(DTBWriter.blob(of: DeviceTree(root: nonASCIIPath)), "non-ASCII path")

    Self.expectFallback(
      RawBlob.propertyAfterChild().blob(), "property after a child",
      printing: "/dts-v1/;\n\n/ {\n\tlate = <0x02>;\n\n\tchild {\n\t};\n};\n")

    let twins = N(
      "", [:], [N("a", ["x": .cells([1])]), N("a", ["y": .cells([2])]), N("__symbols__", ["l": .string("/a")])])
    Self.expectFallback(DTBWriter.blob(of: DeviceTree(root: twins)), "two nodes of one path")

    // A second `__symbols__` node (the reader takes its labels from the first only).
    let symbols = N(
      "", [:], [N("a"), N("__symbols__", ["l": .string("/a")]), N("__symbols__", ["ignored": .string("/a")])])
    Self.expectFallback(DTBWriter.blob(of: DeviceTree(root: symbols)), "two __symbols__")

    // Versions before 16 (nodes named by their path); 16 is printed directly.
    let tree = DeviceTree(root: N("", ["a": .cells([1])], [N("b", ["c": .string("d")])]))
    for version in [2, 3] {
      Self.expectFallback(DTBWriter.blob(of: tree, version: version), "version \(version)")
    }
    Self.expectDirect(DTBWriter.blob(of: tree, version: 16), "version 16")
  }

  /// Blobs the reader refuses are declined (the general path reports them): a root that is not named "", a second
  /// top-level node, a tag other than FDT_END after the root, a property outside any node, a node left open,
  /// nesting past the reader's limit.
  @Test func refusedBlobsFallBack() {
    for (raw, context) in RawBlob.refusedShapes() {
      #expect(BlobDump.text(raw.blob()) == nil, "\(context)")
      #expect(Self.general(raw.blob()) == nil, "\(context)")
    }
  }

  // MARK: - Printing in chunks

  /// A tree of `count` nodes with labels, strings, cells and bytes: some 100 bytes of text a node. `last` is
  /// added to the last node's properties.
  static func largeTree(_ count: Int, last: (String, PropertyValue)? = nil) -> DeviceTree {
    var nodes: [Node] = []
    var symbols: [(String, PropertyValue)] = []
    for i in 0..<count {
      let n = N(
        "node@\(String(i, radix: 16))",
        ["reg": .cells([UInt32(i), 0x100]), "compatible": strings("acme,part", "acme,base"), "mac": bytes([1, 2, 3])])
      if i == count - 1, let last { n.properties.append(Property(name: last.0, value: last.1)) }
      nodes.append(n)
      if i % 3 == 0 { symbols.append(("l\(i)", .string("/bus/node@\(String(i, radix: 16))"))) }
    }
    let symbolsNode = N("__symbols__")
    for (name, value) in symbols { symbolsNode.properties.append(Property(name: name, value: value)) }
    return DeviceTree(root: N("", ["model": .string("large")], [N("bus", [:], nodes), symbolsNode]))
  }

  /// The text handed out in chunks (as `dump` writes it to standard output), whatever the chunk size, is the text
  /// written whole, which is the general path's; `flush` is called only once a chunk is full.
  @Test func textInChunksIsTheWholeText() throws {
    var blobs = [DTBWriter.blob(of: Self.largeTree(2_000))]
    if RefTool.isInstalled("dtc") { blobs.append(try RefTool.dtb(RoundTripSources.board, ["-@"])) }
    for blob in blobs {
      Self.expectDirect(blob, "large")
      let whole = try #require(BlobDump.text(blob))
      let printer = try #require(BlobDump.Printer(blob))
      for chunk in [1, 7, 4096, 32 << 10, whole.count, whole.count + 1] {
        var handed: [UInt8] = []
        var flushes = 0
        var out: [UInt8] = []
        let complete = printer.write(into: &out, chunk: chunk) { text in
          #expect(text.count >= chunk)
          handed += text
          text.removeAll(keepingCapacity: true)
          flushes += 1
        }
        #expect(complete)
        handed += out
        #expect(handed == whole, "chunk \(chunk): \(firstDifference(handed, whole))")
        #expect(out.count < chunk, "chunk \(chunk): \(out.count) bytes left over")
        if chunk >= 4096 && chunk <= whole.count { #expect(flushes >= 1 && flushes <= whole.count / chunk) }
        if chunk > whole.count { #expect(flushes == 0) }
      }
    }
  }

  /// A property name DTS cannot write is refused by the first walk, even as the very last property of a large
  /// blob: nothing would have been printed by then (the general path prints it, with the name left out).
  @Test func lastPropertyNameIsCheckedBeforeAnyText() {
    for name in ["bad name", "", "caf\u{E9}"] {
      let blob = DTBWriter.blob(of: Self.largeTree(1_500, last: (name, .string("x"))))
      #expect(BlobDump.Printer(blob) == nil, "\(name)")
      Self.expectFallback(blob, "late property named \"\(name)\"", omissions: 1)
    }
    // The same tree with a writable name there is printed directly.
    Self.expectDirect(DTBWriter.blob(of: Self.largeTree(1_500, last: ("good-name", .string("x")))), "good name")
  }

  // MARK: - Corpus and mutations

  /// Every corpus blob (the selection, or all with DTLINT_CORPUS=all; plain and with -@): boards take the direct
  /// path and print what the general path prints; overlays compiled with -@ have fixups and decline.
  @Test(.enabled(if: RefCorpus.available, "skipped: ../shared/corpus (or cpp and dtc) is missing"))
  func corpusBlobsPrintLikeTheGeneralPath() throws {
    var direct = 0
    var declined = 0
    for board in RefCorpus.selection() {
      for flags in [[], ["-@"]] {
        guard let blob = try? RefCorpus.compile(board, flags) else { continue }
        if BlobDump.text(blob) == nil {
          declined += 1
          #expect(board.hasSuffix(".dtso"), "\(board) \(flags): declined")
          continue
        }
        Self.expectDirect(blob, "\(board) \(flags)")
        direct += 1
      }
    }
    print("BlobDump corpus: \(direct) blobs printed directly (byte-identical), \(declined) declined")
    #expect(direct > 0)
  }

  /// `seed` with one to three bytes flipped, replaced (by bytes that matter to a blob: NUL, `/`, space, a tag's
  /// low byte) or a tag word set, and now and then cut short.
  static func mutated(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
    var b = seed
    for _ in 0..<(1 + Int(rng.next() % 3)) {
      let at = Int(rng.next() % UInt64(b.count))
      switch rng.next() % 4 {
      case 0: b[at] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
      case 1: b[at] = UInt8(truncatingIfNeeded: rng.next())
      case 2: b[at] = [0x00, 0x2F, 0x20, 0x80, 0x01, 0x03, 0x09][Int(rng.next() % 7)]
      default:
        if at >= 40, (at & ~3) + 4 <= b.count {
          HostileBlobTests.setBE32(
            &b, at & ~3, [1, 2, 3, 4, 9, UInt32(truncatingIfNeeded: rng.next())][Int(rng.next() % 6)])
        }
      }
    }
    if rng.next() % 16 == 0 { b = Array(b.prefix(Int(rng.next() % UInt64(b.count)))) }
    return b
  }

  /// Valid blobs with bytes flipped, replaced or cut: the direct path never traps, a blob its first walk accepts
  /// its second walk prints to the end, and whatever it prints is what the general path prints (which then reads
  /// the blob and leaves nothing out).
  @Test func mutatedBlobsMatchOrDecline() throws {
    var seeds = [
      DTBWriter.blob(
        of: DeviceTree(
          root: N(
            "", ["model": .string("m")],
            [
              N("a", ["reg": .cells([1, 2])], [N("b")]),
              N("__symbols__", ["la": .string("/a"), "lb": .string("/a/b")]),
            ]),
          reserves: [ReserveEntry(address: 16, size: 32)]))
    ]
    if RefTool.isInstalled("dtc") {
      seeds.append(try RefTool.dtb(RoundTripSources.board, ["-@"]))
      seeds.append(try RefTool.dtb(RoundTripSources.board))
    }
    var rng = SplitMix64(seed: 4_242)
    var printed = 0
    var declined = 0
    for seed in seeds {
      for _ in 0..<2_000 {
        let b = Self.mutated(seed, &rng)
        guard let printer = BlobDump.Printer(b) else {
          declined += 1
          continue
        }
        // What the first walk accepts, the second prints to its end (its text may already be on standard output).
        var direct: [UInt8] = []
        guard printer.write(into: &direct, chunk: Int.max, flush: { _ in }) else {
          Issue.record("the second walk stopped on a blob the first accepted: \(b)")
          continue
        }
        printed += 1
        guard let g = Self.general(b) else {
          Issue.record("the direct path printed a blob the reader refuses: \(b)")
          continue
        }
        #expect(g.omitted.isEmpty && direct == g.text, "\(firstDifference(direct, g.text)) \(b)")
      }
    }
    #expect(printed > 500 && declined > 500, "\(printed) printed, \(declined) declined")
  }
}

/// ``BlobCheck/completeTree(_:)``, which `apply` asks of its base instead of reading it: whatever it takes, the
/// reader takes, and the tree is no overlay (``OverlayApplier/overlayParts(_:)`` finds nothing); the header it gives
/// is the one the reader parses (with its structure check).
@Suite struct BlobCheckTests {
  /// What the reader and the overlay test say of `blob`: nil when the reader refuses it, else whether it is a
  /// complete tree.
  static func reader(_ blob: [UInt8]) -> Bool? {
    guard let tree = try? DTBReader.read(blob, path: "t.dtb", recover: false, properties: false) else { return nil }
    return OverlayApplier.overlayParts(tree) == nil
  }

  /// Whether the check takes `blob`, with the header the reader parses.
  static func taken(_ blob: [UInt8]) -> Bool {
    guard let header = BlobCheck.completeTree(blob) else { return false }
    let parsed = try? BlobHeader.parse(blob, path: "t.dtb")
    #expect(parsed?.totalSize == header.totalSize && parsed?.structOffset == header.structOffset)
    return true
  }

  static func expect(
    _ blob: [UInt8], _ expected: Bool, _ context: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(Self.taken(blob) == expected, "\(context)", sourceLocation: sourceLocation)
    if expected { #expect(Self.reader(blob) == true, "\(context)", sourceLocation: sourceLocation) }
  }

  /// Boards (also with names DTS cannot write, a property after a child, two nodes of one path: the reader takes
  /// them) are complete trees; overlays, shapes the reader refuses and versions before 16 are not.
  @Test func boardsAreCompleteTreesOverlaysAreNot() throws {
    let board = N(
      "", ["model": .string("m")],
      [N("soc", [:], [N("serial@1", ["a b": .string("x")])]), N("a", [:], [N("b", [:], [N("__overlay__")])])])
    Self.expect(DTBWriter.blob(of: DeviceTree(root: board)), true, "board, deep __overlay__, odd property name")
    Self.expect(DTBWriter.blob(of: DeviceTree(root: N("", [:], [N("x", [:], [N("__fixups__")])]))), true, "deep fixups")
    Self.expect(DTBWriter.blob(of: DeviceTree(root: N("", [:], [N("a"), N("a"), N("bad name")]))), true, "twins")
    Self.expect(RawBlob.propertyAfterChild().blob(), true, "property after a child")
    var nops = RawBlob()
    nops.nop()
    nops.begin("")
    nops.nop()
    nops.end()
    Self.expect(nops.blob(), true, "NOP before the root and in it")

    let fragment = N("", [:], [N("fragment@0", ["target-path": .string("/")], [N("__overlay__")])])
    Self.expect(DTBWriter.blob(of: DeviceTree(root: fragment)), false, "fragment")
    for name in ["__fixups__", "__local_fixups__"] {
      Self.expect(DTBWriter.blob(of: DeviceTree(root: N("", [:], [N(name)]))), false, name)
    }
    let tree = DeviceTree(root: N("", ["a": .cells([1])], [N("b", ["c": .string("d")])]))
    Self.expect(DTBWriter.blob(of: tree, version: 16), true, "version 16")
    for version in [2, 3] { Self.expect(DTBWriter.blob(of: tree, version: version), false, "version \(version)") }

    var deepest = RawBlob()
    deepest.begin("")
    for _ in 1..<DTBReader.maxDepth { deepest.begin("n") }
    for _ in 0..<DTBReader.maxDepth { deepest.end() }
    Self.expect(deepest.blob(), true, "as deep as the reader goes")
    for (raw, context) in RawBlob.refusedShapes() {
      Self.expect(raw.blob(), false, context)
      #expect(Self.reader(raw.blob()) == nil, "\(context)")
    }

    guard RefTool.isInstalled("dtc") else { return }
    Self.expect(try RefTool.dtb(RoundTripSources.board, ["-@"]), true, "board -@")
    Self.expect(try RefTool.dtb(RoundTripSources.overlay, ["-@"]), false, "overlay -@")
  }

  /// Boards and overlays with bytes flipped, replaced or cut: whatever the check takes, the reader reads as a tree
  /// that is no overlay.
  @Test func mutatedBlobsNeverPassWhatTheReaderRefuses() throws {
    var seeds = [
      DTBWriter.blob(
        of: DeviceTree(
          root: N(
            "", ["model": .string("m")],
            [
              N("a", ["reg": .cells([1, 2])], [N("b")]), N("f", [:], [N("x")]), N("__symbols__", ["la": .string("/a")]),
            ]),
          reserves: [ReserveEntry(address: 16, size: 32)]))
    ]
    if RefTool.isInstalled("dtc") {
      seeds.append(try RefTool.dtb(RoundTripSources.board, ["-@"]))
      seeds.append(try RefTool.dtb(RoundTripSources.overlay, ["-@"]))
    }
    var rng = SplitMix64(seed: 2_020)
    var taken = 0
    var refused = 0
    for seed in seeds {
      for _ in 0..<2_000 {
        let b = BlobDumpTests.mutated(seed, &rng)
        guard Self.taken(b) else {
          refused += 1
          continue
        }
        taken += 1
        if Self.reader(b) != true {
          Issue.record("taken, but the reader says \(String(describing: Self.reader(b))): \(b)")
        }
      }
    }
    #expect(taken > 500 && refused > 500, "\(taken) taken, \(refused) refused")
  }
}

/// A blob assembled tag by tag (version 17, no memory reservations), for structures ``DTBWriter`` does not write.
struct RawBlob {
  private var structure: [UInt8] = []
  private var strings: [UInt8] = []

  private mutating func word(_ v: UInt32) {
    for i in 0..<4 { structure.append(UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(i)))) }
  }
  private mutating func pad() {
    while structure.count % 4 != 0 { structure.append(0) }
  }
  mutating func begin(_ name: String) {
    word(1)
    structure += Array(name.utf8) + [0]
    pad()
  }
  mutating func end() { word(2) }
  mutating func nop() { word(4) }
  mutating func prop(_ name: String, _ value: [UInt8]) {
    word(3)
    word(UInt32(value.count))
    word(UInt32(strings.count))
    strings += Array(name.utf8) + [0]
    structure += value
    pad()
  }

  /// A root with a child, then a property of the root, closed.
  static func propertyAfterChild() -> RawBlob {
    var late = RawBlob()
    late.begin("")
    late.begin("child")
    late.end()
    late.prop("late", [0, 0, 0, 2])
    late.end()
    return late
  }

  /// Blobs the reader refuses: a root that is not named "", a second top-level node, a property outside any node, a
  /// tag other than FDT_END after the root, a node left open, nesting past the reader's limit.
  static func refusedShapes() -> [(RawBlob, String)] {
    var named = RawBlob()
    named.begin("root")
    named.end()
    var two = RawBlob()
    two.begin("")
    two.end()
    two.begin("")
    two.end()
    var outside = RawBlob()
    outside.prop("a", [])
    outside.begin("")
    outside.end()
    var nopAfterRoot = RawBlob()
    nopAfterRoot.begin("")
    nopAfterRoot.end()
    nopAfterRoot.nop()
    var open = RawBlob()
    open.begin("")
    var deep = RawBlob()
    deep.begin("")
    for _ in 0..<DTBReader.maxDepth { deep.begin("n") }
    for _ in 0...DTBReader.maxDepth { deep.end() }
    return [
      (named, "named root"), (two, "two roots"), (outside, "property outside"),
      (nopAfterRoot, "NOP after the root (libfdt 1.6.1 expects FDT_END there)"), (open, "open node"),
      (deep, "too deep"),
    ]
  }

  func blob() -> [UInt8] {
    var s = self
    s.word(9)
    let structOffset = 40 + 16
    let stringsOffset = structOffset + s.structure.count
    let total = stringsOffset + s.strings.count
    var b: [UInt8] = []
    for f in [0xd00d_feed, total, structOffset, stringsOffset, 40, 17, 16, 0, s.strings.count, s.structure.count] {
      for i in 0..<4 { b.append(UInt8(truncatingIfNeeded: f >> (24 - 8 * i))) }
    }
    b += [UInt8](repeating: 0, count: 16)
    return b + s.structure + s.strings
  }
}
