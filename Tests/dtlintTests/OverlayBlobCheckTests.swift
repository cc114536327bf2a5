import Foundation
import Testing
import _DTTestSupport

/// `check OV --base BASE` says what `apply BASE OV` says (issue 23): an overlay blob that does not fit its base is an
/// error naming the fragment (exit 1) as the same overlay in source is, a malformed one an input error (exit 2),
/// and a tree with nothing to apply (no fragment) is refused, never a silent no-op.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct OverlayBlobCheckTests {
  static func scratch() throws -> Scratch {
    let s = Scratch()
    s.write("base.dts", "/dts-v1/;\n/ { l: n { }; };\n")
    s.write("bad.dtso", "/dts-v1/;\n/plugin/;\n&nolabel { x = <1>; };\n")
    s.write("ok.dtso", "/dts-v1/;\n/plugin/;\n&l { x = <1>; };\n")
    s.write("plain.dts", "/dts-v1/;\n/ { y { }; };\n")
    s.write("empty.dtso", "/dts-v1/;\n/plugin/;\n/ { };\n")
    for args in [
      ["compile", "-@", "base.dts", "-o", "good.dtb"], ["compile", "base.dts", "-o", "nosym.dtb"],
      ["compile", "bad.dtso", "-o", "bad.dtbo"], ["compile", "ok.dtso", "-o", "ok.dtbo"],
      ["compile", "plain.dts", "-o", "plain.dtb"],
    ] {
      let r = try CLI.run(args, cwd: s.path)
      #expect(r.status == 0, "\(args): \(r.stderr)")
    }
    // Fixups that point past their property, and one that is not path:property:offset.
    let ok = [UInt8](FileManager.default.contents(atPath: s.path + "/ok.dtbo") ?? Data())
    let entry = Array("/fragment@0:target:0".utf8)
    guard let at = ok.indices.first(where: { ok[$0...].starts(with: entry) }) else {
      Issue.record("no __fixups__ entry in ok.dtbo")
      return s
    }
    var past = ok
    past[at + entry.count - 1] = UInt8(ascii: "9")
    s.write("past.dtbo", bytes: past)
    var colons = ok
    colons[at + entry.count - 2] = UInt8(ascii: "_")  // "/fragment@0:target_0": two fields
    s.write("colons.dtbo", bytes: colons)
    return s
  }

  struct Case {
    var base: String
    var overlay: String
    var status: Int32
    var mentions: [String]
  }

  static let cases: [Case] = [
    Case(
      base: "good.dtb", overlay: "bad.dtbo", status: 1,
      mentions: ["bad.dtbo", "nolabel", "/__symbols__"]),
    Case(
      base: "nosym.dtb", overlay: "ok.dtbo", status: 1,
      mentions: ["ok.dtbo", "no /__symbols__ node", "-@"]),
    Case(
      base: "ok.dtbo", overlay: "ok.dtbo", status: 1,
      mentions: ["ok.dtbo: the base is itself an overlay (it has fragment fragment@0 with __overlay__, __fixups__)"]),
    Case(
      base: "good.dtb", overlay: "plain.dtb", status: 1,
      mentions: ["plain.dtb: not an overlay with content: no fragment", "applying it to good.dtb would change nothing"]),
    Case(
      base: "good.dtb", overlay: "plain.dts", status: 1,
      mentions: ["plain.dts: not an overlay with content: no fragment"]),
    Case(
      base: "good.dtb", overlay: "empty.dtso", status: 1,
      mentions: ["empty.dtso: not an overlay with content: no fragment"]),
    Case(
      base: "good.dtb", overlay: "past.dtbo", status: 2,
      mentions: ["past.dtbo: malformed overlay: __fixups__ entry \"/fragment@0:target:9\" for l: offset 9 is past"]),
    Case(
      base: "good.dtb", overlay: "colons.dtbo", status: 2,
      mentions: ["colons.dtbo: malformed overlay: __fixups__ entry \"/fragment@0:target_0\" for l is not path:"]),
  ]

  @Test func checkSaysWhatApplySays() throws {
    let s = try Self.scratch()
    for c in Self.cases {
      let apply = try CLI.run(["apply", c.base, c.overlay, "-o", "out.dtb"], cwd: s.path)
      let check = try CLI.run(["check", c.overlay, "--base", c.base], cwd: s.path)
      let chain = try CLI.run(["check", c.base, "--overlay", c.overlay], cwd: s.path)
      for (name, r) in [("apply", apply), ("check --base", check), ("check --overlay", chain)] {
        let out = r.stdout + r.stderr
        #expect(r.status == c.status, "\(name) \(c.base) \(c.overlay) → \(r.status): \(out)")
        for m in c.mentions { #expect(out.contains(m), "\(name) \(c.base) \(c.overlay): expected '\(m)' in \(out)") }
        #expect(!out.contains("no findings"), "\(name) \(c.base) \(c.overlay): \(out)")
      }
      #expect(!s.exists("out.dtb"), "apply \(c.base) \(c.overlay) wrote its output")
    }
  }

  @Test func aBlobOverlayIsJudgedAsItsSourceIs() throws {
    let s = try Self.scratch()
    // The unresolvable label: the source names its line, the blob its fragment; both exit 1.
    let source = try CLI.run(["check", "bad.dtso", "--base", "good.dtb"], cwd: s.path)
    let blob = try CLI.run(["check", "bad.dtbo", "--base", "good.dtb"], cwd: s.path)
    #expect(source.status == 1 && blob.status == 1)
    #expect(
      source.stdout.contains("bad.dtso:3:1: error: overlay target &nolabel is not in the base"), "\(source.stdout)")
    #expect(blob.stdout.contains("bad.dtbo: error: overlay target &nolabel is not in the base"), "\(blob.stdout)")
    #expect(blob.stdout.contains("at /fragment@0:target"), "the fragment is named: \(blob.stdout)")
    // An overlay that fits is still clean in both forms.
    for ov in ["ok.dtso", "ok.dtbo"] {
      let r = try CLI.run(["check", ov, "--base", "good.dtb"], cwd: s.path)
      #expect(r.status == 0, "\(ov): \(r.stdout)\(r.stderr)")
    }
    let applied = try CLI.run(["apply", "good.dtb", "ok.dtbo", "-o", "merged.dtb"], cwd: s.path)
    #expect(applied.status == 0, "\(applied.stderr)")
  }
}
