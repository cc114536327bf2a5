import DTYAML
import Foundation
import Testing

@testable import DTHMP

@Suite struct ELFTests {
  static func firmware(wide: Bool, bigEndian: Bool) -> ELFBuilder {
    var b = ELFBuilder(wide: wide, bigEndian: bigEndian)
    b.sections = [
      .init(name: ".text", address: 0x1FFE_0000, data: [UInt8](repeating: 0xAA, count: 64)),
      .init(name: ".resource_table", address: 0x2000_0000, data: b.rpmsgResourceTable()),
      .init(name: ".bss", type: 8, address: 0x2000_1000, data: []),
    ]
    b.segments = [
      .init(flags: 5, address: 0x1FFE_0000, section: 0),
      .init(flags: 6, address: 0x2000_0000, memorySize: 0x2000, section: 1),
      .init(type: 4, flags: 4, address: 0),  // PT_NOTE, not a load segment
    ]
    return b
  }

  @Test(arguments: [(false, false), (true, false), (true, true), (false, true)])
  func readsResourceTableAndSegments(wide: Bool, bigEndian: Bool) throws {
    let bytes = Self.firmware(wide: wide, bigEndian: bigEndian).build().bytes
    let elf = try ELFFile.parse(bytes, path: "fw.elf")
    #expect(elf.fileClass == (wide ? .elf64 : .elf32))
    #expect(elf.bigEndian == bigEndian)
    #expect(elf.machine == 40)
    #expect(elf.sections.map(\.name) == ["", ".text", ".resource_table", ".bss", ".shstrtab"])
    #expect(elf.section(named: ".bss")?.isNoBits == true)
    let rs = try #require(elf.resourceTableSection)
    #expect(rs.address == 0x2000_0000 && rs.size == 88)
    let t = try #require(elf.resourceTable)
    #expect(t.version == 1 && t.reserved == [0, 0] && t.offsets == [20] && t.size == 88)
    let vdev = try #require(t.vdevs.first)
    #expect(vdev.id == 7 && vdev.deviceFeatures == 1 && vdev.configLength == 0)
    #expect(vdev.vrings.count == 2)
    #expect(vdev.vrings[0] == .init(da: 0x5500_0000, align: 0x1000, num: 256, notifyID: 0, pa: 0))
    #expect(vdev.vrings[1] == .init(da: 0x5500_8000, align: 0x1000, num: 256, notifyID: 1, pa: 0))
    #expect(elf.segments.count == 3)
    let load = elf.loadSegments
    #expect(load.count == 2)
    #expect(load[0].physicalAddress == 0x1FFE_0000 && load[0].fileSize == 64 && load[0].isExecutable)
    #expect(load[1].memorySize == 0x2000 && load[1].fileSize == 88 && load[1].isWritable && !load[1].isExecutable)
  }

  @Test func carveoutTraceAndVendorEntries() throws {
    var b = ELFBuilder(wide: false, bigEndian: false)
    func name(_ s: String) -> [UInt8] { Array(s.utf8) + [UInt8](repeating: 0, count: 32 - s.utf8.count) }
    var t: [UInt8] = b.u32(1) + b.u32(3) + b.u32(0) + b.u32(0)
    let o0: UInt64 = 16 + 12
    let o1 = o0 + 4 + 52
    let o2 = o1 + 4 + 44
    t += b.u32(o0) + b.u32(o1) + b.u32(o2)
    t += b.u32(0) + b.u32(0x8000_0000) + b.u32(0) + b.u32(0x10_0000) + b.u32(0) + b.u32(0) + name("m7_code")
    t += b.u32(2) + b.u32(0x2000_8000) + b.u32(0x1000) + b.u32(0) + name("trace")
    t += b.u32(200)
    b.sections = [.init(name: ".resource_table", data: t)]
    let table = try #require(try ELFFile.parse(b.build().bytes, path: "fw.elf").resourceTable)
    #expect(table.entries.count == 3)
    #expect(table.carveouts.first?.name == "m7_code" && table.carveouts.first?.length == 0x10_0000)
    guard case .trace(let trace) = table.entries[1].body else {
      Issue.record("not a trace")
      return
    }
    #expect(trace.name == "trace" && trace.da == 0x2000_8000)
    #expect(table.entries[2].body == .other(type: 200))
  }

  @Test func noResourceTable() throws {
    var b = ELFBuilder(wide: true, bigEndian: false)
    b.sections = [.init(name: ".text", data: [1, 2, 3, 4])]
    let elf = try ELFFile.parse(b.build().bytes, path: "fw.elf")
    #expect(elf.resourceTable == nil && elf.resourceTableSection == nil && elf.segments.isEmpty)
  }

  /// Patches a little-endian 32-bit word.
  static func patch(_ bytes: inout [UInt8], _ at: UInt64, _ v: UInt32) {
    for i in 0..<4 { bytes[Int(at) + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
  }

  static func error(_ bytes: [UInt8]) -> InputError? { inputError { try ELFFile.parse(bytes, path: "bad.elf") } }

  @Test func lyingHeadersAreErrors() throws {
    let built = Self.firmware(wide: false, bigEndian: false).build()
    let good = built.bytes
    let rscHeader = built.shoff + 40 * 2  // section header of .resource_table
    let rsc = built.sectionOffsets[1]

    #expect(Self.error([0x7F, 0x45, 0x4C])?.message.hasPrefix("not an ELF file") == true)
    var b = good
    b[4] = 3
    #expect(Self.error(b)?.key == "e_ident")

    // e_shnum huge: the table runs past the end of the file.
    b = good
    b[48] = 0xFF
    b[49] = 0xFE
    var e = try #require(Self.error(b))
    #expect(e.key == "section header table" && e.message.contains("past the end of the file"))
    #expect(e.description.hasPrefix("bad.elf: error: section header table: "))

    // e_shoff past the end.
    b = good
    Self.patch(&b, 32, 0xFFFF_FFF0)
    #expect(Self.error(b)?.key == "section header table")

    // Section header table over the ELF header.
    b = good
    Self.patch(&b, 32, 8)
    #expect(Self.error(b)?.message.contains("ELF header") == true)

    // e_phentsize too small.
    b = good
    b[42] = 8
    #expect(Self.error(b)?.key == "program header table")

    // .resource_table's size runs past the end of the file.
    b = good
    Self.patch(&b, rscHeader + 20, 0x7FFF_FFFF)
    e = try #require(Self.error(b))
    #expect(e.key == "section .resource_table")

    // Its offset past the end.
    b = good
    Self.patch(&b, rscHeader + 16, 0xFFFF_FFFF)
    #expect(Self.error(b)?.key == "section .resource_table")

    // Section name offset outside the name table.
    b = good
    Self.patch(&b, rscHeader, 0x0FFF_FFFF)
    #expect(Self.error(b)?.key == "section header 2")

    // e_shstrndx not a section.
    b = good
    b[50] = 99
    #expect(Self.error(b)?.key == "e_shstrndx")

    // The table claims a huge number of entries.
    b = good
    Self.patch(&b, rsc + 4, 0xFFFF_FFFF)
    e = try #require(Self.error(b))
    #expect(e.key == ".resource_table num")

    // An entry offset past the end, or into the header.
    b = good
    Self.patch(&b, rsc + 16, 4000)
    #expect(Self.error(b)?.key == ".resource_table entry[0]")
    b = good
    Self.patch(&b, rsc + 16, 4)
    #expect(Self.error(b)?.message.contains("header") == true)

    // More vrings or config bytes than the table holds.
    b = good
    b[Int(rsc) + 20 + 25] = 255
    #expect(Self.error(b)?.key == ".resource_table entry[0]")
    b = good
    Self.patch(&b, rsc + 20 + 20, 0xFFFF_FFFF)
    #expect(Self.error(b)?.key == ".resource_table entry[0]")

    // A load segment whose file bytes run past the end, or larger on file than in memory.
    b = good
    Self.patch(&b, built.phoff + 16, 0x7FFF_0000)
    #expect(Self.error(b)?.key == "program header 0")
    b = good
    Self.patch(&b, built.phoff + 20, 1)
    #expect(Self.error(b)?.message.contains("larger than memory size") == true)
  }

  @Test func overlappingEntriesAreErrors() throws {
    var b = ELFBuilder(wide: false, bigEndian: true)
    var t = b.rpmsgResourceTable()
    // Two offsets, both to the vdev.
    t = Array(t[0..<4]) + b.u32(2) + Array(t[8..<16]) + b.u32(24) + b.u32(24) + Array(t[20...])
    b.sections = [.init(name: ".resource_table", data: t)]
    let e = try #require(Self.error(b.build().bytes))
    #expect(e.key == ".resource_table entry[1]" && e.message.hasPrefix("overlaps entry[0]"))
  }

  /// Every prefix and many corruptions of valid files end in a value or an error, never a trap.
  @Test func hostileBytesNeverTrap() throws {
    for (wide, big) in [(false, false), (true, true)] {
      let good = Self.firmware(wide: wide, bigEndian: big).build().bytes
      for n in 0..<good.count {
        _ = try? ELFFile.parse(Array(good[0..<n]), path: "cut.elf")
      }
      var state: UInt64 = 0x9E37_79B9_7F4A_7C15
      func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
      }
      for _ in 0..<3000 {
        var b = good
        for _ in 0..<(1 + Int(next() % 4)) {
          let i = Int(next() % UInt64(b.count))
          b[i] = [0x00, 0xFF, 0x7F, 0x80, UInt8(truncatingIfNeeded: next())][Int(next() % 5)]
        }
        _ = try? ELFFile.parse(b, path: "fuzz.elf")
      }
    }
  }

  @Test func readsFiles() throws {
    let dir = try TempDir()
    let p = try dir.write("fw.elf", bytes: Self.firmware(wide: false, bigEndian: false).build().bytes)
    #expect(try ELFFile.read(path: p).resourceTable?.vdevs.count == 1)
    let e = try #require(inputError { try ELFFile.read(path: dir.url.path) })
    #expect(e.path == dir.url.path)
  }
}
