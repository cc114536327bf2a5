import Foundation
import Testing

@testable import DTCore

// MARK: - Helpers shared by the blob and printer tests

/// Runs the reference tools (dtc, fdtoverlay, cpp) on temporary files.
enum RefTool {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func isInstalled(_ tool: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
      FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
    }
  }

  static func tempDir() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dtlint-blob-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  /// Runs `tool args` and returns its stdout; throws with stderr when it fails.
  @discardableResult
  static func run(_ tool: String, _ args: [String], in dir: URL? = nil) throws -> [UInt8] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [tool] + args
    if let dir { p.currentDirectoryURL = dir }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
      throw Failure(
        description: "\(tool) \(args.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self))")
    }
    return [UInt8](data)
  }

  /// `dtc -I dts -O dtb EXTRA` on the given source.
  static func dtb(_ dts: String, _ extra: [String] = []) throws -> [UInt8] {
    let dir = try tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    try dts.write(to: dir.appendingPathComponent("in.dts"), atomically: true, encoding: .utf8)
    try run("dtc", ["-q", "-I", "dts", "-O", "dtb", "-o", "out.dtb"] + extra + ["in.dts"], in: dir)
    return [UInt8](try Data(contentsOf: dir.appendingPathComponent("out.dtb")))
  }

  /// `dtc -I dtb -O dts` on a blob (dtc 1.6.1 here: no label or reference recovery).
  static func dts(_ blob: [UInt8]) throws -> String {
    let dir = try tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(blob).write(to: dir.appendingPathComponent("in.dtb"))
    return String(decoding: try run("dtc", ["-q", "-I", "dtb", "-O", "dts", "in.dtb"], in: dir), as: UTF8.self)
  }

  /// `fdtoverlay -i base -o out overlays…`.
  static func fdtoverlay(_ base: [UInt8], _ overlays: [[UInt8]]) throws -> [UInt8] {
    let dir = try tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(base).write(to: dir.appendingPathComponent("base.dtb"))
    var names: [String] = []
    for (i, o) in overlays.enumerated() {
      names.append("ov\(i).dtbo")
      try Data(o).write(to: dir.appendingPathComponent("ov\(i).dtbo"))
    }
    try run("fdtoverlay", ["-i", "base.dtb", "-o", "out.dtb"] + names, in: dir)
    return [UInt8](try Data(contentsOf: dir.appendingPathComponent("out.dtb")))
  }
}

/// Builds trees in tests: `N("name", ["prop": value], [children])`, properties in the order given.
func N(
  _ name: String, _ props: KeyValuePairs<String, PropertyValue> = [:], _ children: [Node] = [], labels: [String] = []
)
  -> Node
{
  let n = Node(name: name)
  n.labels = labels
  for (k, v) in props { n.properties.append(Property(name: k, value: v)) }
  for c in children { n.addChild(c) }
  return n
}

func strings(_ list: String...) -> PropertyValue {
  var v = PropertyValue()
  for s in list { v.append(.string(s)) }
  return v
}

func bytes(_ b: [UInt8]) -> PropertyValue {
  PropertyValue(bytes: b, markers: [ValueMarker(kind: .cells(bits: 8), offset: 0)])
}

let empty = PropertyValue.empty

/// A readable first difference between two byte arrays.
func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
  if a == b { return "identical" }
  let i = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
  return "sizes \(a.count) vs \(b.count), first difference at byte 0x\(String(i, radix: 16))"
}

/// Records the first difference when two blobs differ (without dumping both arrays).
func expectSameBytes(
  _ a: [UInt8], _ b: [UInt8], _ context: @autoclosure () -> String = "",
  sourceLocation: SourceLocation = #_sourceLocation
) {
  if a != b { Issue.record("\(context()) \(firstDifference(a, b))", sourceLocation: sourceLocation) }
}

/// The corpus of real device trees, when it is next to the project.
enum RefCorpus {
  static let root: URL = {
    let here = URL(fileURLWithPath: #filePath)  // …/Tests/DTCoreTests/BinaryTests.swift
    return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("shared/corpus/linux-dts")
  }()
  static var available: Bool {
    FileManager.default.fileExists(atPath: root.appendingPathComponent("src/arm64/freescale").path)
      && RefTool.isInstalled("cpp") && RefTool.isInstalled("dtc")
  }

  /// The boards (`.dts`) and overlays (`.dtso`), sorted.
  static func boards() -> [String] {
    let dir = root.appendingPathComponent("src/arm64/freescale")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
    return names.filter { $0.hasSuffix(".dts") || $0.hasSuffix(".dtso") }.sorted()
  }

  /// `"mode path" -> sha256` of what dtc 1.8.1 wrote (modes: plain, symbols, overlay).
  static func expectedSHA256() -> [String: String] {
    let file = root.appendingPathComponent("expected/dtc-1.8.1.sha256")
    guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [:] }
    var out: [String: String] = [:]
    for line in text.split(separator: "\n") {
      let f = line.split(separator: " ", omittingEmptySubsequences: true)
      if f.count == 3 { out["\(f[1]) \(f[2])"] = String(f[0]) }
    }
    return out
  }

  static func sha256(_ bytes: [UInt8]) throws -> String {
    let dir = try RefTool.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(bytes).write(to: dir.appendingPathComponent("b"))
    return String(String(decoding: try RefTool.run("sha256sum", ["b"], in: dir), as: UTF8.self).prefix(64))
  }

  /// A few boards, or all of them with DTLINT_CORPUS=all.
  static func selection() -> [String] {
    let all = boards()
    if ProcessInfo.processInfo.environment["DTLINT_CORPUS"] == "all" { return all }
    return Array(all.filter { $0.hasPrefix("imx8mp-verdin") }.prefix(3)) + Array(all.prefix(2))
      + Array(all.filter { $0.hasSuffix(".dtso") }.prefix(2))
  }

  /// Compiles a board the way the kernel does (cpp, then dtc -b 0), with `extra` dtc flags.
  static func compile(_ board: String, _ extra: [String] = []) throws -> [UInt8] {
    let dir = try RefTool.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    let pp = dir.appendingPathComponent("x.pp").path
    let out = dir.appendingPathComponent("x.dtb").path
    try RefTool.run(
      "cpp",
      [
        "-nostdinc", "-Iinclude", "-Isrc/arm64/freescale", "-Isrc", "-undef", "-D__DTS__", "-x",
        "assembler-with-cpp", "-o", pp, "src/arm64/freescale/\(board)",
      ], in: root)
    try RefTool.run(
      "dtc", ["-q", "-O", "dtb", "-b", "0", "-i", "src/arm64/freescale", "-o", out] + extra + [pp], in: root)
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
  }
}

// MARK: - Writer: byte-identical to dtc

@Suite struct DTBWriterTests {
  /// Source and the same tree built by hand.
  static let basicSource = """
    /dts-v1/;
    /memreserve/ 0x1000 0x2000;
    /memreserve/ 0x123456789 0x10;
    / {
    	model = "x";
    	reg-names = "a", "b";
    	names = "q";
    	big = <1 2 3>;
    	#address-cells = <1>;
    	#size-cells = <0>;
    	node@1 { reg = <1>; empty; bytes = [01 02 03]; names; a = "y"; };
    	other { b16 = /bits/ 16 <1 2 3>; b64 = /bits/ 64 <5>; reg-names = "z"; };
    };
    """

  static func basicTree() -> DeviceTree {
    let root = N(
      "",
      [
        "model": .string("x"), "reg-names": strings("a", "b"), "names": .string("q"), "big": .cells([1, 2, 3]),
        "#address-cells": .cells([1]), "#size-cells": .cells([0]),
      ],
      [
        N(
          "node@1", ["reg": .cells([1]), "empty": empty, "bytes": bytes([1, 2, 3]), "names": empty, "a": .string("y")]),
        N(
          "other",
          [
            "b16": PropertyValue(bytes: [0, 1, 0, 2, 0, 3]), "b64": PropertyValue(bytes: [0, 0, 0, 0, 0, 0, 0, 5]),
            "reg-names": .string("z"),
          ]),
      ])
    return DeviceTree(
      root: root,
      reserves: [ReserveEntry(address: 0x1000, size: 0x2000), ReserveEntry(address: 0x1_2345_6789, size: 0x10)])
  }

  @Test func basicTreeMatchesDtc() throws {
    let ours = DTBWriter.blob(of: Self.basicTree())
    let theirs = try RefTool.dtb(Self.basicSource)
    expectSameBytes(ours, theirs)
  }

  @Test(arguments: [1, 2, 3, 16, 17])
  func everyVersionMatchesDtc(version: Int) throws {
    let ours = DTBWriter.blob(of: Self.basicTree(), version: version)
    let theirs = try RefTool.dtb(Self.basicSource, ["-V", "\(version)"])
    expectSameBytes(ours, theirs)
  }

  @Test func bootCPUIDGoesInTheHeader() throws {
    let tree = Self.basicTree()
    tree.bootCPUID = 3
    let ours = DTBWriter.blob(of: tree)
    expectSameBytes(ours, try RefTool.dtb(Self.basicSource, ["-b", "3"]))
    #expect(BlobHeader.be32(ours, 28) == 3)
  }

  @Test func emptyTreeMatchesDtc() throws {
    let ours = DTBWriter.blob(of: DeviceTree())
    expectSameBytes(ours, try RefTool.dtb("/dts-v1/; / { };"))
  }

  @Test func deletedNodesAndPropertiesAreSkipped() throws {
    let source = """
      /dts-v1/;
      / { a = <1>; b = <2>; gone { x = <1>; }; kept { c = "c"; }; };
      / { /delete-property/ b; /delete-node/ gone; };
      """
    let tree = Self.basicTree()
    tree.reserves = []
    tree.root = N(
      "", ["a": .cells([1]), "b": .cells([2])],
      [N("gone", ["x": .cells([1])]), N("kept", ["c": .string("c")])])
    tree.root.properties[1].deleted = true
    tree.root.children[0].markDeleted()
    let ours = DTBWriter.blob(of: tree)
    let theirs = try RefTool.dtb(source)
    expectSameBytes(ours, theirs)
    // A deleted property's name is not in the strings block.
    let strings = ours[Int(BlobHeader.be32(ours, 12))...]
    #expect(Array(strings) == Array("a\0c\0".utf8))
  }

  /// Names longer than the indexed tails still find their suffix occurrences, as dtc's memmem does.
  @Test func stringTableReusesSuffixesLikeDtc() throws {
    let long = String(repeating: "abcdefghij", count: 10) + "-names"  // 106 bytes
    let suffix70 = String(long.suffix(70))
    let suffix6 = String(long.suffix(6))
    let source = """
      /dts-v1/;
      / { \(long) = <1>; \(suffix70); \(suffix6); ames; x-names; names; reg-names; n { \(long); }; };
      """
    let tree = DeviceTree(
      root: N(
        "",
        [
          long: .cells([1]), suffix70: empty, suffix6: empty, "ames": empty, "x-names": empty, "names": empty,
          "reg-names": empty,
        ], [N("n", [long: empty])]))
    let ours = DTBWriter.blob(of: tree)
    let theirs = try RefTool.dtb(source)
    expectSameBytes(ours, theirs)
    var table = StringTable()
    #expect(table.offset(of: Array("reg-names".utf8)) == 0)
    #expect(table.offset(of: Array("names".utf8)) == 4)
    #expect(table.offset(of: Array("s".utf8)) == 8)
    #expect(table.offset(of: Array("".utf8)) == 9)
    #expect(table.offset(of: Array("reg".utf8)) == 10)
    #expect(table.bytes.count == 14)
  }

  /// Many distinct names: the table must not degrade to quadratic scanning.
  @Test func stringTableStaysFastOnManyNames() {
    var table = StringTable()
    let clock = ContinuousClock()
    let t = clock.measure {
      for i in 0..<50_000 { _ = table.offset(of: Array("vendor,property-\(i)-name".utf8)) }
      for i in 0..<50_000 { _ = table.offset(of: Array("property-\(i)-name".utf8)) }
    }
    #expect(t < .seconds(20))
    #expect(
      table.offset(of: Array("property-7-name".utf8)) == table.offset(of: Array("vendor,property-7-name".utf8)) + 7)
  }

  /// Trees dtc wrote, read by us and written again: identical bytes.
  @Test(arguments: RoundTripSources.all.indices)
  func roundTripThroughReaderAndWriter(index: Int) throws {
    let (source, flags) = RoundTripSources.all[index]
    let blob = try RefTool.dtb(source, flags)
    let tree = try DTBReader.read(blob, path: "rt.dtb")
    let again = DTBWriter.blob(of: tree)
    expectSameBytes(again, blob)
  }

  /// Every corpus board compiled by dtc (plain and with -@), read and written again: identical bytes, and identical to
  /// what dtc 1.8.1 wrote (the corpus records its sha256). A few boards by default; all of them with
  /// DTLINT_CORPUS=all. Boards the installed dtc cannot compile are skipped.
  @Test(.enabled(if: RefCorpus.available)) func corpusRoundTrip() throws {
    let expected = RefCorpus.expectedSHA256()
    var compared = 0
    var matched181 = 0
    for board in RefCorpus.selection() {
      for flags in [[], ["-@"]] {
        guard let blob = try? RefCorpus.compile(board, flags) else { continue }
        let tree = try DTBReader.read(blob, path: board)
        let ours = DTBWriter.blob(of: tree)
        expectSameBytes(ours, blob, "\(board) \(flags)")
        compared += 1
        let mode = flags.isEmpty ? "plain" : board.hasSuffix(".dtso") ? "overlay" : "symbols"
        if let sha = expected["\(mode) src/arm64/freescale/\(board)"] {
          #expect(try RefCorpus.sha256(ours) == sha, "\(board) \(mode): not what dtc 1.8.1 wrote")
          matched181 += 1
        }
      }
    }
    print(
      "corpus round trip: \(compared) blobs identical to dtc's, \(matched181) of them checked against dtc 1.8.1's sha256"
    )
    #expect(compared > 0)
  }
}

/// Sources for round trips: several shapes dtc writes.
enum RoundTripSources {
  static let board = """
    /dts-v1/;
    /memreserve/ 0x80000000 0x100000;
    / {
    	#address-cells = <2>;
    	#size-cells = <2>;
    	compatible = "acme,board", "acme,soc";
    	model = "Acme Board";
    	aliases { serial0 = &uart0; mmc0 = "/soc/mmc@30b40000"; };
    	chosen { stdout-path = &uart0; bootargs = "console=ttymxc0,115200 root=/dev/mmcblk0p2 rw"; };
    	cpus {
    		#address-cells = <1>;
    		#size-cells = <0>;
    		cpu0: cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a53"; reg = <0>; clocks = <&clk 1>; };
    		cpu1: cpu@1 { device_type = "cpu"; compatible = "arm,cortex-a53"; reg = <1>; clocks = <&clk 1>; };
    	};
    	clk: clock-controller@30380000 { compatible = "acme,ccm"; reg = <0 0x30380000 0 0x10000>; #clock-cells = <1>;
    		clock-names = "osc_32k", "osc_24m", "clk_ext1"; clock-output-names = "a", "b"; };
    	soc {
    		compatible = "simple-bus"; #address-cells = <1>; #size-cells = <1>; ranges = <0 0 0 0x40000000>;
    		uart0: serial@30860000 { compatible = "fsl,imx8mp-uart", "fsl,imx6q-uart"; reg = <0x30860000 0x10000>;
    			interrupts = <0 26 4>; clocks = <&clk 2>, <&clk 3>; clock-names = "ipg", "per"; status = "okay";
    			dmas = <&sdma 22 4 0>, <&sdma 23 4 0>; dma-names = "rx", "tx"; };
    		sdma: dma-controller@30bd0000 { compatible = "fsl,imx8mp-sdma"; reg = <0x30bd0000 0x10000>; #dma-cells = <3>;
    			fsl,sdma-ram-script-name = "imx/sdma/sdma-imx7d.bin"; };
    		mmc@30b40000 { compatible = "fsl,imx8mp-usdhc"; reg = <0x30b40000 0x10000>; bus-width = <8>; non-removable;
    			pinctrl-names = "default", "state_100mhz", "state_200mhz"; mac = [00 11 22 33 44 55]; w = /bits/ 16 <7 8>; };
    	};
    	reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;
    		vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x8000>; no-map; };
    		rsc_table: rsc-table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; };
    	};
    	imx8mp-cm7 { compatible = "fsl,imx8mn-cm7"; memory-region = <&vdev0vring0>, <&rsc_table>; self = &uart0; };
    };
    """

  static let overlay = """
    /dts-v1/;
    /plugin/;
    &uart0 { status = "disabled"; };
    &{/soc} { extra: extra@0 { reg = <0 1>; link = <&extra>, <&sdma 1 2 3>; }; };
    / { fragment@9 { target-path = "/"; __overlay__ { new-prop = "n"; }; }; };
    """

  static let all: [(String, [String])] = [
    (board, []),
    (board, ["-@"]),
    (board, ["-H", "both"]),
    (overlay, ["-@"]),
    (overlay, []),
    ("/dts-v1/; / { a { b { c { d { e = <1>; }; }; }; }; f@1,2 { g; }; };", []),
  ]
}

// MARK: - Reader

@Suite struct DTBReaderTests {
  @Test func readsStructureReservesAndHeader() throws {
    let blob = try RefTool.dtb(DTBWriterTests.basicSource, ["-b", "7"])
    let tree = try DTBReader.read(blob, path: "basic.dtb")
    #expect(tree.bootCPUID == 7)
    #expect(
      tree.reserves == [ReserveEntry(address: 0x1000, size: 0x2000), ReserveEntry(address: 0x1_2345_6789, size: 0x10)])
    #expect(tree.root.name == "")
    #expect(
      tree.root.properties.map(\.name) == ["model", "reg-names", "names", "big", "#address-cells", "#size-cells"])
    #expect(tree.root.children.map(\.name) == ["node@1", "other"])
    #expect(tree.node(atPath: "/node@1")?.property("bytes")?.value.bytes == [1, 2, 3])
    #expect(!tree.isPlugin)
  }

  /// Old formats (full paths as names, 8-byte aligned values, "name" properties) read like the new one: our
  /// version-17 blob of what we read equals dtc's own conversion of the old blob. dtc's `name_properties` check
  /// drops a `name` property equal to the node's base name; the reader keeps properties as they are, so the test
  /// drops them before comparing.
  @Test(arguments: [2, 3, 16])
  func readsOlderVersions(version: Int) throws {
    let old = try RefTool.dtb(RoundTripSources.board, ["-V", "\(version)"])
    let tree = try DTBReader.read(old, path: "old.dtb")
    var names = 0
    tree.root.walk { node in
      if let p = node.property("name"), p.value.bytes == Array(node.baseName.utf8) + [0] {
        p.deleted = true
        names += 1
      }
    }
    #expect(names == (version < 16 ? 15 : 0))  // every node of the source
    let dir = try RefTool.tempDir()
    defer { try? FileManager.default.removeItem(at: dir) }
    try Data(old).write(to: dir.appendingPathComponent("old.dtb"))
    try RefTool.run("dtc", ["-q", "-I", "dtb", "-O", "dtb", "-o", "new.dtb", "old.dtb"], in: dir)
    expectSameBytes(DTBWriter.blob(of: tree), [UInt8](try Data(contentsOf: dir.appendingPathComponent("new.dtb"))))
    #expect(tree.node(atPath: "/soc/serial@30860000") != nil)
  }

  @Test func versionOneIsRefused() throws {
    let v1 = try RefTool.dtb(RoundTripSources.board, ["-V", "1"])
    #expect(throws: BlobError.self) { try DTBReader.read(v1, path: "v1.dtb") }
  }

  /// 100 000 references in one property, listed backwards in __local_fixups__: read, typed and printed in linear
  /// time (dtc's own list insertion would be quadratic here).
  @Test func manyReferencesStayFast() throws {
    let count = 100_000
    let target = N("target", ["phandle": .cells([1])], labels: [])
    let user = N("user", ["refs": .cells(Array(repeating: 1, count: count))])
    var offsets = PropertyValue()
    for i in (0..<count).reversed() { offsets.appendCell(UInt32(i * 4)) }
    let fixups = N("__local_fixups__", [:], [N("user", ["refs": offsets])])
    let blob = DTBWriter.blob(of: DeviceTree(root: N("", [:], [target, user, fixups])))
    let clock = ContinuousClock()
    var text = ""
    let t = try clock.measure {
      let tree = try DTBReader.read(blob, path: "many.dtb")
      #expect(tree.node(atPath: "/user")?.property("refs")?.value.markers.count == 2 * count)
      text = DTSPrinter.print(tree)
    }
    #expect(t < .seconds(30))
    #expect(text.contains("refs = <&{/target}>, <&{/target}>, "))
  }

  @Test func guessesTypesLikeDtc() throws {
    let blob = try RefTool.dtb(DTBWriterTests.basicSource)
    let root = try DTBReader.read(blob, path: "basic.dtb").root
    #expect(root.property("model")?.value.markers == [ValueMarker(kind: .string, offset: 0)])
    #expect(
      root.property("reg-names")?.value.markers == [
        ValueMarker(kind: .string, offset: 0), ValueMarker(kind: .string, offset: 2),
      ])
    #expect(root.property("big")?.value.markers == [ValueMarker(kind: .cells(bits: 32), offset: 0)])
    let node = try #require(root.child("node@1"))
    #expect(node.property("bytes")?.value.markers == [ValueMarker(kind: .cells(bits: 8), offset: 0)])
    #expect(node.property("empty")?.value.markers == [])
  }

  /// dtc 1.8's recovery: labels from __symbols__, references from __local_fixups__ (label of the target).
  @Test func recoversLabelsAndLocalReferences() throws {
    let source = """
      /dts-v1/;
      / {
      	a: b: node@1 { phandle-user = <&c 5 &a>; };
      	c: other { x = <&{/plain}>; };
      	plain { y = <&{/plain}>; };
      """
    // Labels only.
    let withSymbols = try DTBReader.read(try RefTool.dtb(source + "};", ["-@"]), path: "s.dtb")
    #expect(withSymbols.node(atPath: "/node@1")?.labels == ["b", "a"])  // dtc: latest first
    #expect(withSymbols.node(atPath: "/other")?.labels == ["c"])
    #expect(
      withSymbols.node(atPath: "/node@1")?.property("phandle-user")?.value.markers.map(\.kind) == [.cells(bits: 32)])
    #expect((withSymbols.node(atPath: "/node@1")?.phandle ?? 0) != 0)
    #expect(!withSymbols.isPlugin)

    // With local fixups (what dtc -L writes; dtc 1.6.1 lacks -L, so the node is written out here).
    let local = "__local_fixups__ { node@1 { phandle-user = <0 8>; }; other { x = <0>; }; plain { y = <0>; }; }; };"
    let withFixups = try DTBReader.read(try RefTool.dtb(source + local, ["-@"]), path: "s.dtb")
    #expect(withFixups.isPlugin)  // dtc 1.8: __local_fixups__ makes it look like an overlay
    let user = try #require(withFixups.node(atPath: "/node@1")?.property("phandle-user"))
    // dtc's guess gives every reference a type marker of its own.
    #expect(
      user.value.markers == [
        ValueMarker(kind: .cells(bits: 32), offset: 0), ValueMarker(kind: .phandleReference, offset: 0, ref: "c"),
        ValueMarker(kind: .cells(bits: 32), offset: 4), ValueMarker(kind: .cells(bits: 32), offset: 8),
        ValueMarker(kind: .phandleReference, offset: 8, ref: "b"),
      ])
    // A target without labels is named by its path.
    #expect(withFixups.node(atPath: "/other")?.property("x")?.value.markers.last?.ref == "/plain")
    #expect(withFixups.node(atPath: "/plain")?.property("y")?.value.markers.last?.ref == "/plain")
  }

  @Test func recoversOverlayFixups() throws {
    let tree = try DTBReader.read(try RefTool.dtb(RoundTripSources.overlay, ["-@"]), path: "o.dtbo")
    #expect(tree.isPlugin)
    let fragment0 = try #require(tree.node(atPath: "/fragment@0"))
    #expect(
      fragment0.property("target")?.value.markers.contains(
        ValueMarker(kind: .phandleReference, offset: 0, ref: "uart0")) == true)
    let link = try #require(tree.node(atPath: "/fragment@1/__overlay__/extra@0")?.property("link"))
    #expect(link.value.markers.filter { $0.kind == .phandleReference }.map(\.ref) == ["extra", "sdma"])
    #expect(tree.node(atPath: "/fragment@1/__overlay__/extra@0")?.labels == ["extra"])
  }

  @Test func overlayWithoutFixupsIsStillAPlugin() throws {
    let blob = try RefTool.dtb("/dts-v1/; / { fragment@0 { target-path = \"/\"; __overlay__ { a = <1>; }; }; };")
    #expect(try DTBReader.read(blob, path: "o.dtbo").isPlugin)
  }

  @Test func phandlesComeFromPropertiesFirstNodeWins() throws {
    let tree = try DTBReader.read(
      try RefTool.dtb(
        "/dts-v1/; / { a { phandle = <5>; }; b { linux,phandle = <6>; }; c { phandle = <5>; }; d { phandle = <0>; }; };",
        ["-f"]),
      path: "p.dtb")
    #expect(tree.node(atPath: "/a")?.phandle == 5)
    #expect(tree.node(atPath: "/b")?.phandle == 6)
    #expect(tree.node(atPath: "/c")?.phandle == 0)
    #expect(tree.node(atPath: "/d")?.phandle == 0)
  }

  @Test func fixupOffsetsParseLikeStrtol() {
    func parse(_ s: String) -> Int? { BlobRecovery.strtol(Array(s.utf8)[...]) }
    #expect(parse("12") == 12)
    #expect(parse("0x10") == 16)
    #expect(parse("010") == 8)
    #expect(parse(" 7junk") == 7)
    #expect(parse("-4") == -4)
    #expect(parse("") == 0)
    #expect(parse("0x") == 0)
    #expect(parse("99999999999999999999999") == nil)
  }

  @Test func isBlobChecksTheMagic() {
    #expect(DTBReader.isBlob([0xd0, 0x0d, 0xfe, 0xed, 0]))
    #expect(!DTBReader.isBlob([0xd0, 0x0d, 0xfe]))
    #expect(!DTBReader.isBlob(Array("/dts-v1/;".utf8)))
  }
}

// MARK: - Hostile blobs

@Suite struct HostileBlobTests {
  static let valid: [UInt8] = DTBWriter.blob(of: DTBWriterTests.basicTree())

  static func expectError(_ bytes: [UInt8], _ kind: BlobError.Kind, containing text: String) {
    do {
      _ = try DTBReader.read(bytes, path: "bad.dtb")
      Issue.record("accepted a bad blob (expected \(kind))")
    } catch {
      #expect(error.kind == kind, "\(error)")
      #expect(error.description.hasPrefix("bad.dtb: "))
      #expect(error.reason.contains(text), "\(error)")
    }
  }

  static func setBE32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
    for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(i))) }
  }

  @Test func validBlobReads() throws {
    _ = try DTBReader.read(Self.valid, path: "ok.dtb")
  }

  @Test func emptyFile() { Self.expectError([], .notABlob, containing: "empty file") }

  @Test func tooShortForMagic() { Self.expectError([0xd0, 0x0d], .notABlob, containing: "too short") }

  @Test func badMagic() {
    var b = Self.valid
    b[0] = 0xde
    Self.expectError(b, .notABlob, containing: "magic number is 0xde0dfeed")
    Self.expectError(Array("/dts-v1/; / { };".utf8), .notABlob, containing: "not a device tree blob")
  }

  @Test func truncatedFile() {
    Self.expectError(Array(Self.valid.prefix(20)), .truncated, containing: "shorter than the 40-byte header")
    Self.expectError(Array(Self.valid.dropLast(3)), .truncated, containing: "totalsize")
  }

  @Test func totalSizeLargerThanFile() {
    var b = Self.valid
    Self.setBE32(&b, 4, UInt32(b.count + 100))
    Self.expectError(b, .truncated, containing: "the file has only \(b.count)")
  }

  @Test func structOffsetBeyondEnd() {
    var b = Self.valid
    Self.setBE32(&b, 8, UInt32(b.count + 8))
    Self.expectError(b, .badHeader, containing: "structure block offset")
  }

  @Test func structSizeBeyondEnd() {
    var b = Self.valid
    Self.setBE32(&b, 36, 0x7fff_0000)
    Self.expectError(b, .badHeader, containing: "extends past the end")
  }

  @Test func overlappingBlocks() {
    var b = Self.valid
    let structOff = BlobHeader.be32(b, 8)
    Self.setBE32(&b, 12, structOff + 4)  // strings block inside the structure block
    Self.setBE32(&b, 32, 8)
    Self.expectError(b, .badHeader, containing: "overlaps")
  }

  @Test func reservationMapWithoutEnd() {
    var b = Self.valid
    // Make every reservation entry non-zero up to the end of the blob.
    for i in stride(from: 40, to: b.count, by: 1) { b[i] = 0xff }
    Self.expectError(b, .badHeader, containing: "no terminating entry")
  }

  @Test func unsupportedVersion() {
    var b = Self.valid
    Self.setBE32(&b, 20, 1)
    Self.expectError(b, .badVersion, containing: "version 1")
    b = Self.valid
    Self.setBE32(&b, 24, 18)
    Self.expectError(b, .badVersion, containing: "up to version 17")
  }

  @Test func badStructureTag() {
    var b = Self.valid
    let structOff = Int(BlobHeader.be32(b, 8))
    Self.setBE32(&b, structOff, 0x77)
    Self.expectError(b, .badStructure, containing: "bad structure block")
  }

  @Test func propertyNameOutsideStrings() {
    var b = Self.valid
    let structOff = Int(BlobHeader.be32(b, 8))
    // Root: BEGIN_NODE, "\0\0\0\0", then the first FDT_PROP: tag, len, nameoff.
    Self.setBE32(&b, structOff + 16, 0x00ff_ffff)
    Self.expectError(b, .badStructure, containing: "bad structure block")
  }

  @Test func secondRootNode() {
    // dtc writes one root; splice a second empty root before FDT_END.
    var b = DTBWriter.blob(of: DeviceTree())
    let structOff = Int(BlobHeader.be32(b, 8))
    let extra: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    b.insert(contentsOf: extra, at: structOff + 12)
    Self.setBE32(&b, 4, UInt32(b.count))
    Self.setBE32(&b, 12, BlobHeader.be32(b, 12) + 12)
    Self.setBE32(&b, 36, BlobHeader.be32(b, 36) + 12)
    Self.expectError(b, .badStructure, containing: "bad structure block")
  }

  @Test func tooDeep() {
    var n = Node(name: "")
    let root = n
    for i in 0..<(DTBReader.maxDepth + 5) {
      let c = Node(name: "n\(i)")
      n.addChild(c)
      n = c
    }
    let blob = DTBWriter.blob(of: DeviceTree(root: root))
    Self.expectError(blob, .tooDeep, containing: "nested more than")
  }

  /// Random bytes behind a valid magic number, with plausible and implausible header fields.
  @Test func randomBuffersWithMagicNeverCrash() {
    var rng = SplitMix64(seed: 0x5eed)
    var accepted = 0
    for i in 0..<600 {
      let size = Int(rng.next() % 512)
      var b = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      if b.count >= 4 { b[0...3] = [0xd0, 0x0d, 0xfe, 0xed] }
      if i % 2 == 0, b.count >= 40 {
        // Half of them get a consistent-looking header so that libfdt's own checks run.
        Self.setBE32(&b, 4, UInt32(b.count))
        Self.setBE32(&b, 8, UInt32(56 + rng.next() % 64) & ~3)
        Self.setBE32(&b, 16, 40)
        Self.setBE32(&b, 20, 17)
        Self.setBE32(&b, 24, 16)
        if b.count >= 56 { b[40..<56] = ArraySlice(repeating: 0, count: 16) }
      }
      if (try? DTBReader.read(b, path: "r.dtb")) != nil { accepted += 1 }
    }
    #expect(accepted < 600)
  }

  /// Valid blobs with bytes flipped or cut: every result is a tree or a BlobError.
  @Test func mutatedBlobsNeverCrash() throws {
    let seeds = [
      Self.valid, try RefTool.dtb(RoundTripSources.board, ["-@"]), try RefTool.dtb(RoundTripSources.overlay, ["-@"]),
    ]
    var rng = SplitMix64(seed: 42)
    var outcomes = [0, 0]
    for seed in seeds {
      for _ in 0..<1500 {
        var b = seed
        for _ in 0..<(1 + Int(rng.next() % 4)) {
          let at = Int(rng.next() % UInt64(b.count))
          switch rng.next() % 3 {
          case 0: b[at] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
          case 1: b[at] = UInt8(truncatingIfNeeded: rng.next())
          default:
            if at >= 40, (at & ~3) + 4 <= b.count { Self.setBE32(&b, at & ~3, UInt32(truncatingIfNeeded: rng.next())) }
          }
        }
        if rng.next() % 8 == 0 { b = Array(b.prefix(Int(rng.next() % UInt64(b.count)))) }
        if let tree = try? DTBReader.read(b, path: "m.dtb") {
          outcomes[0] += 1
          _ = DTSPrinter.print(tree)
          _ = DTBWriter.blob(of: tree)
        } else {
          outcomes[1] += 1
        }
      }
    }
    #expect(outcomes[0] > 0 && outcomes[1] > 0)
  }
}

/// A small deterministic generator for the fuzz tests.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }
}

// MARK: - Overlays

@Suite struct OverlayApplierTests {
  static let base = """
    /dts-v1/;
    / {
    	compatible = "acme,board";
    	soc { #address-cells = <1>; #size-cells = <1>;
    		uart0: serial@1000 { reg = <0x1000 0x100>; status = "okay"; };
    		i2c3: i2c@2000 { reg = <0x2000 0x100>; status = "okay"; clocks = <&clk>; };
    	};
    	clk: clock { #clock-cells = <0>; };
    };
    """

  static let overlayA = """
    /dts-v1/;
    /plugin/;
    &uart0 { status = "disabled"; };
    &i2c3 { dev: sensor@48 { reg = <0x48>; self = <&dev>; clk = <&clk>; }; };
    """

  static let overlayB = """
    /dts-v1/;
    /plugin/;
    / { fragment@9 { target-path = "/soc"; __overlay__ { added = "yes"; }; }; };
    &dev { status = "okay"; };
    """

  @Test func matchesFdtoverlay() throws {
    let base = try RefTool.dtb(Self.base, ["-@"])
    let a = try RefTool.dtb(Self.overlayA, ["-@"])
    let b = try RefTool.dtb(Self.overlayB, ["-@"])
    let ours = try OverlayApplier.apply(base: base, basePath: "base.dtb", overlays: [(a, "a.dtbo"), (b, "b.dtbo")])
    let theirs = try RefTool.fdtoverlay(base, [a, b])
    expectSameBytes(ours, theirs)
    let merged = try DTBReader.read(ours, path: "merged.dtb")
    #expect(merged.node(atPath: "/soc/serial@1000")?.property("status")?.value.bytes == Array("disabled\0".utf8))
    #expect(merged.node(atPath: "/soc/i2c@2000/sensor@48")?.property("status") != nil)
  }

  /// RefCorpus overlays on the boards whose names share most with theirs: where fdtoverlay succeeds we write the same
  /// bytes, where it fails we fail too. One overlay by default; all of them (three boards each) with DTLINT_CORPUS=all.
  @Test(.enabled(if: RefCorpus.available && RefTool.isInstalled("fdtoverlay"))) func corpusOverlaysMatchFdtoverlay()
    throws
  {
    let all = ProcessInfo.processInfo.environment["DTLINT_CORPUS"] == "all"
    let boards = RefCorpus.boards()
    let overlays = boards.filter { $0.hasSuffix(".dtso") }
    var bases: [String: [UInt8]] = [:]
    var applied = 0
    var refused = 0
    for overlay in all ? overlays : overlays.filter({ $0 == "imx8mm-phycore-rpmsg.dtso" }) {
      guard let ov = try? RefCorpus.compile(overlay, ["-@"]) else { continue }
      func shared(_ b: String) -> Int { zip(b, overlay).prefix { $0 == $1 }.count }
      let candidates = boards.filter { $0.hasSuffix(".dts") }.sorted { (shared($0), $1) > (shared($1), $0) }
      var tried = 0
      for board in candidates where tried < (all ? 3 : 1) {
        if bases[board] == nil { bases[board] = try? RefCorpus.compile(board, ["-@"]) }
        guard let base = bases[board] else { continue }
        tried += 1
        let theirs = try? RefTool.fdtoverlay(base, [ov])
        let ours = Result { () throws(BlobError) in
          try OverlayApplier.apply(base: base, basePath: board, overlays: [(ov, overlay)])
        }
        switch (ours, theirs) {
        case (.success(let o), let t?):
          expectSameBytes(o, t, "\(overlay) on \(board)")
          applied += 1
        case (.failure, nil):
          refused += 1
        case (.success, nil):
          Issue.record("\(overlay) on \(board): we applied it, fdtoverlay refused")
        case (.failure(let e), _?):
          Issue.record("\(overlay) on \(board): fdtoverlay applied it, we refused: \(e)")
        }
      }
    }
    print("corpus overlays: \(applied) applied like fdtoverlay, \(refused) refused by both")
    #expect(applied > 0)
  }

  @Test func inputsAreNotModified() throws {
    let base = try RefTool.dtb(Self.base, ["-@"])
    let a = try RefTool.dtb(Self.overlayA, ["-@"])
    let (baseCopy, aCopy) = (base, a)
    _ = try OverlayApplier.apply(base: base, overlays: [(a, "a.dtbo")])
    #expect(base == baseCopy && a == aCopy)
  }

  static func expectFailure(
    base: [UInt8], overlay: [UInt8], containing texts: [String], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    do {
      _ = try OverlayApplier.apply(base: base, basePath: "base.dtb", overlays: [(overlay, "ov.dtbo")])
      Issue.record("overlay applied although it should not", sourceLocation: sourceLocation)
    } catch {
      #expect(error.kind == .overlay, sourceLocation: sourceLocation)
      #expect(
        error.description.hasPrefix("ov.dtbo: cannot apply overlay to base.dtb: "), "\(error)",
        sourceLocation: sourceLocation)
      for t in texts { #expect(error.reason.contains(t), "\(error)", sourceLocation: sourceLocation) }
    }
  }

  @Test func baseWithoutSymbols() throws {
    Self.expectFailure(
      base: try RefTool.dtb(Self.base), overlay: try RefTool.dtb(Self.overlayA, ["-@"]),
      containing: ["no /__symbols__", "without -@", "uart0", "i2c3", "clk"])
  }

  @Test func missingLabel() throws {
    let overlay = try RefTool.dtb(
      "/dts-v1/; /plugin/; &uart7 { status = \"okay\"; }; &uart0 { x = <&nolabel>; };", ["-@"])
    Self.expectFailure(
      base: try RefTool.dtb(Self.base, ["-@"]), overlay: overlay,
      containing: [
        "fragment@0: target &uart7: the base has no label 'uart7' in its /__symbols__",
        "fragment@1: &nolabel (used at /fragment@1/__overlay__:x): the base has no label 'nolabel'",
      ])
  }

  /// Only the failing fragment is named, and the error says which fragments failed (the CLI points at their lines).
  @Test func onlyTheFailingFragmentIsNamed() throws {
    let overlay = try RefTool.dtb(
      "/dts-v1/; /plugin/; &uart0 { a; }; &nolabel { b; }; &uart0 { c; };", ["-@"])
    do {
      _ = try OverlayApplier.apply(
        base: try RefTool.dtb(Self.base, ["-@"]), basePath: "base.dtb", overlays: [(overlay, "ov.dtbo")])
      Issue.record("applied")
    } catch let error as BlobError {
      #expect(error.fragments == ["fragment@1"])
      #expect(!error.reason.contains("fragment@0"), "\(error)")
      #expect(!error.reason.contains("fragment@2"), "\(error)")
    } catch {
      Issue.record("\(error)")
    }
  }

  @Test func missingTargetPath() throws {
    let overlay = try RefTool.dtb(
      "/dts-v1/; / { fragment@0 { target-path = \"/soc/spi@3000\"; __overlay__ { a = <1>; }; }; };", ["-@"])
    Self.expectFailure(
      base: try RefTool.dtb(Self.base, ["-@"]), overlay: overlay,
      containing: ["fragment@0: target-path \"/soc/spi@3000\" does not exist in the base"])
  }

  @Test func missingTargetPhandle() throws {
    let overlay = try RefTool.dtb("/dts-v1/; / { fragment@0 { target = <0x77>; __overlay__ { a = <1>; }; }; };")
    Self.expectFailure(
      base: try RefTool.dtb(Self.base, ["-@"]), overlay: overlay, containing: ["target phandle 0x77 does not exist"])
  }

  /// The failure of a second overlay names the first as part of its base.
  @Test func laterOverlayNamesTheChain() throws {
    let base = try RefTool.dtb(Self.base, ["-@"])
    let b = try RefTool.dtb(Self.overlayB, ["-@"])  // needs &dev from overlay A
    let first = try RefTool.dtb("/dts-v1/; /plugin/; &uart0 { a; };", ["-@"])
    do {
      _ = try OverlayApplier.apply(base: base, basePath: "base.dtb", overlays: [(first, "first.dtbo"), (b, "b.dtbo")])
      Issue.record("applied")
    } catch {
      #expect(error.description.hasPrefix("b.dtbo: cannot apply overlay to base.dtb (with first.dtbo applied): "))
      #expect(error.reason.contains("target &dev: the base has no label 'dev' in its /__symbols__"), "\(error)")
    }
  }

  /// libfdt 1.6.1 would read far outside the buffer for this one; it is refused before libfdt sees it.
  @Test func localFixupOffsetOutsideProperty() throws {
    let source = "/dts-v1/; /plugin/; &uart0 { a: sub { p = <&a>; }; };"
    var blob = try RefTool.dtb(source, ["-@"])
    let tree = try DTBReader.read(blob, path: "x")
    #expect(tree.root.child("__local_fixups__") != nil)
    // The only local fixup offset is the cell 0x00000000 in __local_fixups__/fragment@0/__overlay__/sub:p.
    // Find "p" offsets: the last property value of the struct block that is 4 zero bytes after a FDT_PROP of len 4.
    let structOff = Int(BlobHeader.be32(blob, 8))
    let structSize = Int(BlobHeader.be32(blob, 36))
    var patched = false
    var i = structOff + structSize - 4
    while i > structOff, !patched {
      if BlobHeader.be32(blob, i) == 3, BlobHeader.be32(blob, i + 4) == 4, BlobHeader.be32(blob, i + 12) == 0 {
        HostileBlobTests.setBE32(&blob, i + 12, 0x7fff_fff0)
        patched = true
      }
      i -= 4
    }
    #expect(patched)
    let base = try RefTool.dtb(Self.base, ["-@"])
    do {
      _ = try OverlayApplier.apply(base: base, overlays: [(blob, "evil.dtbo")])
      Issue.record("applied")
    } catch {
      #expect(error.reason.contains("__local_fixups__ gives offset 2147483632"), "\(error)")
    }
  }

  @Test func badBlobsAreReportedByName() throws {
    do {
      _ = try OverlayApplier.apply(base: [1, 2, 3, 4], basePath: "b.dtb", overlays: [])
      Issue.record("applied")
    } catch {
      #expect(error.description.hasPrefix("b.dtb: not a device tree blob"))
    }
  }
}

// MARK: - Guard

@Test func libfdtIsImportedOnlyUnderBinary() throws {
  let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Sources")
  let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
  #expect(files.contains { $0.hasPrefix("DTCore/Binary/") })
  for f in files where f.hasSuffix(".swift") && !f.hasPrefix("DTCore/Binary/") {
    let text = try String(contentsOf: sources.appendingPathComponent(f), encoding: .utf8)
    #expect(!text.contains("import CLibfdt"), "\(f) imports CLibfdt")
  }
}
