import DTCore
import DTHMP

/// The firmware's resource table and the device tree's vring regions disagree.
struct HMPFirmwareVringMismatchRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_firmware_vring_mismatch", family: .firmware, name: "HMP Firmware Vring Mismatch", severity: .error,
    summary:
      "The vrings of the firmware's resource table (ELF `.resource_table`) must be the device tree's vring regions",
    rationale: """
      rpmsg-lite firmware uses vring addresses compiled into it (`VDEV0_VRING_BASE` and `VDEV0_VRING_BASE + \
      VRING_SIZE`), whatever Linux later writes into the resource table, and describes the same vrings in its \
      resource table (HMPFacts §8). Linux looks each vring up as the carveout `vdev<N>vring<M>` (a \
      `memory-region` of that name) and checks the table's `da` against it: an address below the region, or a \
      vring (`PAGE_ALIGN(vring_size(num, align))`) that runs past its end, fails the vdev ("Registered carveout \
      doesn't fit da/len request"); an address inside it is replaced by the region's start, which Linux then \
      uses while the firmware keeps its own address; a vring without a region is allocated anywhere \
      (`dma_alloc_coherent`) — both sides then look at different memory and RPMsg never comes up (HMPFacts §2; \
      the silent failure is inferred there from both sides' code, the mismatch itself is certain).

      The table is read from the firmware ELF of the manifest (`firmware: elf:`). Region sizes are checked here \
      only when the table's descriptor count or alignment differ from the manifest's `rpmsg` settings \
      (otherwise `hmp_vring_size` does); a tree without any vring region is left to \
      `hmp_memory_region_missing`. A vring whose `da` is `FW_RSC_ADDR_ANY` (Zephyr's OpenAMP, HMPFacts §17.3) \
      is Linux's to place: only its size is checked against the region.
      """,
    needs: [.manifest, .firmwareELF],
    triggering: [
      RuleExample(
        firmwareTree(
          [("vdev0vring1@55008000", "vdev0vring1@55010000"), ("0 0x55008000 0 0x8000", "0 0x55010000 0 0x8000")],
          marker: "reg = <0 0x55010000"),
        options: ["m7": firmwareManifest()]),
      RuleExample(
        firmwareTree(
          [("vdev0vring0: vdev0vring0@55000000", "vdev0vring0: vring0@55000000")],
          marker: "memory-region"),
        options: ["m7": firmwareManifest()]),
    ],
    nonTriggering: [
      RuleExample(firmwareTree(), options: ["m7": firmwareManifest()]),
      RuleExample(
        firmwareTree([("vdev0vring1@55008000", "vdev0vring1@55010000"), ("0 0x55008000", "0 0x55010000")]),
        options: ["m7": "{soc: imx8mp}"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard let claims = info.m7Claims, let elf = claims.inputs?.firmware, let table = elf.resourceTable else { return }
    let vdevs = table.vdevs
    guard !vdevs.isEmpty else { return }
    let firmware = M7Claims.display(elf.path)
    let rpmsg = claims.manifest.rpmsg
    let core = info.hmp.kernel.core
    for rproc in info.enabledRemoteprocNodes() {
      guard let listed = info.firmwareRegions(of: rproc),
        listed.regions.contains(where: { isVringName($0.node.baseName) })
      else { continue }
      let (mr, regions) = listed
      for (n, vdev) in vdevs.enumerated() {
        for (i, ring) in vdev.vrings.enumerated() {
          let name = core.vringName(vdev: n, ring: i)
          if ring.da == ResourceTable.addressAny {
            // Linux allocates it from the region (Zephyr's OpenAMP, HMPFacts §17.3): only the size can disagree.
            guard let region = regions.first(where: { $0.node.baseName == name }), let size = region.size,
              let need = vringRegionBytes(num: ring.num, align: ring.align), need > size,
              UInt64(ring.num) != rpmsg.bufferCount || UInt64(ring.align) != rpmsg.vringAlign
                || !claims.manifest.vringNumbersKnown
            else { continue }
            context.report(
              "the firmware's resource table (\(firmware)) asks Linux to allocate vdev\(n) vring\(i) (da FW_RSC_ADDR_ANY) with \(ring.num) descriptors, align \(hexAddress(UInt64(ring.align))): it needs \(hexSize(need)), more than the region \(region.span) holds (\"Registered carveout doesn't fit len request\")",
              node: region.node, property: region.node.property("reg"),
              notes: [DiagnosticNote("\(rproc.name) lists the region here", at: mr.range)])
            continue
          }
          let da = UInt64(ring.da)
          let fw = "the firmware's resource table (\(firmware)) puts vdev\(n) vring\(i) at \(hexAddress(da))"
          guard let region = regions.first(where: { $0.node.baseName == name }) else {
            context.report(
              "\(fw), but no memory-region of \(rproc.name) is named \(name): Linux allocates that vring elsewhere and writes its address into the table, while the firmware keeps using \(hexAddress(da))",
              node: rproc, property: mr)
            continue
          }
          guard let base = region.base, let size = region.size else { continue }  // unreadable reg: other rules
          let ringBytes = vringRegionBytes(num: ring.num, align: ring.align)
          let sizeIsOurs = UInt64(ring.num) != rpmsg.bufferCount || UInt64(ring.align) != rpmsg.vringAlign
          let message: String
          if da < base {
            message =
              "\(fw), below the region \(region.span): Linux fails the vdev (\"Registered carveout doesn't fit da request\") and RPMsg does not start"
          } else if da != base {
            message =
              "\(fw), but the region \(region.span) starts at \(hexAddress(base)): Linux uses the vring at the region's start and writes that into the table, while the firmware keeps using \(hexAddress(da))"
          } else if sizeIsOurs, let need = ringBytes, need > size {
            message =
              "\(fw) with \(ring.num) descriptors, align \(hexAddress(UInt64(ring.align))) (not the manifest's rpmsg \(rpmsg.bufferCount)/\(hexAddress(rpmsg.vringAlign))): it needs \(hexSize(need)), more than the region \(region.span) holds (\"Registered carveout doesn't fit len request\")"
          } else {
            continue
          }
          let reg = region.node.property("reg")
          context.report(
            message, node: region.node, property: reg?.range != nil ? reg : nil,
            notes: [DiagnosticNote("\(rproc.name) lists the region here", at: mr.range)])
        }
      }
    }
  }
}
