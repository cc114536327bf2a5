import Foundation
import Testing

@testable import DTCore

// MARK: - Helpers

/// The Verdin-like fixtures of `Tests/Fixtures/diff` (written for these tests).
enum DiffFixtures {
  static let dir: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.appendingPathComponent("Fixtures/diff").path
  }()

  static func text(_ name: String) -> String {
    (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? ""
  }

  /// A scratch directory holding the fixtures, `base.dtb` (with `-@`), `base-plain.dtb` and `hmp.dtbo`.
  static func scratch() throws -> TempDir {
    let d = TempDir()
    for name in ["verdin-like.dtsi", "base.dts", "hmp.dtso", "custom.dts"] { d.write(name, text(name)) }
    d.write("base.dtb", bytes: try blob(d.path + "/base.dts", symbols: true))
    d.write("base-plain.dtb", bytes: try blob(d.path + "/base.dts", symbols: false))
    d.write("hmp.dtbo", bytes: try blob(d.path + "/hmp.dtso", symbols: true))
    return d
  }

  struct Failure: Error, CustomStringConvertible { var description: String }

  /// Compiles a source as `dtlint compile [-@]` does.
  static func blob(_ path: String, symbols: Bool, includePaths: [String] = []) throws -> [UInt8] {
    var o = FrontEndOptions()
    o.includePaths = includePaths
    let reader = SourceReader(sources: SourceManager(), options: o)
    var co = CompileOptions()
    co.symbols = symbols
    let c = try reader.compile(path: path, options: co)
    if c.refused { throw Failure(description: "\(path) refused: \(c.diagnostics.map(\.message))") }
    return DTBWriter.blob(of: c.tree)
  }
}

/// Reads both specs as `dtlint diff` does and compares them.
func diffSpecs(
  _ a: String, _ b: String, includePaths: [String] = [], options: TreeDiffOptions = TreeDiffOptions()
) throws -> (changes: [TreeChange], sources: SourceManager) {
  let sources = SourceManager()
  var o = FrontEndOptions()
  o.includePaths = includePaths
  let reader = SourceReader(sources: sources, options: o)
  let ta = try reader.loadForDiff(a).tree
  let tb = try reader.loadForDiff(b).tree
  return (TreeDiff.compare(ta, tb, options: options), sources)
}

/// Compiles DTS text and returns the tree (failing the test when dtc would refuse it).
func sourceTree(_ text: String, symbols: Bool = false, sourceLocation: SourceLocation = #_sourceLocation)
  -> DeviceTree
{
  let (c, _) = compileText(text, symbols: symbols, preprocess: false)
  #expect(!c.refused, "\(c.diagnostics.map(\.message))", sourceLocation: sourceLocation)
  return c.tree
}

/// The tree a blob of `tree` reads back as (no markers, labels only from `__symbols__`).
func blobTree(_ tree: DeviceTree) throws -> DeviceTree {
  try DTBReader.read(DTBWriter.blob(of: tree), path: "t.dtb")
}

/// A copy of a compiled source tree with every phandle renumbered (reversed and shifted), the references
/// (known from the source's markers) rewritten to match.
func renumbered(_ tree: DeviceTree) -> DeviceTree {
  let copy = tree.deepCopy()
  var old: [UInt32] = []
  copy.root.walk { n in
    if let v = n.property("phandle")?.value.singleCell { old.append(v) }
  }
  let sorted = Set(old).sorted()
  var map: [UInt32: UInt32] = [:]
  for (i, v) in sorted.enumerated() { map[v] = UInt32(0x100 + sorted.count - i) }
  copy.root.walk { n in
    for p in n.properties where !p.deleted {
      if p.name == "phandle" || p.name == "linux,phandle", let v = p.value.singleCell, let nv = map[v] {
        p.value.setCell(nv, at: 0)
      }
      for m in p.value.markers where m.kind == .phandleReference && m.offset + 4 <= p.value.bytes.count {
        let v = DiffSide.cell(p.value.bytes, m.offset)
        if let nv = map[v] { p.value.setCell(nv, at: m.offset) }
      }
    }
    if let nv = map[n.phandle] { n.phandle = nv }
  }
  return copy
}

func describe(_ changes: [TreeChange]) -> String {
  changes.map { c in
    "\(c.kind.rawValue) \(c.nodePath) \(c.property ?? "(node)")"
  }.joined(separator: "\n")
}

func text(_ content: TreeChange.Content?) -> String? {
  if case .value(let v)? = content { return v.text }
  return nil
}

/// 1-based line of the first line of `text` containing `needle` (after `after` occurrences).
func line(of needle: String, in text: String, skipping after: Int = 0) -> Int? {
  var seen = 0
  for (i, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where l.contains(needle) {
    if seen == after { return i + 1 }
    seen += 1
  }
  return nil
}

// MARK: - Equality across input kinds and compilers

@Suite struct TreeDiffEquivalenceTests {
  @Test func boardWithAndWithoutSymbolsIsTheSame() throws {
    let d = try DiffFixtures.scratch()
    let (plain, _) = try diffSpecs(d.path + "/base-plain.dtb", d.path + "/base.dtb")
    #expect(plain.isEmpty, "\(describe(plain))")
    let (source, _) = try diffSpecs(d.path + "/base.dts", d.path + "/base.dtb")
    #expect(source.isEmpty, "\(describe(source))")
    // Asked for, the bookkeeping shows: -@ adds /__symbols__ and phandles to every labelled node.
    let (kept, _) = try diffSpecs(
      d.path + "/base-plain.dtb", d.path + "/base.dtb", options: TreeDiffOptions(includeBookkeeping: true))
    #expect(kept.contains { $0.kind == .added && $0.nodePath == "/__symbols__" && $0.property == nil })
    #expect(kept.contains { $0.kind == .added && $0.nodePath == "/soc@0/mailbox@30aa0000" && $0.property == "phandle" })
  }

  @Test(.enabled(if: RefTool.isInstalled("dtc") && RefTool.isInstalled("cpp"), "skipped: dtc or cpp not installed"))
  func boardCompiledByDtcAndByDtlintIsTheSame() throws {
    let d = try DiffFixtures.scratch()
    try RefTool.run(
      "cpp", ["-nostdinc", "-undef", "-D__DTS__", "-x", "assembler-with-cpp", "-o", "base.pp", "base.dts"],
      in: URL(fileURLWithPath: d.path))
    for (flags, name) in [([], "dtc.dtb"), (["-@"], "dtc-symbols.dtb")] {
      try RefTool.run(
        "dtc", ["-q", "-I", "dts", "-O", "dtb", "-o", name] + flags + ["base.pp"], in: URL(fileURLWithPath: d.path))
      for other in ["base.dts", "base.dtb", "base-plain.dtb"] {
        let (changes, _) = try diffSpecs(d.path + "/" + name, d.path + "/" + other)
        #expect(changes.isEmpty, "\(name) vs \(other): \(describe(changes))")
      }
    }
  }

  @Test func chainEqualsTheFlatSourceAlthoughPhandlesDiffer() throws {
    let d = try DiffFixtures.scratch()
    let sources = SourceManager()
    let reader = SourceReader(sources: sources, options: FrontEndOptions())
    let chain = try reader.loadForDiff(d.path + "/base.dtb+" + d.path + "/hmp.dtbo").tree
    let flat = try reader.loadForDiff(d.path + "/custom.dts").tree
    // The premise: the two trees number their phandles differently.
    let paths = [
      "/soc@0/mailbox@30aa0000", "/reserved-memory/vdevbuffer@55400000", "/reserved-memory/rsc-table@550ff000",
    ]
    let numbers = paths.map { p in
      [chain, flat].map { $0.node(atPath: p)?.property("phandle")?.value.singleCell ?? 0 }
    }
    #expect(numbers.allSatisfy { $0[0] != 0 && $0[1] != 0 })
    #expect(numbers.contains { $0[0] != $0[1] }, "phandles: \(numbers)")
    let mboxes = [chain, flat].map { $0.node(atPath: "/imx8mp-cm7")?.property("mboxes")?.value.bytes ?? [] }
    #expect(mboxes[0] != mboxes[1], "the referencing bytes differ too")
    let changes = TreeDiff.compare(chain, flat)
    #expect(changes.isEmpty, "\(describe(changes))")
    // Same with the overlay as a source, and with the base as a source.
    for spec in ["/base.dts+" + d.path + "/hmp.dtso", "/base.dtb+" + d.path + "/hmp.dtso"] {
      let (c, _) = try diffSpecs(d.path + spec, d.path + "/custom.dts")
      #expect(c.isEmpty, "\(spec): \(describe(c))")
    }
  }

  @Test(.enabled(if: RefTool.isInstalled("fdtoverlay"), "skipped: fdtoverlay not installed"))
  func chainEqualsWhatFdtoverlayWrites() throws {
    let d = try DiffFixtures.scratch()
    let base = [UInt8](try Data(contentsOf: URL(fileURLWithPath: d.path + "/base.dtb")))
    let overlay = [UInt8](try Data(contentsOf: URL(fileURLWithPath: d.path + "/hmp.dtbo")))
    let merged = d.write("fdtoverlay.dtb", bytes: try RefTool.fdtoverlay(base, [overlay]))
    for spec in ["/base.dtb+" + d.path + "/hmp.dtbo", "/base.dts+" + d.path + "/hmp.dtso"] {
      let (changes, _) = try diffSpecs(merged, d.path + spec, options: TreeDiffOptions(includeBookkeeping: true))
      #expect(changes.isEmpty, "\(spec): \(describe(changes))")
    }
  }

  @Test func oneStatusChangedIsExactlyOneChangeWithItsLine() throws {
    let d = try DiffFixtures.scratch()
    let custom = DiffFixtures.text("custom.dts")
    // The second `status = "disabled"` is the one in &i2c3.
    let edited = custom.replacingOccurrences(
      of: "&i2c3 {\n\tstatus = \"disabled\";", with: "&i2c3 {\n\tstatus = \"okay\";")
    #expect(edited != custom)
    let path = d.write("custom-edited.dts", edited)
    let (changes, sources) = try diffSpecs(d.path + "/base.dtb+" + d.path + "/hmp.dtbo", path)
    #expect(changes.count == 1, "\(describe(changes))")
    let c = try #require(changes.first)
    #expect(c.kind == .changed)
    #expect(c.nodePath == "/soc@0/i2c@30a40000")
    #expect(c.property == "status")
    #expect(text(c.a) == "\"disabled\"")
    #expect(text(c.b) == "\"okay\"")
    #expect(c.aRange == nil, "the overlay is a blob: no source position")
    let b = try #require(c.bRange)
    #expect(sources[b.file].path == path)
    #expect(sources[b.file].lineColumn(at: b.start) == LineColumn(line: line(of: "\"okay\"", in: edited)!, column: 2))

    // With the overlay as a source, its side has a line too.
    let (again, sources2) = try diffSpecs(d.path + "/base.dtb+" + d.path + "/hmp.dtso", path)
    #expect(again.count == 1)
    let a = try #require(again.first?.aRange)
    #expect(sources2[a.file].path.hasSuffix("hmp.dtso"))
    let overlay = DiffFixtures.text("hmp.dtso")
    #expect(sources2[a.file].lineColumn(at: a.start).line == line(of: "status", in: overlay, skipping: 1))
  }

  @Test func overlaySourceIsComparedAsWritten() throws {
    let d = try DiffFixtures.scratch()
    let (same, _) = try diffSpecs(d.path + "/hmp.dtso", d.path + "/hmp.dtbo")
    #expect(same.isEmpty, "\(describe(same))")
    let edited = DiffFixtures.text("hmp.dtso").replacingOccurrences(of: "<&mu 3 1>", with: "<&mu 3 2>")
    let p = d.write("hmp2.dtso", edited)
    let (changes, _) = try diffSpecs(d.path + "/hmp.dtbo", p)
    #expect(changes.count == 1, "\(describe(changes))")
    #expect(changes.first?.nodePath.hasPrefix("/fragment@") == true)
    #expect(changes.first?.nodePath.hasSuffix("/__overlay__/imx8mp-cm7") == true)
    #expect(changes.first?.property == "mboxes")
    #expect(text(changes.first?.a) == "<&mu 0x00 0x01>, <&mu 0x01 0x01>, <&mu 0x03 0x01>")
    #expect(text(changes.first?.b) == "<&mu 0x00 0x01>, <&mu 0x01 0x01>, <&mu 0x03 0x02>")
  }

  @Test func renumberedBlobWithoutMarkersIsTheSame() throws {
    let d = try DiffFixtures.scratch()
    let c = try SourceReader(sources: SourceManager(), options: FrontEndOptions()).compile(
      path: d.path + "/custom.dts", options: CompileOptions())
    let moved = try blobTree(renumbered(c.tree))
    #expect(moved.root.child("__symbols__") == nil)
    let changes = TreeDiff.compare(c.tree, moved)
    #expect(changes.isEmpty, "\(describe(changes))")
    let typed = TypedValueTests.consumerSource
    let t = sourceTree(typed)
    let m = try blobTree(renumbered(t))
    let c2 = TreeDiff.compare(t, m)
    #expect(c2.isEmpty, "\(describe(c2))")
  }

  @Test func orderAndLabelsAreNoDifference() {
    let a = sourceTree(
      "/dts-v1/;\n/ { x: n1 { a = <1>; b = \"s\"; }; n2 { c; r = <&x>; }; };")
    let b = sourceTree(
      "/dts-v1/;\n/ { n2 { r = <&other>; c; }; other: n1 { b = \"s\"; a = <1>; }; };")
    #expect(TreeDiff.compare(a, b).isEmpty)
  }

  @Test func samePhandleNumberOnAnotherNodeIsADifference() throws {
    // Both trees give phandle 1 to the node `clocks` names, but it is a different node.
    let a = sourceTree(
      "/dts-v1/;\n/ { p: pa { #clock-cells = <1>; }; q: pb { #clock-cells = <1>; }; u { clocks = <&p 1>; }; };")
    let b = sourceTree(
      "/dts-v1/;\n/ { p: pa { #clock-cells = <1>; }; q: pb { #clock-cells = <1>; }; u { clocks = <&q 1>; }; };")
    #expect(
      a.node(atPath: "/u")?.property("clocks")?.value.bytes == b.node(atPath: "/u")?.property("clocks")?.value.bytes)
    for (ta, tb) in [(a, b), (try blobTree(a), try blobTree(b))] {
      let changes = TreeDiff.compare(ta, tb).filter { $0.property != "phandle" }
      #expect(changes.count == 1, "\(describe(changes))")
      #expect(changes.first?.nodePath == "/u")
      #expect(changes.first?.property == "clocks")
    }
    let changes = TreeDiff.compare(a, b)
    #expect(text(changes.first?.a) == "<&p 0x01>")
    #expect(text(changes.first?.b) == "<&q 0x01>")
  }

  @Test func sameLabelOnAnotherNodePrintsPaths() {
    let a = sourceTree("/dts-v1/;\n/ { x: n1 { }; n2 { }; u { pinctrl-0 = <&x>; }; };")
    let b = sourceTree("/dts-v1/;\n/ { n1 { }; x: n2 { }; u { pinctrl-0 = <&x>; }; };")
    let changes = TreeDiff.compare(a, b)
    #expect(changes.count == 1, "\(describe(changes))")
    #expect(text(changes.first?.a) == "<&{/n1}>")
    #expect(text(changes.first?.b) == "<&{/n2}>")
  }

  @Test func nodesPropertiesAndReservationsAddedRemovedChanged() {
    let a = sourceTree(
      "/dts-v1/;\n/memreserve/ 0x1000 0x100;\n/ { n { p = <1>; gone; sub { q = \"x\"; deep { }; }; }; };")
    let b = sourceTree(
      "/dts-v1/;\n/memreserve/ 0x2000 0x100;\n/ { n { p = <2>; new = [01 02]; }; added { z; }; };")
    let changes = TreeDiff.compare(a, b)
    let summary = changes.map { "\($0.kind.rawValue) \($0.nodePath) \($0.property ?? "-")" }
    #expect(
      summary == [
        "removed /memreserve/ -", "added /memreserve/ -", "added /added -", "removed /n gone", "added /n new",
        "changed /n p", "removed /n/sub -",
      ])
    let sub = changes.last?.a
    guard case .node(let content)? = sub else {
      Issue.record("a removed node carries its content")
      return
    }
    #expect(content.properties.map(\.name) == ["q"])
    #expect(content.children.map(\.name) == ["deep"])
    #expect(changes.first?.a == .reservation(address: 0x1000, size: 0x100))
  }

  @Test func chainSpecs() {
    let exists: (String) -> Bool = { $0 == "odd+name.dtb" }
    #expect(SourceReader.diffParts("a.dtb+b.dtbo+c.dtbo", fileExists: exists) == ["a.dtb", "b.dtbo", "c.dtbo"])
    #expect(SourceReader.diffParts("odd+name.dtb", fileExists: exists) == ["odd+name.dtb"])
    #expect(SourceReader.diffParts("a.dts", fileExists: exists) == ["a.dts"])
    #expect(SourceReader.diffParts("a.dtb++b.dtbo", fileExists: exists) == nil)
    #expect(SourceReader.diffParts("a.dtb+", fileExists: exists) == nil)
  }

  @Test func unreadableAndRefusedInputsAreErrors() throws {
    let d = try DiffFixtures.scratch()
    let reader = SourceReader(sources: SourceManager(), options: FrontEndOptions())
    #expect(throws: DiffInputError.self) { try reader.loadForDiff(d.path + "/absent.dts") }
    let bad = d.write("bad.dts", "/dts-v1/;\n/ { a = <1; };\n")
    let error = #expect(throws: DiffInputError.self) { try reader.loadForDiff(bad) }
    #expect(error?.diagnostics.isEmpty == false)
    let missingLabel = d.write("ref.dts", "/dts-v1/;\n/ { a = <&nowhere>; };\n")
    #expect(throws: DiffInputError.self) { try reader.loadForDiff(missingLabel) }
    // The base blob has no __symbols__: the overlay's &labels do not apply.
    let e = #expect(throws: DiffInputError.self) {
      try reader.loadForDiff(d.path + "/base-plain.dtb+" + d.path + "/hmp.dtbo")
    }
    #expect(e?.message.contains("-@") == true, "\(e?.message ?? "")")
    let junk = d.write("junk.dtb", bytes: [0xD0, 0x0D, 0xFE, 0xED, 0, 0, 0, 8])
    #expect(throws: DiffInputError.self) { try reader.loadForDiff(junk) }
  }
}

// MARK: - Typed values

@Suite struct TypedValueTests {
  /// One consumer of every kind of phandle property, and values of every type.
  static let consumerSource = """
    /dts-v1/;
    / {
    	#address-cells = <1>;
    	#size-cells = <1>;
    	clk: clock-controller@1000 { reg = <0x1000 0x100>; #clock-cells = <1>; };
    	osc: osc { #clock-cells = <0>; };
    	mu: mailbox@2000 { reg = <0x2000 0x100>; #mbox-cells = <2>; };
    	gic: interrupt-controller { interrupt-controller; #interrupt-cells = <3>; #address-cells = <0>; };
    	gpio1: gpio { gpio-controller; #gpio-cells = <2>; hog { gpio-hog; gpios = <1 0>; output-high; }; };
    	sdma: dma { #dma-cells = <3>; };
    	src: reset { #reset-cells = <1>; };
    	pgc: power { #power-domain-cells = <1>; };
    	pwm1: pwm { #pwm-cells = <3>; };
    	phy0: phy { #phy-cells = <0>; };
    	smmu: iommu { #iommu-cells = <1>; };
    	tmu: tmu { #thermal-sensor-cells = <1>; };
    	cpu0: cpu { #cooling-cells = <2>; };
    	sai: sai { #sound-dai-cells = <0>; };
    	adc: adc { #io-channel-cells = <1>; };
    	hwlock: hwspinlock { #hwlock-cells = <1>; };
    	mux: mux { #mux-control-cells = <1>; };
    	its: msi { msi-controller; };
    	reg1: regulator { };
    	ep0: endpoint0 { remote-endpoint = <&ep1>; };
    	ep1: endpoint1 { remote-endpoint = <&ep0>; };
    	pins: pins { fsl,pins = <1 2 3>; };
    	rmem: region@3000 { reg = <0x3000 0x100>; };
    	eth_phy: ethernet-phy { };
    	gpr: syscon@4000 { reg = <0x4000 0x100>; };
    	pcie { #address-cells = <3>; #interrupt-cells = <1>;
    		interrupt-map-mask = <0 0 0 7>;
    		interrupt-map = <0 0 0 1 &gic 0 5 4>, <0 0 0 2 &gic 0 6 4>; };
    	consumer {
    		interrupt-parent = <&gic>;
    		interrupts = <0 1 4>, <0 2 4>;
    		str = "a", "b";
    		cells = <1 2 0xdeadbeef>;
    		bytes = [01 02 ab];
    		b16 = /bits/ 16 <1 2>;
    		b64 = /bits/ 64 <0x100000000>;
    		flag;
    		path = &clk;
    		clocks = <&clk 1>, <&osc>, <&clk 2>;
    		mboxes = <&mu 0 1>, <&mu 1 1>;
    		interrupts-extended = <&gic 0 3 4>;
    		reset-gpios = <&gpio1 3 1>;
    		dmas = <&sdma 1 2 3>;
    		resets = <&src 4>;
    		power-domains = <&pgc 1>;
    		pwms = <&pwm1 0 5000 0>;
    		phys = <&phy0>;
    		iommus = <&smmu 9>;
    		thermal-sensors = <&tmu 0>;
    		cooling-device = <&cpu0 0 2>;
    		sound-dai = <&sai>;
    		io-channels = <&adc 3>;
    		hwlocks = <&hwlock 2>;
    		mux-controls = <&mux 1>;
    		msi-parent = <&its>;
    		vcc-supply = <&reg1>;
    		pinctrl-names = "default";
    		pinctrl-0 = <&pins>;
    		memory-region = <&rmem>;
    		phy-handle = <&eth_phy>;
    		fsl,stop-mode = <&gpr 0x10 3>;
    		iommu-map = <0 &smmu 0 1>, <0x100 &smmu 0x100 0x10>;
    		msi-map = <0 &its 0 1>;
    	};
    };
    """

  /// Expected text of each property of `/consumer`, with labels.
  static let expected: [(String, String)] = [
    ("interrupt-parent", "<&gic>"),
    ("interrupts", "<0x00 0x01 0x04>, <0x00 0x02 0x04>"),
    ("str", "\"a\", \"b\""),
    ("cells", "<0x01 0x02 0xdeadbeef>"),
    ("bytes", "[01 02 ab]"),
    ("b16", "/bits/ 16 <0x01 0x02>"),
    ("b64", "/bits/ 64 <0x100000000>"),
    ("flag", ""),
    ("path", "\"/clock-controller@1000\""),
    ("clocks", "<&clk 0x01>, <&osc>, <&clk 0x02>"),
    ("mboxes", "<&mu 0x00 0x01>, <&mu 0x01 0x01>"),
    ("interrupts-extended", "<&gic 0x00 0x03 0x04>"),
    ("reset-gpios", "<&gpio1 0x03 0x01>"),
    ("dmas", "<&sdma 0x01 0x02 0x03>"),
    ("resets", "<&src 0x04>"),
    ("power-domains", "<&pgc 0x01>"),
    ("pwms", "<&pwm1 0x00 0x1388 0x00>"),
    ("phys", "<&phy0>"),
    ("iommus", "<&smmu 0x09>"),
    ("thermal-sensors", "<&tmu 0x00>"),
    ("cooling-device", "<&cpu0 0x00 0x02>"),
    ("sound-dai", "<&sai>"),
    ("io-channels", "<&adc 0x03>"),
    ("hwlocks", "<&hwlock 0x02>"),
    ("mux-controls", "<&mux 0x01>"),
    ("msi-parent", "<&its>"),
    ("vcc-supply", "<&reg1>"),
    ("pinctrl-names", "\"default\""),
    ("pinctrl-0", "<&pins>"),
    ("memory-region", "<&rmem>"),
    ("phy-handle", "<&eth_phy>"),
    ("fsl,stop-mode", "<&gpr 0x10 0x03>"),
    ("iommu-map", "<0x00 &smmu 0x00 0x01>, <0x100 &smmu 0x100 0x10>"),
    ("msi-map", "<0x00 &its 0x00 0x01>"),
  ]

  static func typed(_ tree: DeviceTree, _ path: String, _ name: String) -> TypedValue? {
    guard let node = tree.node(atPath: path), let p = node.property(name) else { return nil }
    return TreeDiff.typedValue(of: p, in: node, of: tree)
  }

  @Test func everyKindPrintsTypedFromSourceAndFromBlobs() throws {
    let source = sourceTree(Self.consumerSource, symbols: true)
    let withSymbols = try blobTree(source)
    let plain = try blobTree(sourceTree(Self.consumerSource))
    for (name, text) in Self.expected {
      #expect(Self.typed(source, "/consumer", name)?.text == text, "source \(name)")
      // A blob does not keep /bits/ widths: they read back as 32-bit cells.
      guard !name.hasPrefix("b") || name == "bytes" else { continue }
      #expect(Self.typed(withSymbols, "/consumer", name)?.text == text, "blob -@ \(name)")
    }
    #expect(Self.typed(withSymbols, "/consumer", "b16")?.text == "<0x10002>")
    // Without __symbols__ a blob has no labels: references print as paths, still split by #…-cells.
    #expect(
      Self.typed(plain, "/consumer", "clocks")?.text
        == "<&{/clock-controller@1000} 0x01>, <&{/osc}>, <&{/clock-controller@1000} 0x02>")
    #expect(
      Self.typed(plain, "/consumer", "mboxes")?.text == "<&{/mailbox@2000} 0x00 0x01>, <&{/mailbox@2000} 0x01 0x01>")
    #expect(Self.typed(plain, "/consumer", "interrupt-parent")?.text == "<&{/interrupt-controller}>")
    // interrupt-map: the phandle inside each entry; a hog's gpios are not phandles; reg by the parent's cells.
    #expect(
      Self.typed(withSymbols, "/pcie", "interrupt-map")?.text
        == "<0x00 0x00 0x00 0x01 &gic 0x00 0x05 0x04>, <0x00 0x00 0x00 0x02 &gic 0x00 0x06 0x04>")
    #expect(Self.typed(withSymbols, "/gpio/hog", "gpios")?.text == "<0x01 0x00>")
    #expect(Self.typed(plain, "/region@3000", "reg")?.text == "<0x3000 0x100>")
  }

  @Test func typedItems() throws {
    let source = sourceTree(Self.consumerSource, symbols: true)
    #expect(Self.typed(source, "/consumer", "b16")?.items == [.cells(bits: 16, [.number(1), .number(2)])])
    #expect(Self.typed(source, "/consumer", "b64")?.items == [.cells(bits: 64, [.number(0x1_0000_0000)])])
    let tree = try blobTree(source)
    let clk = ReferenceTarget(phandle: 0, path: "/clock-controller@1000", label: "clk")
    func items(_ name: String) -> [TypedItem] { Self.typed(tree, "/consumer", name)?.items ?? [] }
    // Phandle numbers depend on the compiler: compare without them.
    func normal(_ items: [TypedItem]) -> [TypedItem] {
      items.map {
        guard case .cells(let bits, let cells) = $0 else { return $0 }
        return .cells(
          bits: bits,
          cells.map {
            guard case .reference(var t) = $0 else { return $0 }
            t.phandle = 0
            return .reference(t)
          })
      }
    }
    #expect(items("str") == [.string("a"), .string("b")])
    #expect(items("cells") == [.cells(bits: 32, [.number(1), .number(2), .number(0xdead_beef)])])
    #expect(items("bytes") == [.bytes([1, 2, 0xab])])
    #expect(items("flag") == [])
    #expect(
      normal(items("clocks")) == [
        .cells(bits: 32, [.reference(clk), .number(1)]),
        .cells(bits: 32, [.reference(ReferenceTarget(phandle: 0, path: "/osc", label: "osc"))]),
        .cells(bits: 32, [.reference(clk), .number(2)]),
      ])
    guard case .cells(_, let cells)? = items("clocks").first, case .reference(let t)? = cells.first else {
      Issue.record("clocks starts with a reference")
      return
    }
    #expect(t.phandle == tree.node(atPath: "/clock-controller@1000")?.property("phandle")?.value.singleCell)
  }

  @Test func interruptMapWithoutParentAddressCells() throws {
    // A map whose entries leave out the parent unit address although the parent has #address-cells (the
    // Layerscape extirq maps do this): read the way the entries fit.
    let tree = try blobTree(
      sourceTree(
        """
        /dts-v1/;
        / { gic: ic { interrupt-controller; #interrupt-cells = <3>; #address-cells = <2>; };
            ext { #interrupt-cells = <2>; #address-cells = <0>;
                  interrupt-map = <0 0 &gic 0 1 4>, <1 0 &gic 0 2 4>; }; };
        """, symbols: true))
    #expect(
      Self.typed(tree, "/ext", "interrupt-map")?.text
        == "<0x00 0x00 &gic 0x00 0x01 0x04>, <0x01 0x00 &gic 0x00 0x02 0x04>")
  }

  @Test func layoutsThatDoNotWalkAreLeftAlone() {
    // A phandle that names no node, a provider without #…-cells, cells left over: no layout.
    let tree = sourceTree(
      """
      /dts-v1/;
      / { p: prov { }; c: clk { #clock-cells = <1>; };
          u { clocks = <&p 1>; mboxes = <&c 1 2>; dmas = <0x999 1>; pinctrl-0 = <0 &c>; }; };
      """)
    let index = PhandleIndex(tree)
    let u = tree.node(atPath: "/u")!
    #expect(PhandleLayout.layout(of: u.property("clocks")!, in: u, index: index) == nil)
    #expect(PhandleLayout.layout(of: u.property("mboxes")!, in: u, index: index) == nil)
    #expect(PhandleLayout.layout(of: u.property("dmas")!, in: u, index: index) == nil)
    // A zero cell is an empty entry.
    #expect(
      PhandleLayout.layout(of: u.property("pinctrl-0")!, in: u, index: index)
        == CellLayout(references: [4], groups: [0, 4]))
    #expect(PhandleLayout.kind(of: "nr-gpios") == nil)
    #expect(PhandleLayout.kind(of: "snps,nr-gpios") == nil)
    #expect(PhandleLayout.kind(of: "cd-gpios") == .specifiers(cells: "#gpio-cells", defaultCells: nil))
    #expect(PhandleLayout.kind(of: "pinctrl-names") == nil)
    #expect(PhandleLayout.kind(of: "#clock-cells") == nil)
  }
}

// MARK: - Corpus

@Suite(.serialized) struct TreeDiffCorpusTests {
  static let includes = [
    Corpus.linuxDTS + "/include", Corpus.linuxDTS + "/src/arm64/freescale", Corpus.linuxDTS + "/src",
  ]
  static let freescale = Corpus.linuxDTS + "/src/arm64/freescale/"

  /// The differences between the Wi-Fi and non-Wi-Fi Verdin iMX8M Plus on the Development Board, listed from
  /// their sources: the two .dts differ in `model` and `compatible`; `imx8mp-verdin-wifi.dtsi` adds the Wi-Fi
  /// enable regulator, enables uart4 for Bluetooth (rtscts, its pins, a `bluetooth` child) and usdhc1 for the
  /// Wi-Fi (keep-power-in-suspend, non-removable, three pin states, vmmc-supply); the two .dtsi name GPIO5's lines
  /// differently and hog different pins (hog4 vs hog1); `imx8mp-verdin-nonwifi.dtsi` writes uart4
  /// `status = "disabled"`. `bus-width = <4>` and uart4's `pinctrl-names` are the same on both sides (imx8mp.dtsi
  /// and imx8mp-verdin.dtsi already set them); uart4's `pinctrl-0` is `pinctrl_uart4` (imx8mp-verdin.dtsi) in the
  /// non-Wi-Fi tree; usdhc1 stays `disabled` (imx8mp.dtsi).
  static let wifiVersusNonWifi = """
    changed / compatible
    changed / model
    removed /regulator-wifi-en (node)
    changed /soc@0/bus@30000000/gpio@30240000 gpio-line-names
    changed /soc@0/bus@30000000/pinctrl@30330000 pinctrl-0
    removed /soc@0/bus@30800000/mmc@30b40000 keep-power-in-suspend
    removed /soc@0/bus@30800000/mmc@30b40000 non-removable
    removed /soc@0/bus@30800000/mmc@30b40000 pinctrl-0
    removed /soc@0/bus@30800000/mmc@30b40000 pinctrl-1
    removed /soc@0/bus@30800000/mmc@30b40000 pinctrl-2
    removed /soc@0/bus@30800000/mmc@30b40000 pinctrl-names
    changed /soc@0/bus@30800000/mmc@30b40000 status
    removed /soc@0/bus@30800000/mmc@30b40000 vmmc-supply
    changed /soc@0/bus@30800000/serial@30a60000 pinctrl-0
    changed /soc@0/bus@30800000/serial@30a60000 status
    removed /soc@0/bus@30800000/serial@30a60000 uart-has-rtscts
    removed /soc@0/bus@30800000/serial@30a60000/bluetooth (node)
    """

  @Test(.enabled(if: Corpus.available, "skipped: ../shared/corpus/linux-dts not found beside the package"))
  func verdinWifiVersusNonWifiAreTheirSourcesDifferences() throws {
    let (changes, sources) = try diffSpecs(
      Self.freescale + "imx8mp-verdin-wifi-dev.dts", Self.freescale + "imx8mp-verdin-nonwifi-dev.dts",
      includePaths: Self.includes)
    #expect(describe(changes) == Self.wifiVersusNonWifi)
    // Values and positions come from the sources.
    let uart = changes.first { $0.nodePath.hasSuffix("serial@30a60000") && $0.property == "pinctrl-0" }
    #expect(text(uart?.a) == "<&pinctrl_bt_uart>")
    #expect(text(uart?.b) == "<&pinctrl_uart4>")
    let status = try #require(changes.first { $0.nodePath.hasSuffix("serial@30a60000") && $0.property == "status" })
    let a = try #require(status.aRange)
    let b = try #require(status.bRange)
    #expect(sources[a.file].path.hasSuffix("imx8mp-verdin-wifi.dtsi"))
    #expect(sources[b.file].path.hasSuffix("imx8mp-verdin-nonwifi.dtsi"))
    let wifi = try String(contentsOfFile: Self.freescale + "imx8mp-verdin-wifi.dtsi", encoding: .utf8)
    #expect(sources[a.file].lineColumn(at: a.start).line == line(of: "status = \"okay\"", in: wifi))
  }

  @Test(.enabled(if: RefCorpus.available, "skipped: ../shared/corpus/linux-dts, cpp or dtc not found"))
  func verdinCompiledByDtcAndByDtlintIsTheSame() throws {
    let d = TempDir()
    for board in ["imx8mp-verdin-wifi-dev.dts", "imx8mp-verdin-nonwifi-dev.dts"] {
      for flags in [[], ["-@"]] {
        let blob = d.write("dtc.dtb", bytes: try RefCorpus.compile(board, flags))
        let (changes, _) = try diffSpecs(blob, Self.freescale + board, includePaths: Self.includes)
        #expect(changes.isEmpty, "\(board) \(flags): \(describe(changes))")
      }
    }
  }

  @Test(
    .enabled(
      if: RefCorpus.available && RefTool.isInstalled("fdtoverlay"),
      "skipped: ../shared/corpus/linux-dts, cpp, dtc or fdtoverlay not found"))
  func corpusChainsEqualWhatFdtoverlayWrites() throws {
    let pairs = [
      ("imx8mm-venice-gw72xx-0x.dts", "imx8mm-venice-gw72xx-0x-rs485.dtso"),
      ("imx8mp-tqma8mpql-mba8mpxl.dts", "imx8mp-tqma8mpql-mba8mpxl-lvds-tm070jvhg33.dtso"),
      ("imx8mp-venice-gw74xx.dts", "imx8mp-venice-gw74xx-rpidsi.dtso"),
    ]
    let d = TempDir()
    for (base, overlay) in pairs {
      // cpp + dtc -@ for both, applied by fdtoverlay; against dtlint's chain of the two sources.
      let merged = try RefTool.fdtoverlay(RefCorpus.compile(base, ["-@"]), [RefCorpus.compile(overlay, ["-@"])])
      let path = d.write("merged.dtb", bytes: merged)
      let (changes, _) = try diffSpecs(
        path, Self.freescale + base + "+" + Self.freescale + overlay, includePaths: Self.includes)
      #expect(changes.isEmpty, "\(base)+\(overlay): \(describe(changes))")
    }
  }

  /// Every board (the i.MX8M Plus, i.MX93 and Verdin iMX8M Mini ones; all 252 with DTLINT_CORPUS=all) against its
  /// own blob with every phandle renumbered and no markers, labels or fixups left: a phandle not found from property
  /// names and #…-cells shows up here as a change.
  @Test(.enabled(if: Corpus.available, "skipped: ../shared/corpus/linux-dts not found beside the package"))
  func renumberedCorpusBlobsAreTheSame() throws {
    let all = CorpusCompileTests.linuxRows().filter { $0.mode == "plain" && $0.file.hasSuffix(".dts") }.map(\.file)
    let boards =
      ProcessInfo.processInfo.environment["DTLINT_CORPUS"] == "all"
      ? all : all.filter { $0.contains("imx8mp") || $0.contains("imx93") || $0.contains("imx8mm-verdin") }
    #expect(!boards.isEmpty)
    var failures: [String] = []
    let cache = PreprocessorCache()
    for board in boards {
      var o = FrontEndOptions()
      o.includePaths = Self.includes
      let reader = SourceReader(sources: SourceManager(), options: o, cache: cache)
      let c = try reader.compile(path: Corpus.linuxDTS + "/" + board, options: CompileOptions())
      if c.refused { continue }
      // Blob against blob: neither side has markers, so only property names and #…-cells find the phandles.
      let moved = try blobTree(renumbered(c.tree))
      let changes = TreeDiff.compare(try blobTree(c.tree), moved)
      if !changes.isEmpty { failures.append("\(board): \(describe(Array(changes.prefix(8))))") }
      // Source against blob: the source's markers and the names together.
      let mixed = TreeDiff.compare(c.tree, moved)
      if !mixed.isEmpty { failures.append("\(board) (source): \(describe(Array(mixed.prefix(8))))") }
    }
    #expect(
      failures.isEmpty,
      "\(boards.count - failures.count)/\(boards.count) the same:\n\(failures.joined(separator: "\n"))")
  }
}
