/// The words of one SoC that the kernel-message catalog's texts are filled with (`{core}`, `{mu}`,
/// `{clk.mcore-booted}`, …), all read from the SoC's profile, and the conditions `{?name:…|…}` tests. The
/// i.MX 8M Plus, dtlint's reference system, gives the words the catalog was first written with
/// (Documentation/ExplainLog.md lists them).
public struct LogSoCWords: Sendable, Hashable {
  /// The SoC profile's name (`imx8mp`).
  public var soc: String
  /// `M7`, `M4` or `M33` (``SoCProfile/coreName``).
  public var coreName: String
  /// Placeholder name → value; a condition holds when its name has a value.
  public var values: [String: String]

  /// The words of a SoC profile.
  public init(profile p: SoCProfile) {
    soc = p.name
    coreName = p.coreName
    var v: [String: String] = ["core": p.coreName, "chip": p.chipName, "rpmsg-lite.port": Self.shortName(p.name)]
    if p.name == "imx8mp" { v["imx8mp"] = "yes" }
    if p.name.hasPrefix("imx8m") { v["imx8m"] = "yes" }
    if let unit = p.mailboxes.forMCore {
      let sdkName = Self.sdkName(unit.mSide)
      let node = "mailbox@" + String(unit.node.unitAddress, radix: 16)
      v["mu"] = sdkName.map { "\($0), \(node)" } ?? node
      v["mu.side"] = Self.side(unit.mSide) ?? "other"
      v["mu.label"] = unit.label
    }
    v["mu.channel"] = "\(p.rpmsgDefaults.muChannel)"
    if p.remoteproc.clock != nil { v["rproc.clock-need"] = Self.clockNeed(p) }
    if let mmio = p.remoteproc.compatibles.first(where: { $0.method == .mmio }), let src = p.remoteproc.srcLabel {
      v["rproc.mmio"] = mmio.compatible
      v["rproc.src"] = src
    }
    if let clocks = p.clocks {
      if let param = clocks.mcoreBootedParameter {
        v["clk.mcore-booted"] = param
      } else {
        v["clk.no-mcore-booted"] = "yes"
      }
    }
    if p.clockControl?.owner == .systemManager { v["clk.system-manager"] = "yes" }
    values = v
  }

  /// The i.MX 8M Plus's words: what the texts say when no SoC is known.
  public static let reference: LogSoCWords = {
    do { return LogSoCWords(profile: try SoCProfile.load(name: "imx8mp")) } catch { fatalError("\(error)") }
  }()

  /// `imx8mp` → `i.MX8MP`, NXP's short spelling (rpmsg-lite's ports, the kernel's comments).
  static func shortName(_ soc: String) -> String {
    soc.hasPrefix("imx") ? "i.MX" + soc.dropFirst(3).uppercased() : soc
  }

  /// The SDK's name of the MU instance, from the M side's instance (`MU1_MUA`) or interrupt (`MU1_M7_IRQn`,
  /// `MU_M4_IRQn`); nil when neither names one (`MUB` alone is a side).
  static func sdkName(_ side: MailboxUnit.Side?) -> String? {
    for name in [side?.instance, side?.irqName].compactMap({ $0 }) {
      guard let prefix = name.split(separator: "_").first, name.contains("_") else { continue }
      if prefix.wholeMatch(of: /MU\d*/) != nil { return String(prefix) }
    }
    return nil
  }

  /// `A` or `B`: which side of the MU the M core uses, as the profile's M side names it (`MU1_MUA`, `MUB`, or
  /// `side: B`); nil when it does not.
  static func side(_ side: MailboxUnit.Side?) -> String? {
    if let s = side?.side { return s }
    guard let i = side?.instance, let last = i.split(separator: "_").last, last.count == 3, last.hasPrefix("MU")
    else { return nil }
    return String(last.suffix(1))
  }

  /// `i.MX8MN/8MP configurations need`: every profiled SoC whose imx_rproc compatibles share a driver
  /// configuration with `p`'s (HMPFacts §1.1, §18.1), the first spelt in full.
  static func clockNeed(_ p: SoCProfile) -> String {
    let configs = Set(p.remoteproc.compatibles.map(\.driverConfig))
    var names = [p.name]
    for other in SoCProfile.knownNames where other != p.name {
      guard let q = try? SoCProfile.load(name: other) else { continue }
      if q.remoteproc.compatibles.contains(where: { configs.contains($0.driverConfig) }) { names.append(other) }
    }
    let short = names.sorted().map(shortName)
    let joined = short.enumerated().map { $0 == 0 ? $1 : String($1.dropFirst("i.MX".count)) }
      .joined(separator: "/")
    return joined + (configs.count > 1 ? " configurations need" : " configuration needs")
  }

  /// Fills `template`: `{name}` by its value (unknown names stay as they are), `{?name:THEN|ELSE}` by THEN when
  /// `name` has a value, else by ELSE (`|ELSE` may be left out); THEN and ELSE may hold placeholders themselves.
  public func fill(_ template: String, _ extra: [String: String] = [:]) -> String {
    Self.fill(Substring(template)) { extra[$0] ?? values[$0] }
  }

  static func fill(_ template: Substring, _ value: (String) -> String?) -> String {
    var out = ""
    var rest = template
    while let open = rest.firstIndex(of: "{") {
      out += rest[..<open]
      guard let close = Self.matching(rest[open...]) else { return out + rest[open...] }
      let inner = rest[rest.index(after: open)..<close]
      rest = rest[rest.index(after: close)...]
      if inner.hasPrefix("?"), let colon = inner.firstIndex(of: ":") {
        let name = String(inner[inner.index(after: inner.startIndex)..<colon])
        let branches = Self.split(inner[inner.index(after: colon)...])
        out += fill(value(name) != nil ? branches.then : branches.else, value)
      } else {
        out += value(String(inner)) ?? "{\(inner)}"
      }
    }
    return out + rest
  }

  /// The `}` that closes the `{` `s` starts with.
  private static func matching(_ s: Substring) -> Substring.Index? {
    var depth = 0
    for i in s.indices {
      if s[i] == "{" { depth += 1 }
      if s[i] == "}" {
        depth -= 1
        if depth == 0 { return i }
      }
    }
    return nil
  }

  /// THEN and ELSE of a condition: split at the first `|` outside braces.
  private static func split(_ s: Substring) -> (then: Substring, else: Substring) {
    var depth = 0
    for i in s.indices {
      switch s[i] {
      case "{": depth += 1
      case "}": depth -= 1
      case "|" where depth == 0: return (s[..<i], s[s.index(after: i)...])
      default: break
      }
    }
    return (s, "")
  }
}
