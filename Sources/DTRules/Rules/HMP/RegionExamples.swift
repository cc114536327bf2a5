/// Building blocks of the region rules' examples: the i.MX 8M Plus RPMsg layout of NXP's and Toradex's trees
/// (HMPFacts §7.1, §8), one reserved-memory child per line.
enum RegionExamples {
  static let vring0 = "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x8000>; no-map; };"
  static let vring1 = "vdev0vring1: vdev0vring1@55008000 { reg = <0 0x55008000 0 0x8000>; no-map; };"
  static let rscTable = "rsc_table: rsc-table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; };"
  static let buffer =
    "vdevbuffer: vdevbuffer@55400000 { compatible = \"shared-dma-pool\"; reg = <0 0x55400000 0 0x100000>; no-map; };"
  static let firmware = "m7_reserved: m7@80000000 { reg = <0 0x80000000 0 0x1000000>; no-map; };"

  /// `memory-region` of NXP's imx8mp-evk-rpmsg.dts: the buffer pool first.
  static let refs = "<&vdevbuffer>, <&vdev0vring0>, <&vdev0vring1>, <&rsc_table>"
  static let regions = [vring0, vring1, rscTable, buffer]

  /// An M7 manifest (flow YAML, the `m7` example option): the i.MX 8M Plus firmware started by U-Boot (Linux
  /// attaches), with `rpmsg` overrides when given.
  static func manifest(startedBy: String? = "bootloader", rpmsg: String? = nil) -> String {
    var parts = ["soc: imx8mp"]
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

  /// A whole tree: an i.MX 8M Plus root with 2+2 cells, the clock controller and the M7's MU, `/reserved-memory`
  /// with `regions`, and an `fsl,imx8mp-cm7` node as the remoteproc rules want it, referencing `refs` (`rproc`:
  /// more lines of that node, each ending in a newline; `memreserve`: `/memreserve/` lines; `root`: more root
  /// children, before `reserved-memory`).
  static func tree(
    _ regions: [String] = regions, refs: String? = refs, rproc: String = "", memreserve: String = "",
    reservedMemory: String = "\t\t#address-cells = <2>;\n\t\t#size-cells = <2>;\n\t\tranges;\n", root: String = ""
  ) -> String {
    var s = "/dts-v1/;\n" + memreserve + "\n/ {\n\tcompatible = \"acme,board\", \"fsl,imx8mp\";\n"
    s += "\t#address-cells = <2>;\n\t#size-cells = <2>;\n" + root + "\n"
    s += "\tclk: clock-controller@30380000 { reg = <0 0x30380000 0 0x10000>; #clock-cells = <1>; };\n"
    s += "\tmu: mailbox@30aa0000 { compatible = \"fsl,imx8mp-mu\", \"fsl,imx6sx-mu\"; "
    s += "reg = <0 0x30aa0000 0 0x10000>; #mbox-cells = <2>; };\n\n"
    s += "\treserved-memory {\n" + reservedMemory + "\n"
    for r in regions { s += "\t\t" + r + "\n" }
    s += "\t};\n\n\timx8mp-cm7 {\n\t\tcompatible = \"fsl,imx8mp-cm7\";\n\t\tclocks = <&clk 85>;\n"
    s += "\t\tmbox-names = \"tx\", \"rx\", \"rxdb\";\n\t\tmboxes = <&mu 0 1>, <&mu 1 1>, <&mu 3 1>;\n"
    if let refs { s += "\t\tmemory-region = " + refs + ";\n" }
    s += rproc + "\t};\n};\n"
    return s
  }
}
