/// The header of a flattened device tree, read and checked in Swift before libfdt sees the bytes, so that every
/// way a header can be wrong gets its own message and libfdt only ever reads inside the buffer.
struct BlobHeader {
  static let magic: UInt32 = 0xd00d_feed
  /// The largest header (version 17). Shorter files are refused before any other check.
  static let maxHeaderSize = 40

  var totalSize: Int
  var structOffset: Int
  var stringsOffset: Int
  var reserveMapOffset: Int
  var version: Int
  var lastCompatibleVersion: Int
  var bootCPUID: UInt32
  var stringsSize: Int
  /// Only version 17 headers record it.
  var structSize: Int?
  var reserves: [ReserveEntry]

  /// Header size for a version, as libfdt counts it.
  static func size(ofVersion v: Int) -> Int {
    v <= 1 ? 28 : v <= 2 ? 32 : v <= 16 ? 36 : 40
  }

  @inline(__always)
  static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
    guard i >= 0, i + 4 <= b.count else { return 0 }
    return UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
  }

  static func be64(_ b: [UInt8], _ i: Int) -> UInt64 {
    UInt64(be32(b, i)) << 32 | UInt64(be32(b, i + 4))
  }

  /// Reads and checks the header and the memory reservation map, and with `structure` the structure block for the
  /// inputs libfdt cannot survive (``structureTrap(_:)``; a caller that walks the block itself, refusing what runs
  /// past its end, may leave that out).
  static func parse(_ b: [UInt8], path: String, structure: Bool = true) throws(BlobError) -> BlobHeader {
    func fail(_ kind: BlobError.Kind, _ reason: String) -> BlobError {
      BlobError(path: path, kind: kind, reason: reason)
    }
    func hex(_ v: Int) -> String { "0x" + String(v, radix: 16) }

    if b.isEmpty { throw fail(.notABlob, "empty file, not a device tree blob") }
    if b.count < 4 {
      throw fail(.notABlob, "only \(b.count) bytes: too short to be a device tree blob")
    }
    let m = be32(b, 0)
    if m != magic {
      throw fail(
        .notABlob,
        "not a device tree blob: magic number is 0x\(DTSPrinter.hex(UInt64(m), width: 8)), expected 0xd00dfeed")
    }
    if b.count < maxHeaderSize {
      throw fail(.truncated, "truncated: only \(b.count) bytes, shorter than the \(maxHeaderSize)-byte header")
    }
    let totalSize = Int(be32(b, 4))
    let version = Int(be32(b, 20))
    let lastComp = Int(be32(b, 24))
    if version < 2 {
      throw fail(.badVersion, "unsupported blob version \(version) (libfdt reads versions 2 to 17)")
    }
    if lastComp > 17 {
      throw fail(
        .badVersion,
        "blob version \(version) is only compatible back to version \(lastComp); libfdt reads up to version 17")
    }
    if version < lastComp {
      throw fail(.badVersion, "bad header: version \(version) is older than its last compatible version \(lastComp)")
    }
    let hdrSize = size(ofVersion: version)
    if totalSize > b.count {
      throw fail(
        .truncated,
        "truncated: the header says the blob is \(totalSize) bytes (totalsize), but the file has only \(b.count)")
    }
    if totalSize < hdrSize {
      throw fail(.badHeader, "bad header: totalsize \(totalSize) is smaller than the \(hdrSize)-byte header")
    }
    let rsvOff = Int(be32(b, 16))
    let structOff = Int(be32(b, 8))
    let stringsOff = Int(be32(b, 12))
    let stringsSize = version >= 3 ? Int(be32(b, 32)) : totalSize - min(stringsOff, totalSize)
    let structSize: Int? = version >= 17 ? Int(be32(b, 36)) : nil

    if rsvOff < hdrSize || rsvOff >= totalSize {
      throw fail(
        .badHeader,
        "bad header: memory reservation map offset \(hex(rsvOff)) is outside the blob's \(hdrSize)..<\(totalSize) bytes"
      )
    }
    if rsvOff % 8 != 0 {
      throw fail(.badHeader, "bad header: memory reservation map offset \(hex(rsvOff)) is not 8-byte aligned")
    }
    if structOff < hdrSize || structOff >= totalSize {
      throw fail(
        .badHeader,
        "bad header: structure block offset \(hex(structOff)) is outside the blob's \(hdrSize)..<\(totalSize) bytes")
    }
    if structOff % 4 != 0 {
      throw fail(.badHeader, "bad header: structure block offset \(hex(structOff)) is not 4-byte aligned")
    }
    if let structSize, structOff + structSize > totalSize {
      throw fail(
        .badHeader,
        "bad header: structure block (offset \(hex(structOff)), \(structSize) bytes) extends past the end of the blob (\(totalSize) bytes)"
      )
    }
    if stringsOff < hdrSize || stringsOff > totalSize || stringsOff + stringsSize > totalSize {
      throw fail(
        .badHeader,
        "bad header: strings block (offset \(hex(stringsOff)), \(stringsSize) bytes) extends past the end of the blob (\(totalSize) bytes)"
      )
    }

    // The reservation map: 16-byte entries up to one whose size is zero.
    var reserves: [ReserveEntry] = []
    var at = rsvOff
    while true {
      if at + 16 > totalSize {
        throw fail(
          .badHeader,
          "bad memory reservation map: no terminating entry before the end of the blob (map at \(hex(rsvOff)))")
      }
      let address = be64(b, at)
      let size = be64(b, at + 8)
      at += 16
      if size == 0 { break }
      reserves.append(ReserveEntry(address: address, size: size))
    }

    // Blocks must not overlap one another.
    var blocks: [(name: String, start: Int, end: Int)] = [("memory reservation map", rsvOff, at)]
    if let structSize, structSize > 0 { blocks.append(("structure block", structOff, structOff + structSize)) }
    if stringsSize > 0 { blocks.append(("strings block", stringsOff, stringsOff + stringsSize)) }
    for i in 0..<blocks.count {
      for j in (i + 1)..<blocks.count where blocks[i].start < blocks[j].end && blocks[j].start < blocks[i].end {
        let x = blocks[i]
        let y = blocks[j]
        throw fail(
          .badHeader,
          "bad header: the \(x.name) (\(hex(x.start))..<\(hex(x.end))) overlaps the \(y.name) (\(hex(y.start))..<\(hex(y.end)))"
        )
      }
    }
    if structSize == nil, structOff >= rsvOff, structOff < at {
      throw fail(.badHeader, "bad header: the structure block starts inside the memory reservation map")
    }
    let header = BlobHeader(
      totalSize: totalSize, structOffset: structOff, stringsOffset: stringsOff, reserveMapOffset: rsvOff,
      version: version, lastCompatibleVersion: lastComp, bootCPUID: be32(b, 28), stringsSize: stringsSize,
      structSize: structSize, reserves: reserves)
    if structure, let reason = header.structureTrap(b) { throw fail(.badStructure, "bad structure block: " + reason) }
    return header
  }

  /// Walks the structure block's tags the way libfdt 1.6.1 does (`fdt_next_tag`, as `fdt_check_full` calls it), in
  /// exact arithmetic, looking only for the two inputs on which that libfdt misbehaves instead of returning an error:
  ///
  /// - a property whose length makes `fdt_next_tag`'s 32-bit offset wrap (0xfffffff4 gives the same offset back):
  ///   `fdt_check_full` loops for ever (found by Fuzz/FuzzOverlay);
  /// - before version 16, where nodes are named by their path, a node opening at depth 1 whose name has no '/':
  ///   `fdt_check_full` dereferences the null name `fdt_get_name` returns (SIGSEGV; found by FuzzOverlay and FuzzDTB,
  ///   once with a property before the root, so depth 1 is reached by a later node).
  ///
  /// Everything else libfdt reports itself, so the walk stops quietly wherever libfdt would stop with an error.
  func structureTrap(_ b: [UInt8]) -> String? {
    // What fdt_offset_ptr lets the walk read: inside the blob and, from version 17, inside the structure block.
    let limit = min(totalSize - structOffset, structSize ?? Int.max)
    var depth = 0
    var offset = 0
    while offset + 4 <= limit {
      let at = structOffset + offset
      var next = offset + 4
      switch Self.be32(b, at) {
      case 1:  // FDT_BEGIN_NODE
        guard let nul = b[(at + 4)..<(structOffset + limit)].firstIndex(of: 0) else { return nil }
        depth += 1
        if version < 16, depth == 1, !b[(at + 4)..<nul].contains(0x2F) {
          return
            "the top-level node at offset \(offset) of this version \(version) blob is not named by its path (\"/\")"
        }
        next = nul - structOffset + 1
      case 2:  // FDT_END_NODE
        if depth == 0 { return nil }
        depth -= 1
      case 3:  // FDT_PROP
        guard offset + 12 <= limit else { return nil }
        let len = Int(Self.be32(b, at + 4))
        next = offset + 12 + len
        if version < 16, len >= 8, (next - len) % 8 != 0 { next += 4 }
        if next > limit {
          return "the property at offset \(offset) says its value is \(len) bytes, which runs past the end of the "
            + "structure block (\(limit) bytes)"
        }
      case 4:  // FDT_NOP
        break
      default:  // FDT_END or an unknown tag: libfdt stops here by itself
        return nil
      }
      offset = (next + 3) & ~3
    }
    return nil
  }
}
