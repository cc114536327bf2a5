import Testing

@testable import dtlint

/// The allocator setting for one-input runs (issue 20) reaches glibc: `mallopt` answers 1 when it took it.
struct MemoryTests {
  @Test func allocatorTakesTheSetting() {
    #expect(Memory.keepFreedMemoryForOneInput())
  }
}
