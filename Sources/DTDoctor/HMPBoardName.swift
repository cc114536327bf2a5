import DTHMP
import DTRules

/// Board names as `hmp generate` takes them: a SKU (`verdin-imx8mp-wifi`) or a family (`verdin-imx8mp`) whose SKU
/// comes from `--sku` or the manifest's `board:`; a board with a single SKU (`imx8mm-evk`) is that SKU.
public enum HMPBoardName {
  public struct Problem: Error, CustomStringConvertible {
    public var description: String
  }

  public static func resolve(board: String, sku: String?, manifestBoard: String?) throws(Problem)
    -> (BoardProfile, BoardProfile.SKU)
  {
    func pick(_ profile: BoardProfile, _ name: String, from origin: String) throws(Problem) -> BoardProfile.SKU {
      let short = name.hasPrefix(profile.name + "-") ? String(name.dropFirst(profile.name.count + 1)) : name
      guard let s = profile.sku(named: short) else {
        throw Problem(
          description:
            "\(origin): \(profile.name) has no SKU '\(name)' (expected \(profile.skus.map(\.name).joined(separator: " or ")))"
        )
      }
      return s
    }
    if let profile = try? BoardProfile.load(name: board) {
      if let sku { return (profile, try pick(profile, sku, from: "--sku")) }
      if let manifestBoard, manifestBoard != profile.name {
        return (profile, try pick(profile, manifestBoard, from: "the manifest's board"))
      }
      // A board with one SKU (NXP's EVKs) needs no SKU name.
      if profile.skus.count == 1, let only = profile.skus.first { return (profile, only) }
      let names = profile.skus.map { "\(profile.name)-\($0.name)" }
      throw Problem(
        description:
          "\(board) is a board family: name the SKU with --sku (\(profile.skus.map(\.name).joined(separator: ", "))), "
          + "as --board \(names.joined(separator: " / ")), or in the manifest's board:")
    }
    for n in BoardProfile.knownNames {
      guard let profile = try? BoardProfile.load(name: n), board.hasPrefix(n + "-") else { continue }
      let s = try pick(profile, board, from: "--board")
      if let sku, sku != s.name, sku != board {
        throw Problem(description: "--board \(board) and --sku \(sku) name different SKUs")
      }
      return (profile, s)
    }
    var known: [String] = []
    for n in BoardProfile.knownNames {
      known.append(n)
      if let p = try? BoardProfile.load(name: n) { known += p.skus.map { "\(n)-\($0.name)" } }
    }
    throw Problem(description: "unknown board '\(board)' (expected one of \(known.joined(separator: ", ")))")
  }
}
