import DTCore
// libFuzzer harness: overlay application (`OverlayApplier.apply`, libfdt's `fdt_overlay_apply` with our checks and
// explanations around it).
//
// Input layout: a 4-byte little-endian length N, then N bytes of base blob, then the overlay blob (the rest).
// `Fuzz/seed-gen` writes seeds in this layout.
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOverlay(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = fuzzBuffer(data, size)
  guard size >= 4 else { return 0 }
  let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
  guard n <= size - 4 else { return 0 }
  let base = Array(bytes[4..<(4 + n)])
  let overlay = Array(bytes[(4 + n)...])
  guard let merged = try? OverlayApplier.apply(base: base, basePath: "base.dtb", overlays: [(overlay, "ov.dtbo")])
  else { return 0 }
  do {
    _ = try DTBReader.read(merged, path: "merged.dtb")
  } catch  where error.kind != .tooDeep {
    // Grafting a deep overlay onto a deep base may pass the reader's depth limit; anything else is a bug.
    fatalError("an applied overlay gives a blob that does not read back: \(error)")
  } catch {}
  return 0
}

runFuzzer { fuzzOverlay($0, $1) }
