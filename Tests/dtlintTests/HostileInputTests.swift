import Foundation
import Testing
import _DTTestSupport

/// Hostile inputs (issue 8; README "Robustness", Documentation/Fuzzing.md): each ends in a clear error that names
/// the file (and the line where there is one), with exit 2 (1 for a DTS syntax error, which is a finding), within
/// seconds, with no output file left behind, and without a Swift runtime trap. Small inputs are in
/// Tests/Fixtures/hostile; big ones and broken blobs and ELF files are made here at run time.
enum Hostile {
  static let fixtures = SharedCorpus.packageRoot + "/Tests/Fixtures/hostile"
  static let example = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom"

  /// Generous bound for a debug build on a loaded CI machine; the same inputs take well under a second in release.
  static let timeLimit: Duration = .seconds(30)

  /// A scratch directory holding copies of the named fixtures.
  static func scratch(_ names: String...) -> Scratch {
    let s = Scratch(prefix: "dtlint-hostile")
    for name in names {
      let bytes = FileManager.default.contents(atPath: fixtures + "/" + name).map { [UInt8]($0) } ?? []
      s.write(name, bytes: bytes)
    }
    return s
  }

  /// Runs dtlint and checks the common contract: the expected exit status (not a signal), every `mentions` string in
  /// its output (stderr, or stdout where `check` reports findings), no trap or crash report, quick, and no file at
  /// `output` (relative to the scratch directory).
  @discardableResult
  static func expectError(
    _ args: [String], in s: Scratch, status: Int32, mentions: [String], output: String? = "out",
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> CLI.Result {
    let clock = ContinuousClock()
    let start = clock.now
    let r = try CLI.run(args, cwd: s.path)
    let elapsed = clock.now - start
    let text = r.stderr + r.stdout
    let context = "dtlint \(args.joined(separator: " ")) → \(r.status)\n\(text.prefix(2000))"
    #expect(r.status == status, "\(context)", sourceLocation: sourceLocation)
    for m in mentions {
      #expect(text.contains(m), "expected '\(m)' in: \(context)", sourceLocation: sourceLocation)
    }
    // Every error names a file the command was given (issue 14): stderr, not only a report on stdout.
    let files = args.dropFirst().filter { !$0.hasPrefix("-") }
    if !files.isEmpty {
      #expect(
        files.contains { text.contains($0) }, "no file named: \(context)", sourceLocation: sourceLocation)
    }
    for trap in ["Fatal error", "Illegal instruction", "Stack dump", "Segmentation fault", "Current stack trace"] {
      #expect(!text.contains(trap), "runtime trap: \(context)", sourceLocation: sourceLocation)
    }
    #expect(elapsed < timeLimit, "took \(elapsed): \(context)", sourceLocation: sourceLocation)
    if let output {
      #expect(!s.exists(output), "an output file was left behind: \(context)", sourceLocation: sourceLocation)
      #expect(
        !s.files().contains { $0.contains(".dtlint-") }, "a temporary file was left behind",
        sourceLocation: sourceLocation)
    }
    return r
  }

  /// `small.dts` compiled to a blob by dtlint itself.
  static func smallBlob(in s: Scratch) throws -> [UInt8] {
    s.write("small.dts", bytes: [UInt8](FileManager.default.contents(atPath: fixtures + "/small.dts") ?? Data()))
    let r = try CLI.run(["compile", "small.dts", "-@", "-o", "small.dtb"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    return [UInt8](FileManager.default.contents(atPath: s.path + "/small.dtb") ?? Data())
  }

  static func be32(_ b: [UInt8], _ at: Int) -> UInt32 {
    b[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) }
  }

  static func setBE32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
    for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (24 - 8 * k)) }
  }

  static func setLE(_ b: inout [UInt8], _ at: Int, _ v: UInt64, bytes: Int) {
    for k in 0..<bytes { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
  }

  static func le16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
  static func le32(_ b: [UInt8], _ at: Int) -> Int { le16(b, at) | le16(b, at + 2) << 16 }
}

@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built"))
struct HostileBlobTests {
  /// A blob broken by `damage`, read by `dump`, converted by `compile -o`, and used as the base of `apply -o`.
  private func expectBlobRejected(_ name: String, mentions: [String], damage: (inout [UInt8]) -> Void) throws {
    let s = Scratch(prefix: "dtlint-hostile")
    var blob = try Hostile.smallBlob(in: s)
    #expect(blob.count > 100)
    damage(&blob)
    s.write(name, bytes: blob)
    try Hostile.expectError(["dump", name], in: s, status: 2, mentions: [name] + mentions, output: nil)
    try Hostile.expectError(["compile", name, "-O", "dts", "-o", "out"], in: s, status: 2, mentions: [name] + mentions)
    try Hostile.expectError(["apply", name, "small.dtb", "-o", "out"], in: s, status: 2, mentions: [name] + mentions)
  }

  @Test func truncatedBlob() throws {
    try expectBlobRejected("truncated.dtb", mentions: ["truncated"]) { $0.removeLast($0.count / 2) }
  }

  @Test func blobCutInsideTheHeader() throws {
    try expectBlobRejected("header.dtb", mentions: ["header"]) { $0.removeLast($0.count - 20) }
  }

  @Test func emptyBlobNamedDtb() throws {
    try expectBlobRejected("empty.dtb", mentions: ["empty"]) { $0 = [] }
  }

  @Test func badMagic() throws {
    // Without the magic number the file is read as source by extension, and `.dtb` bytes are not DTS.
    let s = Scratch(prefix: "dtlint-hostile")
    var blob = try Hostile.smallBlob(in: s)
    blob[0] = 0xde
    s.write("magic.dtb", bytes: blob)
    let r = try CLI.run(["dump", "magic.dtb"], cwd: s.path)
    #expect(r.status == 1 || r.status == 2, "\(r.stderr)")
    #expect(r.stderr.contains("magic.dtb"), "\(r.stderr)")
    try Hostile.expectError(
      ["apply", "small.dtb", "magic.dtb", "-o", "out"], in: s, status: r.status, mentions: ["magic.dtb"])
  }

  @Test func structureOffsetOutsideTheBlob() throws {
    try expectBlobRejected("offset.dtb", mentions: ["structure block offset"]) {
      Hostile.setBE32(&$0, 8, Hostile.be32($0, 4) + 64)
    }
  }

  @Test func misalignedStructureOffset() throws {
    try expectBlobRejected("aligned.dtb", mentions: ["not 4-byte aligned"]) {
      Hostile.setBE32(&$0, 8, Hostile.be32($0, 8) + 2)
    }
  }

  @Test func stringsBlockOverlapsStructureBlock() throws {
    try expectBlobRejected("overlap.dtb", mentions: ["overlaps"]) {
      // off_dt_strings := off_dt_struct: the two blocks now share bytes.
      Hostile.setBE32(&$0, 12, Hostile.be32($0, 8))
    }
  }

  @Test func blobClaimsMoreThanItHas() throws {
    try expectBlobRejected("claims.dtb", mentions: ["totalsize", "file has only"]) {
      Hostile.setBE32(&$0, 4, UInt32($0.count) + 4096)
    }
  }

  @Test func blobClaimsFourGigabytes() throws {
    try expectBlobRejected("huge.dtb", mentions: ["totalsize"]) { Hostile.setBE32(&$0, 4, 0xFFFF_FFFF) }
  }

  @Test func structureBlockSizeLies() throws {
    try expectBlobRejected("size.dtb", mentions: ["extends past the end"]) { Hostile.setBE32(&$0, 36, 0x7FFF_FFF0) }
  }

  @Test func propertyNameOffsetOutsideStrings() throws {
    try expectBlobRejected("nameoff.dtb", mentions: ["bad structure block"]) { blob in
      // The first FDT_PROP (tag 3) after the root node's name: its nameoff is the tag's third word.
      let start = Int(Hostile.be32(blob, 8))
      var at = start
      while at + 12 <= blob.count && Hostile.be32(blob, at) != 3 { at += 4 }
      Hostile.setBE32(&blob, at + 8, 0x00FF_FFFF)
    }
  }

  @Test func unknownStructureTag() throws {
    try expectBlobRejected("tag.dtb", mentions: ["bad structure block"]) { blob in
      let start = Int(Hostile.be32(blob, 8))
      Hostile.setBE32(&blob, start, 0x0000_0007)
    }
  }

  @Test func blobNestedTooDeep() throws {
    // A structure block of 600 nested nodes named "n", written by hand (dtc would accept the source, so the blob's
    // reader is what must refuse it).
    let s = Scratch(prefix: "dtlint-hostile")
    var structure: [UInt8] = []
    func word(_ v: UInt32) { for k in 0..<4 { structure.append(UInt8(truncatingIfNeeded: v >> (24 - 8 * k))) } }
    word(1)
    word(0)  // root: FDT_BEGIN_NODE, empty name
    for _ in 0..<600 {
      word(1)
      structure += [0x6e, 0, 0, 0]  // "n\0" padded
    }
    for _ in 0...600 { word(2) }
    word(9)
    let header = 40
    let rsv = 16
    let total = header + rsv + structure.count
    var blob = [UInt8](repeating: 0, count: total)
    for (i, v) in [0xd00d_feed, total, header + rsv, total, header, 17, 16, 0, 0, structure.count].enumerated() {
      Hostile.setBE32(&blob, 4 * i, UInt32(v))
    }
    blob.replaceSubrange((header + rsv)..<total, with: structure)
    s.write("deep.dtb", bytes: blob)
    try Hostile.expectError(
      ["dump", "deep.dtb"], in: s, status: 2, mentions: ["deep.dtb", "nested more than"], output: nil)
    try Hostile.expectError(
      ["compile", "deep.dtb", "-O", "dts", "-o", "out"], in: s, status: 2, mentions: ["deep.dtb", "nested more than"])
  }

  @Test func oldVersionBlobWhoseRootHasNoPath() throws {
    // Found by FuzzOverlay: libfdt 1.6.1 crashed (SIGSEGV) on this base; `dump` and `apply` crashed with it.
    let s = Scratch(prefix: "dtlint-hostile")
    let input = [UInt8](
      FileManager.default.contents(
        atPath: SharedCorpus.packageRoot + "/Tests/Fixtures/fuzz-regressions/overlay/v4-root-without-slash.bin")
        ?? Data())
    #expect(input.count > 4)
    let n = Int(input[0]) | Int(input[1]) << 8 | Int(input[2]) << 16 | Int(input[3]) << 24
    s.write("old.dtb", bytes: Array(input[4..<(4 + n)]))
    s.write("ov.dtbo", bytes: Array(input[(4 + n)...]))
    let message = "the top-level node at offset 0 of this version 4 blob is not named by its path"
    try Hostile.expectError(["dump", "old.dtb"], in: s, status: 2, mentions: ["old.dtb", message], output: nil)
    try Hostile.expectError(
      ["apply", "old.dtb", "ov.dtbo", "-o", "out"], in: s, status: 2, mentions: ["old.dtb", message])
  }

  @Test func overlayThatDoesNotApplyLeavesNoOutput() throws {
    let s = Scratch(prefix: "dtlint-hostile")
    _ = try Hostile.smallBlob(in: s)
    s.write("ov.dtso", "/dts-v1/;\n/plugin/;\n&nowhere { status = \"okay\"; };\n")
    // A readable overlay that does not fit its base is a finding (1); an unreadable blob above is an input error (2).
    try Hostile.expectError(
      ["apply", "small.dtb", "ov.dtso", "-o", "out"], in: s, status: 1, mentions: ["ov.dtso", "nowhere"])
  }

  @Test func overlayWhoseFixupPointsOutsideItsPropertyIsAnInputError() throws {
    // The fuzz input that made libfdt write out of bounds (Tests/Fixtures/fuzz-regressions/overlay): base, overlay.
    let s = Scratch(prefix: "dtlint-hostile")
    let (base, overlay) = try #require(FuzzRegression.overlayInput("fixup-offset-negative.bin"))
    s.write("base.dtb", bytes: base)
    s.write("ov.dtbo", bytes: overlay)
    try Hostile.expectError(
      ["apply", "base.dtb", "ov.dtbo", "-o", "out"], in: s, status: 2,
      mentions: ["ov.dtbo", "malformed overlay", "offset '-2' is not a decimal number"])
  }
}

@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built"))
struct HostileSourceTests {
  @Test func unterminatedStringIsASyntaxFinding() throws {
    // The opening quote is named, not the parser's confusion after it; a syntax error is a finding (Documentation/Report.md).
    let s = Hostile.scratch("unterminated-string.dts")
    try Hostile.expectError(
      ["compile", "unterminated-string.dts", "-o", "out"], in: s, status: 1,
      mentions: ["unterminated-string.dts:5:15:", "unterminated string: no closing '\"' before the end of the file"])
  }

  @Test func unterminatedCharacterLiteralIsASyntaxFinding() throws {
    let s = Hostile.scratch()
    s.write("char.dts", bytes: Array("/dts-v1/;\n/ {\n\tx = <'a>;\n};\n".utf8))
    try Hostile.expectError(
      ["check", "char.dts"], in: s, status: 1,
      mentions: ["char.dts:3:7:", "unterminated character literal"], output: nil)
  }

  @Test func unterminatedCommentIsASyntaxFinding() throws {
    let s = Hostile.scratch("unterminated-comment.dts")
    try Hostile.expectError(
      ["compile", "unterminated-comment.dts", "-o", "out"], in: s, status: 1,
      mentions: ["unterminated-comment.dts:7:", "unterminated comment"])
  }

  @Test func includeCycleNamesTheLoop() throws {
    let s = Hostile.scratch("include-cycle.dts", "include-cycle-b.dtsi", "include-cycle-c.dtsi")
    try Hostile.expectError(
      ["compile", "include-cycle.dts", "-o", "out"], in: s, status: 2,
      mentions: [
        "include-cycle-", ".dtsi:2:",
        "include cycle: include-cycle-c.dtsi -> include-cycle-b.dtsi -> include-cycle-c.dtsi",
      ])
    try Hostile.expectError(["check", "include-cycle.dts"], in: s, status: 2, mentions: ["include cycle"], output: nil)
  }

  @Test func slashIncludeCycleStopsAtOnce() throws {
    let s = Hostile.scratch("slash-include-cycle.dts", "slash-include-cycle-b.dtsi", "slash-include-cycle-c.dtsi")
    try Hostile.expectError(
      ["compile", "slash-include-cycle.dts", "-o", "out"], in: s, status: 2,
      mentions: [
        "slash-include-cycle-c.dtsi:2:",
        "/include/ cycle: slash-include-cycle-b.dtsi -> slash-include-cycle-c.dtsi -> slash-include-cycle-b.dtsi",
      ])
  }

  @Test func includeOfItselfByAbsolutePath() throws {
    let s = Scratch(prefix: "dtlint-hostile")
    s.write("self.dts", "/dts-v1/;\n/include/ \"\(s.path)/self.dts\"\n/ { };\n")
    try Hostile.expectError(
      ["compile", "self.dts", "-o", "out"], in: s, status: 2, mentions: ["self.dts:2:", "cycle"])
  }

  @Test func macroThatDoublesAtEachLevel() throws {
    let s = Hostile.scratch("macro-doubling.dts", "macro-doubling-args.dts")
    try Hostile.expectError(
      ["compile", "macro-doubling.dts", "-o", "out"], in: s, status: 2,
      mentions: ["macro-doubling.dts:47:", "macro expansion produced more than"])
    try Hostile.expectError(
      ["compile", "macro-doubling-args.dts", "-o", "out"], in: s, status: 2,
      mentions: ["macro-doubling-args.dts:37:", "macro expansion produced more than"])
  }

  @Test func hundredThousandNestedNodes() throws {
    let s = Scratch(prefix: "dtlint-hostile")
    let n = 100_000
    s.write(
      "deep.dts",
      "/dts-v1/;\n/ {\n" + String(repeating: "n {\n", count: n) + String(repeating: "};\n", count: n) + "};\n")
    try Hostile.expectError(
      ["compile", "deep.dts", "-o", "out"], in: s, status: 2, mentions: ["deep.dts:514:", "nested more than 512"])
    try Hostile.expectError(["check", "deep.dts"], in: s, status: 2, mentions: ["deep.dts:514:"], output: nil)
  }

  @Test func deeplyNestedExpressions() throws {
    // 100 000 nested parentheses, unary minus signs and `?:` in a cell: each level recursed in the parser, and
    // overflowed its stack (SIGSEGV) before the expression depth limit.
    let s = Scratch(prefix: "dtlint-hostile")
    let n = 100_000
    let cells = [
      "parens": String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n),
      "minus": "(" + String(repeating: "-", count: n) + "1)",
      "ternary": "(" + String(repeating: "1?", count: n) + "1" + String(repeating: ":1", count: n) + ")",
    ]
    for (name, cell) in cells {
      s.write("\(name).dts", "/dts-v1/;\n/ {\n\tp = <\(cell)>;\n};\n")
      try Hostile.expectError(
        ["compile", "\(name).dts", "-o", "out"], in: s, status: 2,
        mentions: ["\(name).dts:3:", "expression nested more than 1000 levels deep"])
    }
    // Real nesting well inside the limit still compiles.
    s.write(
      "fine.dts",
      "/dts-v1/;\n/ {\n\tp = <" + String(repeating: "(-~!", count: 200) + "1" + String(repeating: ")", count: 200)
        + ">;\n};\n")
    let fine = try CLI.run(["compile", "fine.dts", "-o", "fine.dtb"], cwd: s.path)
    #expect(fine.status == 0, "\(fine.stderr)")
  }

  @Test func nonUTF8InANodeNameIsASyntaxFinding() throws {
    let s = Hostile.scratch("non-utf8-name.dts")
    try Hostile.expectError(
      ["compile", "non-utf8-name.dts", "-o", "out"], in: s, status: 1, mentions: ["non-utf8-name.dts:5:", "0xc3"])
  }

  @Test func nonUTF8InStringsAndCommentsIsKeptAsBytes() throws {
    let s = Hostile.scratch("non-utf8-values.dts")
    let r = try CLI.run(["compile", "non-utf8-values.dts", "-o", "out.dtb"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    let blob = [UInt8](FileManager.default.contents(atPath: s.path + "/out.dtb") ?? Data())
    let model: [UInt8] = [0x63, 0x61, 0x66, 0xe9, 0x20, 0xff, 0xfe, 0]
    #expect(
      blob.indices.contains { blob[$0...].starts(with: model) }, "the string's bytes reach the blob unchanged")
    let dump = try CLI.run(["dump", "out.dtb"], cwd: s.path)
    #expect(dump.status == 0, "\(dump.stderr)")
  }

  @Test func missingIncbinFile() throws {
    let s = Hostile.scratch("missing-incbin.dts")
    try Hostile.expectError(
      ["compile", "missing-incbin.dts", "-o", "out"], in: s, status: 2,
      mentions: ["missing-incbin.dts:4:", "missing-firmware.bin", "not found"])
  }

  @Test func propertyOverTheSizeLimit() throws {
    let s = Scratch(prefix: "dtlint-hostile")
    let big = s.path + "/big.bin"
    #expect(FileManager.default.createFile(atPath: big, contents: nil))
    #expect(truncate(big, 17 << 20) == 0)
    s.write("big.dts", "/dts-v1/;\n/ {\n\tblob = /incbin/(\"big.bin\");\n};\n")
    try Hostile.expectError(
      ["compile", "big.dts", "-o", "out"], in: s, status: 2,
      mentions: ["big.dts:3:", "property 'blob' is 17825792 bytes, over the limit"])
  }

  @Test func sourceOverTheFileSizeLimit() throws {
    let s = Scratch(prefix: "dtlint-hostile")
    let path = s.path + "/huge.dts"
    #expect(FileManager.default.createFile(atPath: path, contents: nil))
    #expect(truncate(path, 65 << 20) == 0)  // sparse: no disk is used
    try Hostile.expectError(
      ["compile", "huge.dts", "-o", "out"], in: s, status: 2, mentions: ["huge.dts", "larger than the limit"])
    s.write("main.dts", "/dts-v1/;\n\n#include \"huge.dts\"\n")
    try Hostile.expectError(
      ["compile", "main.dts", "-o", "out"], in: s, status: 2, mentions: ["main.dts:3:", "larger than the limit"])
  }

  @Test func directoryGivenAsInput() throws {
    let s = Scratch(prefix: "dtlint-hostile")
    s.write("dir.dts/x", "")
    try Hostile.expectError(["compile", "dir.dts", "-o", "out"], in: s, status: 2, mentions: ["dir.dts"])
  }
}

@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built"))
struct HostileFirmwareAndYAMLTests {
  /// A copy of the example project whose firmware/app.elf is broken by `damage`, checked with its manifest.
  private func expectELFRejected(mentions: [String], damage: (inout [UInt8]) -> Void) throws {
    let s = Scratch(prefix: "dtlint-hostile")
    try FileManager.default.removeItem(atPath: s.path)
    try FileManager.default.copyItem(atPath: Hostile.example, toPath: s.path)
    var elf = [UInt8](FileManager.default.contents(atPath: s.path + "/firmware/app.elf") ?? Data())
    #expect(elf.count > 52 && elf[4] == 1 && elf[5] == 1, "the example firmware is a 32-bit little-endian ELF")
    damage(&elf)
    s.write("firmware/app.elf", bytes: elf)
    try Hostile.expectError(
      ["check", "board.dts", "-I", "include", "--m7", "m7.yaml"], in: s, status: 2,
      mentions: ["firmware/app.elf"] + mentions, output: nil)
  }

  @Test func sectionHeaderTableOutsideTheFile() throws {
    try expectELFRejected(mentions: ["section header table", "past the end"]) {
      Hostile.setLE(&$0, 32, 0x7FFF_FF00, bytes: 4)  // e_shoff
    }
  }

  @Test func sectionHeaderCountLies() throws {
    try expectELFRejected(mentions: ["section header table"]) { Hostile.setLE(&$0, 48, 0xFFFF, bytes: 2) }  // e_shnum
  }

  @Test func sectionContentsOutsideTheFile() throws {
    try expectELFRejected(mentions: ["past the end"]) { elf in
      // Every section header's sh_offset points far past the end (sh_offset is at +16 in an ELF32 section header).
      let shoff = Hostile.le32(elf, 32)
      let entsize = Hostile.le16(elf, 46)
      for i in 1..<Hostile.le16(elf, 48) where shoff + i * entsize + 24 <= elf.count {
        Hostile.setLE(&elf, shoff + i * entsize + 16, 0x7FFF_0000, bytes: 4)
      }
    }
  }

  @Test func sectionNameIndexOutOfRange() throws {
    try expectELFRejected(mentions: ["e_shstrndx"]) { Hostile.setLE(&$0, 50, 0x7FFF, bytes: 2) }
  }

  @Test func programHeaderTableOutsideTheFile() throws {
    // e_phoff
    try expectELFRejected(mentions: ["program header table"]) { Hostile.setLE(&$0, 28, 0x7FFF_FF00, bytes: 4) }
  }

  @Test func notAnELFFile() throws {
    try expectELFRejected(mentions: ["not an ELF file"]) { $0 = Array("#!/bin/sh\necho firmware\n".utf8) }
  }

  @Test func manifestWithWrongTypes() throws {
    let s = Hostile.scratch("m7-wrong-types.yaml", "m7-wrong-soc.yaml", "small.dts")
    try Hostile.expectError(
      ["check", "small.dts", "--m7", "m7-wrong-types.yaml"], in: s, status: 2,
      mentions: ["m7-wrong-types.yaml:3:", "peripherals: expected a list"], output: nil)
    try Hostile.expectError(
      ["check", "small.dts", "--m7", "m7-wrong-soc.yaml"], in: s, status: 2,
      mentions: ["m7-wrong-soc.yaml:2:", "soc: expected a string"], output: nil)
  }

  @Test func configurationWithWrongTypes() throws {
    // An invalid configuration is a usage error (64), as `dtlint config` treats it (ConfigCommandTests).
    let s = Hostile.scratch("config-wrong-types.yaml", "config-wrong-rules.yaml", "small.dts")
    try Hostile.expectError(
      ["check", "small.dts", "--config", "config-wrong-types.yaml"], in: s, status: 64,
      mentions: ["config-wrong-types.yaml:2:", "include: expected a list"], output: nil)
    try Hostile.expectError(
      ["check", "small.dts", "--config", "config-wrong-rules.yaml"], in: s, status: 64,
      mentions: ["config-wrong-rules.yaml:3:", "rules"], output: nil)
  }

  @Test func yamlNestedOneHundredThousandDeep() throws {
    let s = Hostile.scratch("small.dts")
    let n = 100_000
    s.write(
      "m7.yaml",
      "soc: imx8mp\nperipherals: " + String(repeating: "[", count: n) + String(repeating: "]", count: n) + "\n")
    try Hostile.expectError(
      ["check", "small.dts", "--m7", "m7.yaml"], in: s, status: 2, mentions: ["m7.yaml:2:", "nesting"], output: nil)
  }

  @Test func yamlThatIsNotYAML() throws {
    let s = Hostile.scratch("small.dts")
    s.write("m7.yaml", bytes: [0x73, 0x6f, 0x63, 0x3a, 0x20, 0x22, 0xff, 0xfe, 0x0a, 0x09, 0x5b])
    try Hostile.expectError(
      ["check", "small.dts", "--m7", "m7.yaml"], in: s, status: 2, mentions: ["m7.yaml"], output: nil)
  }
}

/// Nothing lost: inputs are only read, and the same inputs give the same bytes.
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built"))
struct NothingLostTests {
  private func snapshot(_ dir: String) -> [String: (Data, Date)] {
    var r: [String: (Data, Date)] = [:]
    let fm = FileManager.default
    for case let name as String in fm.enumerator(atPath: dir)! {
      let path = dir + "/" + name
      guard let attributes = try? fm.attributesOfItem(atPath: path),
        attributes[.type] as? FileAttributeType == .typeRegular
      else { continue }
      r[name] = (fm.contents(atPath: path) ?? Data(), attributes[.modificationDate] as? Date ?? .distantPast)
    }
    return r
  }

  @Test func unwritableOutputsLeaveNoTemporaryFile() throws {
    let s = Hostile.scratch("small.dts")
    s.write("adir/keep", "")
    try Hostile.expectError(
      ["compile", "small.dts", "-o", "nodir/out.dtb"], in: s, status: 2,
      mentions: ["nodir/out.dtb", "cannot create a temporary file"], output: "nodir")
    try Hostile.expectError(
      ["compile", "small.dts", "-o", "adir"], in: s, status: 2, mentions: ["adir", "is a directory"], output: nil)
    #expect(s.files() == ["adir", "small.dts"])
    #expect((try? FileManager.default.contentsOfDirectory(atPath: s.path + "/adir")) == ["keep"])
  }

  @Test func compileAndDumpAreDeterministicAndLeaveInputsAlone() throws {
    let s = Scratch(prefix: "dtlint-hostile")
    try FileManager.default.removeItem(atPath: s.path)
    try FileManager.default.copyItem(atPath: Hostile.example, toPath: s.path)
    let before = snapshot(s.path)
    var outputs: [[UInt8]] = []
    for round in 0..<2 {
      let dtb = try CLI.run(["compile", "board.dts", "-I", "include", "-@", "-o", "out\(round).dtb"], cwd: s.path)
      #expect(dtb.status == 0, "\(dtb.stderr)")
      let dts = try CLI.run(["dump", "board.dts", "-I", "include"], cwd: s.path)
      #expect(dts.status == 0, "\(dts.stderr)")
      let back = try CLI.run(["compile", "out\(round).dtb", "-O", "dts", "-o", "-"], cwd: s.path)
      #expect(back.status == 0, "\(back.stderr)")
      let applied = try CLI.run(
        ["apply", "out\(round).dtb", "vendor/hmp.dtso", "-I", "include", "-o", "applied\(round).dtb"], cwd: s.path)
      outputs.append(
        [UInt8](FileManager.default.contents(atPath: s.path + "/out\(round).dtb") ?? Data()) + dts.stdoutBytes
          + back.stdoutBytes + [UInt8](FileManager.default.contents(atPath: s.path + "/applied\(round).dtb") ?? Data())
          + [UInt8(truncatingIfNeeded: applied.status)])
    }
    #expect(outputs[0].count > 1000)
    #expect(outputs[0] == outputs[1], "two runs over the same inputs gave different bytes")
    let after = snapshot(s.path)
    for (name, (data, date)) in before {
      #expect(after[name]?.0 == data, "\(name) was modified")
      #expect(after[name]?.1 == date, "\(name) was touched")
    }
  }
}
