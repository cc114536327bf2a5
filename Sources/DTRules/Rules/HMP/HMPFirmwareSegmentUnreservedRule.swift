import DTCore
import DTHMP

/// A firmware load segment in DDR that no reserved region of the remoteproc node covers.
struct HMPFirmwareSegmentUnreservedRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_firmware_segment_unreserved", family: .firmware, name: "HMP Firmware Segment Unreserved", severity: .error,
    summary: "Every firmware load segment in DDR must lie inside a `no-map` memory-region of the remoteproc node",
    rationale: """
      imx_rproc translates an M7 address through its address table and then only reaches memory it owns (TCM, \
      the OCRAM aliases) or that a `memory-region` of its node maps; regions whose name starts with `vdev` are \
      never mapped (HMPFacts §1.2, §1.7). A `PT_LOAD` segment linked into DDR (the M7's 0x10000000 code alias \
      or the 0x40000000 data window) outside such a region cannot be loaded when Linux starts the M7, and when \
      the bootloader starts it, that DDR is not reserved: Linux may hand it out while the firmware runs from it. \
      The mechanism is verified in HMPFacts §1.7; which firmware needs a region follows from its ELF, which is \
      read here.

      Segments are taken from the firmware ELF of the manifest (`p_paddr`, `p_memsz`), translated with the \
      address table of the kernel flavor, and checked against the remoteproc node's `memory-region` entries. \
      A region that covers a segment but lacks `no-map` is left to `hmp_region_no_map`.
      """,
    needs: [.manifest, .firmwareELF],
    triggering: [
      RuleExample(
        firmwareTree([(", <&m7_reserved>;", ";")], marker: "memory-region"),
        options: ["m7": firmwareManifest()]),
      RuleExample(
        firmwareTree(
          [("m7@80000000", "m7@80001000"), ("0 0x80000000 0 0x1000000", "0 0x80001000 0 0xfff000")],
          marker: "memory-region"),
        options: ["m7": firmwareManifest()]),
    ],
    nonTriggering: [
      RuleExample(firmwareTree(), options: ["m7": firmwareManifest()]),
      RuleExample(firmwareTree([(", <&m7_reserved>;", ";")]), options: ["m7": "{soc: imx8mp}"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard let claims = info.m7Claims, let elf = claims.inputs?.firmware else { return }
    let att = claims.soc.addressTranslation
    let kernel = info.hmp.kernel.name
    let ddr = att.sharedWindow
    let firmware = M7Claims.display(elf.path)
    let linuxLoads = claims.manifest.startedBy == .linux
    for rproc in info.enabledRemoteprocNodes() {
      let listed = info.firmwareRegions(of: rproc)
      let regions = listed?.regions ?? []
      for seg in elf.loadSegments where seg.memorySize > 0 {
        let da = seg.physicalAddress
        let length = seg.memorySize
        guard let sa = att.systemAddress(da: da, length: length, kernel: kernel) else { continue }
        let (end, overflow) = sa.addingReportingOverflow(length)
        guard !overflow, sa >= ddr.da, end <= ddr.da &+ ddr.size else { continue }
        let mapped = regions.filter { !$0.node.baseName.hasPrefix("vdev") }
        if mapped.contains(where: { $0.contains(sa, length: length) }) { continue }
        var where_ = "no memory-region of \(rproc.name) covers it"
        if let r = regions.first(where: { $0.contains(sa, length: length) }) {
          where_ = "it lies in \(r.node.name), which imx_rproc never maps (a vdev… name)"
        } else if let r = mapped.first(where: { r in
          guard let b = r.base, let e = r.end else { return false }
          return sa < e && end > b
        }) {
          where_ = "\(r.span) covers only part of it"
        }
        let daText = da == sa ? hexAddress(da) : "\(hexAddress(da)), system address \(hexAddress(sa))"
        let consequence =
          linuxLoads
          ? "Linux cannot load it (imx_rproc reaches DDR only through mapped memory-regions)"
          : "Linux does not keep that DDR free for the running \(claims.soc.coreName), and could not load the segment itself (imx_rproc reaches DDR only through mapped memory-regions)"
        let message =
          "load segment \(seg.index) of the firmware (\(firmware)) is in DDR at \(daText), \(hexSize(length)), but \(where_): \(consequence); add a no-map reserved region covering \(hexAddress(sa))–\(hexAddress(end)) to memory-region"
        if let mr = listed?.property {
          context.report(message, node: rproc, property: mr)
        } else {
          context.report(message, node: rproc)
        }
      }
    }
  }
}
