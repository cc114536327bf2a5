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
    let sources = SourceManager(maxFileSize: 16 << 20)
    for file in Self.sourceFiles(under: self.root) {
      guard let source = try? sources.load(path: file) else { continue }
      let dir = PathDisplay.normalize(file + "/..")
      var resolved: [String] = []
      for include in SourceScan.includes(in: source) {
        let (name, quoted) = (include.name, include.quoted)
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
    return SourceScan.hasPluginDirective(SourceManager().addVirtualFile(path: path, bytes: bytes))
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
}
