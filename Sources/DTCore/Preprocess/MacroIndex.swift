/// A `#define` as written: the macro's name and where that name stands in the directive.
public struct MacroDefinitionSite: Sendable, Hashable {
  public var name: String
  /// The macro name in the `#define` line.
  public var range: SourceRange
  public var functionLike: Bool
}

extension PreprocessorCache {
  /// The `#define`s of `file` in order, read from the lexed form the preprocessor itself uses (lexed now when no
  /// translation unit has read the file yet, and kept for the next one). Conditionals are not evaluated: a
  /// definition under `#if 0` is listed too. Invalid definitions are left out.
  public func macroDefinitions(in file: SourceFile) -> [MacroDefinitionSite] {
    let lx = lexed(file)
    var out: [MacroDefinitionSite] = []
    for d in lx.directives where d.kind == .define {
      guard let m = d.macro, let r = m.definition else { continue }
      out.append(MacroDefinitionSite(name: interner.name(m.name), range: r, functionLike: m.funLike))
    }
    return out
  }
}
