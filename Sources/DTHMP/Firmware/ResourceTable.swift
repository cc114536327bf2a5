import DTYAML

/// A remoteproc resource table (`struct resource_table`, `include/linux/remoteproc.h`; rpmsg-lite's `rsc_table.c`):
/// a header, an offset per entry, and the entries (HMPFacts §8).
public struct ResourceTable: Sendable, Hashable {
  /// `RSC_CARVEOUT` 0, `RSC_DEVMEM` 1, `RSC_TRACE` 2, `RSC_VDEV` 3; 128–511 vendor-specific.
  public enum EntryType {
    public static let carveout: UInt32 = 0
    public static let devmem: UInt32 = 1
    public static let trace: UInt32 = 2
    public static let vdev: UInt32 = 3
  }

  /// `FW_RSC_ADDR_ANY`: "let Linux choose".
  public static let addressAny: UInt32 = 0xFFFF_FFFF

  /// `fw_rsc_carveout` / `fw_rsc_devmem` (same layout).
  public struct Memory: Sendable, Hashable {
    public var da: UInt32
    public var pa: UInt32
    public var length: UInt32
    public var flags: UInt32
    public var reserved: UInt32
    public var name: String
  }

  public struct Trace: Sendable, Hashable {
    public var da: UInt32
    public var length: UInt32
    public var reserved: UInt32
    public var name: String
  }

  /// `fw_rsc_vdev_vring`.
  public struct VRing: Sendable, Hashable {
    public var da: UInt32
    public var align: UInt32
    public var num: UInt32
    public var notifyID: UInt32
    /// `pa` (named `reserved` in older headers).
    public var pa: UInt32
  }

  /// `fw_rsc_vdev`.
  public struct VDev: Sendable, Hashable {
    /// Virtio device ID (7 = rpmsg).
    public var id: UInt32
    public var notifyID: UInt32
    public var deviceFeatures: UInt32
    public var guestFeatures: UInt32
    public var configLength: UInt32
    public var status: UInt8
    public var reserved: [UInt8]
    public var vrings: [VRing]
  }

  public enum Body: Sendable, Hashable {
    case carveout(Memory)
    case devmem(Memory)
    case trace(Trace)
    case vdev(VDev)
    /// A type this reader does not decode (vendor resources); its bytes are not checked.
    case other(type: UInt32)
  }

  public struct Entry: Sendable, Hashable {
    /// Offset of the entry (its type word) from the start of the table.
    public var offset: UInt32
    public var body: Body
  }

  public var version: UInt32
  /// The two reserved header words (Linux requires zero).
  public var reserved: [UInt32]
  public var offsets: [UInt32]
  public var entries: [Entry]
  /// Bytes of the section holding the table.
  public var size: UInt64

  public var vdevs: [VDev] {
    entries.compactMap { if case .vdev(let v) = $0.body { v } else { nil } }
  }
  public var carveouts: [Memory] {
    entries.compactMap { if case .carveout(let m) = $0.body { m } else { nil } }
  }

  /// Sizes (without the 4-byte type word) of the fixed parts of the entries.
  static let memoryBody: UInt64 = 5 * 4 + 32
  static let traceBody: UInt64 = 3 * 4 + 32
  static let vdevBody: UInt64 = 5 * 4 + 4
  static let vringSize: UInt64 = 5 * 4

  /// Parses a table from its section's bytes.
  static func parse(_ r: ByteReader, path: String) throws(InputError) -> ResourceTable {
    let size = UInt64(r.count)
    func fail(_ message: String, _ key: String = ".resource_table") -> InputError {
      InputError(path: path, key: key, message: message)
    }
    guard size >= 16 else { throw fail("\(size) bytes, smaller than the 16-byte table header") }
    let version = try r.u32(0, ".resource_table ver")
    let num = UInt64(try r.u32(4, ".resource_table num"))
    let reserved = [try r.u32(8, ".resource_table reserved"), try r.u32(12, ".resource_table reserved")]
    guard let offsetBytes = product(num, 4), let headerEnd = sum(16, offsetBytes), headerEnd <= size else {
      throw fail(
        "\(num) entries need \(num) offsets after the header, more than the \(size)-byte section holds",
        ".resource_table num")
    }
    var offsets: [UInt32] = []
    offsets.reserveCapacity(Int(num))
    for i in 0..<num {
      offsets.append(try r.u32(16 + 4 * i, ".resource_table offset[\(i)]"))
    }
    var entries: [Entry] = []
    var extents: [(start: UInt64, end: UInt64, index: UInt64)] = []
    for (i, off32) in offsets.enumerated() {
      let key = ".resource_table entry[\(i)]"
      let off = UInt64(off32)
      guard off >= headerEnd else {
        throw fail(
          "offset \(hex(off)) points into the table header or offset array (which end at \(hex(headerEnd)))", key)
      }
      guard let bodyStart = sum(off, 4), bodyStart <= size else {
        throw fail("offset \(hex(off)) leaves no room for the entry type in the \(size)-byte table", key)
      }
      let type = try r.u32(off, key)
      let body: Body
      var length: UInt64 = 4
      func need(_ n: UInt64) throws(InputError) {
        guard let end = sum(bodyStart, n), end <= size else {
          throw fail("entry of type \(type) needs \(n + 4) bytes at \(hex(off)); the table has \(size)", key)
        }
        length = 4 + n
      }
      switch type {
      case EntryType.carveout, EntryType.devmem:
        try need(memoryBody)
        let m = Memory(
          da: try r.u32(bodyStart, key), pa: try r.u32(bodyStart + 4, key), length: try r.u32(bodyStart + 8, key),
          flags: try r.u32(bodyStart + 12, key), reserved: try r.u32(bodyStart + 16, key),
          name: try r.fixedString(bodyStart + 20, length: 32, key))
        body = type == EntryType.carveout ? .carveout(m) : .devmem(m)
      case EntryType.trace:
        try need(traceBody)
        body = .trace(
          Trace(
            da: try r.u32(bodyStart, key), length: try r.u32(bodyStart + 4, key),
            reserved: try r.u32(bodyStart + 8, key),
            name: try r.fixedString(bodyStart + 12, length: 32, key)))
      case EntryType.vdev:
        try need(vdevBody)
        let count = UInt64(try r.u8(bodyStart + 21, key))
        let configLength = try r.u32(bodyStart + 16, key)
        guard let rings = product(count, vringSize), let full = sum(vdevBody, rings),
          let total = sum(full, UInt64(configLength))
        else { throw fail("vdev sizes overflow", key) }
        guard let end = sum(bodyStart, total), end <= size else {
          throw fail(
            "vdev with \(count) vrings and \(configLength) config bytes needs \(total + 4) bytes at \(hex(off)); the table has \(size)",
            key)
        }
        length = 4 + total
        var vrings: [VRing] = []
        for k in 0..<count {
          let at = bodyStart + vdevBody + k * vringSize
          let vk = "\(key) vring[\(k)]"
          vrings.append(
            VRing(
              da: try r.u32(at, vk), align: try r.u32(at + 4, vk), num: try r.u32(at + 8, vk),
              notifyID: try r.u32(at + 12, vk), pa: try r.u32(at + 16, vk)))
        }
        body = .vdev(
          VDev(
            id: try r.u32(bodyStart, key), notifyID: try r.u32(bodyStart + 4, key),
            deviceFeatures: try r.u32(bodyStart + 8, key), guestFeatures: try r.u32(bodyStart + 12, key),
            configLength: configLength, status: try r.u8(bodyStart + 20, key),
            reserved: [try r.u8(bodyStart + 22, key), try r.u8(bodyStart + 23, key)], vrings: vrings))
      default:
        body = .other(type: type)
      }
      if let clash = extents.first(where: { off < $0.end && $0.start < off + length }) {
        throw fail("overlaps entry[\(clash.index)] (bytes \(hex(clash.start))..<\(hex(clash.end)))", key)
      }
      extents.append((off, off + length, UInt64(i)))
      entries.append(Entry(offset: off32, body: body))
    }
    return ResourceTable(version: version, reserved: reserved, offsets: offsets, entries: entries, size: size)
  }
}
