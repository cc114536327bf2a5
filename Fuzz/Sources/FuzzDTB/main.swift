import DTCore
// libFuzzer harness: the blob reader (`.dtb`/`.dtbo` bytes), then everything that consumes a read blob: the DTS
// printer and the blob writer (whose output must read back).
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDTB(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = Array(fuzzBuffer(data, size))
  _ = DTBReader.isBlob(bytes)
  guard let tree = try? DTBReader.read(bytes, path: "input.dtb") else { return 0 }
  _ = DTSPrinter.print(tree)
  let blob = DTBWriter.blob(of: tree)
  do {
    _ = try DTBReader.read(blob, path: "roundtrip.dtb")
  } catch {
    fatalError("a blob written from a read tree does not read back: \(error)")
  }
  return 0
}

runFuzzer { fuzzDTB($0, $1) }
