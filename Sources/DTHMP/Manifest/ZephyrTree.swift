import DTCore
import DTYAML
import Foundation

/// The M7 firmware's own Zephyr device tree: the merged `build/zephyr/zephyr.dts` a Zephyr build writes, or a
/// board `.dts` plus application overlays compiled here (`--m7 zephyr.dts`, or the manifest's `zephyr:`).
///
/// What it says the firmware owns is read once, into values (HMPFacts §17): enabled peripheral nodes (by physical
/// address, which the M7's Zephyr trees write as the A53's do), the pads its enabled nodes mux through `pinctrl-N`
/// (`pinmux` cells hold absolute IOMUXC mux-register addresses), the GPIO lines its `*-gpios` users drive, the
/// console (`zephyr,console`), the MU (`zephyr,ipc`) and the shared memory (`zephyr,ipc_shm`). Every item keeps
/// the file and line it was written at, so findings name both trees.
public struct ZephyrTree: Sendable {
  /// `file:line` in the Zephyr sources.
  public struct Location: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var description: String { "\(file):\(line)" }
  }

  /// An enabled device node the firmware drives.
  public struct Device: Sendable, Hashable {
    /// The first label (`i2c4`), else the node name.
    public var name: String
    public var path: String
    /// Physical address (the first `reg` entry, translated through the buses' `ranges`).
    public var address: UInt64
    /// The first `compatible` string.
    public var compatible: String
    /// Its `status` (where the firmware enables it), else the node's name.
    public var location: Location
  }

  /// A pad muxed through an enabled node's `pinctrl-N` state.
  public struct PadUse: Sendable, Hashable {
    public var pad: String
    /// The function selected (`UART4_DCE_RX`), or `mode N`.
    public var function: String
    /// The node whose pinctrl state muxes it (`uart4`).
    public var user: String
    public var location: Location
  }

  /// A GPIO line a `*-gpios` property of an enabled node drives.
  public struct GPIOUse: Sendable, Hashable {
    public var bank: Int
    public var pin: Int
    /// The pad whose GPIO function is this line (from the SoC pad table), when known.
    public var pad: String?
    /// `leds/led_0:gpios`.
    public var user: String
    public var location: Location
    /// `GPIO5_IO20`.
    public var function: String { "GPIO\(bank)_IO" + (pin < 10 ? "0" : "") + String(pin) }
  }

  /// A `/chosen` entry and the node it names.
  public struct ChosenNode: Sendable, Hashable {
    public var property: String
    public var path: String
    public var name: String
    /// The node's first `reg` entry (physical address, size), when it has one.
    public var address: UInt64?
    public var size: UInt64?
    public var compatible: [String]
    /// Where the node is defined.
    public var location: Location
    /// Where `/chosen` names it.
    public var chosenAt: Location?
  }

  /// The main file (as given) and every source file read.
  public var path: String
  public var files: [String]
  public var devices: [Device]
  public var pads: [PadUse]
  public var gpios: [GPIOUse]
  /// `zephyr,console`: the M7's debug UART.
  public var console: ChosenNode?
  /// `zephyr,ipc`: the MU the firmware's IPM driver uses.
  public var ipc: ChosenNode?
  /// `zephyr,ipc_shm`: the memory OpenAMP's shared-memory I/O region covers.
  public var ipcShm: ChosenNode?

  /// How the tree is compiled when it is a source.
  public struct Sources: Sendable, Hashable {
    public var dts: String
    public var overlays: [String] = []
    public var includePaths: [String] = []
    public var defines: [String] = []
    public init(dts: String, overlays: [String] = [], includePaths: [String] = [], defines: [String] = []) {
      self.dts = dts
      self.overlays = overlays
      self.includePaths = includePaths
      self.defines = defines
    }
  }

  // MARK: - Detection

  /// Whether `--m7 path` names a device tree rather than a YAML manifest: `.dts`, `.dtsi`, `.overlay`, `.dtb`
  /// by extension, else by content (the blob magic, or `/dts-v1/` before anything else but comments and
  /// preprocessor lines).
  public static func looksLikeDeviceTree(path: String) -> Bool {
    let lower = path.lowercased()
    if [".dts", ".dtsi", ".overlay", ".dtb", ".dts.pre"].contains(where: { lower.hasSuffix($0) }) { return true }
    if [".yaml", ".yml"].contains(where: { lower.hasSuffix($0) }) { return false }
    guard let bytes = try? SourceManager.readBytes(path: path, limit: 4096, accept: .regularFileOrStream) else {
      return false
    }
    if DTBReader.isBlob(bytes) { return true }
    return startsWithVersionTag(FileName.decode(bytes))
  }

  /// `/dts-v1/` is the first token after comments, blank lines and `#` lines.
  static func startsWithVersionTag(_ text: String) -> Bool {
    var rest = Substring(text)
    while true {
      rest = rest.drop(while: { $0.isWhitespace })
      if rest.hasPrefix("//") || rest.hasPrefix("#") {
        rest = rest.drop(while: { $0 != "\n" })
      } else if rest.hasPrefix("/*") {
        guard let end = rest.range(of: "*/") else { return false }
        rest = rest[end.upperBound...]
      } else {
        return rest.hasPrefix("/dts-v1/")
      }
    }
  }

  // MARK: - Loading

  /// Compiles the tree (a blob is read as is) and reads what the firmware owns. Errors name the Zephyr file and
  /// line (a syntax error, a missing include) or the file as a whole.
  public static func load(_ sources: Sources, soc: SoCProfile?) throws(InputError) -> (ZephyrTree, SoCProfile) {
    let manager = SourceManager()
    var options = FrontEndOptions()
    options.includePaths = sources.includePaths
    // Zephyr adds the board's directory to the search path; quoted includes find it anyway.
    options.includePaths.append(PathDisplay.normalize(sources.dts + "/.."))
    options.defines = sources.defines.map { d in
      guard let eq = d.firstIndex(of: "=") else { return (name: d, value: nil) }
      return (name: String(d[..<eq]), value: String(d[d.index(after: eq)...]))
    }
    let reader = SourceReader(sources: manager, options: options)
    var loaded: (tree: DeviceTree, diagnostics: [Diagnostic], failed: Bool, files: [FileID])
    if sources.overlays.isEmpty {
      do {
        let l = try reader.load(path: sources.dts)
        loaded = (l.tree, l.diagnostics, l.inputFailure || l.refused, l.files)
      } catch {
        throw InputError(path: error.path, message: "Zephyr device tree: \(error.reason)")
      }
    } else {
      // Zephyr compiles the board file with each overlay appended (`-include` after it): the same here.
      var text = "#include \"\(sources.dts)\"\n"
      for o in [sources.dts] + sources.overlays {
        guard SourceManager.fileExists(o) else {
          throw InputError(path: o, message: "Zephyr device tree: no such file")
        }
        if o != sources.dts { text += "#include \"\(o)\"\n" }
      }
      let main = manager.addVirtualFile(path: sources.dts + " + overlays", text: text)
      let parsed = reader.parse(file: main)
      let c = SourceReader.finish(parsed, options: CompileOptions())
      loaded = (c.tree, c.diagnostics, c.inputFailure || c.refused, parsed.files)
    }
    if let bad = loaded.diagnostics.first(where: { $0.severity == .error }) {
      let at = bad.range.map { locate($0, in: manager) }
      throw InputError(
        path: at?.file ?? sources.dts, line: at?.line,
        message: "Zephyr device tree does not compile: \(bad.message)")
    }
    if loaded.failed {
      throw InputError(path: sources.dts, message: "Zephyr device tree does not compile")
    }
    let tree = loaded.tree
    let profile: SoCProfile
    if let soc {
      profile = soc
    } else {
      guard let found = detectSoC(tree) else {
        throw InputError(
          path: sources.dts,
          message:
            "cannot tell the SoC from this Zephyr device tree (no MU at a known M-side address); name it in a manifest: soc: imx8mp, zephyr: \(PathDisplay.relative(sources.dts, to: FileName.currentDirectory))"
        )
      }
      profile = found
    }
    var reading = Reading(tree: tree, sources: manager, soc: profile)
    let result = ZephyrTree(
      path: sources.dts,
      files: loaded.files.map { manager[$0].path }.filter { !$0.hasSuffix(" + overlays") },
      devices: reading.devices(), pads: reading.pads(), gpios: reading.gpios(),
      console: reading.chosen("zephyr,console"), ipc: reading.chosen("zephyr,ipc"),
      ipcShm: reading.chosen("zephyr,ipc_shm"))
    return (result, profile)
  }

  /// The SoC whose MU M side (`nxp,imx-mu` at 0x30ab0000 on the i.MX 8M Plus) the tree has.
  static func detectSoC(_ tree: DeviceTree) -> SoCProfile? {
    var addresses = Set<UInt64>()
    tree.root.walk { n in
      if !n.unitAddress.isEmpty, let a = UInt64(n.unitAddress, radix: 16) { addresses.insert(a) }
    }
    for name in SoCProfile.knownNames {
      guard let s = try? SoCProfile.load(name: name) else { continue }
      if s.mailboxes.units.contains(where: { $0.mSide?.base.map { addresses.contains($0) } ?? false }) { return s }
    }
    return nil
  }

  static func locate(_ range: SourceRange, in sources: SourceManager) -> Location {
    let file = sources[range.file]
    let line = file.lineColumn(at: range.start).line
    return Location(file: PathDisplay.relative(file.path, to: FileName.currentDirectory), line: line)
  }

  // MARK: - Reading the tree

  struct Reading {
    let tree: DeviceTree
    let sources: SourceManager
    let soc: SoCProfile
    let phandles: PhandleIndex
    let consolePath: String?
    let ipcPath: String?
    let shmPath: String?

    init(tree: DeviceTree, sources: SourceManager, soc: SoCProfile) {
      self.tree = tree
      self.sources = sources
      self.soc = soc
      let phandles = PhandleIndex(tree)
      self.phandles = phandles
      let chosen = tree.node(atPath: "/chosen")
      func target(_ name: String) -> String? {
        guard let p = chosen?.property(name) else { return nil }
        if let s = p.value.strings?.first { return tree.node(atPath: s)?.path ?? s }
        if let ph = p.value.singleCell { return phandles.node(phandle: ph)?.path }
        return nil
      }
      consolePath = target("zephyr,console")
      ipcPath = target("zephyr,ipc")
      shmPath = target("zephyr,ipc_shm")
    }

    func location(_ node: Node) -> Location {
      guard let r = node.nameRange ?? node.range else { return Location(file: "?", line: 0) }
      return ZephyrTree.locate(r, in: sources)
    }

    func location(_ property: Property, of node: Node) -> Location {
      guard let r = property.range else { return location(node) }
      return ZephyrTree.locate(r, in: sources)
    }

    /// Status absent, `okay` or `ok`, and so is every ancestor.
    func enabled(_ node: Node) -> Bool {
      var n: Node? = node
      while let cur = n {
        if let s = cur.property("status")?.value.strings?.first, s != "okay", s != "ok" { return false }
        n = cur.parent
      }
      return true
    }

    func cells(_ node: Node, _ name: String, default d: Int) -> Int {
      Int(node.property(name)?.value.singleCell ?? UInt32(d))
    }

    /// The first `reg` entry, translated to the root's address space through each bus's `ranges` (empty
    /// `ranges` maps one to one).
    func firstReg(_ node: Node) -> (address: UInt64, size: UInt64)? {
      guard let parent = node.parent, let reg = node.property("reg")?.value.cells else { return nil }
      let ac = cells(parent, "#address-cells", default: 2)
      let sc = cells(parent, "#size-cells", default: 1)
      guard ac >= 1, ac <= 2, sc <= 2, reg.count >= ac + sc else { return nil }
      func value(_ from: Int, _ count: Int) -> UInt64 {
        reg[from..<from + count].reduce(UInt64(0)) { ($0 << 32) | UInt64($1) }
      }
      var address = value(0, ac)
      let size = sc == 0 ? 0 : value(ac, sc)
      var bus: Node? = parent
      while let b = bus, let up = b.parent {
        guard let ranges = b.property("ranges") else { return nil }
        if let r = ranges.value.cells, !r.isEmpty {
          let child = cells(b, "#address-cells", default: 2)
          let parentCells = cells(up, "#address-cells", default: 2)
          let len = cells(b, "#size-cells", default: 1)
          let width = child + parentCells + len
          guard width > 0, child <= 2, parentCells <= 2, len <= 2 else { return nil }
          var mapped: UInt64?
          var i = 0
          while i + width <= r.count {
            let cb = r[i..<i + child].reduce(UInt64(0)) { ($0 << 32) | UInt64($1) }
            let pb = r[i + child..<i + child + parentCells].reduce(UInt64(0)) { ($0 << 32) | UInt64($1) }
            let sz = r[i + child + parentCells..<i + width].reduce(UInt64(0)) { ($0 << 32) | UInt64($1) }
            if address >= cb, address - cb < sz {
              mapped = pb + (address - cb)
              break
            }
            i += width
          }
          guard let m = mapped else { return nil }
          address = m
        }
        bus = up
      }
      return (address, size)
    }

    static let memoryCompatibles: Set<String> = [
      "mmio-sram", "nxp,imx-itcm", "nxp,imx-dtcm", "nxp,imx-code-bus", "nxp,imx-sys-bus",
    ]

    /// Enabled nodes with a `reg` that are devices of the SoC: not memories, not the core's own (NVIC, SysTick,
    /// MPU at 0xE000_0000 and up), not the pin, clock or GPIO controllers (shared; GPIO lines are read from their
    /// users), not the MU (`zephyr,ipc` is checked against Linux's `mboxes` instead).
    mutating func devices() -> [Device] {
      var out: [Device] = []
      var seen = Set<UInt64>()
      tree.root.walk { n in
        guard n.parent != nil, n.property("reg") != nil, enabled(n) else { return }
        let compatible = n.property("compatible")?.value.strings ?? []
        guard let first = compatible.first else { return }
        if n.path == shmPath || n.path == ipcPath { return }
        if n.property("device_type")?.value.strings?.first == "memory" { return }
        if compatible.contains(where: { Self.memoryCompatibles.contains($0) || $0.hasPrefix("arm,") }) { return }
        if n.property("gpio-controller") != nil || n.property("#clock-cells") != nil { return }
        if compatible.contains(where: { $0.hasSuffix("-iomuxc") || $0.hasSuffix("-pinctrl") || $0.hasSuffix("-mu") }) {
          return
        }
        guard let (address, _) = firstReg(n), address < 0xE000_0000, seen.insert(address).inserted else { return }
        if soc.mailboxes.units.contains(where: { $0.mSide?.base == address || $0.aSide.base == address }) { return }
        // Where the firmware enables it: its `status = "okay"` (an overlay or the board file), else the node.
        let at = n.property("status").map { location($0, of: n) } ?? location(n)
        out.append(
          Device(name: n.labels.first ?? n.name, path: n.path, address: address, compatible: first, location: at))
      }
      return out
    }

    /// Pads of the `pinctrl-N` states of enabled nodes: each group child's `pinmux` names pin nodes whose own
    /// `pinmux` is `<mux_register mux_mode input_register input_daisy config_register>` (absolute addresses).
    func pads() -> [PadUse] {
      var out: [PadUse] = []
      var seen = Set<String>()
      let base = soc.iomuxcBase
      tree.root.walk { n in
        guard enabled(n), n.path != "/" else { return }
        for p in n.liveProperties where p.name.hasPrefix("pinctrl-") && Int(p.name.dropFirst(8)) != nil {
          for ph in p.value.cells ?? [] {
            guard let state = phandles.node(phandle: ph) else { continue }
            var groups = Array(state.liveChildren)
            if state.property("pinmux") != nil { groups.insert(state, at: 0) }
            for g in groups {
              guard let pinmux = g.property("pinmux") else { continue }
              for pinPh in pinmux.value.cells ?? [] {
                guard let pin = phandles.node(phandle: pinPh), let c = pin.property("pinmux")?.value.cells,
                  c.count >= 5, c[0] >= base, c[4] >= base
                else { continue }
                let mux = UInt32(UInt64(c[0]) - base)
                let conf = UInt32(UInt64(c[4]) - base)
                let input = c[2] >= base ? UInt32(UInt64(c[2]) - base) : 0
                guard let setting = soc.pads.decode(fslPins: [mux, conf, input, c[1], c[3], 0][...]) else {
                  continue
                }
                guard seen.insert(setting.pad.name).inserted else { continue }
                out.append(
                  PadUse(
                    pad: setting.pad.name, function: setting.functions.first?.name ?? "mode \(setting.mode)",
                    user: n.labels.first ?? n.name, location: location(pinmux, of: g)))
              }
            }
          }
        }
      }
      return out
    }

    /// `gpios`/`*-gpios` entries of enabled nodes: `<&gpioN pin flags>` with the controller's `#gpio-cells`.
    /// The bank is the SoC's `gpioN` at the controller's address; the pad is the one with that GPIO function.
    func gpios() -> [GPIOUse] {
      var out: [GPIOUse] = []
      var banks: [ObjectIdentifier: Int] = [:]
      func bank(of controller: Node) -> Int? {
        if let b = banks[ObjectIdentifier(controller)] { return b }
        guard let (address, _) = firstReg(controller), let p = soc.peripheral(unitAddress: address),
          p.kind == "gpio", let b = Int(p.label.dropFirst(4))
        else { return nil }
        banks[ObjectIdentifier(controller)] = b
        return b
      }
      tree.root.walk { n in
        guard enabled(n) else { return }
        for p in n.liveProperties where p.name == "gpios" || p.name.hasSuffix("-gpios") {
          guard let cells = p.value.cells else { continue }
          var i = 0
          while i < cells.count {
            guard let controller = phandles.node(phandle: cells[i]) else { break }
            let count = Int(controller.property("#gpio-cells")?.value.singleCell ?? 2)
            defer { i += 1 + count }
            guard count >= 1, i + count < cells.count, let b = bank(of: controller) else { continue }
            let pin = Int(cells[i + 1])
            var use = GPIOUse(
              bank: b, pin: pin, pad: nil, user: "\(n.path == "/" ? "" : n.path):\(p.name)",
              location: location(p, of: n))
            use.pad = soc.pads.pads.first { $0.function(use.function) != nil }?.name
            out.append(use)
          }
        }
      }
      return out
    }

    func chosen(_ name: String) -> ChosenNode? {
      let path: String?
      switch name {
      case "zephyr,console": path = consolePath
      case "zephyr,ipc": path = ipcPath
      default: path = shmPath
      }
      guard let path, let n = tree.node(atPath: path) else { return nil }
      let reg = firstReg(n)
      let at = tree.node(atPath: "/chosen")?.property(name).map { location($0, of: n) }
      return ChosenNode(
        property: name, path: path, name: n.labels.first ?? n.name, address: reg?.address, size: reg?.size,
        compatible: n.property("compatible")?.value.strings ?? [], location: location(n), chosenAt: at)
    }
  }
}
