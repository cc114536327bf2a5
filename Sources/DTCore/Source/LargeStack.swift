import Foundation
import Synchronization

/// The stack `runWithLargeStack` guarantees its body.
private let largeStackSize = 256 << 20
/// Allocated on top, so that a body which calls `runWithLargeStack` again (the check of a file preprocesses and
/// parses it, each asking for a large stack) still has `largeStackSize` left and runs on the same thread.
private let headroom = 16 << 20

/// Per thread made here: the lowest usable address of its stack.
private let stackLimitKey: pthread_key_t = {
  var key = pthread_key_t()
  pthread_key_create(&key, nil)
  return key
}()

@inline(never)
private func stackPointer() -> UInt {
  var marker: UInt8 = 0
  return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
}

/// Runs `body` on a thread with a generous stack: nested macro arguments recurse, and the depth limits are set in
/// terms of the input, not of the caller's stack. On a thread this function made, with at least that much stack
/// left, `body` runs where it is (no thread is made per nesting level).
public func runWithLargeStack(_ body: () -> Void) {
  if let limit = pthread_getspecific(stackLimitKey) {
    let sp = stackPointer()
    let low = UInt(bitPattern: limit)
    if sp > low, sp - low >= UInt(largeStackSize) {
      body()
      return
    }
  }
  withoutActuallyEscaping(body) { escapable in
    final class Box {
      let f: () -> Void
      init(_ f: @escaping () -> Void) { self.f = f }
    }
    let box = Unmanaged.passRetained(Box(escapable))
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, largeStackSize + headroom)
    var tid = pthread_t()
    let rc = pthread_create(
      &tid, &attr,
      { raw in
        guard let raw else { return nil }
        // The top of the stack is a few frames above here; the guard page and thread data lie outside the
        // requested size, so this bound is conservative.
        let top = stackPointer()
        pthread_setspecific(stackLimitKey, UnsafeRawPointer(bitPattern: top - UInt(largeStackSize + headroom) + 65536))
        let b = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
        b.f()
        return nil
      }, box.toOpaque())
    pthread_attr_destroy(&attr)
    if rc != 0 {
      // No thread: run here.
      box.takeRetainedValue().f()
      return
    }
    pthread_join(tid, nil)
  }
}

/// `DispatchQueue.concurrentPerform` whose iterations run on large-stack threads (see ``runWithLargeStack(_:)``):
/// one such thread per core takes iterations until none is left, so a run over many files makes a few threads,
/// not one per file (each a fresh stack to map and fault in).
public func concurrentPerformWithLargeStack(iterations: Int, _ body: @Sendable (Int) -> Void) {
  // The core count only when there is a choice: asking for it reads the process's CPU set and cgroup quota from
  // /proc and /sys (half a million instructions; one input never needs it).
  let workers = iterations <= 1 ? iterations : min(iterations, ProcessInfo.processInfo.activeProcessorCount)
  if workers <= 1 {
    runWithLargeStack { for i in 0..<iterations { body(i) } }
    return
  }
  final class Counter: Sendable {
    let next = Mutex(0)
    func take() -> Int {
      next.withLock { n in
        defer { n += 1 }
        return n
      }
    }
  }
  let counter = Counter()
  DispatchQueue.concurrentPerform(iterations: workers) { _ in
    runWithLargeStack {
      while true {
        let i = counter.take()
        if i >= iterations { break }
        body(i)
      }
    }
  }
}
