internal import CLibfdt

/// The few helpers every libfdt call site shares. libfdt keeps no state: the blob is the byte buffer, so a call is
/// a private, aligned copy of the bytes and a function call on it; no pointer outlives the closure.
enum Libfdt {
  /// Calls `body` with an 8-byte-aligned private copy of `bytes` in a zero-filled buffer of at least `capacity`
  /// bytes (libfdt 1.6.1 refuses or misreads unaligned blobs). The buffer is freed when `body` returns.
  static func withAlignedCopy<R>(
    of bytes: [UInt8], capacity: Int = 0, _ body: (UnsafeMutableRawPointer, Int) -> R
  ) -> R {
    let size = max(capacity, bytes.count, 8)
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
    defer { buffer.deallocate() }
    buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    bytes.withUnsafeBytes { src in
      if let base = src.baseAddress { buffer.copyMemory(from: base, byteCount: src.count) }
    }
    return body(buffer, size)
  }

  /// The first `count` bytes of a buffer, copied out.
  static func bytes(_ buffer: UnsafeRawPointer, count: Int) -> [UInt8] {
    Array(UnsafeRawBufferPointer(start: buffer, count: max(0, count)))
  }

  /// libfdt's own wording for an error code (`fdt_strerror`), e.g. `FDT_ERR_NOTFOUND`.
  static func message(_ code: Int32) -> String {
    guard let s = fdt_strerror(code) else { return "libfdt error \(code)" }
    return String(cString: s)
  }

  /// `totalsize` of the blob in a buffer (`fdt_totalsize`).
  static func totalSize(_ fdt: UnsafeRawPointer) -> Int { Int(CLibfdt_totalsize(fdt)) }
}
