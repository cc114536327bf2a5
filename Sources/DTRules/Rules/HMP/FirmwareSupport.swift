import DTCore
import DTHMP

// The firmware rules compare the M7 firmware ELF that the manifest names (`firmware: elf:`) with the device tree.
// Without a manifest, or a manifest without an ELF, they stay silent.

/// The regions a remoteproc node's `memory-region` names, resolved, with their first `reg` entry when it reads.
struct FirmwareRegion {
  var node: Node
  var base: UInt64?
  var size: UInt64?
  var end: UInt64? { base.flatMap { b in size.map { b &+ $0 } } }
  func contains(_ address: UInt64, length: UInt64) -> Bool {
    guard let base, let size else { return false }
    let (e, o) = address.addingReportingOverflow(length)
    return !o && address >= base && e <= base &+ size
  }
  var span: String {
    guard let base, let end else { return node.name }
    return "\(node.name) (\(hexAddress(base))–\(hexAddress(end)))"
  }
}

extension TreeInfo {
  func firmwareRegions(of rproc: Node) -> (property: Property, regions: [FirmwareRegion])? {
    guard let mr = rproc.property("memory-region") else { return nil }
    let regions = phandleList(mr).compactMap { $0.target }.map { n -> FirmwareRegion in
      let r = regEntries(of: n)?.first
      return FirmwareRegion(node: n, base: r?.address, size: r?.size)
    }
    return (mr, regions)
  }
}

/// `vdev<N>vring<M>`.
func isVringName(_ name: Substring) -> Bool {
  guard name.hasPrefix("vdev"), let r = name.range(of: "vring") else { return false }
  let vdev = name[name.index(name.startIndex, offsetBy: 4)..<r.lowerBound]
  let ring = name[r.upperBound...]
  return !vdev.isEmpty && !ring.isEmpty && vdev.allSatisfy(\.isASCIIDigit) && ring.allSatisfy(\.isASCIIDigit)
}

extension Character {
  var isASCIIDigit: Bool { isASCII && isNumber }
}

/// `PAGE_ALIGN(vring_size(num, align))` with 4 KiB pages (HMPFacts §8), nil on overflow or a bad align.
func vringRegionBytes(num: UInt32, align: UInt32) -> UInt64? {
  guard let raw = RPMsgSettings.vringBytes(count: UInt64(num), align: UInt64(align)) else { return nil }
  let (s, o) = raw.addingReportingOverflow(0xFFF)
  return o ? nil : s & ~0xFFF
}

/// The firmware rules' example tree: 2+2 cells, `/reserved-memory` with the SoC's firmware region and RPMsg
/// layout (one node over several lines each), and the remoteproc node referencing them.
func firmwareRprocTree(_ soc: ExampleSoC = .imx8mp) -> String {
  var s = "/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n\n"
  s += "\treserved-memory {\n\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n\t\tranges;\n"
  let regions = [soc.firmware, soc.vring0, soc.vring1, soc.bufferPool, soc.resourceTable]
  for r in regions { s += "\n" + r.block(indent: 2) }
  s += "\t};\n\n" + soc.remoteprocOpening(clocks: false)
  let refs = (RegionExamples.refs(soc) + ", <&\(soc.firmware.label)>")
  return s + "\t\tmemory-region = \(refs);\n\t};\n};"
}

/// The example firmware (Examples/…/firmware/app.elf, built by its build.sh; examples name it `rpmsg-m7.elf`): an rpmsg
/// vdev with vrings at 0x55000000/0x55008000 (align 0x1000, 256 descriptors), the table in ITCM, copied to
/// 0x550ff000, and a 0x100-byte load segment in DDR at 0x80000000. The manifest that names it (the `m7` option).
func firmwareManifest(_ soc: ExampleSoC = .imx8mp) -> String {
  "{soc: \(soc.name), firmware: {elf: rpmsg-m7.elf, started-by: bootloader}}"
}

/// Applies `edits` (old → new) to the example tree and puts `↓` before `marker`'s first occurrence.
func firmwareTree(_ edits: [(String, String)] = [], marker: String? = nil, soc: ExampleSoC = .imx8mp) -> String {
  var s = firmwareRprocTree(soc)
  for (old, new) in edits { s = s.replacingOccurrences(of: old, with: new) }
  if let marker, let r = s.range(of: marker) { s.replaceSubrange(r, with: "↓" + marker) }
  return s
}
