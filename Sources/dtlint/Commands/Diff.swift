import ArgumentParser
import DTCore
import DTHMP
import DTRules
import Foundation

extension DTLint {
  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "diff",
      abstract: "Compare two device trees semantically: merged trees, phandles by the node they point to.",
      discussion: """
        A and B are each a source (.dts; a .dtso is compared as written, applied to nothing), a blob (.dtb, \
        .dtbo), or a chain BASE+OV1+OV2… whose overlays are applied to the base with libfdt, as U-Boot does.

        Nodes are matched by path and properties by name; order does not matter. Phandles compare by the path of \
        the node they point to, so renumbered phandles are no difference, and labels are names, not values. \
        phandle, linux,phandle, /__symbols__, /__fixups__ and /__local_fixups__ are ignored unless \
        --include-bookkeeping. Values print typed: strings, cells, bytes, &label references, and phandle + \
        argument lists split by the provider's #…-cells. Each change names where each side was written.

        --hmp compares only what the HMP rules read: /reserved-memory, nodes with an imx-rproc compatible \
        (fsl,imx*-cm*), the MU nodes (fsl,imx*-mu) and /memreserve/; with --m7, also the peripherals the \
        manifest names (labels, paths or unit addresses) and the pin groups their pinctrl-N select.

        Exit status: 0 the trees are the same, 1 they differ, 2 an input could not be read or compiled.

        Include directories also come from .dtlint.yaml (found upwards, or --config).

        Examples:
          dtlint diff board.dts board.dtb -I include -D CARRIER_REV=2
          dtlint diff verdin.dtb+hmp.dtbo custom.dts -I include --no-cache
          dtlint diff old.dtb new.dtb --hmp --m7 m7.yaml --format json
          dtlint diff board.dtb board-symbols.dtb --include-bookkeeping --color never
          dtlint diff generated.dts board.dtb --no-cpp --config ci/.dtlint.yaml
          dtlint diff - board.dtb --hmp --m7 m7.yaml --quiet < merged.dts
        """)

    @Argument(
      help: ArgumentHelp("The first tree: FILE or BASE+OV1+OV2….", valueName: "a"),
      completion: .file(extensions: ["dts", "dtso", "dtb", "dtbo"]))
    var a: String

    @Argument(
      help: ArgumentHelp("The second tree: FILE or BASE+OV1+OV2….", valueName: "b"),
      completion: .file(extensions: ["dts", "dtso", "dtb", "dtbo"]))
    var b: String

    @Option(help: "Output format.")
    var format: DiffFormat = .text

    @Flag(help: "Compare only what the HMP rules read (reserved memory, rproc and MU nodes).")
    var hmp = false

    @Option(
      name: .customLong("m7"),
      help: ArgumentHelp(
        "With --hmp (implied): also the peripherals this M7 manifest (or the M7's Zephyr device tree) names.",
        valueName: "manifest"),
      completion: .file(extensions: ["yaml", "yml", "dts", "overlay"]))
    var manifest: String?

    @Flag(help: "Also compare phandle, linux,phandle, /__symbols__, /__fixups__ and /__local_fixups__.")
    var includeBookkeeping = false

    @Option(help: "Colour in text output: auto (a terminal, NO_COLOR unset), always or never.")
    var color: ColorMode = .auto

    @Option(
      help: ArgumentHelp("Configuration file (default: .dtlint.yaml found upwards).", valueName: "file"),
      completion: .file(extensions: ["yaml", "yml"]))
    var config: String?

    @OptionGroup var inputOptions: InputOptions

    @OptionGroup var quietOption: QuietOption

    enum DiffFormat: String, ExpressibleByArgument, CaseIterable {
      case text, json
    }

    func run() throws {
      let cwd = FileManager.default.currentDirectoryPath
      let sources = SourceManager()
      let parts = [a, b].flatMap { SourceReader.diffParts($0) ?? ["-"] }
      var frontEnd = inputOptions.frontEnd(reading: parts, sources: sources)
      do {
        if let c = try Configuration.discover(explicitPath: config, workingDirectory: cwd, registry: .shared) {
          frontEnd.includePaths = c.includePaths + frontEnd.includePaths
        }
      } catch {
        printError(error.description)
        throw Failure.reported(.usage)
      }
      let reader = SourceReader(sources: sources, options: frontEnd)

      // The manifest read as `check --m7` reads it: one reader, one resolution of its peripherals.
      var m7Manifest: M7Manifest?
      if let manifest {
        do {
          m7Manifest = try M7Manifest.load(path: manifest, includePaths: frontEnd.includePaths)
        } catch {
          throw Failure.manifest(error, manifest: manifest, given: "--m7")
        }
      }

      var sides: [DiffInput] = []
      for spec in [a, b] {
        let spec = try StandardInput.path(spec, sources: sources)
        do {
          let side = try reader.loadForDiff(spec)
          // Freed with the process, not node by node (see ProcessLifetime).
          ProcessLifetime.keep(side.tree)
          sides.append(side)
        } catch {
          report(error.diagnostics, sources: sources, input: spec)
          printError("error: \(error.description)")
          throw Failure.reported(.unreadable)
        }
      }

      var options = TreeDiffOptions(includeBookkeeping: includeBookkeeping)
      if hmp || manifest != nil {
        let (scope, unresolved) = HMPScope.scope(for: sides.map(\.tree), manifest: m7Manifest)
        options.scope = scope
        for p in unresolved {
          printError("warning: \(manifest ?? "manifest"): peripheral '\(p)' is in neither tree (not compared)")
        }
        if !(m7Manifest?.pads.isEmpty ?? true) {
          printNote(
            "note: \(manifest ?? "manifest"): pads are not compared by name yet; the pin groups of the named "
              + "peripherals are")
        }
      }

      let changes = TreeDiff.compare(sides[0], sides[1], options: options)
      let renderer = DiffReportRenderer(sources: sources, workingDirectory: cwd, a: a, b: b)
      let output: String
      switch format {
      case .json: output = renderer.json(changes)
      case .text: output = renderer.text(changes, color: color.isEnabled(writingTo: STDOUT_FILENO))
      }
      writeStandardOutput(output)
      if !changes.isEmpty { throw Failure.reported(.findings) }
    }
  }
}
