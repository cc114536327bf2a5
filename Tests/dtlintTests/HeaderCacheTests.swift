import Foundation
import Testing
import _DTTestSupport

/// The cache of lexed headers (issue 20; Documentation/Configuration.md "Cache"): a hit gives the same output as a
/// miss, changed content is lexed again, a damaged entry is ignored, `--no-cache` writes nothing, and a cache
/// directory that cannot be written changes nothing but speed.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct HeaderCacheTests {
  /// A board including a header large enough to be cached (≈ 60 KB of `#define`s, as a pinfunc header).
  static func board(in s: Scratch, value: Int = 7) {
    var header = "/* pads */\n"
    for i in 0..<1_500 { header += "#define PAD_\(i)_FUNC 0x\(String(i * 4, radix: 16)) 0x\(i % 7) 0x0\n" }
    header += "#define CHOSEN \(value)\n"
    s.write("include/pads.h", header)
    s.write(
      "board.dts",
      "/dts-v1/;\n#include <pads.h>\n/ {\n\tv = <CHOSEN>;\n\tp = <PAD_12_FUNC>;\n\tbad@1 { };\n};\n")
  }

  static func entries(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
  }

  static func check(_ s: Scratch, _ extra: [String] = [], env: [String: String]) throws -> CLI.Result {
    try CLI.run(["check", "board.dts", "-I", "include"] + extra, cwd: s.path, env: env)
  }

  static func dump(_ s: Scratch, env: [String: String]) throws -> CLI.Result {
    try CLI.run(["dump", "board.dts", "-I", "include"], cwd: s.path, env: env)
  }

  @Test func hitGivesTheSameOutputAsAMiss() throws {
    let s = Scratch()
    Self.board(in: s)
    let env = ["XDG_CACHE_HOME": s.path + "/cache"]
    let miss = try Self.check(s, env: env)
    #expect(miss.status == 0, "\(miss.stderr)")
    #expect(miss.stdout.contains("board.dts:6:"), "\(miss.stdout)")
    // The header is cached (the board is below the size worth caching).
    let stored = Self.entries(s.path + "/cache/dtlint/lexed")
    #expect(stored.count == 1, "\(stored)")
    let hit = try Self.check(s, env: env)
    #expect(hit.status == miss.status && hit.stdout == miss.stdout && hit.stderr == miss.stderr)
    #expect(Self.entries(s.path + "/cache/dtlint/lexed") == stored)
    let dumped = try Self.dump(s, env: env)
    let uncached = try CLI.run(["dump", "board.dts", "-I", "include", "--no-cache"], cwd: s.path, env: env)
    #expect(dumped.status == 0 && dumped.stdout == uncached.stdout && dumped.stdout.contains("p = <0x30 0x05 0x00>;"))
  }

  @Test func changedHeaderIsLexedAgain() throws {
    let s = Scratch()
    Self.board(in: s, value: 7)
    let env = ["XDG_CACHE_HOME": s.path + "/cache"]
    let first = try Self.dump(s, env: env)
    #expect(first.stdout.contains("v = <0x07>;"), "\(first.stdout.prefix(300))")
    Self.board(in: s, value: 9)
    let second = try Self.dump(s, env: env)
    #expect(second.status == 0 && second.stdout.contains("v = <0x09>;"), "\(second.stdout.prefix(300))")
    #expect(Self.entries(s.path + "/cache/dtlint/lexed").count == 2)
  }

  @Test func damagedEntriesAreIgnored() throws {
    let s = Scratch()
    Self.board(in: s)
    let env = ["XDG_CACHE_HOME": s.path + "/cache"]
    let reference = try Self.check(s, ["--no-cache"], env: env)
    _ = try Self.check(s, env: env)
    let dir = s.path + "/cache/dtlint/lexed"
    let name = try #require(Self.entries(dir).first)
    let path = dir + "/" + name
    let good = try #require(FileManager.default.contents(atPath: path))
    // Truncated, a byte flipped in the tokens, empty, garbage: each ignored (and replaced by a good entry).
    var flipped = [UInt8](good)
    flipped[flipped.count - 40] ^= 0x5A
    let damaged: [[UInt8]] = [Array(good.prefix(good.count / 2)), flipped, [], Array("not a cache entry".utf8)]
    for bytes in damaged {
      FileManager.default.createFile(atPath: path, contents: Data(bytes))
      let r = try Self.check(s, env: env)
      #expect(r.status == reference.status && r.stdout == reference.stdout && r.stderr == reference.stderr)
    }
    #expect(FileManager.default.contents(atPath: path) == good)
  }

  @Test func noCacheWritesNothing() throws {
    let s = Scratch()
    Self.board(in: s)
    let env = ["XDG_CACHE_HOME": s.path + "/cache"]
    for args in [["check", "board.dts"], ["dump", "board.dts"], ["compile", "board.dts", "-o", "b.dtb"]] {
      let r = try CLI.run(args + ["-I", "include", "--no-cache"], cwd: s.path, env: env)
      #expect(r.status == 0, "\(args): \(r.stderr)")
    }
    #expect(!s.exists("cache"))
  }

  @Test func unwritableCacheDirectoryIsSilent() throws {
    let s = Scratch()
    Self.board(in: s)
    // The cache's parent is a regular file: no directory can be made there.
    s.write("blocked", "a file\n")
    let reference = try Self.check(s, ["--no-cache"], env: [:])
    let r = try Self.check(s, env: ["XDG_CACHE_HOME": s.path + "/blocked"])
    #expect(r.status == reference.status && r.stdout == reference.stdout && r.stderr == reference.stderr)
    #expect(Self.entries(s.path).filter { $0 != "blocked" && $0 != "board.dts" && $0 != "include" }.isEmpty)
  }

  @Test func homeCacheWhenXDGIsNotSet() throws {
    let s = Scratch()
    Self.board(in: s)
    // XDG_CACHE_HOME set to a relative path is ignored, as the XDG specification asks.
    let r = try Self.check(s, env: ["XDG_CACHE_HOME": "relative", "HOME": s.path + "/home"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(Self.entries(s.path + "/home/.cache/dtlint/lexed").count == 1)
    #expect(!s.exists("relative"))
  }
}
