import ArgumentParser
import DTCore
import DTDoctor
import DTHMP
import DTRules
import Foundation

extension DTLint {
  struct HMPFix: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "fix",
      abstract: "Repair a broken HMP overlay or custom tree with the rules' own fix-its, listing every change.",
      discussion: """
        IN is checked as `check` would (with --base, as an overlay applied to that base); every hmp_* and \
        overlay_* finding that carries a fix-it is fixed in IN's own text, and the check runs again until nothing \
        is left to fix. Only the bytes a fix-it names change: comments, layout and order stay as written. Fixes \
        that would land in an included file are not made (the finding is listed instead).

        With --base, a peripheral the M7 manifest claims that the base enables and IN leaves enabled is disabled \
        by a fragment appended to IN (&i2c4 { status = "disabled"; };); a vring region smaller than the \
        firmware's vrings need is grown in place, where the memory above it is free.

        Each change is listed on stderr as OUT:line:col, the rule it satisfies and the finding it answers. \
        Findings no fix-it can settle (a peripheral that must move, a size only the engineer knows) are printed \
        after the changes. What only the kernel command line can settle, the words the findings name \
        (hmp_clock_gated: the SoC's mcore_booted parameter for a root slice, such as clk-imx8mp.mcore_booted=1, \
        or clk_ignore_unused for an i.MX 93 LPCG alone; hmp_power_domain: pd_ignore_unused), is written once, as \
        a comment above /dts-v1/ with the U-Boot setenv line that adds it, and the findings stay until the \
        command line has it (--bootargs, bootargs: in .dtlint.yaml, linux.bootargs in the M7 manifest). Where no \
        word settles a finding (the i.MX 8ULP's PCC clocks, which the clock driver clears while registering \
        them), nothing is written and a note says why.

        The corrected file goes to -o, or to standard output; IN is never written unless --in-place.

        Exit status: 0 nothing at error severity is left, 1 errors remain, 2 an input could not be read, 64 \
        usage.

        Examples:
          dtlint hmp fix verdin-hmp.dtso --base board.dts -I include -o fixed.dtso
          dtlint hmp fix custom.dts --kernel toradex-bsp6 --m7 m7.yaml --in-place
          dtlint hmp fix hmp.dtso --base board.dtb --board verdin-imx8mp-wifi --werror
          dtlint hmp fix hmp.dtso --config ci/.dtlint.yaml -o fixed.dtso
          dtlint hmp fix hmp.dtso --m7 m7.yaml --bootargs "clk-imx8mp.mcore_booted=1"
          dtlint hmp fix custom.dts --enable all --disable hmp_region_window
          dtlint hmp fix custom.dts -I include -D REV=2 -o fixed.dts --no-cache
          dtlint hmp fix generated.dts --no-cpp -o fixed.dts
          dtlint hmp fix hmp.dtso --base board.dts --quiet -o -
        """)

    @Argument(
      help: ArgumentHelp("The overlay or custom tree to repair.", valueName: "in"),
      completion: .file(extensions: ["dtso", "dts"]))
    var input: String

    @Option(
      help: ArgumentHelp("The base IN applies to (IN is then an overlay).", valueName: "base"),
      completion: .file(extensions: ["dts", "dtb"]))
    var base: String?

    @Option(
      name: .shortAndLong,
      help: ArgumentHelp("Where to write the corrected file (default: standard output).", valueName: "out"),
      completion: .file(extensions: ["dtso", "dts"]))
    var output: String?

    @Flag(help: "Write the corrected file over IN.")
    var inPlace = false

    @OptionGroup var settingsOptions: SettingsOptions
    @OptionGroup var inputOptions: InputOptions

    @OptionGroup var quietOption: QuietOption

    func validate() throws {
      if inPlace && output != nil { throw ValidationError("--in-place and -o exclude each other") }
      try validateOutput(output, option: "-o")
      if let output, !inPlace, PathDisplay.normalize(output) == PathDisplay.normalize(input) {
        throw ValidationError("-o names the input; use --in-place to overwrite it")
      }
    }

    func run() throws {
      let settings = try Settings.resolve(settingsOptions, includePaths: inputOptions.includePaths, base: base)
      let hmp = try settings.hmpContext()
      var frontEnd = inputOptions.frontEnd
      frontEnd.includePaths = settings.includePaths
      // Deep trees recurse; parse and lint on a large stack as `check` does.
      var outcome: Result<HMPFixer.Result, LoadError>?
      runWithLargeStack {
        do {
          outcome = .success(
            try HMPFixer.fix(
              path: input, base: settings.base, frontEnd: frontEnd, hmp: hmp, selection: settings.selection))
        } catch let e as LoadError {
          outcome = .failure(e)
        } catch {
          outcome = .failure(LoadError(path: input, reason: "\(error)"))
        }
      }
      let result: HMPFixer.Result
      switch outcome {
      case .success(let r)?: result = r
      case .failure(let e)?:
        printError("error: \(e.description)")
        throw Failure.reported(.unreadable)
      case nil: throw Failure.reported(.unreadable)
      }
      if result.unreadable {
        report(result.remaining.filter { $0.severity == .error }, sources: result.sources)
        printError("error: \(input): cannot be checked, so nothing was fixed")
        throw Failure.reported(.unreadable)
      }
      // Written before anything is reported as fixed: a write that fails leaves no "fixed" line behind.
      do {
        if !(inPlace && result.changes.isEmpty) {
          try writeOutput(result.output, to: inPlace ? input : (output ?? "-"), inPlace: inPlace ? input : nil)
        }
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(exitCode: error.exitCode)
      }
      let shown = inPlace ? input : (output ?? "<stdout>")
      for c in result.changes.sorted(by: { ($0.line, $0.column) < ($1.line, $1.column) }) {
        printNote("\(shown):\(c.line):\(c.column): fixed [\(c.rule)] \(c.fix) — \(c.finding)")
      }
      let errors = result.remaining.filter { $0.severity == .error }
      if result.changes.isEmpty {
        printNote("\(input): nothing to fix")
      } else {
        printNote(
          "\(result.changes.count) change\(result.changes.count == 1 ? "" : "s") in \(result.passes - 1) pass\(result.passes == 2 ? "" : "es")"
        )
      }
      for (d, why) in KernelCommandLineAdvice.unsettled(result.remaining) {
        printNote("\(input): no kernel command-line word settles [\(d.rule)] \(d.nodePath ?? "/"): \(why)")
      }
      if !result.remaining.isEmpty {
        printError("still found after fixing:")
        report(result.remaining, sources: result.sources)
      }
      if !errors.isEmpty { throw Failure.reported(.findings) }
    }
  }
}
