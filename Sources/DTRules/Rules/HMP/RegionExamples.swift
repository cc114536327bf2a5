/// Building blocks of the region rules' examples: a SoC's RPMsg layout as NXP's and Toradex's trees write it
/// (HMPFacts §7.1, §8), one reserved-memory child per line. The `static let`s are the i.MX 8M Plus's; the builders
/// take any ``ExampleSoC``.
enum RegionExamples {
  static let vring0 = ExampleSoC.imx8mp.vring0.line
  static let vring1 = ExampleSoC.imx8mp.vring1.line
  static let rscTable = ExampleSoC.imx8mp.resourceTable.line
  static let buffer = ExampleSoC.imx8mp.bufferPool.line
  static let firmware = ExampleSoC.imx8mp.firmware.line

  /// `memory-region` of NXP's imx8mp-evk-rpmsg.dts: the buffer pool first.
  static let refs = refs(.imx8mp)
  static let regions = regions(.imx8mp)

  /// `memory-region` as NXP's trees list it: the buffer pool, the vrings, the resource table.
  static func refs(_ soc: ExampleSoC) -> String {
    [soc.bufferPool, soc.vring0, soc.vring1, soc.resourceTable].map { "<&\($0.label)>" }.joined(separator: ", ")
  }

  /// The RPMsg regions, one line each.
  static func regions(_ soc: ExampleSoC) -> [String] { soc.rpmsgRegions.map(\.line) }

  /// An M7 manifest (flow YAML, the `m7` example option): the SoC's firmware started by U-Boot (Linux attaches),
  /// with `rpmsg` overrides when given.
  static func manifest(startedBy: String? = "bootloader", rpmsg: String? = nil, soc: ExampleSoC = .imx8mp) -> String {
    var parts = ["soc: \(soc.name)"]
    if let startedBy { parts.append("firmware: {started-by: \(startedBy)}") }
    if let rpmsg { parts.append("rpmsg: {\(rpmsg)}") }
    return "{" + parts.joined(separator: ", ") + "}"
  }

  /// A tree with no imx-rproc node: 2+2 cells and `/reserved-memory` with `children` (one per line), for the
  /// examples that show the HMP rules staying silent on a tree that is not an HMP system.
  static func withoutRemoteproc(_ children: [String]) -> String {
    var s = "/dts-v1/;\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n\treserved-memory {\n"
    s += "\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n\t\tranges;\n"
    for c in children { s += "\t\t" + c + "\n" }
    return s + "\t};\n};\n"
  }

  /// The standard regions with `replacements` applied (each `(old, new)` replaces one line; an empty new drops it).
  static func regions(replacing replacements: [(String, String)]) -> [String] {
    var out = regions
    for (old, new) in replacements {
      guard let i = out.firstIndex(of: old) else { continue }
      if new.isEmpty { out.remove(at: i) } else { out[i] = new }
    }
    return out
  }

  /// A whole tree: a root of the SoC with 2+2 cells, the clock controller and the M core's MU, `/reserved-memory`
  /// with `regions`, and the SoC's remoteproc node as the remoteproc rules want it, referencing `refs` (`rproc`:
  /// more lines of that node, each ending in a newline; `memreserve`: `/memreserve/` lines; `root`: more root
  /// children, before `reserved-memory`).
  static func tree(
    _ regions: [String] = regions, refs: String? = refs, rproc: String = "", memreserve: String = "",
    reservedMemory: String = "\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n\t\tranges;\n", root: String = "",
    soc: ExampleSoC = .imx8mp
  ) -> String {
    var s = "/dts-v1/;\n" + memreserve + "\n/ {\n\tcompatible = \"acme,board\", \"\(soc.rootCompatible)\";\n"
    s += "\t#address-cells = <2>;\n\t#size-cells = <2>;\n" + root + "\n"
    s += "\t" + soc.clockControllerLine + "\n"
    s += "\t" + soc.muLine + "\n\n"
    s += "\treserved-memory {\n" + reservedMemory + "\n"
    for r in regions { s += "\t\t" + r + "\n" }
    s += "\t};\n\n" + soc.remoteprocOpening()
    s += "\t\tmbox-names = \"tx\", \"rx\", \"rxdb\";\n\t\tmboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;\n"
    if let refs { s += "\t\tmemory-region = " + refs + ";\n" }
    s += rproc + "\t};\n};\n"
    return s
  }
}
