import Foundation
import _DTTestSupport

@testable import DTCore

typealias TempDir = TestDirectory
typealias Corpus = SharedCorpus

/// Compiles DTS text the way `dtlint compile` does and returns the result.
func compileText(
  _ text: String, name: String = "t.dts", symbols: Bool = false, preprocess: Bool = true,
  includePaths: [String] = [], dir: TempDir? = nil
) -> (Compilation, SourceManager) {
  let d = dir ?? TempDir()
  let path = d.write(name, text)
  let sm = SourceManager()
  var o = FrontEndOptions()
  o.preprocess = preprocess
  o.includePaths = includePaths
  let reader = SourceReader(sources: sm, options: o)
  var co = CompileOptions()
  co.symbols = symbols
  do {
    return (try reader.compile(path: path, options: co), sm)
  } catch {
    fatalError("cannot read fixture: \(error)")
  }
}

/// A compact, exact rendering of a tree for assertions: one line per node and property, values in hex.
func outline(_ tree: DeviceTree) -> String {
  var lines: [String] = []
  for r in tree.reserves { lines.append("/memreserve/ \(hex64(r.address)) \(hex64(r.size))") }
  func visit(_ n: Node, _ indent: String) {
    let labels = n.labels.isEmpty ? "" : n.labels.joined(separator: ": ") + ": "
    lines.append("\(indent)\(labels)\(n.name.isEmpty ? "/" : n.name)")
    for p in n.properties where !p.deleted {
      let labels = p.labels.isEmpty ? "" : p.labels.joined(separator: ": ") + ": "
      let v = p.value.bytes.map { b in
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
      }.joined()
      lines.append("\(indent)  \(labels)\(p.name)\(v.isEmpty ? "" : " = " + v)")
    }
    for c in n.children where !c.deleted { visit(c, indent + "  ") }
  }
  visit(tree.root, "")
  return lines.joined(separator: "\n")
}

private func hex64(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

/// Hex of a string's bytes plus NUL (for building expected outlines).
func hexString(_ s: String) -> String {
  (Array(s.utf8) + [0]).map { b in
    let h = String(b, radix: 16)
    return h.count == 1 ? "0" + h : h
  }.joined()
}
