import Testing

@testable import DTHMP

/// Issue 18: explain-log names the remote core as the rules do (`{core}` in the catalog, the vrings' directions):
/// M33 on the i.MX 93 and 8ULP, M4 on the 8M Mini, M7 unless told (the SoC's other words: LogSoCWordsTests).
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

  /// The words of a bundled SoC profile.
  static func words(_ soc: String) throws -> LogSoCWords { LogSoCWords(profile: try SoCProfile.load(name: soc)) }

  /// Each message's samples explained for every SoC: no placeholder is left unfilled, and the i.MX 8M Plus's
  /// words are the reference ones.
  @Test(arguments: catalog.messages.map(\.id)) func everyPlaceholderIsFilled(_ id: String) throws {
    let m = try #require(Self.catalog.message(id: id))
    let flavor = try KernelFlavor.load(name: "mainline")
    let text = m.samples.joined(separator: "\n") + "\n"
    let m7 = Self.texts(LogExplainer(catalog: Self.catalog, flavor: flavor).explain(text))
    #expect(!m7.isEmpty, "\(id)")
    #expect(try Self.words("imx8mp") == .reference)
    for soc in SoCProfile.knownNames {
      let other = Self.texts(
        LogExplainer(catalog: Self.catalog, flavor: flavor, soc: try Self.words(soc)).explain(text))
      #expect(other.firstMatch(of: /\{[a-z?]/) == nil, "\(id) on \(soc): \(other)")
    }
  }

  /// The catalog's texts name the core `{core}`: an M7 is written out only in the i.MX 95's System Manager texts.
  @Test func catalogSaysCoreWhereItIsGeneric() throws {
    var named = 0
    for t in LogSoCWordsTests.rawTexts() where !t.contains("System Manager") {
      #expect(t.firstMatch(of: /\bM7\b/) == nil, "\(t)")
      named += t.contains("{core}") ? 1 : 0
    }
    #expect(named > 30)
  }

  /// The story's kick failure on the i.MX 93's M33: what it says, the direction of its vring, its MU.
  @Test func kickFailureNamesTheM33() throws {
    let log = "[ 1520.220871] imx-rproc imx8mp-cm7: imx_rproc_kick: failed (1, err:-62)\n"
    let e = LogExplainer(
      catalog: Self.catalog, flavor: try KernelFlavor.load(name: "nxp-6"), soc: try Self.words("imx93")
    ).explain(log)
    let r = try #require(e.recognised.first)
    #expect(r.summary == "Linux could not tell the M33 through the MU that vdev0vring1 has new buffers")
    #expect(r.vring?.direction == "Linux → M33")
    #expect(r.meaning.contains("the M33 did not read the message within"), "\(r.meaning)")
    #expect(r.causes.contains { $0.text.hasPrefix("The M33 firmware was not servicing the MU") })
    #expect(r.causes.contains { $0.text.contains("(the M33 uses MU1, mailbox@44230000)") })
    let v0 = LogExplainer.vring(notifyid: 0, core: try KernelFlavor.load(name: "mainline").core, coreName: "M4")
    #expect(v0.direction == "M4 → Linux")
  }
}
