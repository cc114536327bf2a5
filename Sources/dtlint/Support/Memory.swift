import CMalloc  // glibc's malloc.h, which the Glibc module does not include

/// How the process's allocator treats the memory a run frees.
enum Memory {
  /// For a run that reads one input: memory freed at the top of an allocator heap is kept for the next allocation
  /// instead of being given back to the system and faulted in again (4 MiB kept at the top, grown 4 MiB at a time).
  /// A board check: 1877 -> 1379 page faults, 576 -> 263 system calls (297 `mprotect` growing the worker thread's
  /// heap page by page). Not for many inputs: the setting also fixes the threshold above which blocks are mapped on
  /// their own, and the 43-file corpus check then faults 56 % more. True when the allocator took the setting.
  @discardableResult
  static func keepFreedMemoryForOneInput() -> Bool {
    mallopt(M_TOP_PAD, 4 << 20) == 1
  }
}
