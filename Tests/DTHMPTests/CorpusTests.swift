import DTCore
import Foundation
import Testing

@testable import DTHMP

/// The profiles against the mainline Verdin iMX8M Plus trees of the corpus (compiled by DTCore).
@Suite(.enabled(if: Package.corpusAvailable)) struct CorpusTests {
  static func compile(_ board: String) throws -> DeviceTree {
    var options = FrontEndOptions()
    options.includePaths = [
      Package.corpus.appendingPathComponent("include").path,
      Package.corpus.appendingPathComponent("src/arm64/freescale").path,
      Package.corpus.appendingPathComponent("src").path,
    ]
    let reader = SourceReader(sources: SourceManager(), options: options)
    let c = try reader.compile(
      path: Package.corpus.appendingPathComponent("src/arm64/freescale/\(board)").path, options: CompileOptions())
    #expect(!c.refused, "\(board) did not compile")
    return c.tree
  }

  @Test(arguments: ["imx8mp-verdin-nonwifi-dev.dts", "imx8mp-verdin-wifi-dev.dts"])
  func socAndBoardProfilesMatchTheTrees(board: String) throws {
    let tree = try Self.compile(board)
    let soc = try SoCProfile.load(name: "imx8mp")
    var nodes: [SoCNode] = soc.peripherals.map(\.node) + soc.systemNodes
    nodes += soc.mailboxes.units.map(\.node)
    for n in nodes {
      let node = try #require(tree.node(withLabel: n.label), "\(n.label)")
      #expect(node.path == n.path, "\(n.label)")
      #expect(node.property("compatible")?.value.strings == n.compatible, "\(n.label)")
    }
    #expect(tree.node(withLabel: "resmem") == nil)  // HMPFacts §5.2: no resmem label in mainline

    let root = tree.root.property("compatible")?.value.strings ?? []
    #expect(root.contains(soc.rootCompatible))
    let profile = try #require(BoardProfile.detect(rootCompatible: root))
    let sku = try #require(profile.sku(rootCompatible: root))
    #expect(sku.name == (board.contains("nonwifi") ? "nonwifi" : "wifi"))

    // The SKU's hogs are the iomuxc pinctrl-0 groups the tree has, and decode to the pads and functions listed.
    let iomuxc = try #require(tree.node(withLabel: soc.iomuxcLabel))
    let uart4 = try #require(tree.node(withLabel: "uart4"))
    let uart4Enabled = uart4.property("status")?.value.strings?.first != "disabled"
    #expect(uart4Enabled == sku.enables.contains { $0.label == "uart4" })
    let hogPhandles = Set(iomuxc.property("pinctrl-0")?.value.cells ?? [])
    for hog in sku.hogs {
      let group = try #require(tree.node(withLabel: hog.group), "\(hog.group)")
      #expect(hogPhandles.contains(group.phandle), "\(hog.group) is not hogged")
      let cells = group.property("fsl,pins")?.value.cells ?? []
      let decoded = soc.pads.decode(fslPins: cells)
      #expect(decoded.map { $0?.pad.name } == hog.pads, "\(hog.group)")
      #expect(decoded.map { $0?.functions.first?.name } == hog.functions, "\(hog.group)")
    }
    // The M7 debug UART's pads are uart4's pinctrl group.
    let group = try #require(tree.node(withLabel: "pinctrl_uart4"))
    let pads = soc.pads.decode(fslPins: group.property("fsl,pins")?.value.cells ?? []).map { $0?.pad.name }
    #expect(pads == profile.m7DebugUART?.pads)
  }
}
