import Testing

@testable import DTHMP

/// Issue 18: explain-log names the remote core as the rules do (`{core}` in the catalog, the vrings' directions):
/// M33 on the i.MX 93 and 8ULP, M4 on the 8M Mini, M7 unless told.
@Suite struct LogCoreNameTests {
  static let catalog: KernelMessageCatalog = {
    do { return try KernelMessageCatalog.bundled() } catch { fatalError("\(error)") }
  }()

  /// Every text of an explanation (summary, meaning, causes, exclusions, vring direction), joined.
  static func texts(_ e: LogExplainer.Explanation) -> String {
    e.recognised.map { r in
      ([r.summary, r.meaning, r.vring?.direction ?? ""] + r.causes.map(\.text) + r.exclusions.map(\.text))
        .joined(separator: "\n")
    }.joined(separator: "\n")
  }

  /// Each message's samples explained for the M33: only the core's name differs from the M7's texts; for the M33
  /// and the M4, no `{core}` is left unfilled.
  @Test(arguments: catalog.messages.map(\.id)) func onlyTheCoreNameChanges(_ id: String) throws {
    let m = try #require(Self.catalog.message(id: id))
    let flavor = try KernelFlavor.load(name: "mainline")
    let text = m.samples.joined(separator: "\n") + "\n"
    let m7 = Self.texts(LogExplainer(catalog: Self.catalog, flavor: flavor).explain(text))
    #expect(!m7.isEmpty, "\(id)")
    #expect(!m7.contains("{core}"), "\(id)")
    for core in ["M33", "M4"] {
      let other = Self.texts(LogExplainer(catalog: Self.catalog, flavor: flavor, coreName: core).explain(text))
      #expect(!other.contains("{core}"), "\(id)")
      if core == "M33" { #expect(other.replacing(core, with: "M7") == m7, "\(id)") }
    }
  }

  /// The catalog's texts name the core `{core}`, but for two facts of the i.MX 8M Plus and 8M Nano stated as such.
  @Test func catalogSaysCoreWhereItIsGeneric() throws {
    let facts = ["the M7 uses MU1, mailbox@30aa0000", "the i.MX8MN/8MP configurations need the M7 clock"]
    var texts: [String] = []
    for m in Self.catalog.messages {
      texts += [m.summary, m.meaning] + m.causes.map(\.text) + m.exclusions.map(\.text)
      for v in m.errnoVariants { texts += [v.meaning] + v.causes.map(\.text) }
    }
    var named = 0
    for t in texts {
      var rest = t
      for f in facts { rest = rest.replacing(f, with: "") }
      #expect(rest.firstMatch(of: /\bM7\b/) == nil, "\(t)")
      named += t.contains("{core}") ? 1 : 0
    }
    #expect(named > 30)
  }

  /// The story's kick failure on an M33: what it says, the direction of its vring, and the 8M Plus facts the
  /// catalog states as such (the M7 SDK's handler, MU1 at 0x30aa0000) kept.
  @Test func kickFailureNamesTheM33() throws {
    let log = "[ 1520.220871] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)\n"
    let e = LogExplainer(catalog: Self.catalog, flavor: try KernelFlavor.load(name: "nxp-6"), coreName: "M33")
      .explain(log)
    let r = try #require(e.recognised.first)
    #expect(r.summary == "Linux could not tell the M33 through the MU that vdev0vring1 has new buffers")
    #expect(r.vring?.direction == "Linux → M33")
    #expect(r.meaning.contains("the M33 did not read the message within"), "\(r.meaning)")
    #expect(r.causes.contains { $0.text.hasPrefix("The M33 firmware was not servicing the MU") })
    #expect(r.causes.contains { $0.text.contains("(the M7 uses MU1, mailbox@30aa0000)") })
    let v0 = LogExplainer.vring(notifyid: 0, core: try KernelFlavor.load(name: "mainline").core, coreName: "M4")
    #expect(v0.direction == "M4 → Linux")
  }
}
