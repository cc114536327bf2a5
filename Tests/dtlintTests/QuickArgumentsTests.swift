import ArgumentParser
import Testing

@testable import dtlint

/// The light path for common command lines (issue 20) builds exactly the command the argument parser builds, and
/// leaves everything else to the argument parser.
struct QuickArgumentsTests {
  /// Every field, property wrappers included (an unset one would show as a definition, not a value). An option
  /// group's help title is not a value: the argument parser leaves it empty in the commands it decodes.
  static func fields(_ command: any ParsableCommand) -> String {
    var out = ""
    dump(command, to: &out)
    return out.split(separator: "\n").filter { !$0.hasPrefix("    - title: ") }.joined(separator: "\n")
  }

  static let taken: [[String]] = [
    ["check", "board.dts"],
    ["check", "a.dts", "b.dtb", "-", "-I", "include", "-I", "src", "-D", "REV=2", "-D", "X"],
    ["check", "--no-cpp", "a.dts", "--format", "json", "--color=never"],
    ["check", "a.dts", "--format=sarif", "--include", "inc", "--define", "A=-1"],
    ["check", "a.dts", "--format", "github", "--color", "always"],
    ["compile", "board.dts", "-I", "include", "-b", "0", "-@", "-o", "board.dtb"],
    ["compile", "board.dtb", "-O", "dts", "--output", "-"],
    ["compile", "board.dts", "--no-cpp"],
    ["compile", "board.dts", "--no-cache", "-o", "-"],
    ["check", "a.dts", "--no-cache", "-I", "include"],
    ["dump", "board.dtb"],
    ["dump", "board.dts", "-I", "include", "-D", "A"],
    ["apply", "base.dtb", "a.dtbo", "b.dtbo", "-o", "out.dtb"],
    ["apply", "base.dts", "a.dtso", "--output=-", "-I", "include"],
    ["diff", "a.dtb", "b.dtb"],
    ["diff", "a.dts", "b.dts+c.dtso", "--format", "json", "--color", "never", "-I", "include"],
  ]

  @Test(arguments: taken) func sameCommandAsTheArgumentParser(_ arguments: [String]) throws {
    let quick = try #require(QuickArguments.command(arguments), "\(arguments)")
    let parsed = try DTLint.parseAsRoot(arguments)
    #expect(Self.fields(quick) == Self.fields(parsed))
  }

  @Test func quietIsTakenAndApplied() throws {
    defer { Console.quiet = false }
    for arguments in [["check", "-q", "a.dts"], ["diff", "--quiet", "a.dtb", "b.dtb"]] {
      Console.quiet = false
      let quick = try #require(QuickArguments.command(arguments))
      #expect(Console.quiet)
      #expect(Self.fields(quick) == Self.fields(try DTLint.parseAsRoot(arguments)))
    }
  }

  static let declined: [[String]] = [
    [], ["check"], ["check", "--help"], ["check", "-h"], ["help", "check"], ["--version"], ["rules"],
    ["check", "a.dts", "--enable", "all"], ["check", "a.dts", "--base", "b.dtb"],
    ["check", "a.dts", "-Iinclude"], ["check", "a.dts", "-I"], ["check", "a.dts", "-I", "--no-cpp"],
    ["check", "a.dts", "--format", "xml"], ["check", "a.dts", "--format", "json", "--format", "text"],
    ["check", "a.dts", "-q", "-q"], ["check", "a.dts", "-I", "x", "--include", "y"], ["check", "--", "a.dts"],
    ["check", "a.dts", "--generate-completion-script", "bash"], ["compile", "a.dts", "b.dts"],
    ["compile", "a.dts", "-b", "x"], ["compile", "a.dts", "-O", "asm"], ["dump", "a.dtb", "-o", "x"],
    ["apply", "base.dtb", "a.dtbo"], ["apply", "base.dtb", "-o", "out.dtb"], ["diff", "a.dtb"],
    ["diff", "a.dtb", "b.dtb", "--hmp"], ["compile", "a.dts", "-o", ""],
  ]

  @Test(arguments: declined) func othersAreLeftToTheArgumentParser(_ arguments: [String]) {
    #expect(QuickArguments.command(arguments) == nil, "\(arguments)")
  }
}
