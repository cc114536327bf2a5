import DTCore

/// Which nodes are an i.MX remote processor or MU, by `compatible`: defined once, for the rules, the generator and
/// `diff --hmp`.
public enum HMPCompatibles {
  /// The shape every imx_rproc compatible has: `fsl,imx<soc>-cm<N>[s][-mmio]` (`fsl,imx8qm-cm4`, `fsl,imx94-cm33s`,
  /// `fsl,imx8mp-cm7-mmio`), and not the M-core nodes of other drivers such as `fsl,imx95-cm7-sof`.
  public static func isRemoteProc(_ compatible: String) -> Bool {
    guard compatible.hasPrefix("fsl,imx") else { return false }
    var s = compatible.dropFirst("fsl,imx".count)
    if s.hasSuffix("-mmio") { s = s.dropLast("-mmio".count) }
    guard let dash = s.lastIndex(of: "-") else { return false }
    let soc = s[..<dash]
    var core = s[s.index(after: dash)...]
    guard !soc.isEmpty, soc.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }), core.hasPrefix("cm") else {
      return false
    }
    core = core.dropFirst(2)
    if core.hasSuffix("s") { core = core.dropLast() }
    return !core.isEmpty && core.allSatisfy { $0.isASCII && $0.isNumber }
  }

  /// Wider than ``isRemoteProc(_:)``: an i.MX compatible that names an M core anywhere (`-cm4`, `-cm7`, `-cm33`).
  /// The rules that judge the compatible itself start from these, so a misspelled or foreign one is reported rather
  /// than ignored. Byte-wise: every node's compatibles pass here.
  public static func namesMCore(_ compatible: String) -> Bool {
    compatible.hasPrefix("fsl,imx")
      && (contains(compatible, "-cm4") || contains(compatible, "-cm7") || contains(compatible, "-cm33"))
  }

  /// An i.MX MU: `fsl,imx8mp-mu`, `fsl,imx6sx-mu`, `fsl,imx8ulp-mu-s4`, … (`fsl,imx<soc>-mu`, optionally with a
  /// suffix).
  public static func isMU(_ compatible: String) -> Bool {
    guard compatible.hasPrefix("fsl,imx") else { return false }
    return compatible.hasSuffix("-mu") || compatible.contains("-mu-")
  }

  /// Whether `s` contains the ASCII `needle`, byte for byte (Foundation's `contains` goes through NSString).
  private static func contains(_ s: String, _ needle: StaticString) -> Bool {
    let n = needle.utf8CodeUnitCount
    let p = needle.utf8Start
    var s = s
    return s.withUTF8 { b in
      guard b.count >= n else { return false }
      var i = 0
      while i + n <= b.count {
        if b[i] == p[0] {
          var k = 1
          while k < n, b[i + k] == p[k] { k += 1 }
          if k == n { return true }
        }
        i += 1
      }
      return false
    }
  }
}
