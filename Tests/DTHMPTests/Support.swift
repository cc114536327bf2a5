import DTYAML
import Foundation
import Testing

@testable import DTHMP

/// Paths of the package and its fixtures.
enum Package {
  static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let fixtures = root.appendingPathComponent("Tests/DTHMPTests/Fixtures")
  static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }
  static let corpus = root.deletingLastPathComponent().appendingPathComponent("shared/corpus/linux-dts")
  static var corpusAvailable: Bool {
    FileManager.default.fileExists(atPath: corpus.appendingPathComponent("src/arm64/freescale/imx8mp.dtsi").path)
  }
  /// python3 with PyYAML and jsonschema (Scripts/install-deps.sh --test installs them).
  static let pythonWithSchemaTools: Bool = {
    run(["python3", "-c", "import yaml, jsonschema"]).status == 0
  }()

  @discardableResult
  static func run(_ args: [String], stdin: String? = nil) -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    p.currentDirectoryURL = root
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    let input = Pipe()
    p.standardInput = input
    do { try p.run() } catch { return (-1, "\(error)") }
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}

/// A scratch directory removed at the end of a test.
final class TempDir {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("dthmp-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(at: url) }
  func write(_ name: String, _ text: String) throws -> String {
    let u = url.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: u, atomically: true, encoding: .utf8)
    return u.path
  }
  func write(_ name: String, bytes: [UInt8]) throws -> String {
    let u = url.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: u.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: u)
    return u.path
  }
}

/// The error a throwing call gives (or nil when it does not throw).
func inputError<T>(_ body: () throws -> T) -> InputError? {
  do {
    _ = try body()
    return nil
  } catch let e as InputError {
    return e
  } catch {
    Issue.record("unexpected error \(error)")
    return nil
  }
}

/// A bundled YAML file with `old` replaced by `new` (which must occur).
func edited(_ bundled: String, _ old: String, _ new: String, sourceLocation: SourceLocation = #_sourceLocation)
  -> String
{
  let text = KnowledgeBundle.text(bundled) ?? ""
  #expect(text.contains(old), "\(bundled) has no '\(old)'", sourceLocation: sourceLocation)
  return text.replacingOccurrences(of: old, with: new)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
func line(of needle: String, in text: String) -> Int? {
  guard let r = text.range(of: needle) else { return nil }
  return text[..<r.lowerBound].filter { $0 == "\n" }.count + 1
}

/// Writes ELF files byte by byte: 32/64-bit, little/big-endian, with sections and program headers.
struct ELFBuilder {
  var wide: Bool
  var bigEndian: Bool
  struct Section {
    var name: String
    var type: UInt32 = 1  // PROGBITS
    var address: UInt64 = 0
    var data: [UInt8]
  }
  struct Segment {
    var type: UInt32 = 1
    var flags: UInt32 = 5
    var address: UInt64
    var memorySize: UInt64? = nil
    /// Index of the section whose bytes it covers.
    var section: Int?
  }
  var sections: [Section] = []
  var segments: [Segment] = []
  var machine: UInt16 = 40

  func word(_ v: UInt64, _ size: Int) -> [UInt8] {
    var out: [UInt8] = []
    for i in 0..<size {
      out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(bigEndian ? size - 1 - i : i))))
    }
    return out
  }
  func u16(_ v: UInt64) -> [UInt8] { word(v, 2) }
  func u32(_ v: UInt64) -> [UInt8] { word(v, 4) }
  func addr(_ v: UInt64) -> [UInt8] { word(v, wide ? 8 : 4) }

  /// The layout: header, program headers, section data (.shstrtab last), section headers.
  func build() -> (bytes: [UInt8], sectionOffsets: [UInt64], shoff: UInt64, phoff: UInt64) {
    let ehsize: UInt64 = wide ? 64 : 52
    let phentsize: UInt64 = wide ? 56 : 32
    let shentsize: UInt64 = wide ? 64 : 40
    var names: [UInt8] = [0]
    var nameOffsets: [UInt64] = []
    for s in sections + [Section(name: ".shstrtab", type: 3, data: [])] {
      nameOffsets.append(UInt64(names.count))
      names += Array(s.name.utf8) + [0]
    }
    var all = sections
    all.append(Section(name: ".shstrtab", type: 3, data: names))
    let phoff = ehsize
    var offset = phoff + UInt64(segments.count) * phentsize
    var offsets: [UInt64] = []
    for s in all {
      offset = (offset + 3) / 4 * 4
      offsets.append(offset)
      offset += UInt64(s.data.count)
    }
    let shoff = (offset + 7) / 8 * 8
    let shnum = UInt64(all.count + 1)
    var b: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, wide ? 2 : 1, bigEndian ? 2 : 1, 1, 0] + [UInt8](repeating: 0, count: 8)
    b += u16(2) + u16(UInt64(machine)) + u32(1) + addr(0x1000) + addr(segments.isEmpty ? 0 : phoff) + addr(shoff)
    b +=
      u32(0) + u16(ehsize) + u16(phentsize) + u16(UInt64(segments.count)) + u16(shentsize) + u16(shnum)
      + u16(shnum - 1)
    for seg in segments {
      let off = seg.section.map { offsets[$0] } ?? 0
      let size = seg.section.map { UInt64(all[$0].data.count) } ?? 0
      let mem = seg.memorySize ?? size
      if wide {
        b +=
          u32(UInt64(seg.type)) + u32(UInt64(seg.flags)) + word(off, 8) + word(seg.address, 8)
          + word(seg.address, 8) + word(size, 8) + word(mem, 8) + word(4, 8)
      } else {
        b +=
          u32(UInt64(seg.type)) + u32(off) + u32(seg.address) + u32(seg.address) + u32(size) + u32(mem)
          + u32(UInt64(seg.flags)) + u32(4)
      }
    }
    for (i, s) in all.enumerated() {
      while UInt64(b.count) < offsets[i] { b.append(0) }
      b += s.data
    }
    while UInt64(b.count) < shoff { b.append(0) }
    b += [UInt8](repeating: 0, count: Int(shentsize))  // section 0
    for (i, s) in all.enumerated() {
      b +=
        u32(nameOffsets[i]) + u32(UInt64(s.type)) + addr(s.type == 3 ? 0 : 2) + addr(s.address) + addr(offsets[i])
        + addr(UInt64(s.data.count)) + u32(0) + u32(0) + addr(4) + addr(0)
    }
    return (b, offsets, shoff, phoff)
  }

  /// rpmsg-lite's resource table (HMPFacts §8): one vdev with two vrings, 88 bytes.
  func rpmsgResourceTable(base: UInt64 = 0x5500_0000, count: UInt64 = 256) -> [UInt8] {
    var t: [UInt8] = []
    t += u32(1) + u32(1) + u32(0) + u32(0)  // version, num, reserved[2]
    t += u32(20)  // offset[0]
    // RSC_VDEV, VIRTIO_ID_RPMSG, notifyid, dfeatures NS, gfeatures, config_len
    t += u32(3) + u32(7) + u32(0) + u32(1) + u32(0) + u32(0)
    t += [0, 2, 0, 0]  // status, num_of_vrings, reserved[2]
    t += u32(base) + u32(0x1000) + u32(count) + u32(0) + u32(0)
    t += u32(base + 0x8000) + u32(0x1000) + u32(count) + u32(1) + u32(0)
    return t
  }
}
