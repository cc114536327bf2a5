import DTCore
import DTHMP
import DTRules
import Foundation

/// What `dtlint hmp generate` builds an overlay from: the board and SKU, the kernel flavor, the M7 manifest (and
/// the files it names), and optionally the real base tree.
public struct HMPGenerateRequest {
  public var board: BoardProfile
  public var sku: BoardProfile.SKU
  public var kernel: KernelFlavor
  /// The flavor as the user named it (`toradex-bsp6`).
  public var kernelName: String
  public var manifest: M7Manifest?
  public var inputs: M7Manifest.Inputs?
  /// The base tree the overlay is for, when given: rproc node, peripheral paths and iomuxc hogs come from it.
  public var base: DeviceTree?
  /// How the overlay's header names the command that made it.
  public var commandLine: String
  /// The kernel command line Linux boots with, when given (`--bootargs`, `bootargs:`, else the manifest's).
  public var bootargs: KernelCommandLine?

  public init(
    board: BoardProfile, sku: BoardProfile.SKU, kernel: KernelFlavor, kernelName: String, manifest: M7Manifest?,
    inputs: M7Manifest.Inputs?, base: DeviceTree?, commandLine: String, bootargs: KernelCommandLine? = nil
  ) {
    self.board = board
    self.sku = sku
    self.kernel = kernel
    self.kernelName = kernelName
    self.manifest = manifest
    self.inputs = inputs
    self.base = base
    self.commandLine = commandLine
    self.bootargs = bootargs ?? manifest?.linuxBootargs
  }
}

/// A generated overlay and what the engineer must know about it.
public struct GeneratedOverlay {
  /// The overlay source (DTS with `/plugin/`), deterministic for the same request.
  public var text: String
  /// Things the overlay takes from Linux or cannot do (printed as warnings).
  public var warnings: [String]
  /// Labels or paths of the nodes it disables for Linux.
  public var disabled: [String]
  /// What keeps Linux off the M7's clocks and power: the command-line words the header prescribes and the
  /// `init-on-array` clocks the overlay lists (HMPFacts §13).
  public var protection: ClockProtectionPlan
}

public struct GenerateError: Error, CustomStringConvertible {
  public var description: String
}

/// Writes the HMP overlay a board, kernel flavor and M7 firmware need (Documentation/HMPOverlays.md, HMPFacts §10):
/// every block commented with the kernel behaviour it serves.
public enum HMPGenerator {
  /// One `/reserved-memory` child the overlay adds.
  struct Region {
    var label: String
    var name: String
    var address: UInt64
    var size: UInt64
    var compatible: String?
    var comment: [String]
  }

  public static func generate(_ request: HMPGenerateRequest) throws(GenerateError) -> GeneratedOverlay {
    let board = request.board
    let kernel = request.kernel
    let soc: SoCProfile
    if let m = request.manifest {
      soc = m.soc
    } else {
      do {
        soc = try SoCProfile.load(name: board.soc)
      } catch {
        throw GenerateError(description: error.description)
      }
    }
    guard soc.name == board.soc else {
      throw GenerateError(
        description: "the manifest is for \(soc.name) but board \(board.name) has an \(board.soc)")
    }
    let rpmsg = request.manifest?.rpmsg ?? soc.rpmsgDefaults
    // Errors about the RPMsg layout name the manifest it came from (`m7.yaml: rpmsg: …`).
    let rpmsgSource = request.manifest.map { "\($0.path): rpmsg: " } ?? ""
    var warnings: [String] = []
    /// The M core as the comments name it (`M7`, `M4`, `M33`), and the board's interface naming (`Verdin `).
    let core = soc.coreName
    let family = board.interfaceFamily.map { $0 + " " } ?? ""

    // MARK: Regions
    guard let vringNeed = rpmsg.vringRegionSize() else {
      throw GenerateError(description: rpmsgSource + "buffer-count \(rpmsg.bufferCount) gives no valid vring size")
    }
    guard vringNeed <= rpmsg.vringSize else {
      throw GenerateError(
        description:
          rpmsgSource
          + "a vring of \(rpmsg.bufferCount) buffers needs \(hexSize(vringNeed)), more than the firmware's vring spacing "
          + "\(hexSize(rpmsg.vringSize)) (rpmsg-lite puts vring1 vring-size above vring0): lower buffer-count")
    }
    var regions: [Region] = []
    let vdevs = max(1, Int(rpmsg.vdevCount))
    // rpmsg-lite compiles the vring addresses in; Zephyr's OpenAMP asks Linux to place them (HMPFacts §17.3).
    let firmwarePlaces = request.manifest?.firmwarePlacesVrings ?? true
    let counted = request.manifest?.vringNumbersKnown ?? true
    for vdev in 0..<vdevs {
      for ring in 0..<2 {
        let name = kernel.core.vringName(vdev: vdev, ring: ring)
        let direction =
          ring == 0 ? "\(core) → Linux (Linux's receive queue, \"input\")" : "Linux → \(core) (\"output\")"
        regions.append(
          Region(
            label: name, name: name, address: rpmsg.vringAddress(vdev * 2 + ring), size: rpmsg.vringSize,
            compatible: nil,
            comment: [
              "vring \(ring) of vdev \(vdev): \(direction). remoteproc looks the carveout up by the name",
              "\"\(kernel.core.vringCarveout)\" and "
                + (firmwarePlaces
                  ? "rpmsg-lite uses this address whatever Linux writes into the"
                  : "Linux allocates the Zephyr firmware's vring here and writes it into the"),
              "resource table (HMPFacts §2, §8, §10.2, §10.11\(firmwarePlaces ? "" : ", §17.3")); "
                + "\(hexSize(vringNeed)) needed for \(rpmsg.bufferCount) buffers"
                + (counted ? "." : " (assumed: the Zephyr build's count is not given; zephyr.config in the manifest)."),
            ]))
      }
    }
    // NXP's layout: the buffer pool 4 MiB above the vrings.
    let linuxBuffers: UInt64 = rpmsg.bufferCount < 256 ? rpmsg.bufferCount * 2 : 512
    let poolNeed = linuxBuffers * 512
    let poolSize = max(0x10_0000, (poolNeed + 0xF_FFFF) & ~0xF_FFFF)
    let pool = Region(
      label: "vdevbuffer", name: "vdevbuffer", address: rpmsg.vringBase &+ 0x40_0000, size: poolSize,
      compatible: "shared-dma-pool",
      comment: [
        "The RPMsg buffers: memory-region index 0, a shared-dma-pool (the vdev takes the first region when no",
        "\"vdev0buffer\" carveout exists; HMPFacts §2, §10.3). Linux allocates \(linuxBuffers) buffers of 512 bytes",
        "(\(hexSize(poolNeed))).",
      ])
    var rscName = "rsc-table"
    var rscComment: [String]
    switch kernel.resourceTable.locatedBy {
    case .regionName:
      rscName = kernel.resourceTableName ?? "rsc-table"
      rscComment = [
        "The resource table the firmware copies to \(hex(rpmsg.resourceTable)): this kernel's imx_rproc finds it by",
        "the node name \"\(rscName)\" (HMPFacts §1.2, §1.3, §12); any other name attaches without RPMsg, silently.",
      ]
    default:
      rscComment = [
        "The resource table the firmware copies to \(hex(rpmsg.resourceTable)). This kernel finds it through the",
        "remoteproc node's rsc-da, not by name (HMPFacts §1.3); the region keeps that memory away from Linux.",
      ]
    }
    let rsc = Region(
      label: "rsc_table", name: rscName, address: rpmsg.resourceTable, size: 0x1000, compatible: nil,
      comment: rscComment)

    var firmwareRegion: Region?
    if let elf = request.inputs?.firmware {
      let window = soc.addressTranslation.sharedWindow
      var low = UInt64.max
      var high: UInt64 = 0
      for seg in elf.loadSegments where seg.memorySize > 0 {
        guard
          let sa = soc.addressTranslation.systemAddress(
            da: seg.physicalAddress, length: seg.memorySize, kernel: kernel.name)
        else { continue }
        let (end, overflow) = sa.addingReportingOverflow(seg.memorySize)
        guard !overflow, sa >= window.da, end <= window.da &+ window.size else { continue }
        low = min(low, sa)
        high = max(high, end)
      }
      if low < high {
        let start = low & ~0xF_FFFF
        let end = (high + 0xF_FFFF) & ~0xF_FFFF
        firmwareRegion = Region(
          label: "\(core.lowercased())_reserved", name: core.lowercased(), address: start, size: end - start,
          compatible: nil,
          comment: [
            "The DDR the firmware's load segments occupy (\(hex(low))–\(hex(high)) in \(display(elf.path))), in",
            "1 MiB steps: imx_rproc only reaches DDR through a mapped memory-region (HMPFacts §1.7).",
          ])
      }
    } else {
      firmwareRegion = Region(
        label: "\(core.lowercased())_reserved", name: core.lowercased(), address: 0x8000_0000, size: 0x100_0000,
        compatible: nil,
        comment: [
          "DDR for firmware linked to run from DDR (the SDK's m_ddr, NXP's EVK layout; HMPFacts §1.7, §7.1).",
          "Without a firmware ELF in the manifest its size is a default: drop it for TCM-only firmware.",
        ])
    }

    // MARK: The remoteproc node
    let mu = soc.mailboxes.forMCore
    guard let mu else { throw GenerateError(description: "\(soc.name) has no MU with an M-core side") }
    guard let compatible = soc.remoteproc.preferred?.compatible, kernel.knows(compatible: compatible) else {
      throw GenerateError(description: "kernel \(request.kernelName) knows no imx_rproc compatible for \(soc.name)")
    }
    let channel = rpmsg.muChannel
    let types = soc.mailboxes.channelTypes
    let mboxNames = kernel.mailbox.bindingNames
    var mboxCells: [String] = []
    for n in mboxNames {
      guard let t = types[n] else { continue }
      mboxCells.append("<&\(mu.label) \(t) \(channel)>")
    }
    var memoryRegion = [pool.label]
    for vdev in 0..<vdevs {
      for ring in 0..<2 { memoryRegion.append(kernel.core.vringName(vdev: vdev, ring: ring)) }
    }
    memoryRegion.append(rsc.label)
    if let f = firmwareRegion { memoryRegion.append(f.label) }

    let existingRproc = request.base.flatMap { findRproc(in: $0, soc: soc) }
    // The board's base trees already carry the node with its mailboxes and RPMsg regions (the Verdin iMX95,
    // HMPFacts §18.8): the overlay completes that node and declares no region of its own. A base given without
    // such a node (or without its memory-region) gets the full overlay.
    let inBase: BoardProfile.RemoteprocInBase? = board.remoteprocInBase.flatMap { rb in
      guard request.base != nil else { return rb }
      return existingRproc?.property("memory-region") != nil ? rb : nil
    }
    if let rb = inBase {
      let d = soc.rpmsgDefaults
      if rpmsg.vringBase != d.vringBase || rpmsg.vringSize != d.vringSize || rpmsg.resourceTable != d.resourceTable
        || rpmsg.vdevCount != d.vdevCount
      {
        throw GenerateError(
          description:
            rpmsgSource
            + "the \(board.title)'s base trees already reserve the RPMsg regions (vrings at \(hex(d.vringBase)), "
            + "\(hexSize(d.vringSize)) apart, \(d.vdevCount) vdevs, resource table at \(hex(d.resourceTable))) and "
            + "list them in &\(rb.label) (HMPFacts §18.8); the manifest's layout (vrings at \(hex(rpmsg.vringBase)), "
            + "\(hexSize(rpmsg.vringSize)) apart, \(rpmsg.vdevCount) vdevs, resource table at "
            + "\(hex(rpmsg.resourceTable))) differs: build the firmware for the base's layout, or edit the base's "
            + "/reserved-memory and &\(rb.label) memory-region — an overlay cannot remove the base's regions")
      }
    }
    let rprocNodeName = String(compatible.split(separator: ",").last ?? "m-core")

    // One-cell properties the flavor's driver configuration cannot probe without (the i.MX 95's fsl,cpu-id and
    // fsl,lmm-id under NXP's System Manager method, HMPFacts §18.1).
    let neededCells: [(need: NeededProperty, value: UInt32)] = (soc.remoteproc.preferred?.requirements ?? [])
      .compactMap { n in
        guard n.format == .u32, kernel.requires(n.name, for: compatible), let v = n.value ?? n.defaultValue else {
          return nil
        }
        return (n, v)
      }
    let neededComment: [String] = neededCells.map { c in
      "\(c.need.name) <\(c.value)>: \(c.need.meaning ?? c.need.name); this kernel's imx_rproc fails probe without it"
        + (c.need.value == nil ? " — \(c.need.provenance.note ?? "check it against your configuration")" : "")
        + " (HMPFacts §18.1)."
    }

    // MARK: What the M7 owns
    var owned: [(ref: String, comment: String)] = []
    var disabled: [String] = []
    var disabledSet: Set<String> = []  // the same, for the duplicate test (a manifest may list 100 000 entries)
    func disable(_ ref: String, _ comment: String) {
      guard disabledSet.insert(ref).inserted else { return }
      disabled.append(ref)
      owned.append((ref, comment))
    }
    let claimedLabels: Set<String>
    if let manifest = request.manifest {
      var labels: Set<String> = []
      let baseLabels = request.base?.labelIndex() ?? [:]
      for entry in manifest.peripherals {
        let ref = try reference(for: entry, soc: soc, base: request.base, baseLabels: baseLabels)
        labels.insert(ref.label ?? ref.text)
        var why = "the \(core) firmware drives it (\(display(manifest.path)): \(entry.text))"
        if let l = ref.label, let interface = board.interface(forLabel: l) { why += "; \(family)\(interface)" }
        disable(ref.text, why)
      }
      claimedLabels = labels
    } else if let uart = board.m7DebugUART {
      claimedLabels = [uart.label]
      disable(
        "&" + uart.label,
        "the \(core)'s debug console (\(family)\(uart.interface), the SDK's BOARD_DEBUG_UART); no manifest was given, so "
          + "only the board's \(core) debug UART is assumed to be the \(core)'s (HMPFacts §6, §8)")
    } else {
      // The M core's console is not one of Linux's peripherals (i.MX 8ULP): nothing to take from Linux.
      claimedLabels = []
    }
    let ownedPads = Set((request.inputs?.pads ?? []).map(\.name))
    // What the SKU's Linux tree enables that the M7 takes, by label or by pad.
    for use in request.sku.enables {
      let byLabel = claimedLabels.contains(use.label)
      let pads = use.pads.filter { ownedPads.contains($0) }
      guard byLabel || !pads.isEmpty else { continue }
      let what = byLabel ? "the \(core) takes \(use.label)" : "the \(core) muxes \(pads.joined(separator: ", "))"
      warnings.append(
        "\(board.name)-\(request.sku.name): \(what), which this SKU's Linux tree uses for \(use.reason); Linux loses it"
      )
      if !byLabel {
        disable(
          "&" + use.label,
          "its pads (\(pads.joined(separator: ", "))) are muxed by the \(core); Linux loses \(use.reason)")
      }
    }
    var iomuxcPinctrl: (value: String, dropped: [String])?
    for hog in request.sku.hogs {
      let pads = hog.pads.filter { ownedPads.contains($0) }
      guard !pads.isEmpty else { continue }
      if let base = request.base, let rewrite = pinctrlWithout(hog.group, in: base, iomuxc: soc.iomuxcLabel, soc: soc) {
        let dropped = (iomuxcPinctrl?.dropped ?? []) + [hog.group]
        iomuxcPinctrl = (rewrite.value, dropped)
        _ = rewrite
      } else if request.base != nil {
        continue  // the base does not select this hog
      } else {
        warnings.append(
          "the iomuxc hog \(hog.group) of \(board.name)-\(request.sku.name) muxes \(pads.joined(separator: ", ")) "
            + "(\(hog.reason)); an overlay can only replace the whole &\(soc.iomuxcLabel) pinctrl-0: give --base so "
            + "the generator can write it without that group")
      }
    }
    if let base = request.base, let current = iomuxcPinctrl {
      // Recompute once with every dropped group removed.
      iomuxcPinctrl = pinctrlWithout(current.dropped, in: base, iomuxc: soc.iomuxcLabel, soc: soc).map {
        ($0.value, current.dropped)
      }
    }

    // MARK: Clocks and power (HMPFacts §13)
    let plan = ClockProtectionPlan.make(
      soc: soc, flavor: kernel, owned: Array(claimedLabels).sorted(), given: request.bootargs)
    var initOnArray: [UInt32] = []
    if !plan.initOnArray.isEmpty {
      // An overlay replaces the whole property: keep what the base lists.
      let clk = request.base.flatMap { b in
        b.node(withLabel: plan.provider)
          ?? soc.systemNodes.first { $0.label == plan.provider }.flatMap { b.node(atPath: $0.path) }
      }
      initOnArray = clk?.property("init-on-array")?.value.cells ?? []
      for g in plan.initOnArray where !initOnArray.contains(g.id) { initOnArray.append(g.id) }
    }
    var clockHeader: [String] = []
    if !plan.slices.isEmpty || !plan.powerDomains.isEmpty {
      let given = request.bootargs.map { " (given: \($0.source.phrase))" } ?? ""
      if let uboot = plan.ubootLine {
        clockHeader = [
          "",
          Self.commandLineSentence(plan, given: given, core: core),
          "",
          "    \(uboot)",
          "",
          "(if your boot script builds bootargs itself, add the words where it does).",
        ]
      } else {
        clockHeader = [
          "",
          "Kernel command line: nothing to add for the clocks and power of what the \(core) owns (HMPFacts §13)\(given).",
        ]
      }
    }

    // MARK: Writing
    var w = OverlayWriter()
    w.comment(
      [
        "Linux ⇄ Cortex-\(core) (remoteproc + RPMsg) overlay for the \(board.title), \(request.sku.title).",
        "",
        "Generated by dtlint: \(request.commandLine)",
        "",
        "Kernel flavor: \(request.kernelName)\(request.kernelName == kernel.name ? "" : " (\(kernel.name))") — \(kernel.title).",
        "",
        request.manifest.map { "\(core) manifest: \(display($0.path))." }
          ?? "No \(core) manifest: the SoC's RPMsg defaults and the board's \(core) debug UART are assumed.",
        "",
        "RPMsg: vrings at \(hex(rpmsg.vringBase)) (\(hexSize(rpmsg.vringSize)) apart), \(rpmsg.bufferCount) buffers, "
          + "resource table at \(hex(rpmsg.resourceTable)), MU channel \(channel).",
        "",
        "Each block says which kernel behaviour it serves; \"HMPFacts §N\" is a section of dtlint's",
        "Documentation/HMPFacts.md.",
      ] + clockHeader, level: 0)
    w.line("/dts-v1/;")
    w.line("/plugin/;")
    w.blank()
    w.line("/ {")
    // The board it is for: the base's own compatible when the base is given, else the board family's.
    let rootCompatible = request.base?.root.property("compatible")?.value.strings?.first ?? board.compatible
    w.property("compatible", "\"\(rootCompatible)\"", level: 1)
    w.line("};")
    w.blank()
    if let rb = inBase {
      w.comment(
        [
          "/reserved-memory: the \(board.title)'s base trees already reserve the RPMsg regions at the \(soc.chipName)'s",
          "defaults (vrings at \(hex(rpmsg.vringBase)), buffer pool, resource table at \(hex(rpmsg.resourceTable)), \(core) DDR) and",
          "&\(rb.label) lists them in memory-region (HMPFacts §18.8): the overlay adds no region.",
        ], level: 0)
      w.blank()
    } else {
      // Boards whose base trees have no /reserved-memory (NXP's 8M Mini/Nano EVKs) get it from a fragment on the root,
      // which creates the node or merges into one a base has.
      let inRoot = request.base.map { $0.node(atPath: "/reserved-memory") == nil } ?? !board.baseHasReservedMemory
      let rl = inRoot ? 2 : 1
      let tabs = String(repeating: "\t", count: rl)
      if inRoot {
        w.comment(
          [
            "\(board.title)'s trees have no /reserved-memory: the fragment on the root creates it (or merges into one",
            "the base has), as NXP's rpmsg trees declare it (HMPFacts §7.2, §18.8).",
          ], level: 0)
        w.line("&{/} {")
        w.line("\treserved-memory {")
        w.property("#address-cells", "<2>", level: 2)
        w.property("#size-cells", "<2>", level: 2)
        w.property("ranges", "", level: 2)
      } else {
        w.comment(
          [
            "/reserved-memory is targeted by path: mainline trees have no label on it (HMPFacts §5.2, §10.9)"
              + (kernel.baseTrees.reservedMemoryLabel.map {
                ", this flavor's own trees call it &\($0), and a path applies to both"
              } ?? ", and a path applies to any base") + "."
          ], level: 0)
        w.line("&{/reserved-memory} {")
        w.property("#address-cells", "<2>", level: 1)
        w.property("#size-cells", "<2>", level: 1)
      }
      var all = regions
      all.append(pool)
      all.append(rsc)
      if let f = firmwareRegion { all.append(f) }
      all.sort { $0.address < $1.address }
      for r in all {
        w.blank()
        w.comment(r.comment, level: rl)
        w.line("\(tabs)\(r.label): \(r.name)@\(String(r.address, radix: 16)) {")
        if let c = r.compatible { w.property("compatible", "\"\(c)\"", level: rl + 1) }
        w.property("reg", "<\(cells64(r.address)) \(cells64(r.size))>", level: rl + 1)
        w.line("\(tabs)\tno-map;")
        w.line("\(tabs)};")
      }
      if inRoot { w.line("\t};") }
      w.line("};")
      w.blank()
    }

    let rscDA = kernel.resourceTable.locatedBy == .rscDA
    if let rb = inBase {
      // The base's node has its compatible, mailboxes and memory-region: add what this flavor's driver also needs.
      let target = existingRproc.map { "&{\($0.path)}" } ?? "&\(rb.label)"
      if neededCells.isEmpty && existingRproc?.isEnabledStatus != false {
        w.comment(
          [
            "The remoteproc node: the base's \(target) (\(rb.path)) already has compatible \"\(compatible)\", the",
            "mailbox channels on \(mu.label) and memory-region (HMPFacts §18.8); \(request.kernelName)'s imx_rproc",
            "needs nothing more (HMPFacts §18.1).",
          ], level: 0)
      } else {
        let disabledInBase = existingRproc.map { !$0.isEnabledStatus } ?? false
        w.comment(
          [
            "The remoteproc node: the base's \(target) (\(rb.path)) already has compatible \"\(compatible)\", the",
            "mailbox channels on \(mu.label) and memory-region (HMPFacts §18.8)"
              + (disabledInBase ? ", but is disabled: the overlay enables it" : "")
              + (neededCells.isEmpty ? "." : "; \(request.kernelName)'s imx_rproc also reads:"),
          ] + neededComment, level: 0)
        w.line("\(target) {")
        if let existing = existingRproc, !existing.isEnabledStatus { w.property("status", "\"okay\"", level: 1) }
        for c in neededCells { w.property(c.need.name, "<\(c.value)>", level: 1) }
        w.line("};")
      }
    } else {
      let clockLines: [String]
      if let clock = soc.remoteproc.clock {
        clockLines = [
          "compatible \"\(compatible)\" (\(soc.remoteproc.preferred?.driverConfig ?? "imx_rproc")); the \(core) clock",
          "\(clock.name) ("
            + (kernel.property("clocks")?.required == .always
              ? "this kernel enables it unconditionally, so probe fails without it);"
              : "optional for this kernel; mainline requires it, so it is always written);"),
        ]
      } else {
        clockLines = [
          "compatible \"\(compatible)\" (\(soc.remoteproc.preferred?.driverConfig ?? "imx_rproc")); no clock: the",
          "\(soc.chipName)'s node takes none, firmware runs the \(core)'s clock (HMPFacts §18);",
        ]
      }
      var rprocComment =
        [
          "The remoteproc node as \(request.kernelName)'s imx_rproc reads it (HMPFacts §1, §4, §10.5–10.8):"
        ] + clockLines + [
          "mailbox channels tx, rx, rxdb on MU \(mu.label) channel \(channel) (rpmsg-lite's RPMSG_MU_CHANNEL; the \(core) uses",
          "the MU's other side); memory-region starts with the buffer pool (index 0).",
        ]
      if rscDA {
        rprocComment.append("rsc-da: where this kernel reads the resource table when it attaches (HMPFacts §1.3).")
      }
      rprocComment += neededComment
      if let manifest = request.manifest, manifest.startedBy == .linux {
        rprocComment.append(
          "The manifest says Linux starts the \(core): echo start > /sys/class/remoteproc/remoteproc0/state.")
      } else {
        rprocComment.append(
          "A running \(core) (U-Boot bootaux) is attached at probe and its resource table read (HMPFacts §1.3).")
      }
      w.comment(rprocComment, level: 0)
      let indent: Int
      // The SoC's own node (the i.MX 93's and 8ULP's .dtsi have one, disabled): by label without a base.
      let socNode = existingRproc == nil ? soc.remoteproc.node : nil
      if let existing = existingRproc {
        w.line("&{\(existing.path)} {")
        indent = 1
      } else if let socNode {
        w.line("&\(socNode.label) {")
        indent = 1
      } else {
        w.line("&{/} {")
        w.line("\t\(rprocNodeName) {")
        indent = 2
      }
      w.property("compatible", "\"\(compatible)\"", level: indent)
      // The SoC's .dtsi may carry the node disabled (i.MX 93, 8ULP): the overlay enables it.
      if let existing = existingRproc, !existing.isEnabledStatus { w.property("status", "\"okay\"", level: indent) }
      if let socNode, socNode.defaultStatus != "okay" { w.property("status", "\"okay\"", level: indent) }
      if let clock = soc.remoteproc.clock, soc.node(label: clock.provider) != nil {
        w.property("clocks", "<&\(clock.provider) \(clock.id)>", level: indent, trailing: "/* \(clock.name) */")
      }
      w.property("mbox-names", mboxNames.map { "\"\($0)\"" }.joined(separator: ", "), level: indent)
      w.property("mboxes", mboxCells.joined(separator: ", "), level: indent)
      w.property("memory-region", memoryRegion.map { "<&\($0)>" }.joined(separator: ", "), level: indent)
      // MMIO configurations find the SRC through syscon (HMPFacts §1.1, §15.6).
      if kernel.usesMMIO(compatible) || soc.remoteproc.preferred?.needs.contains("syscon") == true,
        let src = soc.remoteproc.srcLabel
      {
        w.property(
          "syscon", "<&\(src)>", level: indent, trailing: "/* the SRC: the MMIO method's start/stop registers */")
      }
      for c in neededCells { w.property(c.need.name, "<\(c.value)>", level: indent) }
      if rscDA { w.property("rsc-da", "<\(hex(rpmsg.resourceTable))>", level: indent) }
      if existingRproc == nil && socNode == nil { w.line("\t};") }
      w.line("};")
    }

    // The M core's MU is disabled in the SoC's .dtsi on the i.MX 93, 8ULP and 95: Linux's side must be enabled, or the
    // channel request defers for ever (HMPFacts §3, §18.2).
    let muEnabled =
      request.base.flatMap { b in b.node(atPath: mu.node.path) ?? b.node(withLabel: mu.label) }.map(\.isEnabledStatus)
      ?? (inBase?.muEnabled == true ? true : nil)
    if muEnabled ?? (mu.defaultStatus == "okay") == false {
      w.blank()
      w.comment(
        [
          "Linux's side of MU \(mu.label): disabled in the \(soc.chipName)'s .dtsi; without it the mailbox channels",
          "never register and imx_rproc defers its probe for ever (HMPFacts §3, §18.2).",
        ], level: 0)
      w.line("&\(mu.label) {")
      w.property("status", "\"okay\"", level: 1)
      w.line("};")
    }

    for (ref, why) in owned {
      w.blank()
      w.comment(["Owned by the \(core): \(why)."], level: 0)
      w.line("\(ref) {")
      w.property("status", "\"disabled\"", level: 1)
      w.line("};")
    }
    if !initOnArray.isEmpty {
      let names = initOnArray.map { id in soc.clockName(id: id) ?? "\(id)" }
      // Where the SoC's own clock facts are (the i.MX 93's §18.10; the i.MX 8M's §13.6), and what its CCM calls the
      // per-peripheral clock: the i.MX 8M's target-root "slices" (enable bit) or the i.MX 93's clock roots (off bit).
      let initOnSource = soc.clocks?.protection(under: kernel)?.initOnArray.provenance.source
      let section =
        initOnSource.flatMap { src in
          src.range(of: #"HMPFacts §[0-9.]+"#, options: .regularExpression).map { String(src[$0]) }
        } ?? "HMPFacts §13.6"
      let roots = soc.clocks?.rootBitSense == .off ? "clock roots" : "root slices"
      w.blank()
      w.comment(
        [
          "Keep the \(core)'s clocks on: \(request.kernelName)'s clock driver enables the clocks listed in init-on-array",
          "at probe and never drops them, so Linux leaves the \(roots) of \(plan.slices.joined(separator: ", ")) on",
          "(\(section)). An overlay replaces the whole property"
            + (request.base != nil
              ? "; the base's own entries are kept." : ": give --base to keep the base's entries."),
        ], level: 0)
      w.line("&\(plan.provider) {")
      w.property(
        "init-on-array", "<\(initOnArray.map(String.init).joined(separator: " "))>", level: 1,
        trailing: "/* \(names.joined(separator: " ")) */")
      w.line("};")
    }
    if let p = iomuxcPinctrl {
      w.blank()
      w.comment(
        [
          (p.dropped.count == 1
            ? "The iomuxc hog \(p.dropped[0]) muxes pads the \(core) uses; Linux would re-mux them at boot"
            : "The iomuxc hogs \(p.dropped.joined(separator: ", ")) mux pads the \(core) uses; Linux would re-mux them at boot"),
          "(HMPFacts §6). An overlay cannot remove one entry, so pinctrl-0 is written without them.",
        ], level: 0)
      w.line("&\(soc.iomuxcLabel) {")
      w.property("pinctrl-0", p.value, level: 1)
      w.line("};")
      disabled.append(contentsOf: p.dropped.map { "&" + $0 })
    }
    return GeneratedOverlay(text: w.text, warnings: warnings, disabled: disabled, protection: plan)
  }

  // MARK: - Helpers

  /// The base's imx-rproc node, if it has one.
  static func findRproc(in tree: DeviceTree, soc: SoCProfile) -> Node? {
    var found: Node?
    tree.root.walk { n in
      guard found == nil, let c = n.property("compatible")?.value.strings else { return }
      if c.contains(where: { soc.remoteproc.compatible($0) != nil }) { found = n }
    }
    return found
  }

  /// How the overlay targets a manifest peripheral: `&label` when the SoC profile or the base knows one, else
  /// `&{/path}`.
  /// `baseLabels` is the base's ``DeviceTree/labelIndex()``.
  static func reference(
    for entry: M7Manifest.PeripheralEntry, soc: SoCProfile, base: DeviceTree?, baseLabels: [String: Node]
  ) throws(GenerateError) -> (text: String, label: String?) {
    var peripheral: Peripheral?
    switch entry.ref {
    case .label(let l): peripheral = soc.peripheral(label: l)
    case .path(let p): peripheral = soc.peripheral(path: p)
    case .unitAddress(let a): peripheral = soc.peripheral(unitAddress: a)
    }
    if let base {
      var node: Node?
      switch entry.ref {
      case .label(let l): node = baseLabels[l]
      case .path(let p): node = base.node(atPath: p)
      case .unitAddress(let a):
        node = peripheral.flatMap { base.node(atPath: $0.path) }
        if node == nil {
          base.root.walk { n in
            if node == nil, n.unitAddress.lowercased() == String(a, radix: 16) { node = n }
          }
        }
      }
      guard let node else {
        throw GenerateError(description: "the base has no node for the manifest's peripheral '\(entry.text)'")
      }
      if let l = node.labels.first { return ("&" + l, l) }
      return ("&{\(node.path)}", nil)
    }
    if let p = peripheral { return ("&" + p.label, p.label) }
    if case .label(let l) = entry.ref { return ("&" + l, l) }
    if case .path(let p) = entry.ref { return ("&{\(p)}", nil) }
    throw GenerateError(
      description:
        "the manifest's peripheral '\(entry.text)' is not in the \(soc.name) profile; name it by label or path, or give --base"
    )
  }

  /// The iomuxc node's `pinctrl-0` in the base written without `groups`, or nil when it selects none of them.
  static func pinctrlWithout(_ groups: [String], in base: DeviceTree, iomuxc: String, soc: SoCProfile)
    -> (value: String, removed: [String])?
  {
    guard let node = base.node(withLabel: iomuxc), let p = node.property("pinctrl-0"), let cells = p.value.cells
    else { return nil }
    var kept: [String] = []
    var removed: [String] = []
    for cell in cells {
      guard let target = Self.node(phandle: cell, in: base) else { return nil }
      let label = target.labels.first
      if let label, groups.contains(label) {
        removed.append(label)
        continue
      }
      kept.append(label.map { "<&\($0)>" } ?? "<&{\(target.path)}>")
    }
    guard !removed.isEmpty else { return nil }
    return (kept.isEmpty ? "" : kept.joined(separator: ", "), removed)
  }

  static func pinctrlWithout(_ group: String, in base: DeviceTree, iomuxc: String, soc: SoCProfile)
    -> (value: String, removed: [String])?
  {
    pinctrlWithout([group], in: base, iomuxc: iomuxc, soc: soc)
  }

  static func node(phandle: UInt32, in tree: DeviceTree) -> Node? {
    guard phandle != 0, phandle != 0xFFFF_FFFF else { return nil }
    var found: Node?
    tree.root.walk { n in
      if found == nil, n.phandle == phandle { found = n }
    }
    return found
  }

  static func cells64(_ v: UInt64) -> String { "\(hex(v >> 32)) \(hex(v & 0xFFFF_FFFF))" }
  static func hex(_ v: UInt64) -> String { v == 0 ? "0" : "0x" + String(v, radix: 16) }
  static func hexSize(_ v: UInt64) -> String {
    if v >= 0x10_0000 && v % 0x10_0000 == 0 { return "\(v >> 20) MiB" }
    if v >= 0x400 && v % 0x400 == 0 { return "\(v >> 10) KiB" }
    return hex(v) + " bytes"
  }
  static func display(_ path: String) -> String {
    PathDisplay.relative(path, to: FileManager.default.currentDirectoryPath)
  }
}

/// Tab-indented DTS text with wrapped block comments.
struct OverlayWriter {
  var text = ""

  mutating func line(_ s: String) { text += s + "\n" }
  mutating func blank() { text += "\n" }

  mutating func property(_ name: String, _ value: String, level: Int, trailing: String? = nil) {
    let tabs = String(repeating: "\t", count: level)
    if value.isEmpty {
      text += "\(tabs)\(name);\(trailing.map { " " + $0 } ?? "")\n"
    } else {
      text += "\(tabs)\(name) = \(value);\(trailing.map { " " + $0 } ?? "")\n"
    }
  }

  /// A block comment: consecutive lines are joined into paragraphs (an empty line separates them) and wrapped
  /// to `width` columns, tabs counted as 8.
  mutating func comment(_ lines: [String], level: Int, width: Int = 110) {
    let tabs = String(repeating: "\t", count: level)
    var paragraphs: [[Substring]] = [[]]
    for l in lines {
      if l.isEmpty {
        paragraphs.append([])
      } else {
        paragraphs[paragraphs.count - 1] += l.split(separator: " ")
      }
    }
    let room = max(40, width - 8 * level - 3)
    var wrapped: [String] = []
    for (i, words) in paragraphs.enumerated() {
      if i > 0 { wrapped.append("") }
      var current = ""
      for w in words {
        if !current.isEmpty && current.count + 1 + w.count > room {
          wrapped.append(current)
          current = ""
        }
        current += current.isEmpty ? String(w) : " " + w
      }
      if !current.isEmpty { wrapped.append(current) }
    }
    if wrapped.count == 1 && wrapped[0].count + 6 <= room {
      text += "\(tabs)/* \(wrapped[0]) */\n"
      return
    }
    text += "\(tabs)/*\n"
    for l in wrapped { text += l.isEmpty ? "\(tabs) *\n" : "\(tabs) * \(l)\n" }
    text += "\(tabs) */\n"
  }
}

extension HMPGenerator {
  /// The header sentence that names the command-line words and what they keep on.
  static func commandLineSentence(_ plan: ClockProtectionPlan, given: String, core: String) -> String {
    let words: String = plan.commandLine.joined(separator: " ")
    let domains: [String] = plan.powerDomains.map { "domain " + $0 }
    let kept: String = (plan.slices + domains).joined(separator: ", ")
    return
      "Kernel command line: Linux must boot with \(words) so that it leaves the clocks and power of what the \(core) "
      + "owns on (\(kept); HMPFacts §13)\(given). In U-Boot:"
  }
}

extension Node {
  /// `status` absent, "okay" or "ok" (what the kernel's `of_device_is_available` accepts).
  fileprivate var isEnabledStatus: Bool {
    guard let s = property("status")?.value.strings?.first else { return true }
    return s == "okay" || s == "ok"
  }
}
