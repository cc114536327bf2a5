import DTCore
import Foundation
import Testing
import _DTTestSupport

/// What dtlint writes it reads back (issue 23): one nesting limit for the compiler and the blob reader, and DTS
/// text from `dump` and `compile -O dts` that compiles again (with dtc and with dtlint) whatever names the blob has.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct RoundTripTests {
  /// A source whose nodes nest `levels` deep, the root counted as level 1.
  static func nested(_ levels: Int) -> String {
    let n = levels - 1
    return "/dts-v1/;\n/ {\n" + (0..<n).map { "n\($0) {\n" }.joined() + String(repeating: "};\n", count: n + 1)
  }

  @Test func theCompilerAndTheReaderShareOneNestingLimit() throws {
    let s = Scratch()
    s.write("ok.dts", Self.nested(512))
    s.write("deep.dts", Self.nested(513))
    // 512 levels compile, and every command reads the blob back.
    let ok = try CLI.run(["compile", "ok.dts", "-o", "ok.dtb"], cwd: s.path)
    #expect(ok.status == 0, "\(ok.stderr)")
    for command in [["dump", "ok.dtb"], ["check", "ok.dtb"], ["diff", "ok.dtb", "ok.dts"]] {
      let r = try CLI.run(command, cwd: s.path)
      #expect(r.status == 0, "\(command): \(r.stderr)\(r.stdout.prefix(500))")
    }
    // 513 are refused by the compiler with the message the reader gives, at the node that is one too deep.
    let deep = try CLI.run(["compile", "deep.dts", "-o", "deep.dtb"], cwd: s.path)
    #expect(deep.status == 2)
    #expect(deep.stderr.contains("deep.dts:514:6: error: nodes are nested more than 512 levels deep"), "\(deep.stderr)")
    #expect(!s.exists("deep.dtb"))
  }

  @Test func nestingAddedThroughLabelsIsCountedInTheMergedTree() throws {
    let s = Scratch()
    // Two blocks of 300 levels, each within the limit; `&x { … }` puts the second under the first's leaf.
    let n = 300
    var text = "/dts-v1/;\n/ {\n" + (0..<n).map { "a\($0) {\n" }.joined() + "x: leaf { };\n"
    text += String(repeating: "};\n", count: n + 1)
    text += "&x {\n" + (0..<n).map { "b\($0) {\n" }.joined() + String(repeating: "};\n", count: n + 1)
    s.write("merge.dts", text)
    let r = try CLI.run(["compile", "merge.dts", "-o", "out.dtb"], cwd: s.path)
    #expect(r.status == 2)
    // Level 513 is b210: the root, a0…a299, the leaf, b0…b210.
    #expect(r.stderr.contains("merge.dts:"), "\(r.stderr)")
    #expect(r.stderr.contains("nodes are nested more than 512 levels deep"), "\(r.stderr)")
    #expect(r.stderr.contains("b210 {"), "the snippet shows the node one level too deep: \(r.stderr)")
    #expect(!s.exists("out.dtb"))
  }

  /// A blob with names DTS cannot write: `__symbols__` entries with a space, a colon, a leading digit or nothing,
  /// properties and nodes named with a space or nothing, a `__fixups__` reference to a label with a space.
  static func hostileBlob() -> [UInt8] {
    func cell(_ v: UInt32) -> PropertyValue { PropertyValue(bytes: [0, 0, 0, UInt8(v)]) }
    func string(_ s: String) -> PropertyValue { PropertyValue(bytes: Array(s.utf8) + [0]) }
    let root = Node(name: "")
    root.properties = [Property(name: "model", value: string("x"))]
    let a = Node(name: "a")
    a.properties = [
      Property(name: "p q", value: cell(1)), Property(name: "", value: cell(2)), Property(name: "ok", value: cell(3)),
    ]
    let spaced = Node(name: "b c")
    spaced.addChild(Node(name: "below"))
    let target = Node(name: "target")
    target.properties = [Property(name: "phandle", value: cell(1))]
    let user = Node(name: "user")
    user.properties = [Property(name: "ref", value: cell(0xff)), Property(name: "local", value: cell(1))]
    let symbols = Node(name: "__symbols__")
    symbols.properties = [
      Property(name: "foo bar", value: string("/a")), Property(name: "x:y", value: string("/target")),
      Property(name: "", value: string("/a")), Property(name: "good", value: string("/target")),
      Property(name: "9lab", value: string("/a")),
    ]
    let fixups = Node(name: "__fixups__")
    fixups.properties = [Property(name: "ext label", value: string("/user:ref:0"))]
    let localFixups = Node(name: "__local_fixups__")
    let localUser = Node(name: "user")
    localUser.properties = [Property(name: "local", value: cell(0))]
    localFixups.addChild(localUser)
    for n in [a, spaced, Node(name: ""), target, user, symbols, fixups, localFixups] { root.addChild(n) }
    return DTBWriter.blob(of: DeviceTree(root: root))
  }

  @Test func dumpedDTSCompilesAgainWhateverTheBlobNames() throws {
    let s = Scratch()
    s.write("hostile.dtb", bytes: Self.hostileBlob())
    let dump = try CLI.run(["dump", "hostile.dtb"], cwd: s.path)
    #expect(dump.status == 0, "\(dump.stderr)")
    let text = dump.stdout
    s.write("dumped.dts", text)
    // Valid labels and names are kept; the others are comments, each also a warning naming the node.
    #expect(text.contains("good: target {"), "\(text)")
    #expect(text.contains("9lab = \"/a\";"), "a name may start with a digit, a label may not: \(text)")
    #expect(text.contains("/* labels \"9lab\", \"\", \"foo bar\" of this node: not DTS labels"), "\(text)")
    #expect(text.contains("/* property \"p q\": DTS cannot write this name"), "\(text)")
    #expect(text.contains("/* node \"b c\" and the 1 node below it: DTS cannot write this name"), "\(text)")
    #expect(text.contains("ref = <0xff>;"), "a reference to a label DTS cannot write is the cell: \(text)")
    #expect(text.contains("local = <&good>;"), "\(text)")
    for w in [
      "warning: hostile.dtb: /a: property \"\": DTS cannot write an empty name, left out",
      "warning: hostile.dtb: /: node \"b c\"", "warning: hostile.dtb: /target: label \"x:y\" of this node",
      "warning: hostile.dtb: /__symbols__: property \"foo bar\"",
    ] {
      #expect(dump.stderr.contains(w), "expected '\(w)' in: \(dump.stderr)")
    }
    // The text compiles again: with dtlint, and with dtc where it is installed.
    let again = try CLI.run(["compile", "dumped.dts", "-o", "again.dtb"], cwd: s.path)
    #expect(again.status == 0, "\(again.stderr)")
    let redump = try CLI.run(["dump", "again.dtb"], cwd: s.path)
    #expect(redump.status == 0, "\(redump.stderr)")
    // Left to warn about: the `9lab` entry of __symbols__, a valid property name that still labels /a.
    let warnings = redump.stderr.split(separator: "\n")
    #expect(warnings.count == 1 && warnings.allSatisfy { $0.contains("label \"9lab\"") }, "\(redump.stderr)")
    if let dtc = try InstalledDtc.run(["-q", "-I", "dts", "-O", "dtb", "-o", "dtc.dtb", "dumped.dts"], cwd: s.path) {
      #expect(dtc.status == 0, "dtc refused the dumped text:\n\(text)\n\(dtc.stderr)")
    }
    // compile -O dts writes the same text.
    let viaCompile = try CLI.run(["compile", "hostile.dtb", "-O", "dts", "-o", "-"], cwd: s.path)
    #expect(viaCompile.stdout == text)
  }

  /// A comment cannot be closed early by a name holding `*/`.
  @Test func namesInCommentsCannotCloseThem() throws {
    let s = Scratch()
    let root = Node(name: "")
    let n = Node(name: "x*/ y {")
    n.addChild(Node(name: "z"))
    root.addChild(n)
    root.properties = [Property(name: "p*/q", value: PropertyValue(bytes: [1]))]
    s.write("c.dtb", bytes: DTBWriter.blob(of: DeviceTree(root: root)))
    let dump = try CLI.run(["dump", "c.dtb"], cwd: s.path)
    #expect(dump.status == 0)
    s.write("c.dts", dump.stdout)
    let again = try CLI.run(["compile", "c.dts", "-o", "c2.dtb"], cwd: s.path)
    #expect(again.status == 0, "\(dump.stdout)\n\(again.stderr)")
  }
}
