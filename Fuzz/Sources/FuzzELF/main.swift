import DTHMP
// libFuzzer harness: the ELF reader with its `.resource_table` parser (M7 firmware images).
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzELF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = Array(fuzzBuffer(data, size))
  guard let elf = try? ELFFile.parse(bytes, path: "input.elf") else { return 0 }
  _ = elf.loadSegments
  _ = elf.section(named: ".resource_table")
  return 0
}

runFuzzer { fuzzELF($0, $1) }
