import Foundation
import Testing

@testable import DTCore

/// dtc 1.6.1 writes a list of strings found in a blob as one string with `\0` (it has no string-list guessing);
/// dtc 1.8.1, and we, write `"a", "b"`. This maps our output to 1.6.1's for comparison.
func as161(_ text: String) -> String {
  text.replacingOccurrences(of: "\", \"", with: "\\0")
}

/// Checks `actual == expected` and shows both when not.
func expectText(_ actual: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
  if actual != expected {
    let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
    let got = line < a.count ? String(a[line]) : "<end>"
    let want = line < e.count ? String(e[line]) : "<end>"
    Issue.record(
      "text differs at line \(line + 1):\n  got:  \(got)\n  want: \(want)\n--- got ---\n\(actual)",
      sourceLocation: sourceLocation)
  }
}

@Suite struct DTSPrinterTests {
  /// A source whose blob dtc 1.6.1 and 1.8.1 decompile alike (no string lists, symbols or fixups).
  static let plain = """
    /dts-v1/;
    /memreserve/ 0x40000000 0x1000;
    / {
    	#address-cells = <2>;
    	#size-cells = <1>;
    	model = "Acme \\"quoted\\" tab\\t back\\\\slash";
    	empty-prop;
    	cells = <0 1 0xabcdef 0xffffffff>;
    	odd-bytes = [01 02 03];
    	five = [00 01 02 03 04];
    	sixteen = /bits/ 16 <1 2 3>;
    	wide = /bits/ 64 <0x123456789>;
    	mixed = "ab", <1>;
    	not-a-string = "a", [ff];
    	cpus {
    		cpu@0 { reg = <0 0>; phandle = <1>; };
    	};
    	user { target = <1>; };
    };
    """

  @Test func blobPrintsLikeDtc161() throws {
    let blob = try RefTool.dtb(Self.plain)
    let ours = DTSPrinter.print(try DTBReader.read(blob, path: "p.dtb"))
    expectText(ours, try RefTool.dts(blob))
  }

  /// The same on dtc's own output for every round-trip source compiled without -@.
  @Test(
    arguments: RoundTripSources.all.indices.filter {
      RoundTripSources.all[$0].0 != RoundTripSources.overlay && !RoundTripSources.all[$0].1.contains("-@")
    })
  func roundTripSourcesPrintLikeDtc161(index: Int) throws {
    let (source, flags) = RoundTripSources.all[index]
    let blob = try RefTool.dtb(source, flags)
    let tree = try DTBReader.read(blob, path: "p.dtb")
    expectText(as161(DTSPrinter.print(tree)), try RefTool.dts(blob))
  }

  /// What we print, compiled again by dtc, is the blob we started from (labels and references included). For an
  /// overlay, `__fixups__` and `__local_fixups__` are left out of the text so that dtc makes them again from the
  /// printed references (dtc 1.6.1 would append its entries to the printed ones; 1.8 merges them).
  @Test(arguments: RoundTripSources.all.indices)
  func printedSourceRecompilesToTheSameBlob(index: Int) throws {
    let (source, flags) = RoundTripSources.all[index]
    let blob = try RefTool.dtb(source, flags)
    let printed = Self.printForRecompiling(try DTBReader.read(blob, path: "p.dtb"))
    let again = try RefTool.dtb(printed)
    expectSameBytes(again, blob, printed)
  }

  /// Our text, minus an overlay's `__fixups__` and `__local_fixups__` (dtc makes them again from the printed
  /// references; dtc 1.6.1 would append its entries to printed ones where 1.8 merges them).
  static func printForRecompiling(_ tree: DeviceTree) -> String {
    if tree.isPlugin {
      tree.root.child("__fixups__")?.markDeleted()
      tree.root.child("__local_fixups__")?.markDeleted()
    }
    return DTSPrinter.print(tree)
  }

  /// RefCorpus boards: printed like dtc 1.6.1 (plain blobs), and recompiled to the same bytes (plain and -@).
  /// A few boards by default; all with DTLINT_CORPUS=all. Boards the installed dtc cannot compile are skipped.
  @Test(.enabled(if: RefCorpus.available)) func corpusBoards() throws {
    var compared = 0
    for board in RefCorpus.selection() {
      guard let plain = try? RefCorpus.compile(board), let symbols = try? RefCorpus.compile(board, ["-@"]) else {
        continue
      }
      let tree = try DTBReader.read(plain, path: board)
      if !tree.isPlugin { expectText(as161(DTSPrinter.print(tree)), try RefTool.dts(plain)) }
      expectSameBytes(try RefTool.dtb(Self.printForRecompiling(tree)), plain, board)
      expectSameBytes(
        try RefTool.dtb(Self.printForRecompiling(try DTBReader.read(symbols, path: board))), symbols, "\(board) -@")
      compared += 1
    }
    print("corpus printer: \(compared) boards compared")
    #expect(compared > 0)
  }

  /// dtc 1.8.1's decompilation of a blob with symbols and local fixups (written out from treesource.c's rules).
  @Test func recoveredLabelsAndReferences() throws {
    let source = """
      /dts-v1/;
      / {
      	a: b: node@1 { user = <&c 5 &a>, <&{/plain}>; names = "x", "y"; };
      	c: other { phandle-only = <&c>; };
      	plain { };
      	__local_fixups__ { node@1 { user = <0 8 12>; }; other { phandle-only = <0>; }; };
      };
      """
    let tree = try DTBReader.read(try RefTool.dtb(source, ["-@"]), path: "s.dtb")
    let text = DTSPrinter.print(tree)
    expectText(
      text,
      """
      /dts-v1/;
      /plugin/;

      / {

      \tb: a: node@1 {
      \t\tuser = <&c>, <0x05>, <&b>, <&{/plain}>;
      \t\tnames = "x", "y";
      \t\tphandle = <0x02>;
      \t};

      \tc: other {
      \t\tphandle-only = <&c>;
      \t\tphandle = <0x01>;
      \t};

      \tplain {
      \t\tphandle = <0x03>;
      \t};

      \t__local_fixups__ {

      \t\tnode@1 {
      \t\t\tuser = <0x00 0x08 0x0c>;
      \t\t};

      \t\tother {
      \t\t\tphandle-only = <0x00>;
      \t\t};
      \t};

      \t__symbols__ {
      \t\ta = "/node@1";
      \t\tb = "/node@1";
      \t\tc = "/other";
      \t};
      };

      """)
  }

  /// Values typed by markers as the parser makes them: labels inside values, mixed types, references.
  @Test func markersFromSource() {
    var mixed = PropertyValue.cells([1])
    mixed.markers.append(ValueMarker(kind: .label, offset: 0, ref: "start"))
    mixed.append(.string("s"))
    mixed.append(bytes([0xab, 0xcd]))
    var sixteen = PropertyValue(bytes: [0, 1, 0, 2], markers: [ValueMarker(kind: .cells(bits: 16), offset: 0)])
    sixteen.markers.append(ValueMarker(kind: .label, offset: 2, ref: "mid"))
    var refs = PropertyValue(
      bytes: [0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 2], markers: [ValueMarker(kind: .cells(bits: 32), offset: 0)])
    refs.markers.append(ValueMarker(kind: .phandleReference, offset: 0, ref: "intc"))
    refs.markers.append(ValueMarker(kind: .phandleReference, offset: 8, ref: "/soc/gpio@1"))
    let sixtyFour = PropertyValue(
      bytes: [0, 0, 0, 1, 0, 0, 0, 2], markers: [ValueMarker(kind: .cells(bits: 64), offset: 0)])

    let root = N(
      "", ["mixed": mixed, "sixteen": sixteen, "refs": refs, "sixty-four": sixtyFour],
      [N("intc@0", ["interrupt-controller": empty], labels: ["intc", "gic"])])
    root.properties[0].labels = ["plabel"]
    root.properties.append(Property(name: "gone", value: .cells([1]), deleted: true))
    let gone = N("gone")
    gone.deleted = true
    root.addChild(gone)
    let tree = DeviceTree(
      root: root, reserves: [ReserveEntry(address: 0x1000, size: 0x10, labels: ["r"])], isPlugin: true)
    expectText(
      DTSPrinter.print(tree),
      """
      /dts-v1/;
      /plugin/;

      r: /memreserve/\t0x0000000000001000 0x0000000000000010;
      / {
      \tplabel: mixed = < start:0x01>, "s", [ab cd];
      \tsixteen = /bits/ 16 <0x01 mid:0x02>;
      \trefs = <&intc 0x09 &{/soc/gpio@1}>;
      \tsixty-four = /bits/ 64 <0x100000002>;

      \tintc: gic: intc@0 {
      \t\tinterrupt-controller;
      \t};
      };

      """)
  }

  @Test func valuesWithoutTypesAreGuessed() {
    func text(_ b: [UInt8]) -> String { DTSPrinter.valueText(PropertyValue(bytes: b)) }
    #expect(text([]) == ";")
    #expect(text(Array("okay\0".utf8)) == " = \"okay\";")
    #expect(text(Array("a\0bc\0".utf8)) == " = \"a\", \"bc\";")
    #expect(text([0, 0, 0, 0]) == " = <0x00>;")
    #expect(text([0]) == " = [00];")
    #expect(text(Array("\0\0\0a\0".utf8)) == " = [00 00 00 61 00];")  // more NULs than characters
    #expect(text(Array("ab\u{7}\0".utf8)) == " = \"ab\\a\";")
    #expect(text(Array("a\u{1}c\0".utf8)) == " = <0x61016300>;")
    #expect(text([0xc3, 0xa9, 0]) == " = [c3 a9 00];")
  }

  /// Markers that do not fit the bytes are dropped, never trusted: no crash, no lost bytes.
  @Test func inconsistentMarkersFallBackToGuessing() {
    let v1 = PropertyValue(bytes: Array("abc".utf8), markers: [ValueMarker(kind: .string, offset: 0)])
    #expect(DTSPrinter.valueText(v1) == " = [61 62 63];")
    let v2 = PropertyValue(bytes: [1, 2, 3, 4, 5], markers: [ValueMarker(kind: .cells(bits: 32), offset: 0)])
    #expect(DTSPrinter.valueText(v2) == " = [01 02 03 04 05];")
    let v3 = PropertyValue(bytes: [0, 0, 0, 1], markers: [ValueMarker(kind: .string, offset: 2)])
    #expect(DTSPrinter.valueText(v3) == " = <0x01>;")
    let v4 = PropertyValue(
      bytes: [0, 0, 0, 1, 0],
      markers: [
        ValueMarker(kind: .phandleReference, offset: 2, ref: "x"), ValueMarker(kind: .label, offset: 9, ref: "far"),
      ])
    #expect(DTSPrinter.valueText(v4) == " = [00 00 00 01 00];")
    let v5 = PropertyValue(bytes: [0, 0, 0, 1], markers: [ValueMarker(kind: .phandleReference, offset: 0, ref: nil)])
    #expect(DTSPrinter.valueText(v5) == " = <0x01>;")
    // Two references at the end of a string: typing them again runs past the end (a trap before issue 20).
    let v6 = PropertyValue(
      bytes: Array("okay\0".utf8),
      markers: [
        ValueMarker(kind: .string, offset: 3), ValueMarker(kind: .phandleReference, offset: 5, ref: "x"),
        ValueMarker(kind: .phandleReference, offset: 5, ref: "clk"),
      ])
    #expect(DTSPrinter.valueText(v6) == " = [6f 6b 61 79 00];")
  }

  @Test func stringEscapes() {
    let v = PropertyValue.string("q\"b\\n\n\u{7f}\u{1b}")
    #expect(DTSPrinter.valueText(v) == " = \"q\\\"b\\\\n\\n\\x7f\\x1b\";")
  }

  /// A tree nested far deeper than any real one prints and writes without recursion.
  @Test func deepTreesPrint() {
    let root = Node(name: "")
    var n = root
    for i in 0..<3_000 {
      let c = Node(name: "n\(i)")
      n.addChild(c)
      n = c
    }
    let text = DTSPrinter.print(DeviceTree(root: root))
    #expect(text.hasSuffix("};\n"))
    let blob = DTBWriter.blob(of: DeviceTree(root: root))
    #expect(blob.count > 3_000 * 12)
    // Release the chain iteratively so that deinit does not recurse 3 000 levels.
    var cur: Node? = root
    while let c = cur {
      cur = c.children.first
      c.children.removeAll()
    }
  }
}
