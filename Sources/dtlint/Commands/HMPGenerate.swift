import ArgumentParser
import DTCore
import DTDoctor
import DTHMP
import DTRules
import Foundation

extension DTLint {
  struct HMPGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "generate",
      abstract: "Write the HMP overlay a board, kernel flavor and M7 firmware need, commented block by block.",
      discussion: """
        The overlay adds the reserved regions (vrings, buffer pool, resource table, the firmware's DDR) named, \
        flagged and sized as the flavor's imx_rproc and the firmware's RPMsg settings need; the remoteproc node as \
        that flavor reads it (compatible, clock, mailbox channels on the MU channel the firmware uses, \
        memory-region with the buffer pool first); and disables for Linux every peripheral the M7 owns. It \
        targets /reserved-memory by path, which mainline trees need (they have no resmem label) and downstream \
        trees accept.

        --board takes a SKU (verdin-imx8mp-wifi, verdin-imx8mp-nonwifi) or the family (verdin-imx8mp) with \
        --sku, or with a manifest whose `board:` names the SKU; boards with one SKU are named alone. Boards: \
        verdin-imx8mp, verdin-imx8mm (Cortex-M4), verdin-imx95, and NXP's imx8mp-evk, imx8mm-evk, imx8mn-evk, \
        imx93-11x11-evk and imx8ulp-evk (Cortex-M33). On Wi-Fi SKUs it warns what the M core takes from \
        Bluetooth. Without --m7, the SoC's RPMsg defaults are used and only the board's M-core debug UART is taken.

        Linux must not switch off the clocks and power of what the M7 owns (HMPFacts §13): where the flavor's \
        clock driver reads it, the overlay lists their clocks in init-on-array of &clk; the kernel command-line \
        words the flavor needs (clk-imx8mp.mcore_booted=1, pd_ignore_unused) and the U-Boot setenv line that adds \
        them are written in the overlay's header (only what --bootargs, bootargs: or the manifest's \
        linux.bootargs lacks).

        Before writing, the generator checks its own output: compiled, applied with libfdt to --base (or to the \
        board's base-tree shape built from the bundled profiles) and linted with the hmp_* and overlay_* rules. \
        An error there writes nothing and exits 1. With --base the iomuxc hogs that mux the M7's pads are \
        removed from the base's pinctrl-0.

        Output is deterministic: the same options give the same bytes. Without -o and --dtbo the overlay goes \
        to standard output.

        Examples:
          dtlint hmp generate --board verdin-imx8mp-nonwifi
          dtlint hmp generate --board verdin-imx8mp-wifi --kernel toradex-bsp6
          dtlint hmp generate --board verdin-imx8mp-wifi --m7 m7.yaml -o hmp.dtso
          dtlint hmp generate --board verdin-imx8mp-wifi --bootargs "clk_ignore_unused"
          dtlint hmp generate --board verdin-imx8mp --sku nonwifi --dtbo hmp.dtbo
          dtlint hmp generate --board verdin-imx8mp-wifi --base b.dts -I inc -D REV=2
          dtlint hmp generate --board verdin-imx8mp-nonwifi --base gen.dts --no-cpp
          dtlint hmp generate --board verdin-imx8mp-wifi --quiet -o -
          dtlint hmp generate --config ci/.dtlint.yaml -o hmp.dtso --no-cache
        """)

    @Option(
      help: ArgumentHelp(
        "Board SKU (verdin-imx8mp-wifi, verdin-imx8mm-nonwifi, imx93-11x11-evk, …) or family (verdin-imx8mp, with --sku "
          + "or the manifest's board); default: the configuration's board:.",
        valueName: "board"),
      completion: .custom { _, _, _ in Settings.boardNames })
    var board: String?

    @Option(help: ArgumentHelp("The SKU when --board names the family: wifi or nonwifi.", valueName: "sku"))
    var sku: String?

    @Option(
      name: .customLong("kernel"),
      help: ArgumentHelp(
        "Kernel flavor: mainline (default), nxp-6, nxp-5.15, nxp-5.4, toradex-bsp7, toradex-bsp6, toradex-bsp5; "
          + "default: the configuration's kernel:, else mainline.",
        valueName: "flavor"),
      completion: .list(Settings.kernelFlavorNames))
    var kernelOption: String?

    @Option(
      help: ArgumentHelp(
        "The M7 firmware's manifest: peripherals and pads it owns, firmware ELF, RPMsg settings; or the M7's Zephyr "
          + "device tree.", valueName: "manifest"),
      completion: .file(extensions: ["yaml", "yml", "dts", "overlay"]))
    var m7: String?

    @Option(
      name: .shortAndLong,
      help: ArgumentHelp("Write the overlay source here (atomically).", valueName: "out.dtso"),
      completion: .file(extensions: ["dtso", "dts"]))
    var output: String?

    @Option(
      help: ArgumentHelp("Also compile it to a blob (with -@, as overlays are built).", valueName: "out.dtbo"),
      completion: .file(extensions: ["dtbo"]))
    var dtbo: String?

    @Option(
      help: ArgumentHelp("The base tree the overlay is for (source or blob): checked against it.", valueName: "base"),
      completion: .file(extensions: ["dts", "dtb"]))
    var base: String?

    @Option(
      help: ArgumentHelp(
        "The kernel command line Linux boots with (U-Boot's bootargs); the header then prescribes only what it lacks. "
          + "Default: bootargs: in .dtlint.yaml, else the M7 manifest's linux.bootargs.",
        valueName: "args"))
    var bootargs: String?

    @Option(
      help: ArgumentHelp("Configuration file (default: .dtlint.yaml found upwards).", valueName: "file"),
      completion: .file(extensions: ["yaml", "yml"]))
    var config: String?

    @OptionGroup var inputOptions: InputOptions

    func validate() throws {
      try validateOutput(output, option: "-o")
      try validateOutput(dtbo, option: "--dtbo")
      try validateDistinctOutputs(("-o", output), ("--dtbo", dtbo))
    }

    @OptionGroup var quietOption: QuietOption

    /// Options, then `.dtlint.yaml` (kernel:, board:, m7:, base:, include:, bootargs:), resolved by the same
    /// ``Settings`` as `check` and `hmp fix`.
    struct Effective {
      var board: String
      var kernel: String
      var m7: String?
      var base: String?
      var includePaths: [String]
      var bootargs: KernelCommandLine?
      /// Where the manifest came from, for messages about it.
      var m7Given: String
    }

    func effective() throws -> Effective {
      let settings = try Settings.resolve(
        config: config, kernel: kernelOption, board: board, m7: m7, bootargs: bootargs,
        includePaths: inputOptions.includePaths, base: base)
      guard let board = settings.board else {
        throw Failure.usage(
          "--board: no board given (name one with --board, e.g. --board verdin-imx8mp-wifi, or set board: in "
            + ".dtlint.yaml)")
      }
      return Effective(
        board: board, kernel: settings.kernel ?? DTHMP.HMP.defaultKernelFlavor, m7: settings.m7, base: settings.base,
        includePaths: settings.includePaths, bootargs: settings.bootargs,
        m7Given: settings.origins["m7"] == .config ? "m7: in .dtlint.yaml" : "--m7")
    }

    func run() throws {
      let settings = try effective()
      let board = settings.board
      let kernel = settings.kernel
      let m7 = settings.m7
      let base = settings.base
      let (profile, skuEntry, manifest, inputs, flavor) = try resolve(settings)
      var commandLine = "dtlint hmp generate --board \(board)"
      if let sku { commandLine += " --sku \(sku)" }
      commandLine += " --kernel \(kernel)"
      if let m7 { commandLine += " --m7 \(m7)" }
      if let b = bootargs { commandLine += " --bootargs '\(b)'" }

      let sources = SourceManager()
      var frontEnd = inputOptions.frontEnd
      frontEnd.includePaths = settings.includePaths
      let reader = SourceReader(sources: sources, options: frontEnd)
      var baseLoaded: LoadedTree?
      if let base {
        do {
          let loaded = try reader.loadBase(path: base)
          report(loaded.diagnostics.filter { $0.severity == .error }, sources: sources)
          if loaded.inputFailure { throw Failure.reported(.unreadable) }
          if loaded.refused {
            printError("error: \(base): not compiled: the input has errors")
            throw Failure.reported(.findings)
          }
          ProcessLifetime.keep(loaded.tree)
          baseLoaded = loaded
        } catch let e as LoadError {
          printError("error: \(e.description)")
          throw Failure.reported(.unreadable)
        }
      }

      let request = HMPGenerateRequest(
        board: profile, sku: skuEntry, kernel: flavor, kernelName: kernel, manifest: manifest, inputs: inputs,
        base: baseLoaded?.tree, commandLine: commandLine, bootargs: settings.bootargs)
      let generated: GeneratedOverlay
      do {
        generated = try HMPGenerator.generate(request)
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(.findings)
      }
      for w in generated.warnings { printError("warning: \(w)") }

      // The text is checked from memory, under a name that is not a file: nothing is written unless it passes.
      let overlayPath = "<generated overlay>"
      let result: HMPSelfCheck.Result
      do {
        result = try HMPSelfCheck.check(
          overlayText: generated.text, overlayPath: overlayPath, request: request, reader: reader,
          base: baseLoaded.map { ($0, base!) }, commandLine: generated.protection.commandLine)
      } catch {
        printError("error: checking the generated overlay: \(error.description)")
        throw Failure.reported(.unreadable)
      }
      report(result.findings, sources: sources)
      if result.hasErrors {
        printError("error: the generated overlay does not pass its own check; nothing written")
        throw Failure.reported(.findings)
      }

      var blob: [UInt8]?
      if dtbo != nil {
        var options = CompileOptions()
        options.symbols = true
        do {
          let compiled = try reader.load(path: overlayPath, options: options)
          guard !compiled.refused, !compiled.inputFailure else {
            printError("error: the generated overlay does not compile; nothing written")
            throw Failure.reported(.findings)
          }
          ProcessLifetime.keep(compiled.tree)
          blob = DTBWriter.blob(of: compiled.tree)
        } catch let e as LoadError {
          printError("error: \(e.description)")
          throw Failure.reported(.unreadable)
        }
      }
      do {
        if let dtbo, let blob { try writeOutput(blob, to: dtbo) }
        if let output {
          try writeOutput(Array(generated.text.utf8), to: output)
        } else if dtbo == nil {
          try writeOutput(Array(generated.text.utf8), to: "-")
        }
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(exitCode: error.exitCode)
      }
    }

    /// Board, SKU, manifest and flavor from the options; usage errors exit 64, unreadable files 2.
    private func resolve(_ settings: Effective) throws -> (
      BoardProfile, BoardProfile.SKU, M7Manifest?, M7Manifest.Inputs?, KernelFlavor
    ) {
      let flavor: KernelFlavor
      do {
        flavor = try KernelFlavor.load(name: settings.kernel)
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(.usage)
      }
      var manifest: M7Manifest?
      var inputs: M7Manifest.Inputs?
      if let m7 = settings.m7 {
        do {
          manifest = try M7Manifest.load(path: m7, includePaths: settings.includePaths)
          inputs = try manifest?.loadInputs()
        } catch {
          throw Failure.manifest(error, manifest: m7, given: settings.m7Given)
        }
      }
      let resolved: (BoardProfile, BoardProfile.SKU)
      do {
        resolved = try HMPBoardName.resolve(board: settings.board, sku: sku, manifestBoard: manifest?.board)
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(.usage)
      }
      return (resolved.0, resolved.1, manifest, inputs, flavor)
    }
  }
}
