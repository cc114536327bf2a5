import DTHMP
import DTRules
import DTYAML
// libFuzzer harness: every YAML reader of ours on the same text: the M7 manifest, `.dtlint.yaml`, and the SoC,
// board and kernel-flavor profiles. Yams parses; the harness checks that our readers turn any document into a
// value or an `InputError`/`ConfigurationError`, never a trap.
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let text = String(decoding: fuzzBuffer(data, size), as: UTF8.self)
  _ = try? M7Manifest.parse(text, path: "/nonexistent-fuzz-dir/m7.yaml")
  _ = try? Configuration.parse(text, path: "/nonexistent-fuzz-dir/.dtlint.yaml")
  guard let root = try? YAMLReader.compose(text, path: "profile.yaml") else { return 0 }
  _ = try? SoCProfile.parse(root, path: "soc.yaml")
  _ = try? BoardProfile.parse(root, path: "board.yaml")
  _ = try? KernelFlavor.parse(root, path: "kernel.yaml")
  return 0
}

runFuzzer { fuzzYAML($0, $1) }
