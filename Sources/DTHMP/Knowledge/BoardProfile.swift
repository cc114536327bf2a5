import DTYAML
import Yams

/// `schemas/board/<board>.yaml`: a board's SKUs (matched by root `compatible`), the M core's debug UART, what each
/// SKU's Linux tree takes, and the board's interface names (schemas/README.md, HMPFacts §6).
public struct BoardProfile: Sendable {
  /// A node an SKU's tree enables or disables, and why.
  public struct NodeUse: Sendable, Hashable {
    public var label: String
    public var reason: String
    public var pads: [String]
    public var provenance: Provenance
  }

  /// An iomuxc hog group: pads Linux muxes at boot whatever device uses them.
  public struct Hog: Sendable, Hashable {
    public var group: String
    public var pads: [String]
    /// The function of each pad, in `pads` order.
    public var functions: [String]
    public var reason: String
    public var provenance: Provenance
  }

  public struct SKU: Sendable, Hashable {
    public var name: String
    /// The root compatible that identifies it (`toradex,verdin-imx8mp-wifi`).
    public var compatible: String
    public var title: String
    public var enables: [NodeUse]
    public var disables: [NodeUse]
    public var hogs: [Hog]
  }

  public struct DebugUART: Sendable, Hashable {
    public var label: String
    public var interface: String
    public var pads: [String]
    public var provenance: Provenance
  }

  /// The remoteproc node every base tree of the board already carries, with its mailboxes and reserved regions
  /// (the Verdin iMX95's `cm7: remoteproc-cm7`, HMPFacts §18.8): the generator completes it instead of adding one.
  public struct RemoteprocInBase: Sendable, Hashable {
    public var label: String
    public var path: String
    /// Whether the base enables the M core's MU itself.
    public var muEnabled: Bool
    /// The `/reserved-memory` children the node's `memory-region` lists, in that order.
    public var regions: [Region]
    public var provenance: Provenance

    public struct Region: Sendable, Hashable {
      public var label: String
      /// The node name without the unit address (`vdev0vring0`, `rsc-table`).
      public var name: String
      public var address: UInt64
      public var size: UInt64
      public var compatible: String?
    }
  }

  public struct Interface: Sendable, Hashable {
    public var interface: String
    public var label: String
    public var note: String?
  }

  public var name: String
  public var title: String
  public var soc: String
  /// The root compatible every SKU's tree carries.
  public var compatible: String
  public var provenance: Provenance
  public var skus: [SKU]
  /// Whether Linux's hogs override an earlier M-core mux (INFERENCE in HMPFacts §6).
  public var hogEffect: Provenance
  public var carriers: [String]
  /// The UART the M core's SDK firmware prints its console on; nil when it is not one of Linux's peripherals (the
  /// i.MX 8ULP M33's LPUART lives in its own domain).
  public var m7DebugUART: DebugUART?
  /// What is (not) known about the I2C the board gives the M core.
  public var m7I2C: Provenance
  public var memory: Provenance
  public var interfaces: [Interface]
  /// How the board's interface names are prefixed in messages (`Verdin` → "Verdin UART_4"); nil for boards whose
  /// interfaces have no family name (NXP's EVKs).
  public var interfaceFamily: String?
  /// Whether the board's base trees have a `/reserved-memory` node (NXP's 8M Mini/Nano EVK trees have none).
  public var baseHasReservedMemory: Bool = true
  /// Set when every base tree already has the remoteproc node, its mailboxes and its RPMsg regions.
  public var remoteprocInBase: RemoteprocInBase? = nil
  public var path: String

  // MARK: - Queries

  /// Whether a tree with this root `compatible` list is this board.
  public func matches(rootCompatible: [String]) -> Bool { rootCompatible.contains(compatible) }

  /// The SKU of a tree with this root `compatible` list.
  public func sku(rootCompatible: [String]) -> SKU? {
    skus.first { rootCompatible.contains($0.compatible) }
  }

  public func sku(named name: String) -> SKU? { skus.first { $0.name == name } }

  /// The SoC label behind a board interface name (`I2C_1` → `i2c4`).
  public func label(forInterface name: String) -> String? { interfaces.first { $0.interface == name }?.label }

  /// The board interface name of a SoC label (`uart4` → `UART_4`).
  public func interface(forLabel label: String) -> String? { interfaces.first { $0.label == label }?.interface }

  // MARK: - Loading

  private static let cache = ProfileCache<BoardProfile>()

  public static var knownNames: [String] { KnowledgeBundle.names(in: "board") }

  /// A bundled board profile (`verdin-imx8mp`), checked against its SoC profile.
  public static func load(name: String) throws(InputError) -> BoardProfile {
    guard KnowledgeBundle.text("board/\(name).yaml") != nil else {
      throw InputError(
        path: "--board", message: "unknown board '\(name)' (expected \(YAMLReader.alternatives(knownNames)))")
    }
    return try cache.value(name) { () throws(InputError) -> BoardProfile in
      try KnowledgeBundle.read("board/\(name).yaml") { (node, path) throws(InputError) in
        try parse(node, path: path)
      }
    }
  }

  /// A board profile file; its `soc` must be a bundled SoC profile, or `soc` given.
  public static func load(path: String, soc: SoCProfile? = nil) throws(InputError) -> BoardProfile {
    guard let node = try YAMLReader.compose(path: path) else {
      throw InputError(path: path, message: "empty document")
    }
    return try parse(node, path: path, soc: soc)
  }

  /// The bundled board whose root compatible a tree carries (`--board` auto-detection, Documentation/Configuration.md).
  /// Only the candidate boards are loaded (with their SoC profiles), not every bundled one.
  public static func detect(rootCompatible: [String]) -> BoardProfile? {
    for (name, compatible) in bundledCompatibles where rootCompatible.contains(compatible) {
      if let b = try? load(name: name), b.matches(rootCompatible: rootCompatible) { return b }
    }
    return nil
  }

  /// Each bundled board's top-level `compatible`, in name order, read once without loading (and checking) the
  /// board against its SoC profile: loading every board to detect one loaded all six SoC profiles, 0.65 G of the
  /// 0.86 G instructions of a whole check.
  static let bundledCompatibles: [(name: String, compatible: String)] = knownNames.compactMap { name in
    let compatible = try? KnowledgeBundle.read("board/\(name).yaml") { (node, path) throws(InputError) -> String in
      guard case .scalar(let s)? = node["compatible"] else { throw InputError(path: path, message: "no compatible") }
      return s.string
    }
    return compatible.map { (name, $0) }
  }

  /// Parses a board document and checks its labels and pads against the SoC profile.
  public static func parse(_ root: Yams.Node, path: String, soc given: SoCProfile? = nil) throws(InputError)
    -> BoardProfile
  {
    let r = YAMLReader(path: path)
    let top = try r.object(
      root, key: nil,
      required: [
        "board", "title", "soc", "compatible", "skus", "hog-effect", "carriers", "m7-i2c", "memory", "interfaces",
      ],
      optional: ["interface-family", "m7-debug-uart", "reserved-memory-in-base", "remoteproc-in-base"] + Provenance.keys
    )
    let socName = try top.requiredString("soc")
    let soc: SoCProfile
    if let given {
      soc = given
    } else {
      do {
        soc = try SoCProfile.load(name: socName)
      } catch {
        throw r.error(try top.required("soc"), key: "soc", error.message)
      }
    }
    if soc.name != socName {
      throw r.error(
        try top.required("soc"), key: "soc", "the board is for '\(socName)', the SoC profile is '\(soc.name)'")
    }

    func label(_ o: YAMLObject, _ key: String = "label") throws(InputError) -> String {
      let l = try o.requiredString(key)
      guard soc.node(label: l) != nil else {
        throw r.error(try o.required(key), key: o.path(key), "'\(l)' is not a label of the \(soc.name) profile")
      }
      return l
    }
    func pads(_ o: YAMLObject, _ key: String = "pads") throws(InputError) -> [String] {
      let list = try o.stringList(key) ?? []
      for (i, p) in list.enumerated() where soc.pads.pad(named: p) == nil {
        throw r.error(try o.required(key), key: YAMLReader.join(o.path(key), index: i), "no pad '\(p)' on \(soc.name)")
      }
      return list
    }
    func uses(_ node: Yams.Node?, key: String) throws(InputError) -> [NodeUse] {
      guard let node else { return [] }
      var out: [NodeUse] = []
      for (i, n) in try r.sequence(node, key: key).enumerated() {
        let o = try r.object(
          n, key: YAMLReader.join(key, index: i), required: ["label", "reason"], optional: ["pads"] + Provenance.keys)
        out.append(
          NodeUse(
            label: try label(o), reason: try o.requiredString("reason"), pads: try pads(o),
            provenance: try Provenance.read(o)))
      }
      return out
    }

    var skus: [SKU] = []
    for (i, n) in try r.sequence(try top.required("skus"), key: "skus").enumerated() {
      let key = YAMLReader.join("skus", index: i)
      let o = try r.object(
        n, key: key, required: ["name", "compatible", "title"], optional: ["enables", "disables", "hogs"])
      var hogs: [Hog] = []
      if let hs = o["hogs"] {
        for (j, h) in try r.sequence(hs, key: o.path("hogs")).enumerated() {
          let ho = try r.object(
            h, key: YAMLReader.join(o.path("hogs"), index: j), required: ["group", "pads", "functions", "reason"],
            optional: Provenance.keys)
          let ps = try pads(ho)
          let fs = try ho.requiredStringList("functions")
          guard fs.count == ps.count else {
            throw r.error(try ho.required("functions"), key: ho.path("functions"), "one function per pad expected")
          }
          for (k, (p, f)) in zip(ps, fs).enumerated() where soc.pads.pad(named: p)?.function(f) == nil {
            throw r.error(
              try ho.required("functions"), key: YAMLReader.join(ho.path("functions"), index: k),
              "pad \(p) has no function \(f)")
          }
          hogs.append(
            Hog(
              group: try ho.requiredString("group"), pads: ps, functions: fs, reason: try ho.requiredString("reason"),
              provenance: try Provenance.read(ho)))
        }
      }
      let sku = SKU(
        name: try o.requiredString("name"), compatible: try o.requiredString("compatible"),
        title: try o.requiredString("title"),
        enables: try uses(o["enables"], key: o.path("enables")),
        disables: try uses(o["disables"], key: o.path("disables")),
        hogs: hogs)
      if skus.contains(where: { $0.name == sku.name || $0.compatible == sku.compatible }) {
        throw r.error(n, key: key, "SKU name or compatible given twice")
      }
      skus.append(sku)
    }

    var debugUART: DebugUART?
    if let n = top["m7-debug-uart"] {
      let du = try r.object(
        n, key: "m7-debug-uart", required: ["label", "interface", "pads"], optional: ["sodimm"] + Provenance.keys)
      if let s = du["sodimm"] {
        for (i, x) in try r.sequence(s, key: du.path("sodimm")).enumerated() {
          _ = try r.integer(x, key: YAMLReader.join(du.path("sodimm"), index: i), max: 1000)
        }
      }
      debugUART = DebugUART(
        label: try label(du), interface: try du.requiredString("interface"), pads: try pads(du),
        provenance: try Provenance.read(du))
    }
    var interfaces: [Interface] = []
    for (i, n) in try r.sequence(try top.required("interfaces"), key: "interfaces").enumerated() {
      let o = try r.object(
        n, key: YAMLReader.join("interfaces", index: i), required: ["interface", "label"], optional: ["note"])
      interfaces.append(
        Interface(interface: try o.requiredString("interface"), label: try label(o), note: try o.string("note")))
    }
    var inBase: RemoteprocInBase?
    if let n = top["remoteproc-in-base"] {
      let o = try r.object(
        n, key: "remoteproc-in-base", required: ["label", "path", "mu-enabled", "regions"], optional: Provenance.keys)
      var regions: [RemoteprocInBase.Region] = []
      for (i, rn) in try r.sequence(try o.required("regions"), key: o.path("regions")).enumerated() {
        let ro = try r.object(
          rn, key: YAMLReader.join(o.path("regions"), index: i), required: ["label", "name", "address", "size"],
          optional: ["compatible"])
        regions.append(
          RemoteprocInBase.Region(
            label: try ro.requiredString("label"), name: try ro.requiredString("name"),
            address: try ro.requiredInteger("address"), size: try ro.requiredInteger("size"),
            compatible: try ro.string("compatible")))
      }
      inBase = RemoteprocInBase(
        label: try o.requiredString("label"), path: try o.requiredString("path"),
        muEnabled: try o.requiredBool("mu-enabled"), regions: regions, provenance: try Provenance.read(o))
    }
    func fact(_ key: String) throws(InputError) -> Provenance {
      try Provenance.read(try r.object(try top.required(key), key: key, optional: Provenance.keys))
    }
    return BoardProfile(
      name: try top.requiredString("board"), title: try top.requiredString("title"), soc: socName,
      compatible: try top.requiredString("compatible"), provenance: try Provenance.read(top), skus: skus,
      hogEffect: try fact("hog-effect"), carriers: try top.requiredStringList("carriers"),
      m7DebugUART: debugUART,
      m7I2C: try fact("m7-i2c"), memory: try fact("memory"), interfaces: interfaces,
      interfaceFamily: try top.string("interface-family"),
      baseHasReservedMemory: try top.bool("reserved-memory-in-base") ?? true, remoteprocInBase: inBase, path: path)
  }
}
