import Foundation
import Testing

@testable import DTCore

/// `dtlint overlay make` (issue 5): the difference between two trees as an overlay that, applied to the first with
/// libfdt, gives the second.
struct OverlayMakerTests {
  static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

  /// Makes the overlay for `base` → `target`, compiles it, applies it to `base` and returns what still differs.
  static func roundTrip(base: DeviceTree, baseBlob: [UInt8], target: DeviceTree) throws
    -> (made: OverlayMaker.Result, left: [TreeChange])
  {
    let made = OverlayMaker.make(base: base, target: target)
    let sources = SourceManager()
    let reader = SourceReader(sources: sources, options: FrontEndOptions())
    sources.addVirtualFile(path: "made.dtso", text: made.text)
    sources.addVirtualFile(path: "base.dtb", bytes: baseBlob)
    let chain = try reader.applyChain(base: "base.dtb", overlays: ["made.dtso"])
    let merged = try #require(chain.merged, "\(chain.diagnostics.map(\.message))\n\(made.text)")
    return (made, TreeDiff.compare(merged, target))
  }

  /// The Verdin-like base and the custom tree that writes the HMP overlay's content as plain nodes: the overlay
  /// made from them reproduces the custom tree exactly, with &labels for the base's MU and clock.
  @Test func reproducesTheTargetFromSources() throws {
    let d = try DiffFixtures.scratch()
    let sources = SourceManager()
    let reader = SourceReader(sources: sources, options: FrontEndOptions())
    let base = try reader.loadBase(path: d.path + "/base.dts").tree
    let target = try reader.load(path: d.path + "/custom.dts").tree
    let r = try Self.roundTrip(base: base, baseBlob: Self.bytes(d.path + "/base.dtb"), target: target)
    #expect(r.left.isEmpty, "\(r.left.map { "\($0.kind) \($0.nodePath) \($0.property ?? "")" })\n\(r.made.text)")
    #expect(r.made.notExpressed.isEmpty, "\(r.made.notExpressed)")
    #expect(r.made.nodesAdded > 0)
    #expect(r.made.text.contains("/plugin/;"))
    #expect(!r.made.text.contains("phandle"), "phandles are the compiler's business")
  }

  /// Blobs on both sides: the target read back from libfdt's merge of the HMP overlay.
  @Test func reproducesTheTargetFromBlobs() throws {
    let d = try DiffFixtures.scratch()
    let sources = SourceManager()
    let reader = SourceReader(sources: sources, options: FrontEndOptions())
    let chain = try reader.applyChain(base: d.path + "/base.dtb", overlays: [d.path + "/hmp.dtbo"])
    let merged = try #require(chain.merged)
    let target = try DTBReader.read(DTBWriter.blob(of: merged), path: "merged.dtb")
    let baseBlob = try Self.bytes(d.path + "/base.dtb")
    let base = try DTBReader.read(baseBlob, path: "base.dtb")
    let r = try Self.roundTrip(base: base, baseBlob: baseBlob, target: target)
    #expect(r.left.isEmpty, "\(r.left.map { "\($0.kind) \($0.nodePath) \($0.property ?? "")" })\n\(r.made.text)")
  }

  /// What an overlay cannot say is listed, not silently lost; a reference to a new node gets a label.
  @Test func deletionsAreListedAndNewNodesLabelled() throws {
    let base = sourceTree(
      """
      /dts-v1/;
      / {
      	#address-cells = <1>;
      	#size-cells = <1>;
      	gic: intc { #interrupt-cells = <1>; interrupt-controller; };
      	uart: serial@1000 { reg = <0x1000 0x100>; status = "okay"; clock-frequency = <24000000>; };
      	old { x; };
      };
      """, symbols: true)
    let target = sourceTree(
      """
      /dts-v1/;
      / {
      	#address-cells = <1>;
      	#size-cells = <1>;
      	gic: intc { #interrupt-cells = <1>; interrupt-controller; };
      	uart: serial@1000 { reg = <0x1000 0x100>; status = "disabled"; interrupt-parent = <&gic>; };
      	pool@2000 { reg = <0x2000 0x100>; };
      	user { memory-region = <&{/pool@2000}>; name-list = "a", "b\\n"; bytes = [01 ff]; wide = /bits/ 64 <5>; };
      };
      """)
    let made = OverlayMaker.make(base: base, target: target)
    #expect(made.text.contains("&uart {\n\tstatus = \"disabled\";\n\tinterrupt-parent = <&gic>;"), "\(made.text)")
    #expect(made.text.contains("pool: pool@2000 {"), "\(made.text)")
    #expect(made.text.contains("memory-region = <&pool>;"))
    #expect(made.text.contains("name-list = \"a\", \"b\\n\";"))
    #expect(made.text.contains("bytes = [01 ff];"))
    #expect(made.text.contains("wide = /bits/ 64 <0x5>;"))
    #expect(
      made.notExpressed == [
        "/old: node removed: an overlay cannot delete a node",
        "/serial@1000: property 'clock-frequency' removed: an overlay cannot delete a property",
      ])
    let r = try Self.roundTrip(base: base, baseBlob: DTBWriter.blob(of: base), target: target)
    #expect(r.left.allSatisfy { $0.kind == .removed }, "\(r.left)")
    #expect(r.left.count == 2)
  }
}
