import Testing

@testable import DTCore

@Test func lineColumnIsOneBasedAndCountsBytes() {
  let sm = SourceManager()
  let f = sm.addVirtualFile(path: "a.dts", text: "ab\n\tcd\n")
  #expect(f.lineColumn(at: 0) == LineColumn(line: 1, column: 1))
  #expect(f.lineColumn(at: 4) == LineColumn(line: 2, column: 2))
  #expect(f.lineText(2) == "\tcd")
}
