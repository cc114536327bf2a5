import Foundation

/// Runs `body` on a thread with a generous stack: nested macro arguments recurse, and the depth limits are set in
/// terms of the input, not of the caller's stack.
public func runWithLargeStack(_ body: () -> Void) {
  withoutActuallyEscaping(body) { escapable in
    final class Box {
      let f: () -> Void
      init(_ f: @escaping () -> Void) { self.f = f }
    }
    let box = Unmanaged.passRetained(Box(escapable))
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, 256 << 20)
    var tid = pthread_t()
    let rc = pthread_create(
      &tid, &attr,
      { raw in
        guard let raw else { return nil }
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
