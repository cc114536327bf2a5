import DTHMP
import DTRules
import Foundation
import Testing
import _DTTestSupport

/// Every rule the kernel message catalog names (to explain a cause or to rule a line out) is registered.
@Suite struct KernelMessageCatalogRuleTests {
  @Test func catalogNamesOnlyRegisteredRules() throws {
    let ids = Set(RuleRegistry.shared.descriptions.map(\.id))
    let catalog = try KernelMessageCatalog.bundled()
    var named = 0
    for m in catalog.messages {
      for cause in m.causes + m.errnoVariants.flatMap(\.causes) {
        for r in cause.rules {
          named += 1
          #expect(ids.contains(r), "\(m.id): unknown rule \(r)")
        }
      }
      for x in m.exclusions { #expect(ids.contains(x.rule), "\(m.id): unknown rule \(x.rule)") }
    }
    #expect(named > 30)
  }
}

/// `dtlint hmp explain-log`, run as users run it, on the story's log and tree (Examples/verdin-imx8mp-custom).
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct ExplainLogCommandTests {
  static let example = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom"
  static let story = ["hmp", "explain-log", "boot.log", "board.dts", "-I", "include", "--m7", "m7.yaml"]

  /// The line of board.dts that enables I2C4 for Linux (a real finding, not a cause of the story's -62).
  static func i2c4StatusLine() throws -> Int {
    let board = try String(contentsOfFile: example + "/board.dts", encoding: .utf8)
    let lines = board.split(separator: "\n", omittingEmptySubsequences: false)
    let start = try #require(lines.firstIndex { $0.hasPrefix("&i2c4 {") })
    let status = try #require(lines[start...].firstIndex { $0.contains("status = \"okay\";") })
    return status + 1
  }

  /// Done when (issue 5): the story's line is explained as ETIME, the 100 ms mailbox timeout and vring 1
  /// (Linux → M7). Issue 15: a firmware task blocked on the I2C bus Linux also drives is not a cause of -62
  /// (rpmsg-lite reads the MU in its ISR, HMPFacts §15.9), and "started too early" is not offered when the log
  /// shows Linux attaching.
  @Test func storyLogWithStoryTree() throws {
    let r = try CLI.run(Self.story + ["--kernel", "toradex-bsp6"], cwd: Self.example)
    #expect(r.status == 1, "a recognised problem: \(r.stderr)")
    let out = r.stdout
    #expect(out.contains("boot.log:31: error: imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)"), "\(out)")
    #expect(out.contains("repeated 3 times, same values: lines 32, 33, 34"))
    #expect(out.contains("errno:   -62 = ETIME (Timer expired)"))
    #expect(out.contains("vring 1 of vdev 0 (region vdev0vring1): Linux → M7"))
    #expect(out.contains("timeout: 100 ms"))
    let line = try Self.i2c4StatusLine()
    // I2C4's line explains -62 only through its clock (issue 16), never as a shared controller.
    #expect(out.contains("explained by board.dts:\(line):2: warning: i2c4 (i2c@30a50000) belongs to the M7"), "\(out)")
    // The ownership finding is listed among the tree's untied findings, never as what explains -62.
    #expect(!out.contains("explained by board.dts:\(line):2: error: i2c4"), "the ownership rules are no cause of -62")
    #expect(out.contains("a firmware task blocked on a peripheral does not cause this"))
    #expect(out.contains("MU1_M7_IRQHandler calls MU_ReceiveMsgNonBlocking"))
    #expect(!out.contains("Linux started the M7 and kicked it before"), "the log shows attaching to imx-rproc")
    #expect(out.contains("[inference]"))
    // The example tree carries a 32-bit reg the board cannot have run with: said, not hidden.
    #expect(out.contains("the tree contradicts this line:"))
    #expect(out.contains("[hmp_reserved_memory_format]"))
    // On mainline the rsc_table name contradicts it too.
    let mainline = try CLI.run(Self.story + ["--kernel", "mainline"], cwd: Self.example)
    #expect(mainline.stdout.contains("[hmp_rsc_table_name]"), "\(mainline.stdout)")
  }

  @Test func logAloneNamesTheRulesThatWouldConfirm() throws {
    let r = try CLI.run(["hmp", "explain-log", "boot.log"], cwd: Self.example)
    #expect(r.status == 1)
    #expect(r.stdout.contains("no tree given"))
    #expect(
      r.stdout.contains(
        "would be confirmed by a finding of: hmp_firmware_rsc_table, hmp_firmware_vring_mismatch"), "\(r.stdout)")
    #expect(!r.stdout.contains("hmp_peripheral_conflict"))
    #expect(r.stdout.contains("a finding of these rules would contradict this line:"))
    #expect(r.stdout.contains("ETIME"))
    #expect(r.stdout.contains("the mainline kernel (assumed; set --kernel)"))
  }

  @Test func manifestRulesSayTheyNeedTheManifest() throws {
    let r = try CLI.run(["hmp", "explain-log", "boot.log", "board.dts", "-I", "include"], cwd: Self.example)
    #expect(r.stdout.contains("hmp_firmware_rsc_table (not checked: needs --m7)"), "\(r.stdout)")
  }

  @Test func jsonShape() throws {
    let r = try CLI.run(Self.story + ["--kernel", "toradex-bsp6", "--format", "json"], cwd: Self.example)
    #expect(r.status == 1)
    let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(root["version"] as? Int == 1)
    #expect((root["tool"] as? [String: Any])?["name"] as? String == "dtlint")
    #expect(root["log"] as? String == "boot.log")
    #expect(root["kernel"] as? String == "nxp-5.15")
    #expect(root["kernelAssumed"] as? Bool == false)
    #expect(root["trees"] as? [String] == ["board.dts"])
    #expect(root["lines"] as? Int == 34)
    // The kernel command line (line 14) is recognised as context since issue 16.
    #expect(root["recognisedLines"] as? Int == 11)
    #expect(root["unrecognisedLines"] as? Int == 23)
    let bootargs = root["bootargs"] as? [String: Any]
    #expect((bootargs?["source"] as? String)?.contains("boot.log:14") == true, "\(String(describing: bootargs))")
    #expect(root["problems"] as? Int == 1)
    let findings = try #require(root["findings"] as? [[String: Any]])
    #expect(findings.contains { $0["rule"] as? String == "hmp_peripheral_conflict" })
    let messages = try #require(root["messages"] as? [[String: Any]])
    let kick = try #require(messages.first { $0["id"] as? String == "imx_rproc_kick_failed" })
    #expect(kick["line"] as? Int == 31)
    #expect(kick["repeats"] as? [Int] == [32, 33, 34])
    #expect(kick["severity"] as? String == "error")
    #expect(kick["device"] as? String == "imx-rproc imx8mp-cm7")
    #expect(kick["time"] as? String == "1520.220871")
    #expect(kick["function"] as? String == "imx_rproc_kick")
    #expect((kick["values"] as? [String: String])?["notifyid"] == "1")
    let errno = try #require(kick["errno"] as? [String: Any])
    #expect(errno["name"] as? String == "ETIME" && errno["number"] as? Int == 62 && errno["value"] as? Int == -62)
    let vring = try #require(kick["vring"] as? [String: Any])
    #expect(vring["ring"] as? Int == 1 && vring["region"] as? String == "vdev0vring1")
    #expect(vring["direction"] as? String == "Linux → M7")
    #expect(kick["txTimeoutMs"] as? Int == 100)
    let causes = try #require(kick["causes"] as? [[String: Any]])
    #expect(causes.allSatisfy { ["verified", "inference", "not-verified"].contains($0["status"] as? String ?? "") })
    let tied = causes.flatMap { ($0["findings"] as? [[String: Any]]) ?? [] }
    #expect(!tied.contains { $0["rule"] as? String == "hmp_peripheral_conflict" })
    let finding = try #require(findings.first { $0["rule"] as? String == "hmp_peripheral_conflict" })
    #expect(finding["file"] as? String == "board.dts")
    #expect(finding["line"] as? Int == (try Self.i2c4StatusLine()))
    #expect(finding["column"] as? Int == 2)
    let contradictions = try #require(kick["contradictions"] as? [[String: Any]])
    #expect(contradictions.map { $0["rule"] as? String } == ["hmp_reserved_memory_format"])
    let context = try #require(messages.first { $0["id"] as? String == "rproc_attaching" })
    #expect(context["severity"] as? String == "info")
    #expect(context["device"] as? String == "remoteproc remoteproc0")
  }

  /// Issue 15: a malformed region contradicts a kick only when the imx-rproc node lists it.
  @Test func malformedRegionContradictsOnlyWhenListed() throws {
    let s = TestDirectory(prefix: "dtlint-explain")
    let log = s.write(
      "boot.log",
      "[    2.312421] remoteproc remoteproc0: attaching to imx-rproc\n"
        + "[ 1520.220871] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)\n")
    func tree(listed: Bool) -> String {
      let regions = [
        "vdevbuffer: vdevbuffer@55400000 { compatible = \"shared-dma-pool\"; reg = <0 0x55400000 0 0x100000>; no-map; };",
        "vdev0vring0: vdev0vring0@55000000 { reg = <0 0x55000000 0 0x8000>; no-map; };",
        "vdev0vring1: vdev0vring1@55008000 { reg = <0 0x55008000 0 0x8000>; no-map; };",
        "rsc_table: rsc-table@550ff000 { reg = <0 0x550ff000 0 0x1000>; no-map; };",
        "shm: shm@40000000 { reg = <0x40000000 0x10000000>; no-map; };",  // 1+1 cells under 2+2
      ]
      let refs = "<&vdevbuffer>, <&vdev0vring0>, <&vdev0vring1>, <&rsc_table>" + (listed ? ", <&shm>" : "")
      return
        "/dts-v1/;\n/ {\n\tcompatible = \"acme,board\", \"fsl,imx8mp\";\n\t#address-cells = <2>; #size-cells = <2>;\n"
        + "\treserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;\n"
        + regions.map { "\t\t" + $0 + "\n" }.joined() + "\t};\n"
        + "\timx8mp-cm7 { compatible = \"fsl,imx8mp-cm7\"; memory-region = \(refs); };\n};\n"
    }
    let unlisted = s.write("unlisted.dts", tree(listed: false))
    let r = try CLI.run(["hmp", "explain-log", log, unlisted, "--kernel", "nxp-6"])
    #expect(r.status == 1)
    #expect(!r.stdout.contains("the tree contradicts this line:"), "\(r.stdout)")
    let u = try CLI.run(["hmp", "explain-log", log, unlisted, "--kernel", "nxp-6", "--format", "json"])
    let uRoot = try #require(try JSONSerialization.jsonObject(with: Data(u.stdout.utf8)) as? [String: Any])
    let uFindings = try #require(uRoot["findings"] as? [[String: Any]])
    #expect(uFindings.contains { $0["rule"] as? String == "hmp_reserved_memory_format" }, "\(u.stdout)")
    let uKick = try #require(
      (uRoot["messages"] as? [[String: Any]])?.first { $0["id"] as? String == "imx_rproc_kick_failed" })
    #expect((uKick["contradictions"] as? [[String: Any]])?.isEmpty == true)

    let listed = s.write("listed.dts", tree(listed: true))
    let l = try CLI.run(["hmp", "explain-log", log, listed, "--kernel", "nxp-6", "--format", "json"])
    let root = try #require(try JSONSerialization.jsonObject(with: Data(l.stdout.utf8)) as? [String: Any])
    let messages = try #require(root["messages"] as? [[String: Any]])
    let kick = try #require(messages.first { $0["id"] as? String == "imx_rproc_kick_failed" })
    let contradictions = try #require(kick["contradictions"] as? [[String: Any]])
    #expect(contradictions.map { $0["rule"] as? String } == ["hmp_reserved_memory_format"], "\(l.stdout)")
  }

  @Test func readsStandardInput() throws {
    let binary = try #require(CLI.binary)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "cat boot.log | '\(binary)' hmp explain-log - --format json"]
    p.currentDirectoryURL = URL(fileURLWithPath: Self.example)
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(p.terminationStatus == 1)
    let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(root["log"] as? String == "<stdin>")
    #expect((root["messages"] as? [[String: Any]])?.contains { $0["id"] as? String == "imx_rproc_kick_failed" } == true)
  }

  @Test func missingLogExitsTwoNamingIt() throws {
    let r = try CLI.run(["hmp", "explain-log", "no-such.log"], cwd: Self.example)
    #expect(r.status == 2)
    #expect(r.stderr.contains("no-such.log"), "\(r.stderr)")
    #expect(r.stdout.isEmpty)
    let tree = try CLI.run(["hmp", "explain-log", "boot.log", "no-such.dts"], cwd: Self.example)
    #expect(tree.status == 2)
    #expect(tree.stderr.contains("no-such.dts"), "\(tree.stderr)")
  }

  @Test func cleanLogExitsZeroAndUsageErrorsExit64() throws {
    let s = Scratch()
    s.write("ok.log", "[    2.312421] remoteproc remoteproc0: attaching to imx-rproc\n[    3.0] eth0: link up\n")
    let r = try CLI.run(["hmp", "explain-log", "ok.log"], cwd: s.path)
    #expect(r.status == 0, "\(r.stdout)")
    #expect(r.stdout.contains("ok.log: 2 lines, 1 recognised: 1 message (0 problems, 1 context), 1 not recognised"))
    s.write("none.log", "hello\n")
    let none = try CLI.run(["hmp", "explain-log", "none.log"], cwd: s.path)
    #expect(none.status == 0)
    #expect(none.stdout.contains("No remoteproc, RPMsg, MU mailbox or reserved-memory message"))
    #expect(try CLI.run(["hmp", "explain-log"], cwd: s.path).status == 64)
    #expect(try CLI.run(["hmp", "explain-log", "ok.log", "--format", "sarif"], cwd: s.path).status == 64)
    #expect(try CLI.run(["hmp", "explain-log", "ok.log", "--base", "b.dts"], cwd: s.path).status == 64)
  }

  /// A tree without mbox-names and the log it gives (journalctl -k format): the verified cause, tied to the
  /// hmp_mbox_names finding.
  @Test func missingMboxNamesTiedToItsFinding() throws {
    let s = Scratch()
    try FileManager.default.copyItem(atPath: Self.example, toPath: s.path + "/ex")
    let board = try String(contentsOfFile: s.path + "/ex/board.dts", encoding: .utf8)
    let edited = board.split(separator: "\n", omittingEmptySubsequences: false).filter {
      !$0.contains("mbox-names = ")
    }
    try edited.joined(separator: "\n").write(toFile: s.path + "/ex/board.dts", atomically: true, encoding: .utf8)
    try FileManager.default.copyItem(
      atPath: SharedCorpus.packageRoot + "/Tests/Fixtures/logs/no-mbox-names.log", toPath: s.path + "/ex/kernel.log")
    let r = try CLI.run(["hmp", "explain-log", "kernel.log", "board.dts", "-I", "include"], cwd: s.path + "/ex")
    #expect(r.status == 1)
    #expect(
      r.stdout.contains("kernel.log:8: error: imx-rproc imx8mp-cm7: No initialized mbox tx channel"), "\(r.stdout)")
    #expect(r.stdout.contains("repeated 1 time, same values: line 12"))
    #expect(r.stdout.contains("1. [verified] The imx-rproc node has no mbox-names"))
    let mboxes = try #require(edited.firstIndex { $0.contains("mboxes = ") }) + 1
    #expect(
      r.stdout.contains("explained by board.dts:\(mboxes):3: error: node /imx8mp-cm7 has 'mboxes' but no 'mbox-names'"),
      "\(r.stdout)")
    #expect(
      r.stdout.contains("kernel.log: 12 lines, 7 recognised: 6 messages (1 problem, 5 context), 5 not recognised"))
  }

  /// NXP 5.4 kernels wait 50 ms; the explanation follows --kernel.
  @Test func timeoutFollowsTheKernelFlavor() throws {
    let r = try CLI.run(["hmp", "explain-log", "boot.log", "--kernel", "toradex-bsp5"], cwd: Self.example)
    #expect(r.stdout.contains("timeout: 50 ms"), "\(r.stdout)")
  }

  /// Issue 18: the explanation names the manifest's core and MU; the story's log with an i.MX 8M Mini manifest
  /// speaks of the M4, in text and JSON, and leaves nothing behind.
  @Test func manifestSoCNamesTheCore() throws {
    let s = Scratch()
    s.write("m4.yaml", "soc: imx8mm\nperipherals: [i2c4]\n")
    let log = Self.example + "/boot.log"
    let r = try CLI.run(["hmp", "explain-log", log, "--m7", "m4.yaml"], cwd: s.path)
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stdout.contains("what:    Linux could not tell the M4 through the MU that vdev0vring1 has new buffers"))
    #expect(r.stdout.contains("vring 1 of vdev 0 (region vdev0vring1): Linux → M4"), "\(r.stdout)")
    #expect(r.stdout.contains("messages have travelled M4 → Linux at least once"), "\(r.stdout)")
    #expect(!r.stdout.contains("Linux → M7") && !r.stdout.contains("the M7 firmware"), "\(r.stdout)")
    let unwrapped = r.stdout.replacing(/\s+/, with: " ")
    #expect(unwrapped.contains("whose other side the M4 uses (the M4 uses MU, mailbox@30aa0000)."), "\(r.stdout)")
    #expect(unwrapped.contains("rpmsg-lite's i.MX8MM port uses channel 1"), "\(r.stdout)")
    let json = try CLI.run(["hmp", "explain-log", log, "--m7", "m4.yaml", "--format", "json"], cwd: s.path)
    #expect(json.stdout.contains("\"direction\" : \"Linux → M4\","), "\(json.stdout)")
    #expect(s.files() == ["m4.yaml"])
  }

  /// Without a manifest, the tree's SoC names the core and its MU: the mainline i.MX 93 EVK's imx-rproc node is the
  /// M33's.
  @Test(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts is missing"))
  func treeSoCNamesTheCore() throws {
    let linux = SharedCorpus.linuxDTS
    let r = try CLI.run(
      [
        "hmp", "explain-log", Self.example + "/boot.log", linux + "/src/arm64/freescale/imx93-11x11-evk.dts", "-I",
        linux + "/include", "-I", linux + "/src/arm64/freescale",
      ])
    #expect(r.status == 1, "\(r.stderr)")
    #expect(r.stdout.contains("Linux could not tell the M33 through the MU"), "\(r.stdout)")
    #expect(r.stdout.contains("(region vdev0vring1): Linux → M33"), "\(r.stdout)")
    #expect(!r.stdout.contains("Linux → M7"), "\(r.stdout)")
    // The i.MX 93's MU, not the 8M Plus's (issue 18).
    #expect(
      r.stdout.replacing(/\s+/, with: " ").contains("whose A side the M33 uses (the M33 uses MU1, mailbox@44230000)."),
      "\(r.stdout)")
    #expect(!r.stdout.contains("30aa0000") && !r.stdout.contains("clk-imx8mp"), "\(r.stdout)")
  }
}
