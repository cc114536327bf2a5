import CFuzzDriver

#if canImport(Glibc)
  import Glibc
#endif

/// One fuzz input: libFuzzer's `LLVMFuzzerTestOneInput` contract (return 0; anything but a clean return is a bug).
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

/// Hands the process to libFuzzer with `target` (the harness's `LLVMFuzzerTestOneInput`) as the test function,
/// passing the command line through.
///
/// SwiftPM gives every executable target a `main` of its own, which shadows libFuzzer's; so each harness's
/// main.swift calls this instead of relying on `-sanitize=fuzzer` to supply `main`.
public func runFuzzer(_ target: FuzzTarget) -> Never {
  var argc = CommandLine.argc
  var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
  exit(LLVMFuzzerRunDriver(&argc, &argv, target))
}

/// The input as a buffer (libFuzzer passes a null pointer for the empty input).
public func fuzzBuffer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
  UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
}
