import Foundation
import Testing

@testable import DTCore

/// Every feature of dtc's source language, on fixtures written for these tests.
@Suite struct LanguageTests {
  private func ok(_ text: String, symbols: Bool = false, preprocess: Bool = false) -> DeviceTree {
    let (c, sm) = compileText(text, symbols: symbols, preprocess: preprocess)
    let errors = c.diagnostics.filter { $0.severity == .error }.map { $0.formatted(with: sm) }
    #expect(errors.isEmpty, "unexpected errors: \(errors)")
    #expect(!c.refused)
    return c.tree
  }

  private func errors(_ text: String, preprocess: Bool = false) -> [(
    rule: String, message: String, line: Int, col: Int
  )] {
    let (c, sm) = compileText(text, preprocess: preprocess)
    #expect(c.refused, "expected the compile to be refused")
    return c.diagnostics.filter { $0.severity == .error }.map { d in
      let lc = d.range.map { sm[$0.file].lineColumn(at: $0.start) } ?? LineColumn(line: 0, column: 0)
      return (d.rule, d.message, lc.line, lc.column)
    }
  }

  @Test func cellsStringsBytesAndMixedValues() {
    let t = ok(
      """
      /dts-v1/;
      / {
        a = <1 0x10 0xffffffff>;
        b = "x", "yz";
        c = [00 1f ab];
        d = "s", <2>, [ff];
        e;
        f = [];
        g = /bits/ 8 <1 0xff>, /bits/ 16 <0x1234>, /bits/ 64 <0x1122334455667788>;
      };
      """)
    #expect(
      outline(t) == """
        /
          a = 0000000100000010ffffffff
          b = 7800797a00
          c = 001fab
          d = 730000000002ff
          e
          f
          g = 01ff12341122334455667788
        """)
  }

  @Test func stringEscapes() {
    let t = ok(#"/dts-v1/; / { s = "a\tb\n\\\"\x41\101\q"; };"#)
    #expect(t.root.property("s")?.value.bytes == [0x61, 0x09, 0x62, 0x0A, 0x5C, 0x22, 0x41, 0x41, 0x71, 0x00])
  }

  @Test func integerExpressionsUseDtcOperatorsAndUnsignedArithmetic() {
    let t = ok(
      """
      /dts-v1/;
      / {
        p = <(1 + 2 * 3) (10 / 3) (10 % 3) (1 << 4) (0x100 >> 4) (6 & 3) (6 | 1) (6 ^ 3)>;
        q = <(~0) (-1) (!0) (!5) (1 < 2) (2 > 1) (1 <= 1) (1 >= 2) (3 == 3) (3 != 3)>;
        r = <(1 && 0) (1 || 0) (1 ? 7 : 8) (0 ? 7 : 8) ((2 - 3) >> 28) ('A') ('\\n') (1 << 64)>;
      };
      """)
    #expect(t.root.property("p")?.value.cells == [7, 3, 1, 16, 16, 2, 7, 5])
    #expect(t.root.property("q")?.value.cells == [0xFFFF_FFFF, 0xFFFF_FFFF, 1, 0, 1, 1, 1, 0, 1, 0])
    #expect(t.root.property("r")?.value.cells == [0, 1, 7, 8, 0xFFFF_FFFF, 0x41, 0x0A, 0])
  }

  @Test func integerLiteralForms() {
    let t = ok("/dts-v1/; / { a = <010 0x1F 7U 8UL 9ULL 0>; };")
    #expect(t.root.property("a")?.value.cells == [8, 31, 7, 8, 9, 0])
  }

  @Test func labelsOnNodesPropertiesAndValues() {
    let t = ok(
      """
      /dts-v1/;
      / {
        n1: n2: node {
          pl: p = <1 vl: 2>, va: "x";
        };
      };
      """)
    let node = t.node(atPath: "/node")
    #expect(node?.labels == ["n1", "n2"])
    #expect(node?.property("p")?.labels == ["pl"])
    let markers = node?.property("p")?.value.markers.filter { $0.kind == .label }.map { "\($0.ref ?? ""):\($0.offset)" }
    #expect(markers == ["vl:4", "va:8"])
  }

  @Test func mergingOverridesInPlaceAndAppends() {
    let t = ok(
      """
      /dts-v1/;
      / {
        l: node { a = <1>; b = <2>; c = <3>; sub { x; }; };
      };
      &l { b = <20>; d = <4>; sub { y; }; other { }; };
      / { node { a = <10>; }; };
      """)
    #expect(
      outline(t) == """
        /
          l: node
            a = 0000000a
            b = 00000014
            c = 00000003
            d = 00000004
            sub
              x
              y
            other
        """)
  }

  @Test func deletedPropertiesAndNodesKeepTheirSlots() {
    let t = ok(
      """
      /dts-v1/;
      / {
        node { a = <1>; b = <2>; c = <3>; };
        x { }; y { }; z { };
      };
      / {
        node { /delete-property/ b; };
        /delete-node/ y;
      };
      / {
        node { b = <22>; };
        y { again; };
      };
      """)
    #expect(
      outline(t) == """
        /
          node
            a = 00000001
            b = 00000016
            c = 00000003
          x
          y
            again
          z
        """)
  }

  @Test func topLevelDeleteNodeByLabelAndPath() {
    let t = ok(
      """
      /dts-v1/;
      / { a: a { }; b { c { }; }; d { }; };
      /delete-node/ &a;
      /delete-node/ &{/b/c};
      """)
    #expect(outline(t) == "/\n  b\n  d")
  }

  @Test func pathReferencesIncludingLabelRelative() {
    let t = ok(
      """
      /dts-v1/;
      / { soc: soc { uart@100 { }; }; };
      &{/soc/uart@100} { p1; };
      &{soc/uart@100} { p2; };
      / { ref = &soc, &{/soc/uart@100}; };
      """)
    #expect(t.node(atPath: "/soc/uart@100")?.properties.map(\.name) == ["p1", "p2"])
    #expect(t.root.property("ref")?.value.strings == ["/soc", "/soc/uart@100"])
  }

  @Test func phandlesAreAllocatedInFirstReferenceOrderSkippingExplicitOnes() {
    let t = ok(
      """
      /dts-v1/;
      / {
        a: a { };
        b: b { phandle = <1>; };
        c: c { };
        d: d { };
        user { refs = <&c &a &b &c>; self = <&d>; };
      };
      """)
    #expect(t.node(atPath: "/c")?.phandle == 2)
    #expect(t.node(atPath: "/a")?.phandle == 3)
    #expect(t.node(atPath: "/b")?.phandle == 1)
    #expect(t.node(atPath: "/d")?.phandle == 4)
    #expect(t.node(atPath: "/user")?.property("refs")?.value.cells == [2, 3, 1, 2])
    // The generated property is appended after the node's own properties.
    #expect(t.node(atPath: "/c")?.properties.last?.name == "phandle")
  }

  @Test func selfReferencingPhandleAllocates() {
    let t = ok("/dts-v1/; / { n: n { phandle = <&n>; }; m { r = <&n>; }; };")
    #expect(t.node(atPath: "/n")?.property("phandle")?.value.cells == [1])
    #expect(t.node(atPath: "/n")?.properties.count == 1)
  }

  @Test func omitIfNoRefDropsOnlyUnreferencedNodes() {
    let t = ok(
      """
      /dts-v1/;
      / {
        /omit-if-no-ref/ used: used { };
        /omit-if-no-ref/ unused: unused { };
        later: later { };
        path: path { };
        user { r = <&used>; s = &path; };
      };
      /omit-if-no-ref/ &later;
      /omit-if-no-ref/ &path;
      """)
    #expect(t.node(atPath: "/used") != nil)
    #expect(t.node(atPath: "/unused") == nil)
    #expect(t.node(atPath: "/later") == nil)
    #expect(t.node(atPath: "/path") != nil)
  }

  @Test func omitIfNoRefKeepsLabelledNodesWithSymbols() {
    let t = ok("/dts-v1/; / { /omit-if-no-ref/ l: n { }; };", symbols: true)
    #expect(t.node(atPath: "/n") != nil)
  }

  @Test func symbolsListLabelsInTreeOrderAndAllocatePhandles() {
    let t = ok(
      """
      /dts-v1/;
      / {
        l1: l2: a { };
        b: b { };
        c { r = <&b>; };
      };
      l3: &{/a} { };
      """, symbols: true)
    let sym = t.node(atPath: "/__symbols__")
    #expect(sym?.properties.map(\.name) == ["l3", "l1", "l2", "b"])
    #expect(sym?.property("b")?.value.strings == ["/b"])
    #expect(t.node(atPath: "/b")?.phandle == 1)
    #expect(t.node(atPath: "/a")?.phandle == 2)
    #expect(t.root.children.map(\.name) == ["a", "b", "c", "__symbols__"])
  }

  @Test func memreserveWithLabels() {
    let t = ok("/dts-v1/;\nm: /memreserve/ 0x1000 0x100;\n/memreserve/ (0x2000 + 1) 0x10;\n/ { };")
    #expect(t.reserves.map(\.address) == [0x1000, 0x2001])
    #expect(t.reserves.first?.labels == ["m"])
  }

  @Test func bootCPUIsGuessedFromFirstCPU() {
    let t = ok("/dts-v1/; / { cpus { cpu@3 { reg = <3>; }; cpu@0 { reg = <0>; }; }; };")
    #expect(t.bootCPUID == 3)
  }

  @Test func overlayFragmentsFixupsAndLocalFixups() {
    let t = ok(
      """
      /dts-v1/;
      /plugin/;
      &i2c1 {
        local: sensor@48 { reg = <0x48>; };
      };
      &{/soc/gpio@1} { status = "okay"; };
      &uart2 { dmas = <&sdma 3>; link = <&local>; };
      """)
    #expect(t.isPlugin)
    #expect(
      t.root.children.map(\.name) == ["fragment@0", "fragment@1", "fragment@2", "__fixups__", "__local_fixups__"])
    #expect(t.node(atPath: "/fragment@0")?.property("target")?.value.cells == [0xFFFF_FFFF])
    #expect(t.node(atPath: "/fragment@1")?.property("target-path")?.value.strings == ["/soc/gpio@1"])
    let fixups = t.node(atPath: "/__fixups__")
    #expect(fixups?.properties.map(\.name) == ["i2c1", "uart2", "sdma"])
    #expect(fixups?.property("sdma")?.value.strings == ["/fragment@2/__overlay__:dmas:0"])
    let lf = t.node(atPath: "/__local_fixups__/fragment@2/__overlay__")
    #expect(lf?.property("link")?.value.cells == [0])
  }

  @Test func deleteInsidePluginBlockIsKeptAsSourceSemantics() {
    // dtc turns the block into a fragment; the deletion inside has nothing to delete in the overlay itself.
    let t = ok("/dts-v1/; /plugin/; &foo { /delete-property/ bar; x = <1>; };")
    #expect(t.node(atPath: "/fragment@0/__overlay__")?.liveProperties.map(\.name) == ["x"])
  }

  @Test func includeSplicesRawFiles() {
    let dir = TempDir()
    dir.write("inc/part.dtsi", "n { from-include; };\n")
    let (c, _) = compileText(
      "/dts-v1/;\n/ {\n/include/ \"part.dtsi\"\n};\n", preprocess: false, includePaths: [dir.path + "/inc"], dir: dir)
    #expect(!c.refused)
    #expect(c.tree.node(atPath: "/n")?.property("from-include") != nil)
  }

  @Test func incbinReadsWholeFilesAndSlices() {
    let dir = TempDir()
    dir.write("blob.bin", bytes: [1, 2, 3, 4, 5, 6])
    let (c, _) = compileText(
      "/dts-v1/; / { a = /incbin/(\"blob.bin\"); b = /incbin/(\"blob.bin\", 2, 3); };", preprocess: false, dir: dir)
    #expect(c.tree.root.property("a")?.value.bytes == [1, 2, 3, 4, 5, 6])
    #expect(c.tree.root.property("b")?.value.bytes == [3, 4, 5])
  }

  @Test func missingIncbinIsAnInputFailureNamingTheLine() {
    let (c, sm) = compileText("/dts-v1/;\n/ {\n  a = /incbin/(\"nope.bin\");\n};\n", preprocess: false)
    #expect(c.inputFailure)
    let d = c.diagnostics.first
    #expect(d?.message.contains("nope.bin") == true)
    #expect(d.flatMap { $0.range }.map { sm[$0.file].lineColumn(at: $0.start).line } == 3)
  }

  @Test func escapedNamesAndSpecialCharacters() {
    let t = ok(#"/dts-v1/; / { \delete-me = <1>; #address-cells = <1>; linux,code = <2>; node-name_1.2+x@1,2 { }; };"#)
    #expect(t.root.properties.map(\.name) == ["delete-me", "#address-cells", "linux,code"])
    #expect(t.root.children.map(\.name) == ["node-name_1.2+x@1,2"])
  }

  @Test func nameAfterLiteralContextIsLexedAsName() {
    // After '{' or ';' dtc lexes names, so `0x10 { }` is a node named "0x10".
    let t = ok("/dts-v1/; / { 123abc = <5>; 0x10 { }; };")
    #expect(t.root.children.map(\.name) == ["0x10"])
    #expect(t.root.properties.map(\.name) == ["123abc"])
  }

  // MARK: - Errors dtc refuses

  @Test func reportsSeveralSyntaxErrorsWithPositions() {
    let e = errors(
      """
      /dts-v1/;
      / {
        a = <1 2;
        b = "ok";
        c = [0g];
        good { x = <1>; };
        d = ;
      };
      """)
    let syntax = e.filter { $0.rule == "syntax" }
    #expect(syntax.count >= 3)
    #expect(syntax.map(\.line).contains(3))
    #expect(syntax.map(\.line).contains(5))
    #expect(syntax.map(\.line).contains(7))
  }

  @Test func missingHeaderIsASyntaxError() {
    let e = errors("/ { };")
    #expect(e.first?.rule == "syntax")
    #expect(e.first?.line == 1)
  }

  @Test func unresolvedReferencesAreErrors() {
    #expect(errors("/dts-v1/; / { a = <&nope>; };").map(\.rule) == ["phandle_references"])
    #expect(errors("/dts-v1/; / { a = &nope; };").map(\.rule) == ["path_references"])
    let e = errors("/dts-v1/; / { };\n&missing { };")
    #expect(e.first?.message.contains("missing") == true)
    #expect(e.first?.line == 2)
  }

  @Test func duplicatesAreErrors() {
    #expect(errors("/dts-v1/; / { n { }; n { }; };").map(\.rule) == ["duplicate_node_names"])
    #expect(errors("/dts-v1/; / { p; p; };").map(\.rule) == ["duplicate_property_names"])
    #expect(errors("/dts-v1/; / { l: a { }; l: b { }; };").map(\.rule) == ["duplicate_label"])
    #expect(errors("/dts-v1/; / { a { phandle = <1>; }; b { phandle = <1>; }; };").map(\.rule) == ["explicit_phandles"])
  }

  @Test func badNamesAreErrors() {
    #expect(errors("/dts-v1/; / { n@1@2 { }; };").map(\.rule) == ["node_name_format"])
    #expect(errors("/dts-v1/; / { n*x { }; };").map(\.rule) == ["node_name_chars"])
    #expect(errors("/dts-v1/; / { @1 { }; };").map(\.rule) == ["node_name_not_empty"])
    #expect(errors("/dts-v1/; / { p@x; };").map(\.rule) == ["property_name_chars"])
  }

  @Test func lexicalErrors() {
    #expect(errors("/dts-v1/; / { a = <09>; };").first?.message.contains("09") == true)
    #expect(errors("/dts-v1/; / { a = <('')>; };").first?.message.contains("empty character literal") == true)
    #expect(errors("/dts-v1/; / { a = <(1 / 0)>; };").first?.message == "division by zero")
    #expect(errors("/dts-v1/; / { a = /bits/ 7 <1>; };").first?.message.contains("8, 16, 32 or 64") == true)
    #expect(errors("/dts-v1/; / { a = /bits/ 16 <&x>; x: x { }; };").first?.message.contains("32-bit") == true)
  }

  @Test func propertiesAfterSubnodesAreRefused() {
    #expect(errors("/dts-v1/; / { n { }; p = <1>; };").first?.message == "properties must precede subnodes")
  }

  @Test func nameProperty() {
    let t = ok("/dts-v1/; / { node@1 { name = \"node\"; a; }; };")
    #expect(t.node(atPath: "/node@1")?.properties.map(\.name) == ["a"])
    #expect(errors("/dts-v1/; / { node { name = \"other\"; }; };").map(\.rule) == ["name_properties"])
  }

  /// The parser reads the lexer's tokens where they are (no copy with an end-of-input token appended, issue 20): the
  /// end of input is just after the last token, and the tokens a parse hands out are the lexer's own.
  @Test func endOfInputFollowsTheLastToken() throws {
    let e = errors("/dts-v1/;\n/ {\n  a = <1>;\n")
    #expect(e.count == 1)
    #expect(e.first?.message.hasSuffix("found end of input") == true)
    #expect(e.first?.line == 3)
    #expect(e.first?.col == 11)
    // No token at all: the end of input is the start of the (empty) main file.
    let empty = errors("")
    #expect(empty.first?.message.hasSuffix("found end of input") == true)
    #expect(empty.first?.line == 1 && empty.first?.col == 1)

    let d = TempDir()
    let path = d.write("t.dts", "/dts-v1/;\n/ { a = <1>; };\n")
    let parsed = try SourceReader(sources: SourceManager(), options: FrontEndOptions()).parse(path: path)
    #expect(parsed.diagnostics.isEmpty)
    #expect(parsed.tokens.count == 12)
    #expect(parsed.tokens.last?.kind == .char && parsed.tokens.last?.isChar(";") == true)
  }

  /// Positions after line markers, with several files read by one lexer: the marker map is kept per file (an array
  /// indexed by file), so a file without markers, read after one with them, keeps its own positions, and the file
  /// with them still maps to the names they give.
  @Test func lineMarkersMapPerFile() {
    let d = TempDir()
    d.write("plain.dtsi", "/ { a = <09>; };\n")
    let main = "/dts-v1/;\n# 7 \"named.dtsi\"\n/ { b = <08>; };\n/include/ \"plain.dtsi\"\n/ { c = <07 09>; };\n"
    let (c, sm) = compileText(main, preprocess: false, dir: d)
    let located = c.diagnostics.filter { $0.severity == .error }.compactMap { d -> String? in
      guard let r = d.range else { return nil }
      let lc = sm[r.file].lineColumn(at: r.start)
      return "\((sm[r.file].path as NSString).lastPathComponent):\(lc.line):\(lc.column)"
    }
    #expect(located == ["named.dtsi:7:10", "plain.dtsi:1:10", "named.dtsi:9:13"])
  }
}
