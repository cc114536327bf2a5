import Foundation
import Testing

@testable import DTCore

/// Byte-for-byte parity with dtc 1.8.1 on the shared corpus (read in place, never copied).
@Suite(.serialized) struct CorpusCompileTests {
  struct Row: Sendable {
    var sha: String
    var mode: String
    var file: String
  }

  static func linuxRows() -> [Row] {
    guard let text = try? String(contentsOfFile: Corpus.linuxDTS + "/expected/dtc-1.8.1.sha256", encoding: .utf8)
    else { return [] }
    return text.split(separator: "\n").compactMap { line in
      let f = line.split(separator: " ", omittingEmptySubsequences: true)
      guard f.count == 3 else { return nil }
      return Row(sha: String(f[0]), mode: String(f[1]), file: String(f[2]))
    }
  }

  /// Compiles one corpus row in-process the way `dtlint compile FILE -o OUT -b 0 -I include -I
  /// src/arm64/freescale -I src [-@]` does from `linux-dts`, returning the blob's digest or an explanation.
  static func compileLinux(_ row: Row, sources: SourceManager, cache: PreprocessorCache) -> String {
    let base = Corpus.linuxDTS + "/"
    var o = FrontEndOptions()
    o.includePaths = [base + "include", base + "src/arm64/freescale", base + "src"]
    let reader = SourceReader(sources: sources, options: o, cache: cache)
    var co = CompileOptions()
    co.bootCPU = 0
    co.symbols = row.mode != "plain"
    do {
      let c = try reader.compile(path: base + row.file, options: co)
      if c.refused {
        return "refused: " + c.diagnostics.prefix(3).map { $0.formatted(with: sources) }.joined(separator: "; ")
      }
      return SHA256.hex(DTBWriter.blob(of: c.tree))
    } catch {
      return "unreadable: \(error)"
    }
  }

  @Test(
    "Every corpus blob is byte-identical to dtc 1.8.1's (593 rows)",
    .enabled(if: Corpus.available, "skipped: ../shared/corpus/linux-dts not found beside the package"))
  func linuxCorpusIsByteIdentical() async {
    let rows = Self.linuxRows()
    #expect(rows.count == 593)
    let sources = SourceManager()
    let cache = PreprocessorCache()
    let failures = await withTaskGroup(of: String?.self) { group in
      let workers = max(2, ProcessInfo.processInfo.activeProcessorCount)
      var next = 0
      var failures: [String] = []
      func add(_ g: inout TaskGroup<String?>) {
        guard next < rows.count else { return }
        let row = rows[next]
        next += 1
        g.addTask {
          let got = Self.compileLinux(row, sources: sources, cache: cache)
          return got == row.sha ? nil : "\(row.mode) \(row.file): \(got)"
        }
      }
      for _ in 0..<workers { add(&group) }
      while let r = await group.next() {
        if let r { failures.append(r) }
        add(&group)
      }
      return failures
    }
    #expect(
      failures.isEmpty,
      "\(rows.count - failures.count)/\(rows.count) identical; first failures:\n\(failures.prefix(20).joined(separator: "\n"))"
    )
  }

  struct DtcRow: Sendable {
    var file: String
    var mode: String
    var exit: Int
    var sha: String
  }

  static func dtcRows() -> [DtcRow] {
    guard let text = try? String(contentsOfFile: Corpus.dtcTests + "/expected/dtc-1.8.1.tsv", encoding: .utf8)
    else { return [] }
    return text.split(separator: "\n").dropFirst().compactMap { line in
      let f = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard f.count >= 3 else { return nil }
      return DtcRow(file: String(f[0]), mode: String(f[1]), exit: Int(f[2]) ?? -1, sha: f.count > 3 ? String(f[3]) : "")
    }
  }

  @Test(
    "dtc's own test inputs: same bytes where dtc succeeds, refusal where it refuses (304 rows)",
    .enabled(if: Corpus.dtcTestsAvailable, "skipped: ../shared/corpus/dtc-tests not found beside the package"))
  func dtcTestInputs() {
    let rows = Self.dtcRows().filter { $0.mode == "default" || $0.mode == "symbols" }
    #expect(rows.count == 304)
    var failures: [String] = []
    let dir = Corpus.dtcTests + "/inputs"
    // dtc's test suite feeds dtc directly, without cpp: run the front end the same way.
    var o = FrontEndOptions()
    o.preprocess = false
    for row in rows {
      let sources = SourceManager()
      let reader = SourceReader(sources: sources, options: o)
      var co = CompileOptions()
      co.symbols = row.mode == "symbols"
      let c: Compilation
      do {
        c = try reader.compile(path: dir + "/" + row.file, options: co)
      } catch {
        if row.exit == 0 { failures.append("\(row.file) \(row.mode): unreadable: \(error)") }
        continue
      }
      if row.exit == 0 {
        if c.refused {
          failures.append("\(row.file) \(row.mode): refused but dtc accepted")
        } else if SHA256.hex(DTBWriter.blob(of: c.tree)) != row.sha {
          failures.append("\(row.file) \(row.mode): bytes differ")
        }
      } else {
        if !c.refused {
          failures.append("\(row.file) \(row.mode): accepted but dtc refused")
        } else if !c.diagnostics.contains(where: { $0.severity == .error && $0.range != nil }) {
          failures.append("\(row.file) \(row.mode): refused without a positioned error")
        }
      }
    }
    #expect(
      failures.isEmpty,
      "\(rows.count - failures.count)/\(rows.count) agree; failures:\n\(failures.joined(separator: "\n"))")
  }
}
