/// A fragment of an overlay (`fragment@N { target… ; __overlay__ { … } }`) and where it lands in the base.
public struct OverlayFragment {
  /// The fragment node in the overlay's own tree.
  public var node: Node
  /// The `__overlay__` child.
  public var content: Node
  /// `&label` the fragment targets (from the source marker or from `__fixups__`), when it targets a label.
  public var targetLabel: String?
  /// `target-path`, when it targets a path.
  public var targetPath: String?
  /// A raw `target` phandle that is not a fixup.
  public var targetPhandle: UInt32?
  /// Where the target was written.
  public var targetRange: SourceRange?
  /// The base path the fragment applies to, once resolved.
  public var resolvedPath: String?

  /// How the target reads in a message.
  public var targetDescription: String {
    if let l = targetLabel { return "&\(l)" }
    if let p = targetPath { return "&{\(p)}" }
    if let ph = targetPhandle { return "phandle 0x\(String(ph, radix: 16))" }
    return "(no target)"
  }
}

/// One overlay of a chain: its tree as written (with source positions when it is a source) and its fragments.
public struct ChainOverlay {
  public var path: String
  public var loaded: LoadedTree
  public var fragments: [OverlayFragment]
  /// Files the overlay's source came from (for "is this finding inside the overlay?").
  public var files: Set<FileID>
  /// The end of the overlay's main source file, where a fix-it can append a fragment, and whether the file ends
  /// with a newline; nil for a blob.
  public var end: (range: SourceRange, endsWithNewline: Bool)?
}

/// A fragment that could not be applied because its target is not in the base.
public struct SkippedFragment {
  public var overlay: Int
  public var fragment: OverlayFragment
}

/// The tree U-Boot hands to Linux: a base with overlays applied by libfdt, annotated with the source positions of
/// the base and of every overlay so findings point at the lines that produced each node and property.
public struct AppliedChain {
  public var base: LoadedTree
  public var basePath: String
  public var overlays: [ChainOverlay]
  /// The merged tree (nil when the base could not be compiled or an application failed).
  public var merged: DeviceTree?
  /// Problems reading or applying the parts (front-end diagnostics of every part, libfdt failures).
  public var diagnostics: [Diagnostic]
  public var skipped: [SkippedFragment]
  /// Node paths the overlays created, and `path\u{0}property` keys they set.
  public var overlayNodes: Set<String>
  public var overlayProperties: Set<String>
  /// An input could not be read at all (exit 2).
  public var inputFailure: Bool
  public var refused: Bool

  /// True when a finding at `range` / `nodePath` / `property` comes from overlay content.
  public func isInOverlay(range: SourceRange?, nodePath: String?, property: String?) -> Bool {
    if let r = range {
      return overlays.contains { $0.files.contains(r.file) }
    }
    guard let nodePath else { return false }
    if let property { return overlayProperties.contains(nodePath + "\u{0}" + property) }
    return overlayNodes.contains(nodePath)
  }
}

extension SourceReader {
  /// Loads `base`, applies `overlays` in order with libfdt, and annotates the result with source positions.
  /// A fragment whose target the base lacks is skipped (and listed) so the rest can still be checked.
  public func applyChain(base basePath: String, overlays overlayPaths: [String]) throws(LoadError) -> AppliedChain {
    try applyChain(base: try loadBase(path: basePath), basePath: basePath, overlays: overlayPaths)
  }

  /// The base of a chain, loaded as chains need it (a source compiled with `-@`, so overlays find its labels).
  public func loadBase(path: String) throws(LoadError) -> LoadedTree {
    var symbolsOptions = CompileOptions()
    symbolsOptions.symbols = true
    return try load(path: path, options: symbolsOptions)
  }

  /// As ``applyChain(base:overlays:)`` with the base already loaded by ``loadBase(path:)``: one base shared by many
  /// overlays is read once. The base tree is only read.
  /// `allowEmpty` lets an overlay without fragments through (as a no-op): `overlay make` of two equal trees.
  public func applyChain(
    base: LoadedTree, basePath: String, overlays overlayPaths: [String], allowEmpty: Bool = false
  ) throws(LoadError) -> AppliedChain {
    var symbolsOptions = CompileOptions()
    symbolsOptions.symbols = true
    var chain = AppliedChain(
      base: base, basePath: basePath, overlays: [], merged: nil, diagnostics: base.diagnostics, skipped: [],
      overlayNodes: [], overlayProperties: [], inputFailure: base.inputFailure, refused: base.refused)
    for p in overlayPaths {
      let ov = try load(path: p, options: symbolsOptions)
      chain.diagnostics += ov.diagnostics
      chain.inputFailure = chain.inputFailure || ov.inputFailure
      chain.refused = chain.refused || ov.refused
      var files = Set(ov.files)
      if files.isEmpty, let f = sources.loaded(path: p) { files.insert(f.id) }
      var end: (SourceRange, Bool)?
      if ov.kind == .source, let main = ov.files.first {
        let bytes = sources[main].bytes
        let at = UInt32(bytes.count)
        end = (SourceRange(file: main, start: at, end: at), bytes.last == UInt8(ascii: "\n"))
      }
      chain.overlays.append(
        ChainOverlay(path: p, loaded: ov, fragments: Self.fragments(of: ov.tree), files: files, end: end))
    }
    if chain.inputFailure || chain.refused { return chain }
    // What `apply` refuses before libfdt (a base that is an overlay, an input that is not, malformed fixups), with
    // the same message and the same exit status: an overlay that does not fit is an error, a malformed one input.
    for ov in chain.overlays where !(allowEmpty && OverlayApplier.overlayParts(ov.loaded.tree) == nil) {
      do {
        try OverlayApplier.validate(base: base.tree, basePath: basePath, overlay: ov.loaded.tree, overlayPath: ov.path)
      } catch {
        chain.diagnostics.append(
          Diagnostic(rule: "overlay_apply", severity: .error, message: error.description, range: nil))
        chain.refused = true
        chain.inputFailure = error.kind != .overlay
        return chain
      }
    }

    var current = base.tree
    var currentBlob = DTBWriter.blob(of: base.tree)
    annotate(merged: current, from: base.tree, created: nil)
    for (i, ov) in chain.overlays.enumerated() {
      // Resolve every fragment against the tree as it stands (earlier overlays included).
      var keep: [OverlayFragment] = []
      for j in ov.fragments.indices {
        var f = ov.fragments[j]
        f.resolvedPath = Self.resolveTarget(f, in: current)
        chain.overlays[i].fragments[j] = f
        if f.resolvedPath == nil {
          chain.skipped.append(SkippedFragment(overlay: i, fragment: f))
        } else {
          keep.append(f)
        }
      }
      if keep.isEmpty { continue }
      let overlayBlob = DTBWriter.blob(of: Self.withoutSkippedFragments(ov.loaded.tree, keep: keep))
      let mergedBlob: [UInt8]
      do {
        mergedBlob = try OverlayApplier.apply(base: currentBlob, basePath: basePath, overlays: [(overlayBlob, ov.path)])
      } catch {
        chain.diagnostics.append(
          // No source range: the message names the overlay, since the finding is shown at the chain's base.
          Diagnostic(rule: "overlay_apply", severity: .error, message: error.description, range: nil))
        chain.refused = true
        return chain
      }
      let next: DeviceTree
      do {
        next = try DTBReader.read(mergedBlob, path: "\(basePath)+\(ov.path)")
      } catch {
        chain.diagnostics.append(
          Diagnostic(rule: "overlay_apply", severity: .error, message: error.description, range: nil))
        chain.refused = true
        return chain
      }
      // Carry positions over from the previous stage, then add this overlay's.
      annotate(merged: next, from: current, created: nil)
      for f in keep {
        guard let target = f.resolvedPath, let dest = next.node(atPath: target) else { continue }
        overlayAnnotate(dest: dest, content: f.content, before: current, chain: &chain)
      }
      current = next
      currentBlob = mergedBlob
    }
    chain.merged = current
    return chain
  }

  /// Copies ranges from `source` onto the nodes and properties of `merged` that have the same path.
  private func annotate(merged: DeviceTree, from source: DeviceTree, created: Set<String>?) {
    func visit(_ m: Node, _ s: Node) {
      if m.definitions.isEmpty { m.definitions = s.definitions }
      if m.nameRange == nil { m.nameRange = s.nameRange }
      for mp in m.properties where mp.range == nil {
        if let sp = s.property(mp.name) {
          mp.range = sp.range
          mp.nameRange = sp.nameRange
        }
      }
      for mc in m.children where !mc.deleted {
        if let sc = s.child(mc.name) { visit(mc, sc) }
      }
    }
    if merged !== source { visit(merged.root, source.root) }
  }

  private func overlayAnnotate(dest: Node, content: Node, before: DeviceTree, chain: inout AppliedChain) {
    let path = dest.path
    let existed = before.node(atPath: path) != nil
    if !existed {
      chain.overlayNodes.insert(path)
      dest.definitions = content.definitions
      dest.nameRange = content.nameRange
    } else {
      dest.definitions += content.definitions
    }
    for p in content.properties where !p.deleted {
      guard let dp = dest.property(p.name) else { continue }
      dp.range = p.range
      dp.nameRange = p.nameRange
      // libfdt resolved the references in place: the written value's markers (`&label` spellings and where they
      // were written) still describe the merged bytes, so fix-its can edit the overlay's text.
      if !p.value.markers.isEmpty && dp.value.bytes.count == p.value.bytes.count {
        dp.value.markers = p.value.markers
      }
      chain.overlayProperties.insert(path + "\u{0}" + p.name)
    }
    for c in content.children where !c.deleted {
      if let dc = dest.child(c.name) { overlayAnnotate(dest: dc, content: c, before: before, chain: &chain) }
    }
  }

  /// The fragments of an overlay tree, with their targets read from markers or `__fixups__`.
  public static func fragments(of tree: DeviceTree) -> [OverlayFragment] {
    var fixupLabel: [String: String] = [:]  // "/fragment@0:target:0" -> label
    if let fixups = tree.root.child("__fixups__") {
      for p in fixups.liveProperties {
        for entry in p.value.strings ?? [] { fixupLabel[entry] = p.name }
      }
    }
    var out: [OverlayFragment] = []
    for n in tree.root.liveChildren {
      guard let content = n.child("__overlay__") else { continue }
      var f = OverlayFragment(node: n, content: content)
      if let t = n.property("target") {
        f.targetRange = t.range
        if let m = t.value.markers.first(where: { $0.kind == .phandleReference }), let r = m.ref {
          f.targetLabel = r
        } else if let l = fixupLabel["/\(n.name):target:0"] {
          f.targetLabel = l
        } else if let v = t.value.singleCell, v != 0xFFFF_FFFF {
          f.targetPhandle = v
        }
      }
      if let tp = n.property("target-path") {
        f.targetRange = f.targetRange ?? tp.range
        f.targetPath = tp.value.strings?.first
      }
      out.append(f)
    }
    return out
  }

  /// Where a fragment lands in `tree`: labels through `__symbols__` (as libfdt resolves them), paths directly.
  static func resolveTarget(_ f: OverlayFragment, in tree: DeviceTree) -> String? {
    if let label = f.targetLabel {
      guard let sym = tree.root.child("__symbols__")?.property(label)?.value.strings?.first else { return nil }
      return tree.node(atPath: sym) != nil ? sym : nil
    }
    if let p = f.targetPath { return tree.node(atPath: p) != nil ? p : nil }
    if let ph = f.targetPhandle {
      var found: String?
      tree.root.walk { n in
        if found == nil, n.property("phandle")?.value.singleCell == ph { found = n.path }
      }
      return found
    }
    return nil
  }

  /// A copy of the overlay tree without the fragments not in `keep`, and without fixup entries pointing into them.
  static func withoutSkippedFragments(_ tree: DeviceTree, keep: [OverlayFragment]) -> DeviceTree {
    let keepNames = Set(keep.map { $0.node.name })
    let all = fragments(of: tree).map { $0.node.name }
    let dropped = Set(all).subtracting(keepNames)
    if dropped.isEmpty { return tree }
    let copy = tree.deepCopy()
    for c in copy.root.children where dropped.contains(c.name) { c.markDeleted() }
    // The fragment an entry points into: the first component of its path ("/fragment@2/__overlay__:reg:0").
    func fragment(_ entry: String) -> Substring {
      entry.dropFirst().prefix { $0 != ":" && $0 != "/" }
    }
    if let fixups = copy.root.child("__fixups__") {
      for p in fixups.liveProperties {
        let entries = (p.value.strings ?? []).filter { e in
          !(e.hasPrefix("/") && dropped.contains(String(fragment(e))))
        }
        if entries.isEmpty {
          p.markDeleted()
        } else {
          var v = PropertyValue()
          for e in entries { v.append(.string(e)) }
          p.value = v
        }
      }
      if fixups.liveProperties.first(where: { _ in true }) == nil { fixups.markDeleted() }
    }
    if let local = copy.root.child("__local_fixups__") {
      for c in local.children where dropped.contains(c.name) { c.markDeleted() }
    }
    return copy
  }
}

extension DeviceTree {
  /// An independent copy (nodes and properties are classes).
  public func deepCopy() -> DeviceTree {
    func copy(_ n: Node) -> Node {
      let m = Node(name: n.name)
      m.labelEntries = n.labelEntries
      m.deleted = n.deleted
      m.phandle = n.phandle
      m.omitIfNoRef = n.omitIfNoRef
      m.isReferenced = n.isReferenced
      m.definitions = n.definitions
      m.nameRange = n.nameRange
      m.properties = n.properties.map { p in
        let q = Property(name: p.name, value: p.value, deleted: p.deleted, range: p.range, nameRange: p.nameRange)
        q.labelEntries = p.labelEntries
        return q
      }
      for c in n.children { m.addChild(copy(c)) }
      return m
    }
    return DeviceTree(root: copy(root), reserves: reserves, isPlugin: isPlugin, bootCPUID: bootCPUID)
  }
}
