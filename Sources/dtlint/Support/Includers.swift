import DTCore
import Foundation

/// The trees that include a `.dtsi`: a `.dtsi` alone is not a complete tree (no `/dts-v1/;`, labels defined by the
/// files that include it), so `check --dtsi includers` checks the `.dts` and `.dtso` files that include it instead.
///
/// The index is textual: every `.dts`, `.dtsi` and `.dtso` under `root` (hidden directories and `.build` skipped,
/// symbolic links to directories not followed) is scanned for `#include "…"`, `#include <…>` and `/include/ "…"`,
/// resolved the way the preprocessor and dtc resolve them (quoted names next to the including file first, then the
/// include directories). Conditionals are not evaluated, so a tree that includes the file only under an `#if` is
/// checked too: more checking, never less.
struct IncluderIndex {
  let root: String
  private var includes: [String: [String]] = [:]
  private var trees: Set<String> = []

  init(root: String, includePaths: [String], workingDirectory cwd: String) {
    self.root = PathDisplay.absolute(root, in: cwd)
    let dirs = includePaths.map { PathDisplay.absolute($0, in: cwd) }
    for file in Self.sourceFiles(under: self.root) {
      guard let bytes = try? SourceManager.readBytes(path: file, limit: 16 << 20) else { continue }
      let dir = PathDisplay.normalize(file + "/..")
      var resolved: [String] = []
      for (name, quoted) in Self.includeNames(in: bytes) {
        let candidates = (quoted ? [dir] : []) + dirs
        if name.hasPrefix("/") {
          resolved.append(PathDisplay.normalize(name))
        } else if let hit = candidates.lazy.map({ PathDisplay.absolute(name, in: $0) }).first(where: {
          FileManager.default.fileExists(atPath: $0)
        }) {
          resolved.append(hit)
        }
      }
      includes[file] = resolved
      if file.hasSuffix(".dts") || file.hasSuffix(".dtso") { trees.insert(file) }
    }
  }

  /// The `.dts`/`.dtso` files under the root that include `path` directly or through other files, sorted.
  func includers(of path: String, workingDirectory cwd: String = FileManager.default.currentDirectoryPath)
    -> [String]
  {
    let target = PathDisplay.absolute(path, in: cwd)
    var reverse: [String: [String]] = [:]
    for (file, list) in includes {
      for inc in list { reverse[inc, default: []].append(file) }
    }
    var found = Set<String>()
    var seen: Set<String> = [target]
    var stack = [target]
    while let f = stack.popLast() {
      for parent in reverse[f] ?? [] where seen.insert(parent).inserted {
        if trees.contains(parent) { found.insert(parent) }
        stack.append(parent)
      }
    }
    return found.sorted()
  }

  /// `.dts`, `.dtsi` and `.dtso` files below `root`, skipping hidden directories, `.build` and directory links.
  static func sourceFiles(under root: String) -> [String] {
    var out: [String] = []
    var stack = [root]
    let fm = FileManager.default
    while let dir = stack.popLast() {
      guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
      for name in names.sorted() where !name.hasPrefix(".") {
        let full = dir == "/" ? "/" + name : dir + "/" + name
        guard let attrs = try? fm.attributesOfItem(atPath: full), let type = attrs[.type] as? FileAttributeType
        else { continue }
        if type == .typeDirectory {
          stack.append(full)
        } else if type == .typeRegular || type == .typeSymbolicLink,
          name.hasSuffix(".dts") || name.hasSuffix(".dtsi") || name.hasSuffix(".dtso")
        {
          out.append(full)
        }
      }
    }
    return out
  }

  /// The names a source includes, in order, with whether they were quoted (`"…"`) rather than bracketed (`<…>`).
  static func includeNames(in bytes: [UInt8]) -> [(name: String, quoted: Bool)] {
    var out: [(String, Bool)] = []
    let text = String(decoding: bytes, as: UTF8.self)
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
      var line = rawLine.drop { $0 == " " || $0 == "\t" }
      if line.hasPrefix("#") {
        line = line.dropFirst().drop { $0 == " " || $0 == "\t" }
        guard line.hasPrefix("include") else { continue }
        line = line.dropFirst("include".count).drop { $0 == " " || $0 == "\t" }
        if let name = delimited(line, open: "\"", close: "\"") {
          out.append((name, true))
        } else if let name = delimited(line, open: "<", close: ">") {
          out.append((name, false))
        }
      } else if let r = line.range(of: "/include/") {
        let rest = line[r.upperBound...].drop { $0 == " " || $0 == "\t" }
        if let name = delimited(rest, open: "\"", close: "\"") { out.append((name, true)) }
      }
    }
    return out
  }

  private static func delimited(_ s: Substring, open: Character, close: Character) -> String? {
    guard s.first == open else { return nil }
    let body = s.dropFirst()
    guard let end = body.firstIndex(of: close) else { return nil }
    let name = String(body[..<end])
    return name.isEmpty ? nil : name
  }
}

/// Whether an input is an overlay, decided before it is read as a tree: a `.dtso`/`.dtbo` name, a blob with
/// `__overlay__` or `__fixups__` nodes, or a source with a `/plugin/;` directive outside comments (vendor overlay
/// repositories often name overlays `.dts`).
enum OverlayDetection {
  static func isOverlay(path: String) -> Bool {
    if path.hasSuffix(".dtso") || path.hasSuffix(".dtbo") { return true }
    guard let bytes = try? SourceManager.readBytes(path: path, limit: 64 << 20) else { return false }
    if DTBReader.isBlob(bytes) {
      return contains(bytes, Array("__overlay__\0".utf8)) || contains(bytes, Array("__fixups__\0".utf8))
    }
    return hasPluginDirective(bytes)
  }

  static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, bytes.count >= needle.count else { return false }
    var i = 0
    let last = bytes.count - needle.count
    while i <= last {
      if bytes[i] == needle[0] && Array(bytes[i..<(i + needle.count)]) == needle { return true }
      i += 1
    }
    return false
  }

  /// `/plugin/` followed by optional blanks and `;`, outside `//` and `/* */` comments and string literals.
  static func hasPluginDirective(_ bytes: [UInt8]) -> Bool {
    let plugin = Array("/plugin/".utf8)
    var i = 0
    let n = bytes.count
    while i < n {
      let c = bytes[i]
      if c == UInt8(ascii: "/") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "/") {
        while i < n && bytes[i] != UInt8(ascii: "\n") { i += 1 }
      } else if c == UInt8(ascii: "/") && i + 1 < n && bytes[i + 1] == UInt8(ascii: "*") {
        i += 2
        while i + 1 < n && !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
        i += 2
      } else if c == UInt8(ascii: "\"") {
        i += 1
        while i < n && bytes[i] != UInt8(ascii: "\"") {
          if bytes[i] == UInt8(ascii: "\\") { i += 1 }
          i += 1
        }
        i += 1
      } else if c == UInt8(ascii: "/") && i + plugin.count <= n && Array(bytes[i..<(i + plugin.count)]) == plugin {
        var j = i + plugin.count
        while j < n && (bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") || bytes[j] == 10) { j += 1 }
        if j < n && bytes[j] == UInt8(ascii: ";") { return true }
        i = j
      } else {
        i += 1
      }
    }
    return false
  }
}
