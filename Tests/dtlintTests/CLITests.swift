import Foundation
import Testing
import _DTTestSupport

/// Runs the built `dtlint` binary as a user would.
enum CLI {
  static let binary: String? = {
    var candidates: [String] = []
    if let arg0 = CommandLine.arguments.first {
      candidates.append(URL(fileURLWithPath: arg0).deletingLastPathComponent().appendingPathComponent("dtlint").path)
    }
    var root = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { root.deleteLastPathComponent() }
    candidates.append(root.appendingPathComponent(".build/debug/dtlint").path)
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }()

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutBytes: [UInt8]
  }

  static func run(_ args: [String], cwd: String? = nil, env: [String: String] = [:]) throws -> Result {
    guard let binary else { throw CocoaError(.fileNoSuchFile) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Result(
      status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
      stderr: String(decoding: e, as: UTF8.self),
      stdoutBytes: [UInt8](o))
  }
}

typealias Scratch = TestDirectory

@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built")) struct CompileCommandTests {
  @Test func compilesWithMacrosAndIncludesAndWritesAtomically() throws {
    let s = Scratch()
    s.write("inc/defs.h", "#define VAL(x) ((x) + 1)\n")
    s.write("board.dts", "/dts-v1/;\n#include <defs.h>\n/ { a = <VAL(1)>; r = <&l>; l: n { }; };\n")
    let r = try CLI.run(["compile", "board.dts", "-I", "inc", "-o", "out.dtb"], cwd: s.path)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(s.exists("out.dtb"))
    #expect(s.files() == ["board.dts", "inc", "out.dtb"], "no temporary file may remain")
    let back = try CLI.run(["compile", "out.dtb", "-O", "dts"], cwd: s.path)
    #expect(back.status == 0)
    #expect(back.stdout.contains("a = <0x02>") || back.stdout.contains("a = <0x2>"), "\(back.stdout)")
  }

  @Test func syntaxErrorsExitOneAndLeaveNoOutput() throws {
    let s = Scratch()
    s.write("bad.dts", "/dts-v1/;\n/ {\n\ta = <1;\n\tb = [zz];\n};\n")
    let r = try CLI.run(["compile", "bad.dts", "-o", "out.dtb"], cwd: s.path)
    #expect(r.status == 1)
    #expect(!s.exists("out.dtb"))
    #expect(r.stderr.contains("bad.dts:3:"), "\(r.stderr)")
    #expect(r.stderr.contains("bad.dts:4:"), "every syntax error is reported: \(r.stderr)")
  }

  @Test func missingIncludeExitsTwoNamingFileAndLine() throws {
    let s = Scratch()
    s.write("b.dts", "/dts-v1/;\n\n#include \"nowhere.dtsi\"\n/ { };\n")
    let r = try CLI.run(["compile", "b.dts", "-o", "out.dtb"], cwd: s.path)
    #expect(r.status == 2)
    #expect(r.stderr.contains("b.dts:3:"), "\(r.stderr)")
    #expect(r.stderr.contains("nowhere.dtsi"))
    #expect(!s.exists("out.dtb"))
  }

  @Test func missingInputExitsTwo() throws {
    let s = Scratch()
    let r = try CLI.run(["compile", "absent.dts", "-o", "out.dtb"], cwd: s.path)
    #expect(r.status == 2)
    #expect(r.stderr.contains("absent.dts"))
  }

  @Test func malformedBlobExitsTwo() throws {
    let s = Scratch()
    let path = s.path + "/bad.dtb"
    var bytes: [UInt8] = [0xD0, 0x0D, 0xFE, 0xED, 0, 0, 0x10, 0]
    bytes += [UInt8](repeating: 0xAB, count: 64)
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    let r = try CLI.run(["dump", "bad.dtb"], cwd: s.path)
    #expect(r.status == 2)
    #expect(r.stderr.contains("bad.dtb"))
  }

  @Test func usageErrorsExit64() throws {
    let r = try CLI.run(["compile", "--no-such-flag"])
    #expect(r.status == 64)
  }

  @Test func identicalInputsGiveIdenticalBytes() throws {
    let s = Scratch()
    s.write("a.dts", "/dts-v1/;\n/ { x: x { }; y { r = <&x>; s = &x; }; };\n")
    let r1 = try CLI.run(["compile", "a.dts", "-@", "-o", "-"], cwd: s.path)
    let r2 = try CLI.run(["compile", "a.dts", "-@", "-o", "-"], cwd: s.path)
    #expect(r1.status == 0)
    #expect(!r1.stdoutBytes.isEmpty)
    #expect(r1.stdoutBytes == r2.stdoutBytes)
  }

  @Test func dumpRestoresLabelsFromSymbolsAndReferencesFromFixups() throws {
    let s = Scratch()
    s.write("a.dts", "/dts-v1/;\n/ { clk: clock { #clock-cells = <0>; }; dev { clocks = <&clk>; }; };\n")
    let c = try CLI.run(["compile", "a.dts", "-@", "-o", "a.dtb"], cwd: s.path)
    #expect(c.status == 0)
    let d = try CLI.run(["dump", "a.dtb"], cwd: s.path)
    #expect(d.status == 0)
    #expect(d.stdout.contains("clk: clock"), "\(d.stdout)")
    s.write("o.dtso", "/dts-v1/;\n/plugin/;\n&uart1 { dmas = <&sdma 3>; l: sub { }; };\n&i2c1 { x = <&l>; };\n")
    let o = try CLI.run(["compile", "o.dtso", "-o", "o.dtbo"], cwd: s.path)
    #expect(o.status == 0, "\(o.stderr)")
    let od = try CLI.run(["dump", "o.dtbo"], cwd: s.path)
    #expect(od.stdout.contains("/plugin/;"), "\(od.stdout)")
    #expect(od.stdout.contains("<&sdma 0x03>") || od.stdout.contains("<&sdma>, <0x03>"), "\(od.stdout)")
    #expect(od.stdout.contains("&l") || od.stdout.contains("&{/fragment@0/__overlay__/sub}"), "\(od.stdout)")
  }
}
