import Foundation
import Testing
import _DTTestSupport

/// `dtlint diff` as a user runs it, on the Verdin-like fixtures of `Tests/Fixtures/diff` (written for these tests)
/// and, when it is there, the shared corpus (read in place).
enum DiffCLIFixtures {
  static let dir: String = {
    var url = URL(fileURLWithPath: #filePath)
    url.deleteLastPathComponent()
    url.deleteLastPathComponent()
    return url.appendingPathComponent("Fixtures/diff").path
  }()

  static func text(_ name: String) -> String {
    (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? ""
  }

  /// A scratch directory with the fixtures and `base.dtb` (-@), `base-plain.dtb`, `hmp.dtbo` compiled by dtlint.
  static func scratch() throws -> Scratch {
    let s = Scratch()
    for name in ["verdin-like.dtsi", "base.dts", "hmp.dtso", "custom.dts"] { s.write(name, text(name)) }
    for (args, out) in [
      (["base.dts", "-@"], "base.dtb"), (["base.dts"], "base-plain.dtb"), (["hmp.dtso", "-@"], "hmp.dtbo"),
    ] {
      let r = try CLI.run(["compile"] + args + ["-o", out], cwd: s.path)
      #expect(r.status == 0, "\(r.stderr)")
    }
    return s
  }

  static func json(_ r: CLI.Result) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
  }

  static func changes(_ r: CLI.Result) -> [[String: Any]] {
    (json(r)?["changes"] as? [[String: Any]]) ?? []
  }

  static var corpus: String { SharedCorpus.linuxDTS }
  static var corpusAvailable: Bool { SharedCorpus.linuxAvailable }
}

@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct DiffCommandTests {
  @Test func everyInputKindAndExitStatus() throws {
    let s = try DiffCLIFixtures.scratch()
    let same: [(String, String)] = [
      ("base.dts", "base.dtb"),  // source vs blob with -@
      ("base-plain.dtb", "base.dtb"),  // blob without vs with -@
      ("hmp.dtso", "hmp.dtbo"),  // overlay as written: source vs blob
      ("base.dtb+hmp.dtbo", "custom.dts"),  // chain of blobs vs flat source
      ("base.dts+hmp.dtso", "custom.dts"),  // chain of sources
      ("base.dtb+hmp.dtso", "base.dts+hmp.dtbo"),  // chain vs chain
    ]
    for (a, b) in same {
      let r = try CLI.run(["diff", a, b], cwd: s.path)
      #expect(r.status == 0, "\(a) vs \(b): \(r.stdout)\(r.stderr)")
      #expect(r.stdout.isEmpty, "\(a) vs \(b): nothing to print when the trees are the same")
    }
    let r = try CLI.run(["diff", "base.dts", "custom.dts"], cwd: s.path)
    #expect(r.status == 1)
    #expect(r.stdout.contains("7 differences: 5 added, 0 removed, 2 changed"), "\(r.stdout)")
  }

  @Test func oneStatusChangeAgainstTheChainIsOneJSONChangeWithItsLine() throws {
    let s = try DiffCLIFixtures.scratch()
    let edited = DiffCLIFixtures.text("custom.dts").replacingOccurrences(
      of: "&i2c3 {\n\tstatus = \"disabled\";", with: "&i2c3 {\n\tstatus = \"okay\";")
    s.write("edited.dts", edited)
    let line = edited.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("\"okay\"") }!
    let r = try CLI.run(["diff", "base.dtb+hmp.dtbo", "edited.dts", "--format", "json"], cwd: s.path)
    #expect(r.status == 1, "\(r.stderr)")
    let doc = try #require(DiffCLIFixtures.json(r), "\(r.stdout)")
    #expect(doc["version"] as? Int == 1)
    let changes = DiffCLIFixtures.changes(r)
    #expect(changes.count == 1, "\(r.stdout)")
    let c = try #require(changes.first)
    #expect(c["kind"] as? String == "changed")
    #expect(c["nodePath"] as? String == "/soc@0/i2c@30a40000")
    #expect(c["property"] as? String == "status")
    #expect((c["a"] as? [[String: Any]])?.first?["value"] as? String == "disabled")
    #expect((c["a"] as? [[String: Any]])?.first?["type"] as? String == "string")
    #expect((c["b"] as? [[String: Any]])?.first?["value"] as? String == "okay")
    #expect(c["aLocation"] is NSNull, "a blob overlay has no source")
    let loc = try #require(c["bLocation"] as? [String: Any])
    #expect(loc["file"] as? String == "edited.dts")
    #expect(loc["line"] as? Int == line + 1)
    #expect(loc["column"] as? Int == 2)

    // Text: grouped under the node, each side with its location.
    let t = try CLI.run(["diff", "base.dtb+hmp.dtso", "edited.dts"], cwd: s.path)
    #expect(t.status == 1)
    #expect(t.stdout.contains("~ /soc@0/i2c@30a40000\n  ~ status\n"), "\(t.stdout)")
    #expect(t.stdout.contains("      - \"disabled\";  (hmp.dtso:"), "\(t.stdout)")
    #expect(t.stdout.contains("      + \"okay\";  (edited.dts:\(line + 1):2)"), "\(t.stdout)")
    #expect(t.stdout.hasSuffix("1 difference: 0 added, 0 removed, 1 changed\n"))
  }

  @Test func nodesAddedAndRemovedAndTypedReferencesInJSON() throws {
    let s = try DiffCLIFixtures.scratch()
    let r = try CLI.run(["diff", "base.dtb", "base.dtb+hmp.dtbo", "--format", "json"], cwd: s.path)
    #expect(r.status == 1)
    let changes = DiffCLIFixtures.changes(r)
    let rproc = try #require(changes.first { $0["nodePath"] as? String == "/imx8mp-cm7" })
    #expect(rproc["kind"] as? String == "added")
    #expect(rproc["property"] is NSNull)
    #expect(rproc["a"] is NSNull)
    let node = try #require(rproc["b"] as? [String: Any])
    #expect(node["type"] as? String == "node")
    let props = try #require(node["properties"] as? [String: Any])
    let mboxes = try #require(props["mboxes"] as? [[String: Any]])
    #expect(mboxes.count == 3, "one group per channel: \(mboxes)")
    let first = try #require(mboxes.first)
    #expect(first["type"] as? String == "reference")
    #expect(first["args"] as? [String] == ["0x0", "0x1"])
    let target = try #require(first["target"] as? [String: Any])
    #expect(target["path"] as? String == "/soc@0/mailbox@30aa0000")
    #expect(target["label"] as? String == "mu")
    #expect(rproc["bText"] as? String != nil)

    let text = try CLI.run(["diff", "base.dtb", "base.dtb+hmp.dtbo"], cwd: s.path)
    #expect(
      text.stdout.contains("+     mboxes = <&mu 0x00 0x01>, <&mu 0x01 0x01>, <&mu 0x03 0x01>;"), "\(text.stdout)")
    #expect(text.stdout.contains("+ /reserved-memory/rsc-table@550ff000\n"), "\(text.stdout)")
  }

  @Test func colourOnlyWhenAskedOrOnATerminal() throws {
    let s = try DiffCLIFixtures.scratch()
    let always = try CLI.run(["diff", "base.dts", "custom.dts", "--color", "always"], cwd: s.path)
    #expect(always.stdout.contains("\u{1B}["))
    let auto = try CLI.run(["diff", "base.dts", "custom.dts"], cwd: s.path)
    #expect(!auto.stdout.contains("\u{1B}["), "not a terminal")
    let noColor = try CLI.run(
      ["diff", "base.dts", "custom.dts", "--color", "auto"], cwd: s.path, env: ["NO_COLOR": "1"])
    #expect(!noColor.stdout.contains("\u{1B}["))
    let json = try CLI.run(["diff", "base.dts", "custom.dts", "--format", "json", "--color", "always"], cwd: s.path)
    #expect(!json.stdout.contains("\u{1B}["))
  }

  @Test func bookkeepingOnlyWhenAsked() throws {
    let s = try DiffCLIFixtures.scratch()
    let r = try CLI.run(
      ["diff", "base-plain.dtb", "base.dtb", "--include-bookkeeping", "--format", "json"], cwd: s.path)
    #expect(r.status == 1)
    let changes = DiffCLIFixtures.changes(r)
    #expect(changes.contains { $0["nodePath"] as? String == "/__symbols__" && $0["kind"] as? String == "added" })
    #expect(changes.allSatisfy { ($0["property"] as? String).map { $0 == "phandle" } ?? true }, "\(r.stdout)")
  }

  @Test func hmpScopeAndManifest() throws {
    let s = try DiffCLIFixtures.scratch()
    let r = try CLI.run(["diff", "base.dts", "base.dts+hmp.dtso", "--hmp", "--format", "json"], cwd: s.path)
    #expect(r.status == 1)
    let paths = DiffCLIFixtures.changes(r).map {
      "\($0["nodePath"] as? String ?? "") \($0["property"] as? String ?? "-")"
    }
    #expect(
      paths == [
        "/imx8mp-cm7 -", "/reserved-memory/rsc-table@550ff000 -", "/reserved-memory/vdev0vring0@55000000 -",
        "/reserved-memory/vdev0vring1@55008000 -", "/reserved-memory/vdevbuffer@55400000 -",
      ], "uart4 and i2c3 are outside the HMP scope")
    s.write("m7.yaml", "soc: imx8mp\nperipherals: [uart4, 0x30a40000, gpt1]\npins:\n  pads: [UART4_RXD]\n")
    let m = try CLI.run(["diff", "base.dts", "base.dts+hmp.dtso", "--m7", "m7.yaml", "--format", "json"], cwd: s.path)
    #expect(m.status == 1)
    let more = DiffCLIFixtures.changes(m).map {
      "\($0["nodePath"] as? String ?? "") \($0["property"] as? String ?? "-")"
    }
    #expect(more == paths + ["/soc@0/i2c@30a40000 status", "/soc@0/serial@30a60000 status"], "\(more)")
    #expect(m.stderr.contains("'gpt1'"), "\(m.stderr)")
    #expect(m.stderr.contains("pads"), "\(m.stderr)")
    // Nothing HMP-related differs between the base and the flat board with the overlay's content.
    let none = try CLI.run(["diff", "base.dtb+hmp.dtbo", "custom.dts", "--hmp"], cwd: s.path)
    #expect(none.status == 0)
    s.write("bad.yaml", "peripherals: {uart4: 1}\n")
    let bad = try CLI.run(["diff", "base.dts", "custom.dts", "--m7", "bad.yaml"], cwd: s.path)
    #expect(bad.status == 2)
    #expect(bad.stderr.contains("bad.yaml:1:"), "\(bad.stderr)")
  }

  @Test func unreadableOrRefusedInputsExitTwo() throws {
    let s = try DiffCLIFixtures.scratch()
    s.write("syntax.dts", "/dts-v1/;\n/ {\n\ta = <1;\n};\n")
    s.write("missing-include.dts", "/dts-v1/;\n#include \"nowhere.dtsi\"\n/ { };\n")
    let cases: [([String], String)] = [
      (["absent.dts", "base.dts"], "absent.dts"),
      (["base.dts", "syntax.dts"], "syntax.dts:3:"),
      (["missing-include.dts", "base.dts"], "nowhere.dtsi"),
      (["base-plain.dtb+hmp.dtbo", "custom.dts"], "-@"),
      (["base.dtb+", "custom.dts"], "empty part"),
      (["base.dtb+absent.dtbo", "custom.dts"], "absent.dtbo"),
    ]
    for (args, message) in cases {
      let r = try CLI.run(["diff"] + args, cwd: s.path)
      #expect(r.status == 2, "\(args): \(r.stderr)")
      #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
      #expect(r.stdout.isEmpty)
    }
    let usage = try CLI.run(["diff", "base.dts"], cwd: s.path)
    #expect(usage.status == 64)
  }

  @Test func helpHasExamples() throws {
    let r = try CLI.run(["diff", "--help"])
    #expect(r.status == 0)
    #expect(r.stdout.contains("Examples:"))
    #expect(r.stdout.contains("BASE+OV1"))
    #expect(r.stdout.contains("--include-bookkeeping"))
    let top = try CLI.run(["--help"])
    #expect(top.stdout.contains("diff"))
  }

  @Test(
    .enabled(if: DiffCLIFixtures.corpusAvailable, "skipped: ../shared/corpus/linux-dts not found beside the package"))
  func verdinWifiVersusNonWifi() throws {
    let args = [
      "diff", "src/arm64/freescale/imx8mp-verdin-wifi-dev.dts", "src/arm64/freescale/imx8mp-verdin-nonwifi-dev.dts",
      "-I", "include", "-I", "src/arm64/freescale", "-I", "src", "--format", "json",
    ]
    let r = try CLI.run(args, cwd: DiffCLIFixtures.corpus)
    #expect(r.status == 1, "\(r.stderr)")
    let changes = DiffCLIFixtures.changes(r)
    #expect(changes.count == 17)
    let bt = changes.first { $0["nodePath"] as? String == "/soc@0/bus@30800000/serial@30a60000/bluetooth" }
    #expect(bt?["kind"] as? String == "removed")
    let loc = bt?["aLocation"] as? [String: Any]
    #expect(loc?["file"] as? String == "src/arm64/freescale/imx8mp-verdin-wifi.dtsi")
    // Only the rproc, MU and reserved-memory parts: the two boards are the same there.
    let hmp = try CLI.run(Array(args.dropLast(2)) + ["--hmp"], cwd: DiffCLIFixtures.corpus)
    #expect(hmp.status == 0, "\(hmp.stdout)")
  }
}
