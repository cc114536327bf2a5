import DTCore
import DTHMP

// The firmware rules compare the M7 firmware ELF that the manifest names (`firmware: elf:`) with the device tree.
// Without a manifest, or a manifest without an ELF, they stay silent.

/// The regions a remoteproc node's `memory-region` names, resolved, with their first `reg` entry when it reads.
private struct FirmwareRegion {
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
  fileprivate func firmwareRegions(of rproc: Node) -> (property: Property, regions: [FirmwareRegion])? {
    guard let mr = rproc.property("memory-region") else { return nil }
    let regions = phandleList(mr).compactMap { $0.target }.map { n -> FirmwareRegion in
      let r = regEntries(of: n)?.first
      return FirmwareRegion(node: n, base: r?.address, size: r?.size)
    }
    return (mr, regions)
  }
}

/// `vdev<N>vring<M>`.
private func isVringName(_ name: Substring) -> Bool {
  guard name.hasPrefix("vdev"), let r = name.range(of: "vring") else { return false }
  let vdev = name[name.index(name.startIndex, offsetBy: 4)..<r.lowerBound]
  let ring = name[r.upperBound...]
  return !vdev.isEmpty && !ring.isEmpty && vdev.allSatisfy(\.isASCIIDigit) && ring.allSatisfy(\.isASCIIDigit)
}

extension Character {
  fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// `PAGE_ALIGN(vring_size(num, align))` with 4 KiB pages (HMPFacts §8), nil on overflow or a bad align.
private func vringRegionBytes(num: UInt32, align: UInt32) -> UInt64? {
  guard let raw = RPMsgSettings.vringBytes(count: UInt64(num), align: UInt64(align)) else { return nil }
  let (s, o) = raw.addingReportingOverflow(0xFFF)
  return o ? nil : s & ~0xFFF
}

private let firmwareRprocTree = """
  /dts-v1/;
  / {
  \t#address-cells = <2>;
  \t#size-cells = <2>;

  \treserved-memory {
  \t\t#address-cells = <2>;
  \t\t#size-cells = <2>;
  \t\tranges;

  \t\tm7_reserved: m7@80000000 {
  \t\t\treg = <0 0x80000000 0 0x1000000>;
  \t\t\tno-map;
  \t\t};

  \t\tvdev0vring0: vdev0vring0@55000000 {
  \t\t\treg = <0 0x55000000 0 0x8000>;
  \t\t\tno-map;
  \t\t};

  \t\tvdev0vring1: vdev0vring1@55008000 {
  \t\t\treg = <0 0x55008000 0 0x8000>;
  \t\t\tno-map;
  \t\t};

  \t\tvdevbuffer: vdevbuffer@55400000 {
  \t\t\tcompatible = "shared-dma-pool";
  \t\t\treg = <0 0x55400000 0 0x100000>;
  \t\t\tno-map;
  \t\t};

  \t\trsc_table: rsc-table@550ff000 {
  \t\t\treg = <0 0x550ff000 0 0x1000>;
  \t\t\tno-map;
  \t\t};
  \t};

  \timx8mp-cm7 {
  \t\tcompatible = "fsl,imx8mp-cm7";
  \t\tmemory-region = <&vdevbuffer>, <&vdev0vring0>, <&vdev0vring1>, <&rsc_table>, <&m7_reserved>;
  \t};
  };
  """

/// The example firmware (Examples/…/firmware/app.elf, built by its build.sh; examples name it `rpmsg-m7.elf`): an rpmsg
/// vdev with vrings at 0x55000000/0x55008000 (align 0x1000, 256 descriptors), the table in ITCM, copied to
/// 0x550ff000, and a 0x100-byte load segment in DDR at 0x80000000.
private let firmwareManifest = "{soc: imx8mp, firmware: {elf: rpmsg-m7.elf, started-by: bootloader}}"

/// Applies `edits` (old → new) to the example tree and puts `↓` before `marker`'s first occurrence.
private func firmwareTree(_ edits: [(String, String)] = [], marker: String? = nil) -> String {
  var s = firmwareRprocTree
  for (old, new) in edits { s = s.replacingOccurrences(of: old, with: new) }
  if let marker, let r = s.range(of: marker) { s.replaceSubrange(r, with: "↓" + marker) }
  return s
}

/// The firmware's resource table and the device tree's vring regions disagree.
struct HMPFirmwareVringMismatchRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_firmware_vring_mismatch", name: "HMP Firmware Vring Mismatch", severity: .error,
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
    triggering: [
      RuleExample(
        firmwareTree(
          [("vdev0vring1@55008000", "vdev0vring1@55010000"), ("0 0x55008000 0 0x8000", "0 0x55010000 0 0x8000")],
          marker: "reg = <0 0x55010000"),
        options: ["m7": firmwareManifest]),
      RuleExample(
        firmwareTree(
          [("vdev0vring0: vdev0vring0@55000000", "vdev0vring0: vring0@55000000")],
          marker: "memory-region"),
        options: ["m7": firmwareManifest]),
    ],
    nonTriggering: [
      RuleExample(firmwareTree(), options: ["m7": firmwareManifest]),
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

/// The firmware's resource table is not where the kernel reads it: the start of the `rsc-table` region (or
/// `rsc-da` for NXP 5.4 kernels).
struct HMPFirmwareRscTableRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_firmware_rsc_table", name: "HMP Firmware Resource Table", severity: .error,
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
    triggering: [
      RuleExample(
        firmwareTree(
          [("rsc-table@550ff000", "rsc-table@550fe000"), ("0 0x550ff000 0 0x1000", "0 0x550fe000 0 0x2000")],
          marker: "reg = <0 0x550fe000"),
        options: ["m7": firmwareManifest]),
      RuleExample(
        firmwareTree(marker: "reg = <0 0x550ff000"),
        options: ["m7": "{soc: imx8mp, firmware: {elf: rpmsg-m7.elf}, rpmsg: {resource-table: 0x55100000}}"]),
    ],
    nonTriggering: [
      RuleExample(firmwareTree(), options: ["m7": firmwareManifest]),
      RuleExample(
        firmwareTree([("rsc-table@550ff000", "rsc_table@550ff000")]), options: ["m7": firmwareManifest]),
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

/// A firmware load segment in DDR that no reserved region of the remoteproc node covers.
struct HMPFirmwareSegmentUnreservedRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_firmware_segment_unreserved", name: "HMP Firmware Segment Unreserved", severity: .error,
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
    triggering: [
      RuleExample(
        firmwareTree([(", <&m7_reserved>;", ";")], marker: "memory-region"),
        options: ["m7": firmwareManifest]),
      RuleExample(
        firmwareTree(
          [("m7@80000000", "m7@80001000"), ("0 0x80000000 0 0x1000000", "0 0x80001000 0 0xfff000")],
          marker: "memory-region"),
        options: ["m7": firmwareManifest]),
    ],
    nonTriggering: [
      RuleExample(firmwareTree(), options: ["m7": firmwareManifest]),
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
          : "Linux does not keep that DDR free for the running M7, and could not load the segment itself (imx_rproc reaches DDR only through mapped memory-regions)"
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
