import Testing

@testable import DTCore

/// The lexer's cursor places ranges through a fast path for the current verbatim segment; every range it gives
/// must be the one the source map and the line markers give.
@Suite struct CursorTests {
  /// What the cursor must answer for output bytes `start..<end`.
  static func reference(_ text: PreprocessedSource, _ presumed: PresumedPositions, _ start: Int, _ end: Int)
    -> SourceRange
  {
    guard let r = text.originalRange(start: start, end: end) else {
      return SourceRange(file: text.files.first ?? FileID(0), start: 0, end: 0)
    }
    return presumed.map(r)
  }

  /// Every range of up to 12 bytes, in reading order, then the same ranges backwards (the cursor moves back).
  static func expectSameRanges(_ text: PreprocessedSource, sources: SourceManager) {
    // One instance for both: the files a presumed position names are registered once per instance.
    let presumed = PresumedPositions(sources: sources)
    var cursor = Cursor(text: text, presumed: presumed)
    let n = text.bytes.count
    var checked = 0
    for start in Array(0..<n) + Array((0..<n).reversed()) {
      for end in (start + 1)...min(start + 12, n) where end > start {
        let got = cursor.range(start, end)
        let want = reference(text, presumed, start, end)
        #expect(got == want, "bytes \(start)..<\(end)")
        checked += 1
        if got != want { return }
      }
    }
    #expect(checked > 2 * n)
  }

  @Test func macroExpansionsAndIncludesArePlacedAsTheSourceMapSays() {
    let sources = SourceManager()
    _ = sources.addVirtualFile(
      path: "inc/cells.h", text: "#define CELL(x) (x + 1)\n#define NAME node\n/ { inc = <1>; };\n")
    let main = sources.addVirtualFile(
      path: "board.dts",
      text: """
        /dts-v1/;
        #include "cells.h"
        / {
        \tNAME { reg = <CELL(2) 3>; label = "a\\tb"; };
        \tplain = <4 5 6>;
        };

        """)
    var o = PreprocessorOptions(includePaths: ["inc"], defines: [])
    o.defines.insert((name: "__DTS__", value: "1"), at: 0)
    let text = Preprocessor(sources: sources, options: o, cache: PreprocessorCache()).preprocess(main)
    #expect(text.segments.contains { !$0.verbatim }, "the test needs a macro expansion")
    #expect(Set(text.segments.map(\.file)).count == 2, "the test needs an include")
    Self.expectSameRanges(text, sources: sources)
  }

  @Test func textWithLineMarkersIsPlacedWhereTheMarkersSay() {
    let sources = SourceManager()
    _ = sources.addVirtualFile(path: "orig.dts", text: "/ {\n\ta = <1>;\n\tb = <2>;\n};\n")
    let main = sources.addVirtualFile(
      path: "cpp-output.dts", text: "# 1 \"orig.dts\"\n/ {\n\ta = <1>;\n# 3 \"orig.dts\"\n\tb = <2>;\n};\n")
    let text = PreprocessedSource.raw(main)
    #expect(PresumedPositions(sources: sources).hasMarkers(main.id), "the test needs line markers")
    Self.expectSameRanges(text, sources: sources)
  }
}
