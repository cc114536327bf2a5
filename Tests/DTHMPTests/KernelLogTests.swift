import DTYAML
import Foundation
import Testing

@testable import DTHMP

/// The kernel message catalog (`schemas/logs/kernel-messages.yaml`) and the log explainer.
@Suite struct KernelLogTests {
  static let catalog: KernelMessageCatalog = {
    do { return try KernelMessageCatalog.bundled() } catch { fatalError("\(error)") }
  }()
  static func explainer(_ flavor: String = "mainline") throws -> LogExplainer {
    LogExplainer(catalog: catalog, flavor: try KernelFlavor.load(name: flavor))
  }

  @Test func catalogLoadsWithUniqueIDsAndKnownErrnos() throws {
    let c = Self.catalog
    #expect(c.messages.count >= 25)
    #expect(Set(c.messages.map(\.id)).count == c.messages.count)
    #expect(c.errno("-62")?.name == "ETIME")
    #expect(c.errno("-ETIME")?.number == 62)
    #expect(c.errno("-110")?.name == "ETIMEDOUT")
    #expect(c.errno("-22")?.name == "EINVAL")
    #expect(c.errno("-12")?.name == "ENOMEM")
    #expect(c.errno("-16")?.name == "EBUSY")
    #expect(c.errno("-517")?.name == "EPROBE_DEFER")
    #expect(c.errno("-105")?.name == "ENOBUFS")
    #expect(c.errno("-4242") == nil)
    for m in c.messages where m.severity.isProblem {
      #expect(!m.causes.isEmpty || !m.errnoVariants.isEmpty, "\(m.id): a problem message lists its causes")
    }
  }

  /// Every sample line (real kernel wording with the prefixes logs carry) is recognised as its own message, first
  /// in catalog order; every near miss is not recognised as that message.
  @Test(arguments: catalog.messages.map(\.id)) func samplesMatchAndNearMissesDoNot(_ id: String) throws {
    let m = try #require(Self.catalog.message(id: id))
    #expect(!m.samples.isEmpty)
    for s in m.samples {
      #expect(Self.catalog.match(s)?.message.id == id, "\(id): '\(s)'")
    }
    for n in m.nearMisses {
      #expect(m.match(n) == nil, "\(id) must not match '\(n)'")
    }
  }

  /// The literal prefilter of each pattern is in every sample (it never hides a line the pattern would match).
  @Test func needlesAreRequiredLiterals() {
    for m in Self.catalog.messages {
      for s in m.samples { #expect(s.contains(m.needle), "\(m.id): needle '\(m.needle)'") }
    }
    #expect(KernelMessageCatalog.needle(of: #"imx_rproc_kick: failed \((?<n>\d+)"#) == "imx_rproc_kick: failed ")
    #expect(KernelMessageCatalog.needle(of: "ab|cd") == "")
    #expect(KernelMessageCatalog.needle(of: "abcd?") == "abc")
    #expect(KernelMessageCatalog.needle(of: "(?:x)?abc[def]") == "abc")
  }

  /// The kick line of the story: ETIME, vring 1 (Linux → M7), the mailbox timeout of the flavor.
  @Test func storyKickLine() throws {
    let line = "[ 1520.220871] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)"
    let e = try Self.explainer().explain(line + "\n")
    let r = try #require(e.recognised.first)
    #expect(r.message.id == "imx_rproc_kick_failed")
    #expect(r.errno?.name == "ETIME")
    #expect(r.errnoValue == -62)
    #expect(r.vring?.ring == 1 && r.vring?.vdev == 0 && r.vring?.carveout == "vdev0vring1")
    #expect(r.vring?.direction == "Linux → M7")
    #expect(r.vring?.verified == true)
    #expect(r.txTimeoutMS == 100)
    #expect(r.meaning.contains("100 ms"))
    #expect(r.meaning.contains("ETIME"))
    #expect(r.line.time == "1520.220871")
    #expect(r.line.device == "imx-rproc imx8mp-cm7")
    // HMPFacts §3.4 a-h, with (b) split into a masked MU interrupt and a stalled core (HMPFacts §15.9), and §13's
    // Linux switching off the M7's clock or power; the line alone says nothing about attaching, so "started too
    // early" stays and the rsc-table contradiction (which needs an attach) does not apply.
    #expect(r.causes.count == 10)
    #expect(r.causes.last?.rules == ["hmp_clock_gated", "hmp_power_domain"])
    #expect(r.causes.last?.evidence.contains("clk_disabling_unused") == true)
    #expect(r.causes.allSatisfy { $0.provenance.status == .inference })
    #expect(!r.causes.contains { $0.rules.contains("hmp_peripheral_conflict") })
    #expect(r.causes.contains { $0.rules.contains("hmp_mbox_channel") })
    #expect(r.causes.contains { $0.text.contains("fsl,startup-delay-ms") })
    #expect(!r.exclusions.contains { $0.rule == "hmp_rsc_table_name" })
    #expect(r.exclusions.contains { $0.rule == "hmp_reserved_memory_format" && $0.when == [.regionListed] })
    #expect(r.isProblem)
    // NXP 5.4 kernels use a 50 ms timeout.
    let old = try Self.explainer("nxp-5.4").explain(line)
    #expect(old.recognised.first?.txTimeoutMS == 50)
    #expect(old.recognised.first?.meaning.contains("50 ms") == true)
  }

  /// Issue 15: what the log shows about the run decides causes and contradictions (HMPFacts §15.7, §15.9).
  @Test func theLogDecidesItsOwnConditions() throws {
    let kick = "[ 1520.220871] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)\n"
    let attach = "[    2.312421] remoteproc remoteproc0: attaching to imx-rproc\n"
    let start = "[   12.800012] remoteproc remoteproc0: powering up imx-rproc\n"
    let early = "Linux started the M7 and kicked it before"

    let attached = try Self.explainer("nxp-5.15").explain(attach + kick)
    #expect(attached.facts == [.attaching])
    let a = try #require(attached.recognised.first { $0.message.id == "imx_rproc_kick_failed" })
    #expect(!a.causes.contains { $0.text.contains(early) })
    #expect(a.exclusions.contains { $0.rule == "hmp_rsc_table_name" })

    let started = try Self.explainer("nxp-5.15").explain(start + kick)
    #expect(started.facts == [.linuxStarts])
    let s = try #require(started.recognised.first { $0.message.id == "imx_rproc_kick_failed" })
    #expect(s.causes.contains { $0.text.contains(early) })
    #expect(!s.exclusions.contains { $0.rule == "hmp_rsc_table_name" })
  }

  @Test func catalogConditionsAreChecked() throws {
    let base =
      "sources: []\nerrnos: []\nmessages:\n  - id: m\n    summary: s\n    text: t\n    pattern: 'x'\n"
      + "    severity: info\n    function: f\n    file: g\n    source: h\n    samples: [x]\n    near-misses: []\n"
      + "    meaning: m\n"
    func parse(_ extra: String) -> InputError? {
      do {
        guard let node = try YAMLReader.compose(base + extra, path: "c.yaml") else { return nil }
        _ = try KernelMessageCatalog.parse(node, path: "c.yaml")
        return nil
      } catch {
        return error
      }
    }
    #expect(parse("    establishes: [attaching]\n") == nil)
    let unknown = try #require(parse("    establishes: [booted]\n"))
    #expect(unknown.message.contains("expected"), "\(unknown.message)")
    let notLog = try #require(parse("    establishes: [region-listed]\n"))
    #expect(notLog.message.contains("not about the log"))
    let cause = try #require(
      parse("    causes:\n      - { text: c, rules: [], unless: [region-listed] }\n"))
    #expect(cause.message.contains("not about the log"))
  }

  @Test func vringZeroAndOtherVdevs() throws {
    let core = try KernelFlavor.load(name: "mainline").core
    let v0 = LogExplainer.vring(notifyid: 0, core: core, coreName: "M7")
    #expect(v0.carveout == "vdev0vring0" && v0.direction == "M7 → Linux" && v0.verified)
    let v3 = LogExplainer.vring(notifyid: 3, core: core, coreName: "M7")
    #expect(v3.carveout == "vdev1vring1" && v3.direction == "Linux → M7" && !v3.verified)
  }

  @Test func errnoVariantsChangeTheCauses() throws {
    let e = try Self.explainer().explain(
      """
      imx-rproc imx8mp-cm7: imx_rproc_kick: failed (0, err:-105)
      imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-22)
      imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-5)
      """)
    #expect(e.recognised.count == 3)
    #expect(e.recognised[0].errno?.name == "ENOBUFS")
    #expect(e.recognised[0].txTimeoutMS == nil)
    #expect(e.recognised[0].meaning.contains("MBOX_TX_QUEUE_LEN"))
    #expect(e.recognised[1].errno?.name == "EINVAL")
    #expect(e.recognised[2].errno?.name == "EIO")
    #expect(e.recognised[2].causes.isEmpty, "no variant for EIO: the meaning is the generic one")
  }

  /// dmesg, dmesg -T, journalctl, syslog with ISO time stamps and printk levels all carry the same message.
  @Test(
    arguments: [
      ("[    5.123456] imx-rproc imx8mp-cm7: No initialized mbox tx channel", "5.123456", "imx-rproc imx8mp-cm7"),
      (
        "[Wed Nov 25 10:12:03 2026] imx-rproc imx8mp-cm7: No initialized mbox tx channel", "Wed Nov 25 10:12:03 2026",
        "imx-rproc imx8mp-cm7"
      ),
      (
        "Nov 25 10:12:03 verdin kernel: imx-rproc imx8mp-cm7: No initialized mbox tx channel", "Nov 25 10:12:03",
        "imx-rproc imx8mp-cm7"
      ),
      (
        "2026-11-25T10:12:03.123456+00:00 verdin kernel: [    5.123456] imx-rproc imx8mp-cm7: No initialized mbox tx channel",
        "5.123456", "imx-rproc imx8mp-cm7"
      ),
      ("<3>[    5.123456] imx-rproc imx8mp-cm7: No initialized mbox tx channel", "5.123456", "imx-rproc imx8mp-cm7"),
      ("imx-rproc imx8mp-cm7: No initialized mbox tx channel", nil, "imx-rproc imx8mp-cm7"),
      ("No initialized mbox tx channel", nil, nil),
    ] as [(String, String?, String?)])
  func prefixes(_ line: String, _ time: String?, _ device: String?) throws {
    let e = try Self.explainer().explain(line)
    let r = try #require(e.recognised.first)
    #expect(r.message.id == "imx_rproc_no_tx_channel")
    #expect(r.line.time == time)
    #expect(r.line.device == device)
    #expect(r.line.message.hasSuffix("No initialized mbox tx channel"))
  }

  @Test func reservedMemoryLinesOfOldAndNewKernels() throws {
    let e = try Self.explainer().explain(
      """
      [    0.000000] OF: fdt: Reserved memory: invalid reg property in 'rsc_table@550ff000', skipping node.
      [    0.000000] OF: reserved mem: Reserved memory: invalid reg property in 'cm7@40000000', skipping node.
      """)
    #expect(e.recognised.map(\.message.id) == ["reserved_memory_invalid_reg", "reserved_memory_invalid_reg"])
    #expect(e.recognised[0].values["node"] == "rsc_table@550ff000")
    #expect(e.recognised[0].line.device == "OF: fdt")
    #expect(e.recognised[1].line.device == "OF: reserved mem")
    #expect(e.recognised[0].summary.contains("rsc_table@550ff000"))
    #expect(e.recognised[0].causes.first?.rules.contains("hmp_reserved_memory_format") == true)
  }

  @Test func dependsOnDevErrProbeSymbolicAndNumericErrnos() throws {
    let e = try Self.explainer().explain(
      """
      imx-rproc imx8mp-cm7: error -EINVAL: failed to request tx mailbox channel
      imx-rproc imx8mp-cm7: error -16: failed to request rx mailbox channel
      """)
    #expect(e.recognised.count == 2)
    #expect(e.recognised[0].errno?.name == "EINVAL")
    #expect(e.recognised[0].errnoValue == -22)
    #expect(e.recognised[1].errno?.name == "EBUSY")
    #expect(e.recognised[1].summary.contains("rx"))
  }

  /// Repeats with the same values are one entry; other values are another; unknown lines are counted.
  @Test func groupingAndCounts() throws {
    let log = """
      [    1.0] random line
      [    2.0] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)

      [    3.0] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)
      [    4.0] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (0, err:-62)
      [    5.0] remoteproc remoteproc0: attaching to imx-rproc
      another random line

      """
    let e = try Self.explainer().explain(log)
    #expect(e.lineCount == 7)
    #expect(e.recognised.count == 3)
    #expect(e.recognisedLines == 4)
    #expect(e.unrecognised == 2)
    #expect(e.recognised[0].line.number == 2 && e.recognised[0].repeats == [4])
    #expect(e.recognised[1].vring?.carveout == "vdev0vring0")
    #expect(e.problems.count == 2)
    #expect(e.recognised[2].line.device == "remoteproc remoteproc0")
    #expect(!e.recognised[2].isProblem)
    #expect(try Self.explainer().explain("").recognised.isEmpty)
  }

  @Test func templatesKeepUnknownPlaceholders() {
    #expect(LogExplainer.fill("a {x} b {y} {", ["x": "1"]) == "a 1 b {y} {")
  }

  /// A catalog file that does not fit its format names file, line and key.
  @Test func badCatalogNamesTheKey() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dtlint-log-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("m.yaml").path
    try """
    sources: []
    errnos: []
    messages:
      - { id: x, summary: s, text: t, pattern: '(', severity: error, function: f, file: f, source: s,
          samples: [a], near-misses: [], meaning: m }
    """.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: InputError.self) { try KernelMessageCatalog.load(path: path) }
    do {
      _ = try KernelMessageCatalog.load(path: path)
    } catch {
      #expect(error.key == "messages[0].pattern", "\(error)")
      #expect(error.line == 4)
    }
  }

  /// The catalog fits its JSON Schema (checked with python3's jsonschema when it is installed).
  @Test(.enabled(if: Package.pythonWithSchemaTools)) func catalogFitsItsSchema() {
    let script = """
      import json, yaml, jsonschema
      jsonschema.validate(yaml.safe_load(open('schemas/logs/kernel-messages.yaml')),
                          json.load(open('schemas/log-messages.schema.json')))
      """
    let r = Package.run(["python3", "-c", script])
    #expect(r.status == 0, "\(r.output)")
  }
}
