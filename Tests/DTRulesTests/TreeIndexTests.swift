import DTCore
import Testing

@testable import DTRules

/// The shortcuts the rules take instead of searching every node (the property index, byte-wise name tests, path
/// lookup on bytes) answer exactly what the searches they replace answer.
@Suite struct TreeIndexTests {
  /// A tree built by hand: deleted nodes and properties, a property named twice on one node, names that share
  /// their first bytes.
  static func sampleTree() -> DeviceTree {
    let tree = DeviceTree()
    let root = tree.root
    root.addProperty(Property(name: "compatible", value: .string("board")))
    let soc = Node(name: "soc@0")
    root.addChild(soc)
    soc.addProperty(Property(name: "reg", value: .cells([0])))
    for i in 0..<3 {
      let dev = Node(name: "dev@\(i)")
      soc.addChild(dev)
      dev.addProperty(Property(name: "status", value: .string(i == 1 ? "disabled" : "okay")))
      if i != 2 { dev.addProperty(Property(name: "reg", value: .cells([UInt32(i)]))) }
    }
    // A deleted node keeps its properties: none of them counts.
    let gone = Node(name: "gone")
    soc.addChild(gone)
    gone.addProperty(Property(name: "reg", value: .cells([9])))
    gone.markDeleted()
    // A deleted property, then a live one of the same name, then another live one: the first live one counts.
    let twice = Node(name: "twice")
    root.addChild(twice)
    twice.addProperty(Property(name: "reg", value: .cells([1]), deleted: true))
    twice.addProperty(Property(name: "reg", value: .cells([2])))
    twice.addProperty(Property(name: "reg", value: .cells([3])))
    twice.addProperty(Property(name: "reg-names", value: .string("a")))
    return tree
  }

  @Test func propertyIndexMatchesASearchOfEveryNode() {
    let info = TreeInfo(tree: Self.sampleTree())
    for name in ["reg", "status", "compatible", "reg-names", "re", "absent", ""] {
      let searched = info.allNodes.compactMap { n in n.property(name).map { (n, $0) } }
      let indexed = info.nodes(withProperty: name)
      #expect(indexed.map { $0.node.path } == searched.map { $0.0.path }, "\(name)")
      #expect(zip(indexed, searched).allSatisfy { $0.property === $1.1 }, "\(name)")
    }
    #expect(
      info.nodes(withProperty: "reg").map { $0.node.path } == ["/soc@0", "/soc@0/dev@0", "/soc@0/dev@1", "/twice"])
    #expect(info.nodes(withProperty: "reg").last?.property.value.singleCell == 2, "the first live one")
  }

  /// Many distinct names: the table grows and every name is still found.
  @Test func propertyIndexKeepsEveryNameWhenItGrows() {
    let tree = DeviceTree()
    for i in 0..<600 {
      let n = Node(name: "n\(i)")
      tree.root.addChild(n)
      n.addProperty(Property(name: "p\(i)", value: .cells([UInt32(i)])))
      n.addProperty(Property(name: "shared"))
    }
    let info = TreeInfo(tree: tree)
    for i in stride(from: 0, to: 600, by: 37) {
      #expect(info.nodes(withProperty: "p\(i)").map { $0.node.name } == ["n\(i)"])
    }
    #expect(info.nodes(withProperty: "shared").count == 600)
  }

  @Test func byteWiseNameTests() {
    #expect(isGPIOProperty("gpios") && isGPIOProperty("gpio") && isGPIOProperty("reset-gpios"))
    #expect(isGPIOProperty("enable-gpio"))
    #expect(!isGPIOProperty("vendor,nr-gpios") && !isGPIOProperty("ngpios") && !isGPIOProperty("xgpio"))
    #expect(!isGPIOProperty("gpios-x") && !isGPIOProperty("") && !isGPIOProperty("pio"))
    #expect(hasNamesSuffix("clock-names") && hasNamesSuffix("-names") && !hasNamesSuffix("names"))
    #expect(!hasNamesSuffix("clock-name"))

    let v = PropertyValue(bytes: Array("fsl,imx8mp\0simple-bus\0".utf8))
    #expect(v.containsCString("simple-bus") && v.containsCString("fsl,imx8mp"))
    #expect(!v.containsCString("simple") && !v.containsCString("imx8mp"))
    #expect(PropertyValue(bytes: Array("simple-bus".utf8)).containsCString("simple-bus"), "unterminated last string")
    #expect(v.containsBytes("-bus") && v.containsBytes("\0s") && !v.containsBytes("-cm"))
    #expect(!PropertyValue().containsBytes("x"))
  }

  @Test func baseNameOnBytes() {
    #expect(Node(name: "spi@1000").hasBaseName("spi") && Node(name: "spi").hasBaseName("spi"))
    #expect(!Node(name: "spi1@1000").hasBaseName("spi") && !Node(name: "sp").hasBaseName("spi"))
    #expect(!Node(name: "spi-bus").hasBaseName("spi") && Node(name: "i2c-bus@2").hasBaseName("i2c-bus"))
    #expect(Node(name: "endpoint@1@2").hasBaseName("endpoint"))
  }

  @Test func pathLookupOnBytesAndOnText() {
    let tree = Self.sampleTree()
    #expect(tree.node(atPath: "/soc@0/dev@1")?.name == "dev@1")
    #expect(tree.node(atPath: "//soc@0///dev@2/")?.name == "dev@2", "empty components are skipped")
    #expect(tree.node(atPath: "/") === tree.root && tree.node(atPath: "") === tree.root)
    #expect(tree.node(atPath: "soc@0") != nil, "relative to the root")
    #expect(tree.node(atPath: "/soc@0/gone") == nil, "deleted")
    #expect(tree.node(atPath: "/soc@0/dev@3") == nil)
    let odd = Node(name: "caf\u{E9}")
    tree.root.addChild(odd)
    #expect(tree.node(atPath: "/caf\u{E9}") === odd, "a path that is not ASCII")
  }
}
