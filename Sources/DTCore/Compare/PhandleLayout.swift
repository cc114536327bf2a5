/// The nodes of a tree by phandle and by label, for reading phandle cells.
///
/// Phandles come from the `phandle` (else `linux,phandle`) property, the first node winning on duplicates as dtc
/// decides; labels are the nodes' live labels (from the source, or from `/__symbols__` for a blob).
public struct PhandleIndex {
  public let tree: DeviceTree
  private var byPhandle: [UInt32: Node] = [:]
  private var byLabel: [String: Node] = [:]
  /// The largest phandle of the tree (0 for none).
  public private(set) var topPhandle: UInt32 = 0

  public init(_ tree: DeviceTree) {
    self.tree = tree
    var byPhandle: [UInt32: Node] = [:]
    var byLabel: [String: Node] = [:]
    tree.root.traverse(
      enter: { node, _ in
        var ph = Self.declaredPhandle(node)
        if ph == 0, node.phandle != 0, node.phandle != 0xffff_ffff { ph = node.phandle }
        if ph != 0, byPhandle[ph] == nil { byPhandle[ph] = node }
        // The live labels, without building `node.labels` for every node.
        for l in node.labelEntries where !l.deleted && byLabel[l.name] == nil { byLabel[l.name] = node }
      }, exit: { _, _ in })
    self.byPhandle = byPhandle
    self.byLabel = byLabel
    topPhandle = byPhandle.keys.max() ?? 0
  }

  private static let phandleHash = Property.hash("phandle")
  private static let linuxPhandleHash = Property.hash("linux,phandle")

  /// The valid cell (not 0 or 0xffffffff) of the node's `phandle` property, else of its `linux,phandle`, else 0:
  /// both properties found as ``Node/property(_:)`` finds them (the first live one of the name), in one pass.
  static func declaredPhandle(_ node: Node) -> UInt32 {
    var phandle: Property?
    var linux: Property?
    for p in node.properties where !p.deleted {
      if phandle == nil, p.nameHash == phandleHash, p.name == "phandle" {
        phandle = p
      } else if linux == nil, p.nameHash == linuxPhandleHash, p.name == "linux,phandle" {
        linux = p
      }
    }
    let v = cell(phandle)
    return v != 0 ? v : cell(linux)
  }

  private static func cell(_ p: Property?) -> UInt32 {
    guard let v = p?.value.singleCell, v != 0, v != 0xffff_ffff else { return 0 }
    return v
  }

  /// The node whose phandle is `phandle`.
  public func node(phandle: UInt32) -> Node? { byPhandle[phandle] }

  /// The first node (pre-order) carrying `label`.
  public func node(label: String) -> Node? { byLabel[label] }

  /// The node a reference names: `label`, or a path (`/soc/uart@1000`).
  public func node(reference: String) -> Node? {
    reference.hasPrefix("/") ? tree.node(atPath: reference) : byLabel[reference]
  }
}

/// Where the phandles of a property value are and how its cells group, found from the property's name and the
/// `#…-cells` of the nodes it points to — what a blob without `__local_fixups__` does not say itself.
public struct CellLayout: Sendable, Hashable {
  /// Byte offsets of phandle cells.
  public var references: [Int]
  /// Byte offsets where a group (`< >` when printed) starts, in order; the first is 0.
  public var groups: [Int]

  public init(references: [Int], groups: [Int]) {
    self.references = references
    self.groups = groups
  }
}

/// Which properties hold phandles, and how many argument cells follow each (the provider's `#…-cells`).
///
/// The list follows dtc's `checks.c` and the bindings the kernel's arm64 Freescale trees use (measured: every
/// phandle of every board of the corpus is found in its blob this way): phandle + arguments lists (`clocks`,
/// `dmas`, `*-gpios`, …), lists of bare phandles (`pinctrl-N`, `memory-region`, `*-supply`, …), a phandle with
/// trailing cells (`fsl,stop-mode`), `gpio-ranges` (phandle + 3 cells), `interrupt-map`, `iommu-map` and `msi-map`.
public enum PhandleLayout {
  public enum Kind: Sendable, Hashable {
    /// Phandles without arguments.
    case phandles
    /// Each phandle followed by the number of cells its node's `cells` property gives (`defaultCells` when the
    /// node has none and the binding allows that; otherwise the layout is unknown).
    case specifiers(cells: String, defaultCells: Int?)
    /// Each phandle followed by a fixed number of cells.
    case fixed(Int)
    /// One phandle followed by any number of argument cells (`fsl,stop-mode = <&gpr 0x10 3>`).
    case leadingPhandle
    /// `interrupt-map`: child unit address, child interrupt specifier, phandle, parent unit address, parent
    /// interrupt specifier.
    case interruptMap
    /// `iommu-map`/`msi-map`: entries of an id base, a phandle, that node's `cells` specifier (`defaultCells` when
    /// it has none) and a length.
    case idMap(cells: String, defaultCells: Int)
  }

  static let specifierProperties: [String: Kind] = [
    "clocks": .specifiers(cells: "#clock-cells", defaultCells: nil),
    "assigned-clocks": .specifiers(cells: "#clock-cells", defaultCells: nil),
    "assigned-clock-parents": .specifiers(cells: "#clock-cells", defaultCells: nil),
    "mboxes": .specifiers(cells: "#mbox-cells", defaultCells: nil),
    "interrupts-extended": .specifiers(cells: "#interrupt-cells", defaultCells: nil),
    "dmas": .specifiers(cells: "#dma-cells", defaultCells: nil),
    "resets": .specifiers(cells: "#reset-cells", defaultCells: nil),
    "power-domains": .specifiers(cells: "#power-domain-cells", defaultCells: nil),
    "pwms": .specifiers(cells: "#pwm-cells", defaultCells: nil),
    "phys": .specifiers(cells: "#phy-cells", defaultCells: nil),
    "iommus": .specifiers(cells: "#iommu-cells", defaultCells: nil),
    "thermal-sensors": .specifiers(cells: "#thermal-sensor-cells", defaultCells: nil),
    "cooling-device": .specifiers(cells: "#cooling-cells", defaultCells: nil),
    "sound-dai": .specifiers(cells: "#sound-dai-cells", defaultCells: nil),
    "io-channels": .specifiers(cells: "#io-channel-cells", defaultCells: nil),
    "hwlocks": .specifiers(cells: "#hwlock-cells", defaultCells: nil),
    "mux-controls": .specifiers(cells: "#mux-control-cells", defaultCells: nil),
    "mux-states": .specifiers(cells: "#mux-state-cells", defaultCells: nil),
    "msi-parent": .specifiers(cells: "#msi-cells", defaultCells: 0),
    "nvmem-cells": .specifiers(cells: "#nvmem-cell-cells", defaultCells: 0),
    "interconnects": .specifiers(cells: "#interconnect-cells", defaultCells: nil),
    "access-controllers": .specifiers(cells: "#access-controller-cells", defaultCells: nil),
    "trigger-sources": .specifiers(cells: "#trigger-source-cells", defaultCells: 0),
    "gpio-ranges": .fixed(3),
    "interrupt-map": .interruptMap,
    "iommu-map": .idMap(cells: "#iommu-cells", defaultCells: 1),
    "msi-map": .idMap(cells: "#msi-cells", defaultCells: 1),
    // Vendor syscon handles: a phandle, then register offsets and bits.
    "fsl,stop-mode": .leadingPhandle,
    "fsl,rcpm-wakeup": .leadingPhandle,
    "fsl,usbmisc": .leadingPhandle,
    "fsl,mipi-phy-gpr": .leadingPhandle,
    "fsl,pcie-scfg": .leadingPhandle,
    "fsl,blk-ctrl": .leadingPhandle,
    "intf_mode": .leadingPhandle,
    "syscon": .leadingPhandle,
  ]

  static let phandleProperties: Set<String> = [
    // Core bindings.
    "interrupt-parent", "memory-region", "remote-endpoint", "phy-handle", "pcs-handle", "sfp", "ddc-i2c-bus",
    "operating-points-v2", "cpu-idle-states", "next-level-cache", "interrupt-affinity", "cpu", "trip", "sram",
    "nvmem", "i2c-parent", "i2c-bus", "phy", "ethernet", "mmc-pwrseq", "backlight", "extcon", "leds", "regmap",
    "shmem", "peer-hub", "power-supplies", "monitored-battery", "mdio-parent-bus", "ptp-timer", "link", "links",
    // Sound cards.
    "dais", "audio-cpu", "audio-codec", "audio-asrc", "ssi-controller", "spdif-controller", "frame-master",
    "bitclock-master", "simple-audio-card,frame-master", "simple-audio-card,bitclock-master",
    "simple-audio-card,aux-devs", "audio-routing-codec",
    // Vendor bindings of the i.MX and Layerscape trees.
    "gpr", "fsl,gpr", "fsl,usbphy", "fsl,ddrc", "fsl,fman-ports", "pcsphy-handle", "ptimer-handle",
    "snps,mtl-rx-config", "snps,mtl-tx-config", "fsl,iomuxc-gpr",
  ]

  /// What kind of phandle property `name` is, or nil when it is not one.
  public static func kind(of name: String) -> Kind? {
    if let k = specifierProperties[name] { return k }
    if phandleProperties.contains(name) { return .phandles }
    if name.hasPrefix("#") { return nil }
    if name.hasSuffix("-supply") { return .phandles }
    if isPinctrlState(name) { return .phandles }
    if isGPIO(name) { return .specifiers(cells: "#gpio-cells", defaultCells: nil) }
    return nil
  }

  /// `pinctrl-0`, `pinctrl-1`, …
  public static func isPinctrlState(_ name: String) -> Bool {
    guard name.hasPrefix("pinctrl-") else { return false }
    let rest = name.utf8.dropFirst(8)
    return !rest.isEmpty && rest.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
  }

  /// `gpios`, `gpio`, `*-gpios`, `*-gpio`, but not the `nr-gpios` counts (as dtc's `prop_is_gpio`).
  static func isGPIO(_ name: String) -> Bool {
    if containsNrGPIO(name) { return false }
    return name == "gpios" || name == "gpio" || name.hasSuffix("-gpios") || name.hasSuffix("-gpio")
  }

  /// `name.contains("nr-gpio")`: for an ASCII name (every real one) a search of its bytes, which is what the
  /// Foundation search finds there; other names go through that search.
  static func containsNrGPIO(_ name: String) -> Bool {
    let needle: [UInt8] = Array("nr-gpio".utf8)
    var ascii = true
    var found = false
    var name = name
    name.withUTF8 { b in
      var i = 0
      while i < b.count {
        if b[i] >= 0x80 {
          ascii = false
          return
        }
        if !found, b[i] == needle[0], i + needle.count <= b.count {
          var k = 1
          while k < needle.count && b[i + k] == needle[k] { k += 1 }
          if k == needle.count { found = true }
        }
        i += 1
      }
    }
    return ascii ? found : name.contains("nr-gpio")
  }

  /// The cell layout of `property` of `node`, or nil when its name holds no phandles or its value does not walk
  /// cleanly (a phandle that names no node, a provider without its `#…-cells`, cells left over).
  /// A zero cell where a phandle is expected is an empty entry, as in dtc.
  public static func layout(of property: Property, in node: Node, index: PhandleIndex) -> CellLayout? {
    guard let kind = kind(of: property.name) else { return nil }
    // A GPIO hog's `gpios` are line numbers in its parent controller, not phandles.
    if case .specifiers(let cells, _) = kind, cells == "#gpio-cells", node.property("gpio-hog") != nil { return nil }
    guard let cells = property.value.cells, !cells.isEmpty else { return nil }
    var layout = CellLayout(references: [], groups: [])
    var i = 0
    switch kind {
    case .phandles:
      for (j, ph) in cells.enumerated() {
        layout.groups.append(j * 4)
        if ph == 0 { continue }
        guard index.node(phandle: ph) != nil else { return nil }
        layout.references.append(j * 4)
      }
      return layout
    case .specifiers, .fixed:
      while i < cells.count {
        layout.groups.append(i * 4)
        let ph = cells[i]
        if ph == 0 {
          i += 1
          continue
        }
        guard let target = index.node(phandle: ph) else { return nil }
        let args: Int
        switch kind {
        case .fixed(let n): args = n
        case .specifiers(let name, let defaultCells):
          if let c = target.property(name)?.value.singleCell {
            guard c <= UInt32(cells.count) else { return nil }
            args = Int(c)
          } else if let d = defaultCells {
            args = d
          } else {
            return nil
          }
        default: return nil
        }
        layout.references.append(i * 4)
        i += 1 + args
      }
      return i == cells.count ? layout : nil
    case .leadingPhandle:
      guard cells[0] != 0, index.node(phandle: cells[0]) != nil else { return nil }
      return CellLayout(references: [0], groups: [0])
    case .idMap(let name, let defaultCells):
      while i < cells.count {
        layout.groups.append(i * 4)
        guard i + 1 < cells.count, let target = index.node(phandle: cells[i + 1]) else { return nil }
        let specifier = cellCount(target, name) ?? defaultCells
        layout.references.append((i + 1) * 4)
        i += 2 + specifier + 1
      }
      return i == cells.count ? layout : nil
    case .interruptMap:
      // The parent's unit address has its #address-cells (as dtc and Linux read it); some trees write none for a
      // parent that has #address-cells for other reasons (a GIC with ITS children): try that reading second.
      return interruptMapLayout(cells, node: node, index: index, parentAddress: true)
        ?? interruptMapLayout(cells, node: node, index: index, parentAddress: false)
    }
  }

  private static func interruptMapLayout(_ cells: [UInt32], node: Node, index: PhandleIndex, parentAddress: Bool)
    -> CellLayout?
  {
    let childAddress = cellCount(node, "#address-cells") ?? 2
    guard let childInterrupt = cellCount(node, "#interrupt-cells") else { return nil }
    var layout = CellLayout(references: [], groups: [])
    var i = 0
    while i < cells.count {
      layout.groups.append(i * 4)
      let at = i + childAddress + childInterrupt
      guard at < cells.count, let parent = index.node(phandle: cells[at]),
        let parentInterrupt = cellCount(parent, "#interrupt-cells")
      else { return nil }
      let address = parentAddress ? cellCount(parent, "#address-cells") ?? 0 : 0
      layout.references.append(at * 4)
      i = at + 1 + address + parentInterrupt
    }
    return i == cells.count ? layout : nil
  }

  /// The groups of a property whose cells have a fixed shape: `reg` (the parent's address + size cells),
  /// `ranges`/`dma-ranges` (child address, parent address, size) and `interrupts` (the interrupt parent's
  /// `#interrupt-cells`). nil for other properties and values that do not divide.
  public static func cellGroups(of property: Property, in node: Node, index: PhandleIndex) -> [Int]? {
    let size: Int
    switch property.name {
    case "reg":
      guard let parent = node.parent else { return nil }
      size = (cellCount(parent, "#address-cells") ?? 2) + (cellCount(parent, "#size-cells") ?? 1)
    case "ranges", "dma-ranges":
      guard let parent = node.parent else { return nil }
      size =
        (cellCount(node, "#address-cells") ?? 2) + (cellCount(parent, "#address-cells") ?? 2)
        + (cellCount(node, "#size-cells") ?? 1)
    case "interrupts":
      guard let controller = interruptParent(of: node, index: index),
        let n = cellCount(controller, "#interrupt-cells")
      else { return nil }
      size = n
    default:
      return nil
    }
    let count = property.value.bytes.count
    guard size > 0, count > 0, count % (size * 4) == 0 else { return nil }
    return Array(stride(from: 0, to: count, by: size * 4))
  }

  /// The node's `interrupt-parent`, else its nearest ancestor's.
  static func interruptParent(of node: Node, index: PhandleIndex) -> Node? {
    var n: Node? = node
    while let cur = n {
      if let ph = cur.property("interrupt-parent")?.value.singleCell { return index.node(phandle: ph) }
      n = cur.parent
    }
    return nil
  }

  /// A `#…-cells` value that is one cell and sensible (at most 16).
  static func cellCount(_ node: Node, _ name: String) -> Int? {
    guard let v = node.property(name)?.value.singleCell, v <= 16 else { return nil }
    return Int(v)
  }
}
