import DTCore

/// The ownership rules in a chain (`check OV --base BASE`, `check BASE --overlay OV`): they judge the merged tree,
/// so what they find at a base line is what the overlays leave to Linux. Such a finding is reported even when only
/// the overlay's findings are (`--base`), with a note that the overlays do not change it, and its fix-it — the
/// base's `status` edit — becomes a fragment appended to the last overlay (`&i2c4 { status = "disabled"; };`), the
/// file the user is writing; none when that overlay is a blob.
enum OwnershipInChain {
  /// The ownership family (peripheral, pad, GPIO bank, debug UART): the rules whose findings are about what Linux
  /// is left with.
  static let rules = Set(RuleRegistry.shared.descriptions.filter { $0.family == .ownership }.map(\.id))

  /// A finding of an ownership rule located in the base of a chain whose overlays applied.
  static func isLeftByOverlays(_ d: Diagnostic, in chain: AppliedChain) -> Bool {
    rules.contains(d.rule) && !chain.overlays.isEmpty && chain.merged != nil
      && !chain.isInOverlay(range: d.range, nodePath: d.nodePath, property: d.property)
  }

  /// `d` with the note that the overlays leave the base's setting, and its fix-it moved into the last overlay.
  static func placed(_ d: Diagnostic, in chain: AppliedChain, hmp: HMPContext) -> Diagnostic {
    var d = d
    let names = chain.overlays.map { M7Claims.display($0.path) }
    let which = names.count == 1 ? names[0] : "none of the overlays (\(names.joined(separator: ", ")))"
    let enables = d.property == nil || d.property == "status"
    let note =
      enables
      ? "\(which) does not disable it: the merged tree keeps what the base sets here"
      : "\(which) does not change '\(d.property ?? "")' here: the merged tree keeps what the base sets"
    d.notes.insert(DiagnosticNote(note), at: 0)
    // The base's own edit is not offered: the overlay is the file being written (and `hmp fix` edits only it).
    guard enables, !d.fixes.isEmpty else { return d }
    d.fixes = disablingFragment(d, in: chain, core: hmp.manifest?.soc.coreName ?? "M7").map { [$0] } ?? []
    return d
  }

  /// A fragment at the end of the last overlay's source that disables the finding's node: by label when the base
  /// has one (`&i2c4`), else by path (`&{/soc@0/…}`); its comment names the M core `core`. Nil for a blob overlay
  /// or a node the merged tree lacks.
  static func disablingFragment(_ d: Diagnostic, in chain: AppliedChain, core: String) -> FixIt? {
    guard let last = chain.overlays.last, let end = last.end, let path = d.nodePath,
      let node = chain.merged?.node(atPath: path)
    else { return nil }
    let target = node.labels.first.map { "&\($0)" } ?? "&{\(path)}"
    let text =
      (end.endsWithNewline ? "" : "\n")
      + "\n/* Taken from Linux: the \(core) firmware owns it (dtlint \(d.rule)). */\n\(target) {\n\tstatus = \"disabled\";\n};\n"
    return FixIt(
      message: "add a fragment to \(M7Claims.display(last.path)) that disables \(target)",
      edits: [TextEdit(range: end.range, replacement: text)])
  }
}
