import DTCore
import DTHMP
import Foundation

// Shared by the ownership and firmware rules: what the M7 manifest claims, found in the tree once per tree.

/// The manifest's claims resolved in one tree: the peripheral nodes the M7 owns and the pads it muxes.
struct M7Claims {
  let manifest: M7Manifest
  let soc: SoCProfile
  let inputs: M7Manifest.Inputs?
  /// Manifest peripherals found in the tree, in manifest order.
  let peripherals: [(entry: M7Manifest.PeripheralEntry, node: Node)]
  /// `ObjectIdentifier`s of those nodes.
  let ownedNodes: Set<ObjectIdentifier>

  func owns(_ node: Node) -> Bool { ownedNodes.contains(ObjectIdentifier(node)) }

  /// The manifest as users named it, with a line: `m7.yaml:3`.
  func manifestLocation(line: Int?) -> String {
    let p = Self.display(manifest.path)
    return line.map { "\(p):\($0)" } ?? p
  }

  /// Where the M7's claim on a pad is written: `m7.yaml:5` or `firmware/pin_mux.c:14`.
  func origin(of pad: M7Manifest.OwnedPad) -> String {
    switch pad.origin {
    case .manifest(let line): return manifestLocation(line: line)
    case .pinMuxC(let line): return "\(Self.display(manifest.pinMuxC ?? "pin_mux.c")):\(line)"
    case .zephyr(let location): return location
    }
  }

  /// Where a peripheral claim is written: the manifest's line, or the Zephyr tree's `file:line`.
  func location(of entry: M7Manifest.PeripheralEntry) -> String {
    entry.source ?? manifestLocation(line: entry.line)
  }

  /// A path for messages: relative to the working directory when below it, else as given.
  static func display(_ path: String) -> String {
    guard path.hasPrefix("/") else { return path }
    return PathDisplay.relative(path, to: FileManager.default.currentDirectoryPath)
  }
}

extension TreeInfo {
  /// The manifest's claims in this tree; nil without a manifest (the ownership rules then stay silent).
  var m7Claims: M7Claims? { self[Claims.self] }

  private enum Claims: TreeFact {
    static func compute(_ info: TreeInfo) -> M7Claims? {
      guard let manifest = info.hmp.manifest else { return nil }
      var found: [(M7Manifest.PeripheralEntry, Node)] = []
      var owned = Set<ObjectIdentifier>()
      for r in manifest.resolvePeripherals(in: info.tree) {
        // A node named twice (a label in the manifest, its address in the Zephyr tree) is one claim.
        guard let p = r.nodePath, let n = info.tree.node(atPath: p), owned.insert(ObjectIdentifier(n)).inserted
        else { continue }
        found.append((r.entry, n))
      }
      return M7Claims(
        manifest: manifest, soc: manifest.soc, inputs: info.hmp.inputs, peripherals: found, ownedNodes: owned)
    }
  }
}

extension Node {
  /// Enabled, and so is every ancestor: a device the kernel creates (a disabled bus hides its children).
  var isLive: Bool {
    var n: Node? = self
    while let cur = n {
      if !cur.isEnabled { return false }
      n = cur.parent
    }
    return true
  }

  /// The first label, else the node name: how messages name a node (`i2c4`, `serial@30a60000`).
  var displayName: String { labels.first ?? (name.isEmpty ? "/" : name) }

  /// `i2c4 (i2c@30a50000)` when labelled, else the node name.
  var labelledName: String {
    guard let l = labels.first else { return name.isEmpty ? "/" : name }
    return "\(l) (\(name))"
  }
}

extension RuleContext {
  /// Reports that `node` is enabled where it should not be: at its `status` (or its name), with a fix-it that
  /// disables it — replacing the `status` the tree sets, or adding one after the `{` of the node's last block.
  mutating func reportEnabled(_ message: String, node: Node, notes: [DiagnosticNote] = [], fix: Bool = true) {
    let status = node.property("status")
    var fixes: [FixIt] = []
    if fix {
      let disable = "status = \"disabled\";"
      if let s = status, let r = s.range {
        fixes.append(FixIt(message: "set \(disable)", edits: [TextEdit(range: r, replacement: disable)]))
      } else if status == nil, let block = node.definitions.last, node.parent != nil {
        let at = SourceRange(file: block.file, start: block.start + 1, end: block.start + 1)
        fixes.append(FixIt(message: "add \(disable)", edits: [TextEdit(range: at, replacement: " " + disable)]))
      }
    }
    report(message, node: node, property: status?.range != nil ? status : nil, notes: notes, fixes: fixes)
  }
}

/// Hexadecimal for messages (`0x55000000`).
func hexAddress(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

/// Bytes for messages: `0x8000 bytes`.
func hexSize(_ v: UInt64) -> String { "0x" + String(v, radix: 16) + " bytes" }

/// One pad a pinctrl group muxes, decoded from its `fsl,pins`.
struct GroupPad {
  var group: Node
  var setting: PinSetting
  /// The function's name (`UART4_DCE_RX`), or `mode N` when the mode/daisy pair matches no known function.
  var function: String {
    setting.functions.first?.name ?? "mode \(setting.mode)"
  }
}

extension TreeInfo {
  /// The pads a pinctrl group node muxes: its own `fsl,pins`, or those of its children (function nodes with group
  /// children, as older i.MX bindings nest them). Entries of unknown pads are left out.
  func pads(ofGroup group: Node, table: PadTable) -> [GroupPad] {
    var out: [GroupPad] = []
    func decode(_ n: Node) {
      guard let cells = n.property("fsl,pins")?.value.cells else { return }
      for s in table.decode(fslPins: cells) {
        if let s { out.append(GroupPad(group: n, setting: s)) }
      }
    }
    if group.property("fsl,pins") != nil {
      decode(group)
    } else {
      for c in group.liveChildren { decode(c) }
    }
    return out
  }

  /// The `pinctrl-<n>` properties of a node with their state names (`pinctrl-names`), in order.
  func pinctrlStates(of node: Node) -> [(property: Property, state: String?)] {
    let names = node.property("pinctrl-names")?.value.strings ?? []
    var out: [(Property, String?)] = []
    for p in node.liveProperties where p.name.hasPrefix("pinctrl-") {
      guard let index = Int(p.name.dropFirst("pinctrl-".count)), index >= 0 else { continue }
      out.append((p, index < names.count ? names[index] : nil))
    }
    return out
  }
}
