import Foundation
import Testing
import _DTTestSupport

@testable import DTCore

/// Inputs that crashed a fuzz harness (Tests/Fixtures/fuzz-regressions, see its README), run through what their
/// harness runs: each must now end in the clean error it is listed with.
@Suite struct HostileFuzzRegressionTests {
  static let directory = FuzzRegression.directory

  private func overlayInput(_ name: String) throws -> (base: [UInt8], overlay: [UInt8]) {
    try #require(FuzzRegression.overlayInput(name))
  }

  private func blobError(_ body: () throws(BlobError) -> Void) -> BlobError? {
    do {
      try body()
      return nil
    } catch {
      return error
    }
  }

  @Test func oldVersionRootWithoutSlashIsRefusedBeforeLibfdt() throws {
    // libfdt 1.6.1's fdt_check_full crashed (null name) on this base: version 4, root node named "".
    let (base, overlay) = try overlayInput("v4-root-without-slash.bin")
    let expected = Self.unnamed(offset: 0, version: 4)
    let read = blobError { () throws(BlobError) in _ = try DTBReader.read(base, path: "base.dtb") }
    #expect(read == BlobError(path: "base.dtb", kind: .badStructure, reason: expected))
    let applied = blobError { () throws(BlobError) in
      _ = try OverlayApplier.apply(base: base, basePath: "base.dtb", overlays: [(overlay, "ov.dtbo")])
    }
    #expect(applied == BlobError(path: "base.dtb", kind: .badStructure, reason: expected))
  }

  @Test func oldVersionRootWithoutSlashThroughTheBlobReader() throws {
    // FuzzDTB found the same libfdt crash on a version 9 blob.
    let data = try #require(FileManager.default.contents(atPath: Self.directory + "/dtb/v9-root-without-slash.dtb"))
    let read = blobError { () throws(BlobError) in _ = try DTBReader.read([UInt8](data), path: "in.dtb") }
    #expect(
      read
        == BlobError(
          path: "in.dtb", kind: .badStructure,
          reason: Self.unnamed(offset: 0, version: 9)))
  }

  @Test func oldVersionPropertyBeforeTheRootThroughTheBlobReader() throws {
    // FuzzDTB, after the first fix: a property before the root node, so depth 1 is reached by a later node whose name
    // ("__local_fixups__") has no '/'; fdt_check_full crashed on it the same way.
    let data = try #require(
      FileManager.default.contents(atPath: Self.directory + "/dtb/v12-property-before-root.dtb"))
    let read = blobError { () throws(BlobError) in _ = try DTBReader.read([UInt8](data), path: "in.dtb") }
    #expect(read == BlobError(path: "in.dtb", kind: .badStructure, reason: Self.unnamed(offset: 40, version: 12)))
  }

  @Test func propertyLengthThatWrapsTheOffsetIsRefusedBeforeLibfdt() throws {
    // FuzzOverlay: a property of length 0xfffffff4 in the base; libfdt 1.6.1's fdt_next_tag wraps its 32-bit offset
    // back to the same tag, and fdt_check_full looped for ever (a 15 s timeout in the fuzzer).
    let (base, overlay) = try overlayInput("property-length-wraps.bin")
    let expected =
      "bad structure block: the property at offset 1740 says its value is 4294967284 bytes, which runs past the end "
      + "of the structure block (2400 bytes)"
    let clock = ContinuousClock()
    let start = clock.now
    let applied = blobError { () throws(BlobError) in
      _ = try OverlayApplier.apply(base: base, basePath: "base.dtb", overlays: [(overlay, "ov.dtbo")])
    }
    #expect(applied == BlobError(path: "base.dtb", kind: .badStructure, reason: expected))
    #expect(clock.now - start < .seconds(5))
  }

  @Test(arguments: [0xffff_fff4, 0xffff_fff5, 0xffff_ffff, 0x7fff_ffff])
  func propertyLengthsPastTheBlockAreRefused(length: Int) {
    // A one-property root, version 17: each of these lengths runs past the block (the first three wrap libfdt's
    // offset to the same or a nearby tag).
    var structure: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3]
    structure += (0..<4).map { UInt8(truncatingIfNeeded: length >> (24 - 8 * $0)) } + [0, 0, 0, 0]
    structure += [0, 0, 0, 2, 0, 0, 0, 9]
    let strings: [UInt8] = Array("x\0".utf8)
    let total = 40 + 16 + structure.count + strings.count
    var b = [UInt8](repeating: 0, count: 40 + 16)
    let fields = [0xd00d_feed, total, 56, 56 + structure.count, 40, 17, 16, 0, strings.count, structure.count]
    for (i, v) in fields.enumerated() {
      for k in 0..<4 { b[4 * i + k] = UInt8(truncatingIfNeeded: v >> (24 - 8 * k)) }
    }
    b += structure + strings
    let read = blobError { () throws(BlobError) in _ = try DTBReader.read(b, path: "p.dtb") }
    #expect(read?.kind == .badStructure)
    #expect(read?.reason.contains("the property at offset 8 says its value is \(length) bytes") == true)
  }

  @Test(arguments: [
    ("-2", "offset '-2' is not a decimal number"),
    ("+4", "offset '+4' is not a decimal number"),
    ("33", "offset 33 is past the end of /fragment@0/__overlay__/imx8mp-cm7:mboxes, which has only 36 bytes"),
  ])
  func fixupOffsetsOutsideTheirPropertyAreRefusedBeforeLibfdt(offset: String, expected: String) throws {
    // FuzzOverlay: a __fixups__ entry "…:mboxes:-2"; libfdt 1.6.1 reads it with strtoul (0xfffffffe), its bounds check
    // wraps, and fdt_overlay_apply wrote 4 GiB past the property (SIGSEGV). The same input with other offsets.
    let (base, original) = try overlayInput("fixup-offset-negative.bin")
    var overlay = original
    let needle = Array("mboxes:-2\0".utf8)
    let at = try #require(overlay.indices.first { overlay[$0...].starts(with: needle) })
    overlay.replaceSubrange((at + 7)..<(at + 9), with: Array(offset.utf8))
    let applied = blobError { () throws(BlobError) in
      _ = try OverlayApplier.apply(base: base, basePath: "base.dtb", overlays: [(overlay, "ov.dtbo")])
    }
    #expect(applied?.kind == .malformedOverlay)
    #expect(applied?.path == "ov.dtbo")
    #expect(applied?.reason.contains(expected) == true, "\(String(describing: applied))")
  }

  static func unnamed(offset: Int, version: Int) -> String {
    "bad structure block: the top-level node at offset \(offset) of this version \(version) blob is not named by its path (\"/\")"
  }

  @Test(arguments: [15, 2])
  func handMadeOldVersionBlobs(version: Int) {
    // The smallest such blob: header, empty reservation map, a root node named "" (then "/", which is fine).
    func blob(rootName: [UInt8]) -> [UInt8] {
      let header = BlobHeader.size(ofVersion: version)
      var structure: [UInt8] = [0, 0, 0, 1] + rootName + [0]
      while structure.count % 4 != 0 { structure.append(0) }
      structure += [0, 0, 0, 2, 0, 0, 0, 9]
      let rsv = (header + 7) & ~7  // the reservation map is 8-byte aligned
      let total = rsv + 16 + structure.count
      var b = [UInt8](repeating: 0, count: total)
      let fields = [0xd00d_feed, total, rsv + 16, total, rsv, version, 1, 0, 0]
      for (i, v) in fields.enumerated() where 4 * i + 4 <= header {
        for k in 0..<4 { b[4 * i + k] = UInt8(truncatingIfNeeded: v >> (24 - 8 * k)) }
      }
      b.replaceSubrange((rsv + 16)..<total, with: structure)
      return b
    }
    let unnamed = blobError { () throws(BlobError) in _ = try DTBReader.read(blob(rootName: []), path: "old.dtb") }
    #expect(unnamed?.kind == .badStructure)
    #expect(unnamed?.reason.contains("not named by its path") == true, "\(String(describing: unnamed))")
    let named = blobError { () throws(BlobError) in _ = try DTBReader.read(blob(rootName: [0x2F]), path: "old.dtb") }
    #expect(named == nil, "a root named \"/\" is how such blobs look: \(String(describing: named))")
  }
}
