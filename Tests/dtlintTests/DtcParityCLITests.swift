import Foundation
import Testing
import _DTTestSupport

/// dtc parity the corpora here do not exercise (issue 15): every pair of siblings sharing a unit address is a line,
/// as dtc prints it, and cpp line markers in already-preprocessed input move positions to the file and line they
/// name. Compared with the installed dtc where there is one (the checks and markers are dtc 1.8.1's as well).
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct DtcParityCLITests {
  static var dtc: String? { InstalledDtc.path }

  /// dtc's stderr for `file` (compiled to nowhere) with `flags`.
  static func dtcStderr(_ file: String, flags: [String] = [], in s: Scratch) throws -> String {
    try InstalledDtc.run(flags + ["-I", "dts", "-O", "dtb", "-o", "/dev/null", file], cwd: s.path)?.stderr ?? ""
  }

  /// `(rule, node path, also-used-in path)` of each unique_unit_address(_if_enabled) line dtc printed.
  static func dtcPairs(_ stderr: String) -> [String] {
    stderr.split(separator: "\n").compactMap { line -> String? in
      guard let r = line.range(of: "Warning ("), let close = line.range(of: "): ", range: r.upperBound..<line.endIndex)
      else { return nil }
      let rule = line[r.upperBound..<close.lowerBound]
      guard rule.hasPrefix("unique_unit_address") else { return nil }
      let rest = line[close.upperBound...]
      guard let colon = rest.range(of: ": "), let also = rest.range(of: "also used in node ") else { return nil }
      return "\(rule) \(rest[..<colon.lowerBound]) \(rest[also.upperBound...].dropLast())"
    }.sorted()
  }

  /// The same from dtlint's JSON report.
  static func ourPairs(_ json: String) throws -> [String] {
    let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let findings = object?["findings"] as? [[String: Any]] ?? []
    return findings.compactMap { f -> String? in
      guard let rule = f["rule"] as? String, rule.hasPrefix("unique_unit_address"),
        let path = f["nodePath"] as? String, let message = f["message"] as? String,
        let also = message.range(of: "also used in node ")
      else { return nil }
      return "\(rule) \(path) \(message[also.upperBound...].dropLast())"
    }.sorted()
  }

  /// Siblings at one address in groups of 2 to 5, some disabled, under two parents.
  static let duplicates: String = {
    var text = "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n"
    for parent in ["bus1", "bus2"] {
      text += "\t\(parent) {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <1>;\n"
      for k in 2...5 {
        for i in 0..<k {
          let disabled = (i + k) % 3 == 0 ? " status = \"disabled\";" : ""
          text += "\t\tn\(k)x\(i)@\(k)00 { reg = <0x\(k)00 4>;\(disabled) };\n"
        }
      }
      text += "\t};\n"
    }
    return text + "};\n"
  }()

  @Test func everyPairSharingAUnitAddressIsALine() throws {
    let s = Scratch()
    s.write(
      "three.dts",
      "/dts-v1/;\n/ {\n\t#address-cells = <1>;\n\t#size-cells = <1>;\n"
        + (0..<3).map {
          "\tn\($0)@100 { reg = <0x100 4>; };\n"
        }.joined() + "};\n")
    let r = try CLI.run(["check", "three.dts", "--format", "json"], cwd: s.path)
    // Three siblings at @100: three lines, as dtc prints them (n0 with n1, n0 with n2, n1 with n2).
    #expect(
      try Self.ourPairs(r.stdout) == [
        "unique_unit_address /n0@100 /n1@100", "unique_unit_address /n0@100 /n2@100",
        "unique_unit_address /n1@100 /n2@100",
      ])
    s.write("dups.dts", Self.duplicates)
    let ours = try Self.ourPairs(
      try CLI.run(["check", "dups.dts", "--enable", "unique_unit_address_if_enabled", "--format", "json"], cwd: s.path)
        .stdout)
    // 2 parents × (1 + 3 + 6 + 10) pairs for unique_unit_address; fewer for the enabled-only variant.
    #expect(ours.filter { $0.hasPrefix("unique_unit_address ") }.count == 40)
    if Self.dtc != nil {
      let theirs = Self.dtcPairs(
        try Self.dtcStderr("dups.dts", flags: ["-W", "unique_unit_address_if_enabled"], in: s))
      #expect(!theirs.isEmpty)
      #expect(ours == theirs, "dtc:\n\(theirs.joined(separator: "\n"))\ndtlint:\n\(ours.joined(separator: "\n"))")
    }
  }

  /// What cpp writes for `board.dts` including `board.dtsi` (GCC's line markers, comments gone).
  static let preprocessed = """
    # 0 "board.dts"
    # 0 "<built-in>"
    # 0 "<command-line>"
    # 1 "board.dts"
    /dts-v1/;
    # 1 "board.dtsi" 1
    / {
     #address-cells = <1>;
     #size-cells = <1>;
     soc {
      #address-cells = <1>;
      #size-cells = <1>;
      a@100 { reg = <0x100 4>; };
      b@100 { reg = <0x100 4>; };
     };
    };
    # 3 "board.dts" 2
    / { model = "x"; };
    #line 40 "other.dtsi"
    / { c@200 { }; };

    """

  @Test func lineMarkersMovePositionsAsDtcMovesThem() throws {
    let s = Scratch()
    s.write("board.pp", Self.preprocessed)
    for mode in [[], ["--no-cpp"]] {
      let r = try CLI.run(["check", "board.pp", "--format", "json"] + mode, cwd: s.path)
      let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
      let findings = object?["findings"] as? [[String: Any]] ?? []
      let places = findings.map { "\($0["file"] ?? "") \($0["line"] ?? "") \($0["nodePath"] ?? "")" }.sorted()
      // a@100 is line 7 of board.dtsi; c@200 (a unit address and no reg) line 40 of other.dtsi.
      #expect(places.contains("board.dtsi 7 /soc/a@100"), "\(mode): \(places)")
      #expect(!places.contains { $0.hasPrefix("board.pp") }, "\(mode): \(places)")
      #expect(places.contains { $0.hasPrefix("other.dtsi 40 /c@200") }, "\(mode): \(places)")
    }
    // The snippet is the text as the compiler read it, under the name and line the marker gives.
    let text = try CLI.run(["check", "board.pp"], cwd: s.path)
    #expect(text.stdout.contains("board.dtsi:7:3: warning: duplicate unit-address"), "\(text.stdout)")
    #expect(text.stdout.contains("    7 |   a@100 { reg = <0x100 4>; };"), "\(text.stdout)")
    // dtc names the same file and line.
    if Self.dtc != nil {
      let stderr = try Self.dtcStderr("board.pp", in: s)
      #expect(stderr.contains("board.dtsi:7."), "\(stderr)")
      #expect(stderr.contains("other.dtsi:40."), "\(stderr)")
    }
    // A real board.dtsi checked in the same run is read from disk, not taken from the presumed text.
    s.write("board.dtsi", "/ {\n\tx@1 { };\n};\n")
    s.write("real.dts", "/dts-v1/;\n#include \"board.dtsi\"\n")
    let both = try CLI.run(["check", "board.pp", "real.dts", "--format", "json"], cwd: s.path)
    let object = try JSONSerialization.jsonObject(with: Data(both.stdout.utf8)) as? [String: Any]
    let places = (object?["findings"] as? [[String: Any]] ?? []).map {
      "\($0["file"] ?? "") \($0["line"] ?? "") \($0["nodePath"] ?? "")"
    }
    #expect(places.contains("board.dtsi 2 /x@1"), "\(places)")
    #expect(places.contains("board.dtsi 7 /soc/a@100"), "\(places)")
  }
}

/// The dtc installed on the machine, for tests that compare with it (skipped where there is none).
enum InstalledDtc {
  static let path: String? = ["/usr/bin/dtc", "/usr/local/bin/dtc"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  /// Runs dtc with `arguments` in `cwd`: its exit status and stderr; nil without dtc.
  static func run(_ arguments: [String], cwd: String) throws -> (status: Int32, stderr: String)? {
    guard let path else { return nil }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: cwd)
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
