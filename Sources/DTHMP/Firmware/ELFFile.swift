import DTCore
import DTYAML

/// The parts of an ELF file the HMP rules need: section headers (to find `.resource_table`), the remoteproc resource
/// table, and the program headers (load segments). 32- and 64-bit, little- and big-endian.
///
/// The file is untrusted: every offset, size and count is checked against the file before use, with overflow-checked
/// arithmetic; a lying header is an ``InputError`` naming the file and the structure, never a trap.
public struct ELFFile: Sendable {
  public enum FileClass: Sendable, Hashable { case elf32, elf64 }

  public struct Section: Sendable, Hashable {
    public var index: Int
    public var name: String
    public var type: UInt32
    public var flags: UInt64
    public var address: UInt64
    public var offset: UInt64
    public var size: UInt64
    public var link: UInt32
    public var info: UInt32
    /// `SHT_NOBITS` (`.bss`): occupies no file bytes.
    public var isNoBits: Bool { type == 8 }
  }

  public struct Segment: Sendable, Hashable {
    public var index: Int
    public var type: UInt32
    /// `PF_X` 1, `PF_W` 2, `PF_R` 4.
    public var flags: UInt32
    public var offset: UInt64
    public var virtualAddress: UInt64
    /// The address remoteproc loads to (`p_paddr`, the M core's device address).
    public var physicalAddress: UInt64
    public var fileSize: UInt64
    public var memorySize: UInt64
    public var align: UInt64
    public var isLoad: Bool { type == 1 }
    public var isExecutable: Bool { flags & 1 != 0 }
    public var isWritable: Bool { flags & 2 != 0 }
    public var isReadable: Bool { flags & 4 != 0 }
  }

  public var path: String
  public var fileClass: FileClass
  public var bigEndian: Bool
  /// `e_type` (2 = executable).
  public var type: UInt16
  /// `e_machine` (40 = ARM).
  public var machine: UInt16
  public var entry: UInt64
  public var sections: [Section]
  /// Every program header.
  public var segments: [Segment]
  /// The `.resource_table` section, if any.
  public var resourceTableSection: Section?
  /// Its parsed contents.
  public var resourceTable: ResourceTable?

  /// `PT_LOAD` segments, the ones remoteproc copies into memory.
  public var loadSegments: [Segment] { segments.filter(\.isLoad) }

  public func section(named name: String) -> Section? { sections.first { $0.name == name } }

  /// Largest file read (firmware with debug information can be large, but not this large).
  public static let maxFileSize = 256 << 20

  /// Reads and parses an ELF file.
  public static func read(path: String) throws(InputError) -> ELFFile {
    let bytes: [UInt8]
    do {
      bytes = try SourceManager.readBytes(path: path, limit: maxFileSize)
    } catch {
      throw InputError(path: path, message: error.reason)
    }
    return try parse(bytes, path: path)
  }

  /// Parses ELF bytes; `path` names them in errors.
  public static func parse(_ bytes: [UInt8], path: String) throws(InputError) -> ELFFile {
    func fail(_ message: String, _ key: String? = nil) -> InputError {
      InputError(path: path, key: key, message: message)
    }
    guard bytes.count >= 16, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else {
      throw fail("not an ELF file (no \\x7fELF magic)")
    }
    let wide: Bool
    switch bytes[4] {
    case 1: wide = false
    case 2: wide = true
    default: throw fail("unknown ELF class \(bytes[4]) (expected 1 for 32-bit or 2 for 64-bit)", "e_ident")
    }
    let big: Bool
    switch bytes[5] {
    case 1: big = false
    case 2: big = true
    default: throw fail("unknown ELF data encoding \(bytes[5]) (expected 1 little-endian or 2 big-endian)", "e_ident")
    }
    guard bytes[6] == 1 else { throw fail("unknown ELF version \(bytes[6])", "e_ident") }
    let r = ByteReader(bytes: bytes, bigEndian: big, path: path)
    let w: UInt64 = wide ? 8 : 4
    let headerSize: UInt64 = wide ? 64 : 52
    _ = try r.range(0, headerSize, "ELF header")

    let type = try r.u16(16, "e_type")
    let machine = try r.u16(18, "e_machine")
    let entry = try r.word(24, wide: wide, "e_entry")
    let phoff = try r.word(24 + w, wide: wide, "e_phoff")
    let shoff = try r.word(24 + 2 * w, wide: wide, "e_shoff")
    let tail: UInt64 = 24 + 3 * w + 4  // after e_flags
    let phentsize = UInt64(try r.u16(tail + 2, "e_phentsize"))
    var phnum = UInt64(try r.u16(tail + 4, "e_phnum"))
    let shentsize = UInt64(try r.u16(tail + 6, "e_shentsize"))
    var shnum = UInt64(try r.u16(tail + 8, "e_shnum"))
    var shstrndx = UInt64(try r.u16(tail + 10, "e_shstrndx"))

    let shMin: UInt64 = wide ? 64 : 40
    let phMin: UInt64 = wide ? 56 : 32

    // Extended numbering: counts that do not fit 16 bits live in section header 0.
    if shoff != 0 && (shnum == 0 || shstrndx == 0xFFFF || phnum == 0xFFFF) {
      guard shentsize >= shMin else {
        throw fail("section header size \(shentsize) is smaller than \(shMin)", "e_shentsize")
      }
      _ = try r.range(shoff, shMin, "section header 0")
      if shnum == 0 { shnum = try r.word(shoff + 16 + 2 * w, wide: wide, "section header 0 sh_size") }
      if shstrndx == 0xFFFF { shstrndx = UInt64(try r.u32(shoff + 16 + 3 * w, "section header 0 sh_link")) }
      if phnum == 0xFFFF { phnum = UInt64(try r.u32(shoff + 20 + 3 * w, "section header 0 sh_info")) }
    }

    // Tables: inside the file, not over the ELF header.
    func table(_ offset: UInt64, _ count: UInt64, _ entsize: UInt64, _ minSize: UInt64, _ what: String)
      throws(InputError) -> Bool
    {
      guard count > 0 else { return false }
      guard offset != 0 else { throw fail("\(count) entries at offset 0", what) }
      guard entsize >= minSize else {
        throw fail("entry size \(entsize) is smaller than \(minSize) bytes", what)
      }
      guard let length = product(count, entsize), let end = sum(offset, length), end <= UInt64(bytes.count) else {
        throw fail(
          "\(count) entries of \(entsize) bytes at offset \(hex(offset)) run past the end of the file (\(bytes.count) bytes)",
          what)
      }
      guard offset >= headerSize else { throw fail("overlaps the ELF header (offset \(hex(offset)))", what) }
      return true
    }
    let hasSections = try table(shoff, shnum, shentsize, shMin, "section header table")
    let hasSegments = try table(phoff, phnum, phentsize, phMin, "program header table")
    if hasSections && hasSegments {
      let shEnd = shoff + shnum * shentsize
      let phEnd = phoff + phnum * phentsize
      if shoff < phEnd && phoff < shEnd { throw fail("the section and program header tables overlap", "e_shoff") }
    }

    // Section headers.
    var sections: [Section] = []
    if hasSections {
      sections.reserveCapacity(Int(shnum))
      for i in 0..<shnum {
        let at = shoff + i * shentsize
        let what = "section header \(i)"
        let s = Section(
          index: Int(i), name: "", type: try r.u32(at + 4, what), flags: try r.word(at + 8, wide: wide, what),
          address: try r.word(at + 8 + w, wide: wide, what), offset: try r.word(at + 8 + 2 * w, wide: wide, what),
          size: try r.word(at + 8 + 3 * w, wide: wide, what), link: try r.u32(at + 8 + 4 * w, what),
          info: try r.u32(at + 12 + 4 * w, what))
        sections.append(s)
      }
      if shstrndx != 0 {
        guard shstrndx < shnum else {
          throw fail("section name table index \(shstrndx) is not below the section count \(shnum)", "e_shstrndx")
        }
        let strtab = sections[Int(shstrndx)]
        guard !strtab.isNoBits, let end = sum(strtab.offset, strtab.size), end <= UInt64(bytes.count) else {
          throw fail(
            "section name table (\(strtab.size) bytes at \(hex(strtab.offset))) runs past the end of the file",
            "e_shstrndx")
        }
        for i in sections.indices {
          let nameOffset = UInt64(try r.u32(shoff + UInt64(i) * shentsize, "section header \(i)"))
          guard nameOffset < strtab.size else {
            throw fail(
              "name offset \(hex(nameOffset)) is outside the section name table (\(strtab.size) bytes)",
              "section header \(i)")
          }
          sections[i].name = try r.cString(strtab.offset + nameOffset, limit: end, "section header \(i) name")
        }
      }
    }

    // Program headers.
    var segments: [Segment] = []
    if hasSegments {
      segments.reserveCapacity(Int(phnum))
      for i in 0..<phnum {
        let at = phoff + i * phentsize
        let what = "program header \(i)"
        let seg: Segment
        if wide {
          seg = Segment(
            index: Int(i), type: try r.u32(at, what), flags: try r.u32(at + 4, what), offset: try r.u64(at + 8, what),
            virtualAddress: try r.u64(at + 16, what), physicalAddress: try r.u64(at + 24, what),
            fileSize: try r.u64(at + 32, what), memorySize: try r.u64(at + 40, what), align: try r.u64(at + 48, what))
        } else {
          seg = Segment(
            index: Int(i), type: try r.u32(at, what), flags: try r.u32(at + 24, what),
            offset: UInt64(try r.u32(at + 4, what)), virtualAddress: UInt64(try r.u32(at + 8, what)),
            physicalAddress: UInt64(try r.u32(at + 12, what)), fileSize: UInt64(try r.u32(at + 16, what)),
            memorySize: UInt64(try r.u32(at + 20, what)), align: UInt64(try r.u32(at + 28, what)))
        }
        if seg.isLoad {
          guard let end = sum(seg.offset, seg.fileSize), end <= UInt64(bytes.count) else {
            throw fail(
              "load segment: \(seg.fileSize) file bytes at offset \(hex(seg.offset)) run past the end of the file (\(bytes.count) bytes)",
              what)
          }
          guard seg.fileSize <= seg.memorySize else {
            throw fail(
              "load segment: file size \(hex(seg.fileSize)) larger than memory size \(hex(seg.memorySize))", what)
          }
          guard sum(seg.physicalAddress, seg.memorySize) != nil, sum(seg.virtualAddress, seg.memorySize) != nil else {
            throw fail("load segment: address + memory size overflows", what)
          }
        }
        segments.append(seg)
      }
    }

    // The resource table.
    var rscSection: Section?
    var table: ResourceTable?
    if let s = sections.first(where: { $0.name == ".resource_table" }) {
      rscSection = s
      let what = "section .resource_table"
      guard !s.isNoBits else { throw fail("has no file contents (SHT_NOBITS)", what) }
      guard let end = sum(s.offset, s.size), end <= UInt64(bytes.count) else {
        throw fail(
          "\(s.size) bytes at offset \(hex(s.offset)) run past the end of the file (\(bytes.count) bytes)", what)
      }
      guard s.offset >= headerSize || s.size == 0 else { throw fail("overlaps the ELF header", what) }
      if hasSections, s.size > 0 {
        let shEnd = shoff + shnum * shentsize
        if s.offset < shEnd && shoff < end { throw fail("overlaps the section header table", what) }
      }
      let slice = try r.slice(s.offset, s.size, what)
      table = try ResourceTable.parse(slice, path: path)
    }

    return ELFFile(
      path: path, fileClass: wide ? .elf64 : .elf32, bigEndian: big, type: type, machine: machine, entry: entry,
      sections: sections, segments: segments, resourceTableSection: rscSection, resourceTable: table)
  }
}
