import DTCore
import DTYAML
import Foundation
import Yams

/// What the M7 firmware owns (Documentation/Configuration.md, `m7`): `m7.yaml`, schema
/// `schemas/m7-manifest.schema.json`.
///
/// ```yaml
/// soc: imx8mp
/// peripherals: [i2c4, uart4, gpt1]          # labels, node paths (/soc@0/…) or unit addresses (0x30a50000, @30a50000)
/// pins:
///   pads: [UART4_RXD, UART4_TXD]
///   pin-mux-c: firmware/board/pin_mux.c      # MCUXpresso output, resolved through iomuxc-header
///   iomuxc-header: sdk/devices/MIMX8ML8/drivers/fsl_iomuxc.h
/// firmware:
///   elf: firmware/build/app.elf              # resource table and load segments
///   started-by: bootloader                   # bootloader, debugger or linux
/// rpmsg: { vring-base: 0x55000000, buffer-count: 256, mu-channel: 1 }   # overrides of the SoC defaults
/// linux: { bootargs: "console=ttymxc1,115200 clk-imx8mp.mcore_booted=1" } # the kernel command line Linux boots with
/// ```
///
/// Paths are relative to the manifest. Loading checks the keys, types, the SoC, pad names and that named files
/// exist; ``loadInputs()`` then reads `pin_mux.c` and the ELF file.
public struct M7Manifest: Sendable {
  /// How a `peripherals` entry names its node.
  public enum PeripheralRef: Sendable, Hashable {
    case label(String)
    case path(String)
    case unitAddress(UInt64)
  }

  public struct PeripheralEntry: Sendable, Hashable {
    public var ref: PeripheralRef
    /// As written.
    public var text: String
    public var line: Int?
    /// Where the claim is written when it is not the manifest: the Zephyr tree's `file:line`.
    public var source: String? = nil
  }

  public struct PadEntry: Sendable, Hashable {
    public var name: String
    public var line: Int?
  }

  /// Who starts the M core: decides whether Linux attaches (and needs the resource table region) or loads it.
  public enum StartedBy: String, Sendable, Hashable, CaseIterable {
    case bootloader, debugger, linux
    /// Linux attaches to a running core.
    public var linuxAttaches: Bool { self != .linux }
  }

  public var path: String
  public var soc: SoCProfile
  public var peripherals: [PeripheralEntry]
  public var pads: [PadEntry]
  /// Absolute paths.
  public var pinMuxC: String?
  public var iomuxcHeader: String?
  public var firmwareELF: String?
  public var startedBy: StartedBy?
  /// The board or SKU the firmware is built for (`verdin-imx8mp-wifi`), as written; `hmp generate` resolves a
  /// family name (`--board verdin-imx8mp`) through it.
  public var board: String?
  /// The SoC defaults with the manifest's `rpmsg` overrides applied.
  public var rpmsg: RPMsgSettings
  /// The `rpmsg` keys the manifest set.
  public var rpmsgOverrides: [String]
  /// `linux.bootargs`: the kernel command line Linux boots with, as the manifest states it (HMPFacts §13).
  public var linuxBootargs: KernelCommandLine?
  /// The firmware's Zephyr device tree (`--m7 zephyr.dts`, or `zephyr:`), when the M7 runs Zephyr.
  public var zephyr: ZephyrTree? = nil
  /// The Zephyr build's `.config` (`zephyr.config`): the OpenAMP resource-table settings.
  public var zephyrConfig: ZephyrConfig? = nil

  /// The top-level keys.
  public static let keys = ["soc", "board", "peripherals", "pins", "firmware", "rpmsg", "linux", "zephyr"]

  /// Whether the firmware puts the vrings at addresses of its own (rpmsg-lite: `vring-base`), which Linux's vring
  /// regions must then match. Zephyr's OpenAMP leaves them to Linux (`da = -1`, HMPFacts §17).
  public var firmwarePlacesVrings: Bool { zephyr == nil }

  /// Whether `rpmsg.bufferCount` and `vringAlign` are the firmware's: always for rpmsg-lite (the SDK defaults or
  /// the manifest's), for Zephyr only when `.config` or the manifest's `rpmsg.buffer-count` says.
  public var vringNumbersKnown: Bool {
    zephyr == nil || zephyrConfig?.bufferCount != nil || rpmsgOverrides.contains("buffer-count")
  }

  // MARK: - Loading

  /// Reads a YAML manifest, or a Zephyr device tree (detected by extension or content) compiled with
  /// `includePaths` (the command's `-I`).
  public static func load(path: String, includePaths: [String] = []) throws(InputError) -> M7Manifest {
    if ZephyrTree.looksLikeDeviceTree(path: path) {
      guard SourceManager.fileExists(path) else { throw InputError(path: path, message: "no such file") }
      let full = PathDisplay.absolute(path, in: FileName.currentDirectory)
      let (tree, soc) = try ZephyrTree.load(ZephyrTree.Sources(dts: full, includePaths: includePaths), soc: nil)
      var m = M7Manifest(
        path: path, soc: soc, peripherals: [], pads: [], pinMuxC: nil, iomuxcHeader: nil, firmwareELF: nil,
        startedBy: nil, board: nil, rpmsg: soc.rpmsgDefaults, rpmsgOverrides: [], linuxBootargs: nil)
      m.adopt(tree, config: nil)
      return m
    }
    let root = try YAMLReader.compose(path: path)
    return try parse(root, path: path, includePaths: includePaths)
  }

  /// Takes the Zephyr tree's claims: its devices as peripherals (by physical address), its vring numbers.
  mutating func adopt(_ tree: ZephyrTree, config: ZephyrConfig?) {
    zephyr = tree
    zephyrConfig = config
    var listed = Set(peripherals.map(\.ref))
    for d in tree.devices where listed.insert(.unitAddress(d.address)).inserted {
      peripherals.append(
        PeripheralEntry(
          ref: .unitAddress(d.address), text: d.path == tree.console?.path ? "\(d.name) (zephyr,console)" : d.name,
          line: nil, source: d.location.description))
    }
    if !rpmsgOverrides.contains("vring-align") { rpmsg.vringAlign = ZephyrConfig.vringAlign }
    // `hmp generate` places Linux's vrings at the start of the shared memory the firmware declares.
    if !rpmsgOverrides.contains("vring-base"), let base = tree.ipcShm?.address { rpmsg.vringBase = base }
    if !rpmsgOverrides.contains("buffer-count"), let n = config?.bufferCount { rpmsg.bufferCount = n }
  }

  public static func parse(_ text: String, path: String, includePaths: [String] = []) throws(InputError) -> M7Manifest {
    try parse(try YAMLReader.compose(text, path: path), path: path, includePaths: includePaths)
  }

  static func parse(_ root: Yams.Node?, path: String, includePaths: [String] = []) throws(InputError) -> M7Manifest {
    guard let root else { throw InputError(path: path, message: "empty manifest (at least 'soc' is needed)") }
    let r = YAMLReader(path: path)
    let top = try r.object(root, key: nil, required: ["soc"], optional: Array(keys.dropFirst()))
    let socNode = try top.required("soc")
    let socName = try r.string(socNode, key: "soc")
    let soc: SoCProfile
    do {
      soc = try SoCProfile.load(name: socName)
    } catch {
      throw r.error(socNode, key: "soc", error.path == "soc" ? error.message : error.description)
    }
    let directory = PathDisplay.normalize(
      PathDisplay.absolute(path, in: FileName.currentDirectory) + "/..")
    func file(_ o: YAMLObject, _ key: String) throws(InputError) -> String? {
      guard let name = try o.string(key) else { return nil }
      let full = PathDisplay.absolute(name, in: directory)
      guard SourceManager.fileExists(full) else {
        throw r.error(
          try o.required(key), key: o.path(key), "no such file '\(name)' (paths are relative to the manifest)")
      }
      return full
    }

    let board = try top.string("board")

    var peripherals: [PeripheralEntry] = []
    var listed: Set<PeripheralRef> = []
    if let list = top["peripherals"] {
      for (i, n) in try r.sequence(list, key: "peripherals").enumerated() {
        let key = YAMLReader.join("peripherals", index: i)
        let text = try r.string(n, key: key)
        guard let ref = peripheralRef(text) else {
          throw r.error(
            n, key: key, "'\(text)' is not a label, a node path (/…) or a unit address (0x… or @…)")
        }
        if !listed.insert(ref).inserted { throw r.error(n, key: key, "'\(text)' listed twice") }
        peripherals.append(PeripheralEntry(ref: ref, text: text, line: n.mark?.line))
      }
    }

    var pads: [PadEntry] = []
    var padNames: Set<String> = []
    var pinMuxC: String?
    var header: String?
    if let pinsNode = top["pins"] {
      let pins = try r.object(pinsNode, key: "pins", optional: ["pads", "pin-mux-c", "iomuxc-header"])
      if let list = pins["pads"] {
        for (i, n) in try r.sequence(list, key: pins.path("pads")).enumerated() {
          let key = YAMLReader.join(pins.path("pads"), index: i)
          let name = try r.string(n, key: key)
          guard soc.pads.pad(named: name) != nil else {
            throw r.error(n, key: key, "no pad '\(name)' on \(soc.name)\(suggestion(name, soc.pads.pads.map(\.name)))")
          }
          if !padNames.insert(name).inserted { throw r.error(n, key: key, "pad '\(name)' listed twice") }
          pads.append(PadEntry(name: name, line: n.mark?.line))
        }
      }
      pinMuxC = try file(pins, "pin-mux-c")
      header = try file(pins, "iomuxc-header")
      if pinMuxC != nil, header == nil {
        throw r.error(
          pinsNode, key: pins.path("iomuxc-header"),
          "missing key 'iomuxc-header' (pin-mux-c's IOMUXC_… macros are resolved through the SDK's fsl_iomuxc.h)")
      }
      if header != nil, pinMuxC == nil {
        throw r.error(try pins.required("iomuxc-header"), key: pins.path("iomuxc-header"), "given without pin-mux-c")
      }
    }

    var elf: String?
    var startedBy: StartedBy?
    if let fw = top["firmware"] {
      let o = try r.object(fw, key: "firmware", optional: ["elf", "started-by"])
      elf = try file(o, "elf")
      startedBy = try o.choice("started-by", as: StartedBy.self)
    }

    var rpmsg = soc.rpmsgDefaults
    var overrides: [String] = []
    if let rn = top["rpmsg"] {
      let o = try r.object(rn, key: "rpmsg", optional: RPMsgSettings.keys)
      rpmsg = try RPMsgSettings.read(o, over: soc.rpmsgDefaults)
      try rpmsg.validate(o, channels: soc.mailboxes.channelIndices, soc: soc.chipName)
      overrides = RPMsgSettings.keys.filter { o[$0] != nil }
    }

    var bootargs: KernelCommandLine?
    if let ln = top["linux"] {
      let o = try r.object(ln, key: "linux", optional: ["bootargs"])
      if let text = try o.string("bootargs") {
        bootargs = KernelCommandLine(text, source: .manifest(path: path, line: o.line("bootargs")))
      }
    }

    var manifest = M7Manifest(
      path: path, soc: soc, peripherals: peripherals, pads: pads, pinMuxC: pinMuxC, iomuxcHeader: header,
      firmwareELF: elf, startedBy: startedBy, board: board, rpmsg: rpmsg, rpmsgOverrides: overrides,
      linuxBootargs: bootargs)
    if let zn = top["zephyr"] {
      let (sources, configPath) = try zephyrSources(zn, reader: r, directory: directory, includePaths: includePaths)
      let (tree, _) = try ZephyrTree.load(sources, soc: soc)
      let config = try configPath.map { (p: String) throws(InputError) -> ZephyrConfig in try ZephyrConfig.read(path: p)
      }
      manifest.adopt(tree, config: config)
    }
    return manifest
  }

  /// `zephyr: build/zephyr/zephyr.dts`, or `zephyr: {dts:, overlays: [], include: [], defines: [], config:}`.
  /// Paths are relative to the manifest; `include` directories come before the command's `-I`.
  static func zephyrSources(
    _ node: Yams.Node, reader r: YAMLReader, directory: String, includePaths: [String]
  ) throws(InputError) -> (ZephyrTree.Sources, String?) {
    func existing(_ name: String, at n: Yams.Node, key: String, directory wanted: Bool = false) throws(InputError)
      -> String
    {
      let full = PathDisplay.absolute(name, in: directory)
      let ok =
        wanted
        ? FileAccess.type(of: full) == .directory
        : SourceManager.fileExists(full)
      guard ok else {
        throw r.error(
          n, key: key, "no such \(wanted ? "directory" : "file") '\(name)' (paths are relative to the manifest)")
      }
      return full
    }
    if case .scalar = node {
      let name = try r.string(node, key: "zephyr")
      return (ZephyrTree.Sources(dts: try existing(name, at: node, key: "zephyr"), includePaths: includePaths), nil)
    }
    let o = try r.object(
      node, key: "zephyr", required: ["dts"], optional: ["overlays", "include", "defines", "config"])
    let dtsNode = try o.required("dts")
    var sources = ZephyrTree.Sources(
      dts: try existing(try r.string(dtsNode, key: o.path("dts")), at: dtsNode, key: o.path("dts")))
    for (key, isDirectory) in [("overlays", false), ("include", true)] {
      guard let list = o[key] else { continue }
      for (i, n) in try r.sequence(list, key: o.path(key)).enumerated() {
        let k = YAMLReader.join(o.path(key), index: i)
        let full = try existing(try r.string(n, key: k), at: n, key: k, directory: isDirectory)
        if isDirectory { sources.includePaths.append(full) } else { sources.overlays.append(full) }
      }
    }
    sources.includePaths += includePaths
    sources.defines = try o.stringList("defines") ?? []
    var config: String?
    if let cn = o["config"] {
      config = try existing(try r.string(cn, key: o.path("config")), at: cn, key: o.path("config"))
    }
    return (sources, config)
  }

  /// `/path` → path; `0x…` or `@…` (hex) → unit address; an identifier → label.
  static func peripheralRef(_ text: String) -> PeripheralRef? {
    if text.hasPrefix("/") { return .path(text) }
    if text.hasPrefix("0x") || text.hasPrefix("0X") || text.hasPrefix("@") {
      let digits = text.hasPrefix("@") ? text.dropFirst() : text.dropFirst(2)
      guard !digits.isEmpty, digits.count <= 16, let v = UInt64(digits, radix: 16) else { return nil }
      return .unitAddress(v)
    }
    guard let first = text.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
      text.unicodeScalars.allSatisfy({
        $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0)
      })
    else { return nil }
    return .label(text)
  }

  static func suggestion(_ name: String, _ candidates: [String]) -> String {
    let upper = name.uppercased()
    if candidates.contains(upper) { return " (did you mean \(upper)?)" }
    let close = candidates.filter { $0.hasPrefix(upper) || upper.hasPrefix($0) }
    return close.isEmpty ? "" : " (did you mean \(YAMLReader.alternatives(Array(close.prefix(3))))?)"
  }

  // MARK: - Files the manifest names

  /// A pad the M7 owns and where that is said.
  public struct OwnedPad: Sendable, Hashable {
    public enum Origin: Sendable, Hashable {
      /// `pins.pads` of the manifest.
      case manifest(line: Int?)
      /// An `IOMUXC_SetPinMux` call of `pin_mux.c`.
      case pinMuxC(line: Int)
      /// The Zephyr tree: a pinctrl group's `pinmux` or a `*-gpios` user (`file:line`).
      case zephyr(location: String)
    }
    public var name: String
    public var origin: Origin
  }

  /// What the manifest's files say.
  public struct Inputs: Sendable {
    /// Pads from `pins.pads`, then those `pin_mux.c` muxes (each pad once, first origin kept).
    public var pads: [OwnedPad]
    public var pinMux: PinMuxFile?
    public var firmware: ELFFile?
  }

  /// Reads `pin_mux.c` (through `fsl_iomuxc.h`) and the firmware ELF. Errors name those files.
  public func loadInputs() throws(InputError) -> Inputs {
    var pads = self.pads.map { OwnedPad(name: $0.name, origin: .manifest(line: $0.line)) }
    var pinMux: PinMuxFile?
    if let c = pinMuxC, let h = iomuxcHeader {
      let header = try IOMUXCHeader.read(path: h)
      let file = try PinMuxFile.read(path: c, header: header, soc: soc)
      var names = Set(pads.map(\.name))
      for call in file.calls where call.kind == .setPinMux && names.insert(call.pad.name).inserted {
        pads.append(OwnedPad(name: call.pad.name, origin: .pinMuxC(line: call.line)))
      }
      pinMux = file
    }
    if let z = zephyr {
      var names = Set(pads.map(\.name))
      for p in z.pads where names.insert(p.pad).inserted {
        pads.append(OwnedPad(name: p.pad, origin: .zephyr(location: p.location.description)))
      }
      for g in z.gpios {
        if let pad = g.pad, names.insert(pad).inserted {
          pads.append(OwnedPad(name: pad, origin: .zephyr(location: g.location.description)))
        }
      }
    }
    let elf = try firmwareELF.map { (p: String) throws(InputError) -> ELFFile in try ELFFile.read(path: p) }
    return Inputs(pads: pads, pinMux: pinMux, firmware: elf)
  }

  // MARK: - Peripherals in a tree

  public struct PeripheralResolution: Sendable {
    public var entry: PeripheralEntry
    /// The node's path in the tree, when found.
    public var nodePath: String?
    /// The SoC profile's instance, when it knows the node.
    public var socPeripheral: Peripheral?
    /// Why it was not found (nil when it was).
    public var problem: String?
  }

  /// Finds each `peripherals` entry in a tree: a label through the tree's labels (then the SoC profile's path), a
  /// path directly, a unit address through the SoC profile (then any node with that unit address).
  public func resolvePeripherals(in tree: DeviceTree) -> [PeripheralResolution] {
    // One walk for the labels and one for the unit addresses, whatever the number of entries.
    let labels = tree.labelIndex()
    var units: [UInt64: [DTCore.Node]]?
    return peripherals.map { e in
      if case .unitAddress = e.ref, units == nil {
        var index: [UInt64: [DTCore.Node]] = [:]
        tree.root.traverse(
          enter: { n, _ in
            if !n.unitAddress.isEmpty, let a = UInt64(n.unitAddress, radix: 16) { index[a, default: []].append(n) }
          }, exit: { _, _ in })
        units = index
      }
      return Self.resolve(e, in: tree, soc: soc, labels: labels, units: units ?? [:])
    }
  }

  static func resolve(
    _ e: PeripheralEntry, in tree: DeviceTree, soc: SoCProfile, labels: [String: DTCore.Node],
    units: [UInt64: [DTCore.Node]]
  ) -> PeripheralResolution {
    func found(_ n: DTCore.Node) -> PeripheralResolution {
      let p = n.path
      return PeripheralResolution(
        entry: e, nodePath: p,
        socPeripheral: soc.peripheral(path: p) ?? n.labels.lazy.compactMap { soc.peripheral(label: $0) }.first,
        problem: nil)
    }
    func missing(_ why: String) -> PeripheralResolution {
      PeripheralResolution(entry: e, nodePath: nil, socPeripheral: nil, problem: why)
    }
    switch e.ref {
    case .label(let l):
      if let n = labels[l] { return found(n) }
      if let p = soc.peripheral(label: l) {
        if let n = tree.node(atPath: p.path) { return found(n) }
        return missing("no label '\(l)' in the tree, and no node at \(p.path)")
      }
      return missing("no label '\(l)' in the tree or the \(soc.name) profile")
    case .path(let p):
      if let n = tree.node(atPath: p) { return found(n) }
      return missing("no node at \(p)")
    case .unitAddress(let a):
      if let p = soc.peripheral(unitAddress: a), let n = tree.node(atPath: p.path) { return found(n) }
      let hits = units[a] ?? []
      if hits.count == 1 { return found(hits[0]) }
      if hits.isEmpty { return missing("no node with unit address \(YAMLReader.hex(a))") }
      return missing(
        "\(hits.count) nodes have unit address \(YAMLReader.hex(a)) (\(hits.prefix(3).map(\.path).joined(separator: ", "))); name it by label or path"
      )
    }
  }
}
