import Foundation
import Testing
import _DTTestSupport

/// What dtlint writes it reads back (issue 23): one nesting limit for the compiler and the blob reader.
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
}
