internal import CLibfdt

/// Applies overlay blobs to a base blob with libfdt's `fdt_overlay_apply`, the code U-Boot runs, and returns the
/// packed result (the bytes `fdtoverlay` writes for the same inputs).
///
/// libfdt damages both blobs when it fails, so every attempt works on fresh aligned copies; the base is opened
/// into a larger buffer (`fdt_open_into`) and retried with twice the room on `FDT_ERR_NOSPACE`. A failure is
/// explained from the two trees (missing `__symbols__`, unknown labels, missing target paths or phandles) rather
/// than as a bare libfdt code.
public enum OverlayApplier {
  /// The largest buffer an application may grow into.
  static let maxBufferSize = 256 << 20

  public static func apply(
    base: [UInt8], basePath: String = "base", overlays: [(bytes: [UInt8], path: String)]
  ) throws(BlobError) -> [UInt8] {
    // Both blobs are validated fully (header, fdt_check_full, depth) before libfdt applies anything. The overlay
    // is read into a tree, to explain failures with. Of the base only this matters here: does it read, and is it
    // an overlay itself? Its bytes answer that (``BlobCheck``) for a board without building its tree (issue 20);
    // any other base is read (its nodes only), which says what is wrong with it. A failure reads it again, whole.
    let checked = BlobCheck.completeTree(base)
    let baseTree: DeviceTree?
    let header: BlobHeader
    if let checked {
      baseTree = nil
      header = checked
    } else {
      baseTree = try DTBReader.read(base, path: basePath, recover: false, properties: false)
      header = try BlobHeader.parse(base, path: basePath)
    }
    var current = header.prefix(of: base)
    var applied: [String] = []
    for ov in overlays {
      let overlayTree = try DTBReader.read(ov.bytes, path: ov.path, recover: false)
      if let baseTree {
        try validate(base: baseTree, basePath: basePath, overlay: overlayTree, overlayPath: ov.path)
      } else {
        try validate(overlay: overlayTree, overlayPath: ov.path, basePath: basePath)
      }
      let overlay = try BlobHeader.parse(ov.bytes, path: ov.path).prefix(of: ov.bytes)
      switch applyOne(current, overlay) {
      case .success(let merged):
        current = merged
      case .failure(let failure):
        let code = failure.rc
        let baseName = applied.isEmpty ? basePath : "\(basePath) (with \(applied.joined(separator: ", ")) applied)"
        let baseTree = try? DTBReader.read(current, path: basePath)
        let reasons = explain(base: baseTree, baseName: baseName, overlay: overlayTree)
        let why =
          reasons.isEmpty
          ? (code == -FDT_ERR_NOSPACE
            ? "the result would be larger than \(maxBufferSize >> 20) MiB" : "libfdt failed: \(Libfdt.message(code))")
          : reasons.map { r in r.fragment.map { "\($0): \(r.text)" } ?? r.text }.joined(separator: "; ")
        var error = BlobError(path: ov.path, kind: .overlay, reason: "cannot apply overlay to \(baseName): \(why)")
        error.fragments = reasons.compactMap(\.fragment)
        throw error
      }
      applied.append(ov.path)
    }
    return current
  }

  /// What makes an application meaningless or unsafe before libfdt runs, the same for `apply` and for `check`'s
  /// chains: a base that is itself an overlay and an input that is not one (`.overlay`: the pair does not fit, exit
  /// 1), fixups that point outside their properties (`.malformedOverlay`: exit 2).
  public static func validate(base: DeviceTree, basePath: String, overlay: DeviceTree, overlayPath: String)
    throws(BlobError)
  {
    if let what = overlayParts(base) {
      throw BlobError(
        path: basePath, kind: .overlay,
        reason: "the base is itself an overlay (it has \(what)): overlays apply to a complete tree, such as the "
          + "board's .dtb compiled with -@")
    }
    try validate(overlay: overlay, overlayPath: overlayPath, basePath: basePath)
  }

  /// ``validate(base:basePath:overlay:overlayPath:)`` for a base known to be no overlay.
  static func validate(overlay: DeviceTree, overlayPath: String, basePath: String) throws(BlobError) {
    if !isOverlay(overlay) {
      // A compiled empty `/plugin/` source is an empty tree too: both change nothing, so both are refused.
      throw BlobError(
        path: overlayPath, kind: .overlay,
        reason: "not an overlay with content: no fragment (a node with an __overlay__ child) and no __fixups__, "
          + "so applying it to \(basePath) would change nothing (an overlay is written /dts-v1/; /plugin/; "
          + "&label { … };)")
    }
    if let problem = fixupProblem(overlay) {
      throw BlobError(path: overlayPath, kind: .malformedOverlay, reason: "malformed overlay: \(problem)")
    }
  }

  /// What makes `tree` an overlay, in words, or nil: fragments with `__overlay__`, `__fixups__`, `__local_fixups__`.
  static func overlayParts(_ tree: DeviceTree) -> String? {
    var parts: [String] = []
    if let f = fragment(of: tree) { parts.append("fragment \(f.name) with __overlay__") }
    for name in ["__fixups__", "__local_fixups__"] where tree.root.child(name) != nil { parts.append(name) }
    return parts.isEmpty ? nil : parts.joined(separator: ", ")
  }

  /// Whether ``overlayParts(_:)`` finds anything, without the words (`joined` costs an `apply` a runtime look-up
  /// of 0.28 M instructions, issue 20).
  static func isOverlay(_ tree: DeviceTree) -> Bool {
    fragment(of: tree) != nil || tree.root.child("__fixups__") != nil || tree.root.child("__local_fixups__") != nil
  }

  /// The first child of the root with an `__overlay__` child.
  private static func fragment(of tree: DeviceTree) -> Node? {
    tree.root.liveChildren.first { $0.child("__overlay__") != nil }
  }

  /// One `fdt_open_into` + `fdt_overlay_apply` + `fdt_pack` on fresh copies; the packed bytes or libfdt's code.
  /// The base is copied into the result's own storage, where libfdt works (not into a buffer copied out again: a
  /// board's blob is 20 fresh pages, issue 20), when that storage is aligned as libfdt needs it (it is: the
  /// allocator's blocks are 16-byte aligned), else into an aligned buffer.
  private static func applyOne(_ base: [UInt8], _ overlay: [UInt8]) -> Result<[UInt8], LibfdtCode> {
    var capacity = base.count + 2 * overlay.count + 4096
    while true {
      let result = Libfdt.withAlignedCopy(of: overlay) { fdto, _ in
        withAlignedResult(of: base, capacity: capacity) { fdt, size -> Int32? in
          var rc = fdt_open_into(fdt, fdt, Int32(size))
          if rc == 0 { rc = fdt_overlay_apply(fdt, fdto) }
          if rc == 0 { rc = fdt_pack(fdt) }
          return rc == 0 ? nil : rc
        }
      }
      if case .failure(let e) = result, e.rc == -FDT_ERR_NOSPACE, capacity * 2 <= maxBufferSize {
        capacity *= 2
        continue
      }
      return result
    }
  }

  /// Calls `body` with `bytes` in an 8-byte-aligned buffer of at least `capacity` bytes (zeros after them), and
  /// makes the blob `body` leaves there the result (its `totalsize` bytes), or `body`'s libfdt code the failure.
  /// The buffer is the result array's own storage when that is aligned, so nothing is copied out.
  private static func withAlignedResult(
    of bytes: [UInt8], capacity: Int, _ body: (UnsafeMutableRawPointer, Int) -> Int32?
  ) -> Result<[UInt8], LibfdtCode> {
    let size = max(capacity, bytes.count, 8)
    var code: Int32?
    var aligned = true
    let result = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
      count = 0
      let fdt = UnsafeMutableRawPointer(buffer.baseAddress!)
      guard Int(bitPattern: fdt) % 8 == 0 else {
        aligned = false
        return
      }
      bytes.withUnsafeBytes { src in
        if let base = src.baseAddress { fdt.copyMemory(from: base, byteCount: src.count) }
      }
      (fdt + bytes.count).initializeMemory(as: UInt8.self, repeating: 0, count: size - bytes.count)
      code = body(fdt, size)
      if code == nil { count = min(size, Libfdt.totalSize(fdt)) }
    }
    if aligned { return code.map { .failure(LibfdtCode($0)) } ?? .success(result) }
    return Libfdt.withAlignedCopy(of: bytes, capacity: size) { fdt, size in
      body(fdt, size).map { .failure(LibfdtCode($0)) }
        ?? .success(Libfdt.bytes(fdt, count: min(size, Libfdt.totalSize(fdt))))
    }
  }

  // MARK: - Explaining failures

  /// One reason an overlay does not apply, and the fragment it concerns (nil: the overlay as a whole).
  struct Reason {
    var fragment: String?
    var text: String
  }

  /// What in the two trees keeps the overlay from applying; empty when nothing is found. Only the fragments that
  /// fail are named: a fragment whose target resolves is not mentioned.
  static func explain(base: DeviceTree?, baseName: String, overlay: DeviceTree) -> [Reason] {
    var reasons: [Reason] = []
    let fixups = overlay.root.child("__fixups__")
    let symbols = base?.root.child("__symbols__")
    // Which label each fragment's target is fixed up with (`/fragment@N:target:0`), and the other uses of labels.
    var targetLabel: [String: String] = [:]
    var otherUses: [String: [String]] = [:]
    if let fixups {
      for p in fixups.liveProperties {
        for entry in entries(p.value.bytes) {
          guard isWellFormedFixup(entry) else {
            reasons.append(
              Reason(
                text: "malformed __fixups__ entry \"\(entry)\" for label \(p.name) (expected path:property:offset)"))
            continue
          }
          let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
          let node = parts[0].hasPrefix("/") ? String(parts[0].dropFirst()) : parts[0]
          if parts[1] == "target", parts[2] == "0", !node.contains("/") {
            targetLabel[node] = p.name
          } else {
            otherUses[p.name, default: []].append("\(parts[0]):\(parts[1])")
          }
        }
      }
    }

    /// Why `label` cannot be resolved in the base, or nil when it can.
    func unresolved(_ label: String) -> String? {
      guard let base else { return nil }
      guard let symbols else {
        return "the base has no /__symbols__ node (it was compiled without -@), so &\(label) cannot be resolved"
      }
      guard let sym = symbols.property(label) else { return "the base has no label '\(label)' in its /__symbols__" }
      let path = BlobRecovery.cString(sym.value.bytes)
      guard let node = base.node(atPath: path) else {
        return "the base's /__symbols__ maps label \(label) to \(path), which does not exist"
      }
      return node.phandle == 0 ? "base node \(path) (label \(label)) has no phandle" : nil
    }

    var phandles: Set<UInt32> = []
    base?.root.walk { if $0.phandle != 0 { phandles.insert($0.phandle) } }
    for fragment in overlay.root.liveChildren where fragment.child("__overlay__") != nil {
      let name = fragment.name
      if let label = targetLabel[name] {
        if let why = unresolved(label) { reasons.append(Reason(fragment: name, text: "target &\(label): \(why)")) }
      } else if let target = fragment.property("target") {
        guard base != nil else { continue }
        guard let ph = target.value.singleCell, ph != 0xffff_ffff else {
          reasons.append(Reason(fragment: name, text: "target is neither a phandle nor a label the overlay resolves"))
          continue
        }
        if !phandles.contains(ph) {
          reasons.append(
            Reason(fragment: name, text: "target phandle 0x\(String(ph, radix: 16)) does not exist in the base"))
        }
      } else if let targetPath = fragment.property("target-path") {
        guard let base else { continue }
        let path = BlobRecovery.cString(targetPath.value.bytes)
        if resolve(path, in: base) == nil {
          reasons.append(Reason(fragment: name, text: "target-path \"\(path)\" does not exist in the base"))
        }
      } else {
        reasons.append(Reason(fragment: name, text: "it has neither target nor target-path"))
      }
    }
    for (label, uses) in otherUses.sorted(by: { $0.key < $1.key }) {
      guard let why = unresolved(label) else { continue }
      let fragment = uses.first.flatMap { $0.split(separator: "/").first.map(String.init) }
      reasons.append(Reason(fragment: fragment, text: "&\(label) (used at \(uses.joined(separator: ", "))): \(why)"))
    }
    return reasons
  }

  /// The NUL-terminated strings of a value (an unterminated tail counts as one more).
  private static func entries(_ bytes: [UInt8]) -> [String] {
    bytes.split(separator: 0, omittingEmptySubsequences: false).dropLast(bytes.last == 0 ? 1 : 0)
      .map { String(decoding: $0, as: UTF8.self) }
  }

  /// Every `__fixups__` entry's offset: decimal digits only, and with the 4-byte phandle inside its property (when the
  /// entry's node and property are in the overlay; otherwise libfdt reports the entry itself, but the offset must
  /// still not wrap its arithmetic).
  private static func externalFixupProblem(_ overlay: DeviceTree) -> String? {
    guard let fixups = overlay.root.child("__fixups__") else { return nil }
    for p in fixups.liveProperties {
      for entry in entries(p.value.bytes) {
        let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        // libfdt refuses it too (FDT_ERR_BADOVERLAY); said here, `check` and `apply` give the same reason.
        guard parts.count == 3, !parts[1].isEmpty else {
          return "__fixups__ entry \"\(entry)\" for \(p.name) is not path:property:offset"
        }
        let text = parts[2]
        guard isDecimal(text) else {
          return "__fixups__ entry \"\(entry)\" for \(p.name): offset '\(text)' is not a decimal number"
        }
        let property = resolve(String(parts[0]), in: overlay)?.property(String(parts[1]))
        let limit = property.map { UInt64($0.value.bytes.count) } ?? UInt64(UInt32.max)
        guard let offset = UInt64(text), limit >= 4, offset <= limit - 4 else {
          return "__fixups__ entry \"\(entry)\" for \(p.name): offset \(text) "
            + (property.map {
              "is past the end of \(parts[0]):\(parts[1]), which has only \($0.value.bytes.count) bytes"
            }
              ?? "is out of range")
        }
      }
    }
    return nil
  }

  /// libfdt's format for a fixup: `path:property:offset`, non-empty property, decimal offset.
  private static func isWellFormedFixup(_ entry: String) -> Bool {
    let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
    return parts.count == 3 && !parts[1].isEmpty && isDecimal(parts[2])
  }

  /// Digits only: what dtc writes, and the only offsets whose meaning libfdt's `strtoul` does not bend.
  private static func isDecimal(_ text: Substring) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
  }

  /// A path as libfdt's `fdt_path_offset` resolves it: absolute, or starting with an alias.
  private static func resolve(_ path: String, in tree: DeviceTree) -> Node? {
    if path.hasPrefix("/") { return tree.node(atPath: path) }
    let first = path.prefix { $0 != "/" }
    guard let alias = tree.root.child("aliases")?.property(String(first)) else { return nil }
    return tree.node(atPath: BlobRecovery.cString(alias.value.bytes) + path.dropFirst(first.count))
  }

  /// Fixup offsets libfdt 1.6.1 would write or read outside a property, refused here before libfdt sees them:
  /// it reads the phandle at each `__local_fixups__` offset without checking it against the property's length, and
  /// it reads a `__fixups__` offset with `strtoul` (so "-2" is 0xfffffffe) and checks `offset + 4` against the length
  /// in 32-bit arithmetic that wraps, then writes there (SIGSEGV; found by Fuzz/FuzzOverlay).
  static func fixupProblem(_ overlay: DeviceTree) -> String? {
    if let problem = externalFixupProblem(overlay) { return problem }
    guard let fixups = overlay.root.child("__local_fixups__") else { return nil }
    var work: [(fixup: Node, node: Node)] = [(fixups, overlay.root)]
    while let (fixup, node) = work.popLast() {
      for lfp in fixup.liveProperties {
        guard let prop = node.property(lfp.name), let offsets = lfp.value.cells else { continue }
        for off in offsets where Int(off) + 4 > prop.value.bytes.count {
          return "__local_fixups__ gives offset \(off) in \(node.path):\(lfp.name), "
            + "which has only \(prop.value.bytes.count) bytes"
        }
      }
      for sub in fixup.liveChildren {
        // libfdt's fdt_subnode_offset: exact name, or `name@…` when the name has no unit address ('@' looked for
        // as a byte, as libfdt's memchr does: Foundation's `contains` cost a run 38 K instructions and two pages).
        let match = node.liveChildren.first {
          $0.name == sub.name || (!sub.name.utf8.contains(0x40) && $0.name.hasPrefix(sub.name + "@"))
        }
        if let match { work.append((sub, match)) }
      }
    }
    return nil
  }
}

/// A negative libfdt return code.
struct LibfdtCode: Error {
  var rc: Int32
  init(_ rc: Int32) { self.rc = rc }
}

extension BlobHeader {
  /// The blob's own bytes, without anything after `totalsize`.
  func prefix(of bytes: [UInt8]) -> [UInt8] {
    bytes.count == totalSize ? bytes : Array(bytes.prefix(totalSize))
  }
}
