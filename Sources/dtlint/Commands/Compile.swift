import ArgumentParser
import DTCore

extension DTLint {
  struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "compile",
      abstract: "Compile a source to a blob (dtc-compatible bytes), or a blob back to source.",
      discussion: """
        Sources (.dts, .dtsi, .dtso) go through the built-in C preprocessor and dtc's semantics; the blob \
        written is byte-identical to what `cpp | dtc` produces. A blob (.dtb, .dtbo) is printed as DTS with \
        labels and &references restored from __symbols__ and the fixup nodes.

        Examples:
          dtlint compile board.dts -o board.dtb -I include -I arch/arm64/boot/dts
          dtlint compile board.dts -b 0 -@ -D CARRIER_REV=2 -I include -o board.dtb
          dtlint compile overlay.dtso -@ -o overlay.dtbo
          dtlint compile board.dts -I include --no-cache -o board.dtb
          dtlint compile generated.dts --no-cpp -O dts
          dtlint compile board.dtb -O dts
        """)

    @Argument(
      help: ArgumentHelp("The input: .dts/.dtsi/.dtso source or .dtb/.dtbo blob.", valueName: "in"),
      completion: .file(extensions: ["dts", "dtsi", "dtso", "dtb", "dtbo"]))
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file ('-' for standard output).", valueName: "out"))
    var output: String = "-"

    @Option(name: .customShort("O"), help: "Output format (default: dtb for a source, dts for a blob).")
    var outputFormat: OutputFormat?

    @Flag(name: .customShort("@"), help: "Add /__symbols__ (needed to apply overlays on this tree).")
    var symbols = false

    @Option(name: .customShort("b"), help: ArgumentHelp("Boot CPU id written to the header.", valueName: "cpu"))
    var bootCPU: UInt32?

    @OptionGroup var inputOptions: InputOptions

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
      case dtb, dts
    }

    func validate() throws {
      try validateOutput(output, option: "-o")
    }

    func run() throws {
      Memory.keepFreedMemoryForOneInput()
      let sources = SourceManager()
      let reader = SourceReader(sources: sources, options: inputOptions.frontEnd)
      var options = CompileOptions()
      options.symbols = symbols
      options.bootCPU = bootCPU
      let loaded = try loadForOutput(input, reader: reader, options: options)
      if loaded.kind == .blob, let b = bootCPU { loaded.tree.bootCPUID = b }
      let format = outputFormat ?? (loaded.kind == .blob ? .dts : .dtb)
      let bytes: [UInt8] =
        switch format {
        case .dtb: DTBWriter.blob(of: loaded.tree)
        case .dts: dtsText(of: loaded.tree, input: input)
        }
      do {
        try writeOutput(bytes, to: output)
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(exitCode: error.exitCode)
      }
    }
  }

  struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "dump",
      abstract: "Print any input as canonical DTS (merged tree, labels and &references restored).",
      discussion: """
        The tree is printed after includes, macros, /delete-node/ and &label overrides are resolved: what dtc \
        would put in the blob, as source. A blob's labels come back from /__symbols__ and its &references from \
        /__fixups__ and /__local_fixups__. What DTS cannot write (a label that is not [a-zA-Z_][a-zA-Z0-9_]*, a \
        property or node named with other characters than [a-zA-Z0-9,._+*#?@-] or with nothing) is left out \
        with a /* comment */ where it stood and a warning on stderr, so the text always compiles again.

        Examples:
          dtlint dump board.dts -I include -D CARRIER_REV=2 --no-cache
          dtlint dump generated.dts --no-cpp
          dtlint dump /sys/firmware/fdt
        """)

    @Argument(
      help: ArgumentHelp("The input: source or blob.", valueName: "in"),
      completion: .file(extensions: ["dts", "dtsi", "dtso", "dtb", "dtbo"]))
    var input: String

    @OptionGroup var inputOptions: InputOptions

    func run() throws {
      let sources = SourceManager()
      // A blob is printed straight from its bytes when it can be; anything else is read into a tree.
      if try printBlobDump(input, sources: sources) { return }
      let reader = SourceReader(sources: sources, options: inputOptions.frontEnd(reading: [input], sources: sources))
      try Self.write(dtsText(of: try loadForOutput(input, reader: reader).tree, input: input))
    }

    /// Writes the text to standard output.
    static func write(_ text: [UInt8]) throws {
      do {
        try writeOutput(text, to: "-")
      } catch {
        throw Failure.reported(.unreadable)
      }
    }
  }
}
