import DTCore
import DTHMP

struct VringSizeRule: TreeRule {
  static let description = RuleDescription.hmp(
    "hmp_vring_size", family: .regions, name: "Vring Size", severity: .error,
    summary:
      "A vring region is smaller than `PAGE_ALIGN(vring_size(buffers, align))`, or a vring is not where the firmware puts it",
    rationale: """
      For each vring the remoteproc core needs `PAGE_ALIGN(vring_size(num, align))` bytes of its \
      `vdev<N>vring<M>` carveout, `num` and `align` being the firmware's (`RL_BUFFER_COUNT`, `VRING_ALIGN`); a \
      smaller region fails the boot or attach with "Registered carveout doesn't fit len request" (-ENOMEM, \
      `rproc_check_carveout_da`). For 256 buffers and 4 KiB alignment that is 0x3000 bytes, for 512 0x5000 \
      (HMPFacts §8 table; 4 KiB pages assumed). rpmsg-lite also ignores the addresses Linux writes into the \
      resource table: it uses vring0 at `VDEV0_VRING_BASE` and vring1 at +`VRING_SIZE` (0x55000000 and \
      0x55008000 in the i.MX 8M Plus SDK), so vdev 0's regions must start exactly there — a region starting \
      after the firmware's address fails with "doesn't fit da request", one starting before it puts Linux's \
      vring somewhere the firmware never looks (HMPFacts §2, §8, §10.11).

      The numbers come from the M7 manifest's `rpmsg` settings over the SoC's SDK defaults, so the rule is \
      silent without `--m7`. For Zephyr firmware (`--m7` with its device tree, HMPFacts §17.3) they are the \
      build's `CONFIG_OPENAMP_RSC_TABLE_NUM_RPMSG_BUFF` (manifest `zephyr.config`) or `rpmsg.buffer-count`, with \
      Zephyr's alignment of 16; without either the rule is silent, and the address check does not apply (Linux \
      places Zephyr's vrings). Both checks rest on verified code on both sides: an error.

      Fix-it (`dtlint hmp fix` applies it): a region that is only too small gets the firmware's vring step \
      (`vring-size`, 0x8000 by default) as its size, or the minimum when the step would reach another reserved \
      region; the address stays, and no size is offered that would overlap a region.
      """,
    triggering: [
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.vring0, "vdev0vring0: vdev0vring0@55000000 { ↓reg = <0 0x55000000 0 0x2000>; no-map; };")
          ])), options: ["m7": RegionExamples.manifest()]),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.vring1, "vdev0vring1: vdev0vring1@55010000 { ↓reg = <0 0x55010000 0 0x8000>; no-map; };")
          ])), options: ["m7": RegionExamples.manifest()]),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.vring0, "vdev0vring0: vdev0vring0@55000000 { ↓reg = <0 0x55000000 0 0x4000>; no-map; };")
          ])), options: ["m7": RegionExamples.manifest(rpmsg: "buffer-count: 512")]),
    ],
    nonTriggering: [
      RuleExample(RegionExamples.tree(), options: ["m7": RegionExamples.manifest()]),
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.vring0, "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x3000>; no-map; };")
          ])), options: ["m7": RegionExamples.manifest()]),
      // Without a manifest the firmware's numbers are unknown.
      RuleExample(
        RegionExamples.tree(
          RegionExamples.regions(replacing: [
            (RegionExamples.vring0, "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x1000>; no-map; };")
          ]))),
    ])

  func check(_ context: inout RuleContext) {
    let info = context.info
    // Zephyr firmware without its .config or rpmsg.buffer-count: the descriptor count is unknown (HMPFacts §17.3).
    guard let manifest = info.hmp.manifest, manifest.vringNumbersKnown else { return }
    let rpmsg = manifest.rpmsg
    guard let needed = rpmsg.vringRegionSize() else { return }
    guard !info.rprocRegions.regions.isEmpty else { return }  // before any profile loads
    let phrase = info.hmp.kernelPhrase
    var counts = "\(rpmsg.bufferCount) buffers, align \(regionHex(rpmsg.vringAlign))"
    if let c = manifest.zephyrConfig, let line = c.bufferCountLine, !manifest.rpmsgOverrides.contains("buffer-count") {
      counts += "; CONFIG_OPENAMP_RSC_TABLE_NUM_RPMSG_BUFF at \(M7Claims.display(c.path)):\(line)"
    }
    for r in info.rprocRegions.distinct {
      guard case .vring(let vdev, let ring) = r.role, let reg = r.node.property("reg"),
        let range = info.regionRange(of: r.node)
      else { continue }
      let notes = [DiagnosticNote("referenced here as memory-region[\(r.index)]", at: r.property.range)]
      if range.size < needed {
        var fixes: [FixIt] = []
        if let fix = Self.grow(r.node, reg: reg, from: range, needed: needed, step: rpmsg.vringSize, info: info) {
          fixes.append(fix)
        }
        context.report(
          "vring region '\(r.node.name)' is \(regionHex(range.size)) bytes, smaller than the \(regionHex(needed)) that \(phrase)'s remoteproc core needs for the firmware's vring (\(counts): PAGE_ALIGN(vring_size)): \"Registered carveout doesn't fit len request\", the boot or attach fails",
          node: r.node, property: reg, notes: notes, fixes: fixes)
      }
      // rpmsg-lite's addresses are known for vdev 0 only (VDEV1_VRING_BASE is not verified: HMPFacts §8, §11).
      // Zephyr's OpenAMP leaves the vrings to Linux (da = -1): no address to match (HMPFacts §17.3).
      if vdev == 0, ring < 2, manifest.firmwarePlacesVrings {
        let expected = rpmsg.vringAddress(ring)
        if range.address != expected {
          let how =
            ring == 0
            ? "vring-base \(regionHex(rpmsg.vringBase))"
            : "vring-base \(regionHex(rpmsg.vringBase)) + vring-size \(regionHex(rpmsg.vringSize))"
          let outcome =
            range.address > expected
            ? "\(phrase) rejects the carveout (\"Registered carveout doesn't fit da request\")"
            : "Linux places the vring at \(regionHex(range.address)), where the firmware never looks"
          context.report(
            "vring region '\(r.node.name)' starts at \(regionHex(range.address)), but the firmware puts vring \(ring) at \(regionHex(expected)) (\(how), whatever Linux writes into the resource table): \(outcome)",
            node: r.node, property: reg, notes: notes)
        }
      }
    }
  }

  /// `reg = <…>;` with the same address and a size of `step` (the firmware's spacing of the vrings), or `needed`
  /// when `step` would overlap another enabled reserved region; nil when `reg` is not one literal entry or both
  /// sizes overlap.
  static func grow(
    _ node: Node, reg: Property, from range: (address: UInt64, size: UInt64), needed: UInt64, step: UInt64,
    info: TreeInfo
  ) -> FixIt? {
    guard let parent = node.parent, info.regEntries(of: node)?.count == 1 else { return nil }
    let ac = info.addressCells(of: parent)
    let sc = info.sizeCells(of: parent)
    let others = parent.liveChildren.filter { $0 !== node && $0.isEnabled }.flatMap { info.regEntries(of: $0) ?? [] }
    func fits(_ size: UInt64) -> Bool {
      let (end, o) = range.address.addingReportingOverflow(size)
      guard !o else { return false }
      return !others.contains { $0.size > 0 && $0.address < end && range.address < $0.address &+ $0.size }
    }
    guard let size = [step, needed].first(where: { $0 >= needed && fits($0) }),
      let address = cells(range.address, count: ac), let length = cells(size, count: sc)
    else { return nil }
    let why = size == step && step != needed ? "the firmware's vring step" : "PAGE_ALIGN(vring_size)"
    return FixSupport.replace(
      reg, with: "reg = <\((address + length).joined(separator: " "))>;",
      message: "make it \(regionHex(size)) bytes (\(why))")
  }

  /// A value as `count` cells, most significant first (`0`, `0x55000000`); nil when it does not fit.
  static func cells(_ value: UInt64, count: Int) -> [String]? {
    guard count == 1 || count == 2 else { return nil }
    if count == 1 && value > UInt64(UInt32.max) { return nil }
    let words = count == 2 ? [value >> 32, value & 0xFFFF_FFFF] : [value]
    return words.map { $0 == 0 ? "0" : regionHex($0) }
  }
}
