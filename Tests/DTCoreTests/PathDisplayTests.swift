import DTCore
import Testing

/// `PathDisplay.normalize` has two paths: ASCII paths on their bytes, others by characters. Each case is checked
/// as written (ASCII) and with its letter `x` made `é` (the character path): both must give the same shape.
@Suite struct PathDisplayTests {
  static let cases: [(path: String, normalized: String)] = [
    ("", "."),
    (".", "."),
    ("./", "."),
    ("/", "/"),
    ("//", "/"),
    ("/.", "/"),
    ("/..", "/"),
    ("/../x", "/x"),
    ("x", "x"),
    ("x/", "x"),
    ("./x", "x"),
    ("x/.", "x"),
    ("x//y", "x/y"),
    ("x/./y/", "x/y"),
    ("x/..", "."),
    ("x/../..", ".."),
    ("../x", "../x"),
    ("../../x/..", "../.."),
    ("..x/.x/x.", "..x/.x/x."),
    ("x/.../y", "x/.../y"),
    ("/work/x/./boards/../x.dts", "/work/x/x.dts"),
    ("/work/x/../../../y", "/y"),
    ("x/y/../../z", "z"),
    ("x/../../y/../z", "../z"),
  ]

  @Test(arguments: cases)
  func normalizesASCII(_ c: (path: String, normalized: String)) {
    #expect(PathDisplay.normalize(c.path) == c.normalized)
  }

  @Test(arguments: cases)
  func normalizesOtherCharactersTheSameWay(_ c: (path: String, normalized: String)) {
    let wide = { (s: String) in String(s.map { $0 == "x" ? "é" : $0 }) }
    #expect(PathDisplay.normalize(wide(c.path)) == wide(c.normalized))
  }
}
