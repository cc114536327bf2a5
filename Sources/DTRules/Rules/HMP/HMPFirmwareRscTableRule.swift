import DTCore
import DTHMP

/// The firmware's resource table is not where the kernel reads it: the start of the `rsc-table` region (or
/// `rsc-da` for NXP 5.4 kernels).
struct HMPFirmwareRscTableRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_firmware_rsc_table", family: .firmware, name: "HMP Firmware Resource Table", severity: .error,
    summary: "The firmware's resource table must be at the start of the `rsc-table` region",
    rationale: """
      When Linux attaches to an M7 the bootloader or a debugger started, imx_rproc reads the resource table \
      from the start of the `memory-region` entry named `rsc-table` (mapped in `imx_rproc_addr_init`, at most \
      1 KiB) — NXP 5.15 kernels from the one named `rsc_table…`, NXP 5.4 kernels from the address in `rsc-da` \
      (HMPFacts §1.2, §1.3, §12). The firmware puts its table at an address of its own: MCUXpresso SDK firmware \
      copies it to `VDEV0_VRING_BASE + RESOURCE_TABLE_OFFSET` (0x550ff000, and for old kernels also to \
      `VDEV0_VRING_BASE`) before starting (HMPFacts §8). If the two addresses differ, Linux reads something \
      that is not the table, finds no vdev, and attaches without RPMsg; HMPFacts §1.3 verifies the lookup and, \
      for mainline, that the attach then stays silent. When Linux loads the firmware itself it copies the table \
      into that region, while the firmware still writes its own copy to its address.

      The firmware's address is that of its `.resource_table` section when it is linked into the region, else \
      the manifest's `rpmsg: resource-table` (default: the SDK's). The table must also fit the region. The \
      region is found by either spelling (the name itself is `hmp_rsc_table_name`'s business); a tree without \
      one is left to `hmp_memory_region_missing`. Needs the firmware ELF (`firmware: elf:` in the manifest).
      """,
    needs: [.manifest, .firmwareELF],
    triggering: [
      RuleExample(
        firmwareTree(
          [("rsc-table@550ff000", "rsc-table@550fe000"), ("0 0x550ff000 0 0x1000", "0 0x550fe000 0 0x2000")],
          marker: "reg = <0 0x550fe000"),
        options: ["m7": firmwareManifest()]),
      RuleExample(
        firmwareTree(marker: "reg = <0 0x550ff000"),
        options: ["m7": "{soc: imx8mp, firmware: {elf: rpmsg-m7.elf}, rpmsg: {resource-table: 0x55100000}}"]),
    ],
    nonTriggering: [
      RuleExample(firmwareTree(), options: ["m7": firmwareManifest()]),
      RuleExample(
        firmwareTree([("rsc-table@550ff000", "rsc_table@550ff000")]), options: ["m7": firmwareManifest()]),
      RuleExample(
        firmwareTree([("rsc-table@550ff000", "rsc-table@550fe000"), ("0 0x550ff000", "0 0x550fe000")]),
        options: ["m7": "{soc: imx8mp}"]),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    guard let claims = info.m7Claims, let elf = claims.inputs?.firmware, let section = elf.resourceTableSection
    else { return }
    let kernel = info.hmp.kernel
    let rpmsg = claims.manifest.rpmsg
    let firmware = M7Claims.display(elf.path)
    let tableSize = section.size
    let att = claims.soc.addressTranslation
    let linked = att.systemAddress(da: section.address, length: max(tableSize, 1), kernel: kernel.name)
    let overridden = claims.manifest.rpmsgOverrides.contains("resource-table")
    let copyText =
      overridden
      ? "rpmsg resource-table of \(claims.manifestLocation(line: nil))"
      : "the SDK's VDEV0_VRING_BASE + RESOURCE_TABLE_OFFSET; set rpmsg: resource-table in the manifest if this firmware differs"

    for rproc in info.enabledRemoteprocNodes() {
      switch kernel.resourceTable.locatedBy {
      case .rscDA:
        guard let p = rproc.property("rsc-da"), let v = p.value.singleCell.map(UInt64.init) else { continue }
        var places = [rpmsg.resourceTable, rpmsg.vringBase]
        if let l = linked { places.append(l) }
        guard !places.contains(v) else { continue }
        context.report(
          "\(info.hmp.kernelPhrase) reads the resource table at rsc-da \(hexAddress(v)), but the firmware (\(firmware)) puts it at \(hexAddress(rpmsg.resourceTable)) and \(hexAddress(rpmsg.vringBase)) (\(copyText)): Linux finds no valid table and RPMsg does not start",
          node: rproc, property: p)
      case .regionName:
        guard let listed = info.firmwareRegions(of: rproc) else { continue }
        let (mr, regions) = listed
        let isTable = { (n: Node) -> Bool in
          kernel.isResourceTableName(n.name) || n.baseName.hasPrefix("rsc-table") || n.baseName.hasPrefix("rsc_table")
        }
        guard
          let region = regions.first(where: { kernel.isResourceTableName($0.node.name) })
            ?? regions.first(where: { isTable($0.node) }),
          let base = region.base, let size = region.size
        else { continue }
        let address: UInt64
        let how: String
        if let l = linked, region.contains(l, length: 1) {
          address = l
          how = "links its .resource_table at \(hexAddress(l))"
        } else {
          address = rpmsg.resourceTable
          how = "copies its resource table to \(hexAddress(address)) (\(copyText))"
        }
        let message: String
        if address != base {
          message =
            "the firmware (\(firmware)) \(how), but \(info.hmp.kernelPhrase) reads the table at the start of \(region.span): it finds no vdev there and attaches without RPMsg"
        } else if tableSize > size {
          message =
            "the firmware's resource table (\(firmware)) is \(hexSize(tableSize)), larger than \(region.span)"
        } else if tableSize > kernel.resourceTable.maxSize {
          message =
            "the firmware's resource table (\(firmware)) is \(hexSize(tableSize)), but \(info.hmp.kernelPhrase) reads only the first \(hexSize(kernel.resourceTable.maxSize)) of \(region.node.name)"
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
