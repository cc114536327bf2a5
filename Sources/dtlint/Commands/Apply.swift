import ArgumentParser
import DTCore

extension DTLint {
  struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "apply",
      abstract: "Apply overlays to a base tree with libfdt, as U-Boot does, and write the result.",
      discussion: """
        BASE and each OV may be sources (compiled first: the base with -@ so labels resolve) or blobs. The \
        overlays are applied in order with libfdt's fdt_overlay_apply; when one does not apply, the message \
        says why (which labels the base's __symbols__ lacks, which target path is missing) instead of a bare \
        FDT_ERR_NOTFOUND, and no output is written.

        Examples:
          dtlint apply board.dtb hmp.dtbo -o board-hmp.dtb
          dtlint apply board.dts display.dtso camera.dtso -o merged.dtb --no-cache
          dtlint apply board.dts hmp.dtso -I include -D CARRIER_REV=2 -o merged.dtb
          dtlint apply generated.dts hmp.dtbo --no-cpp -o - | fdtdump -
        """)

    @Argument(
      help: ArgumentHelp("The base tree (source or blob).", valueName: "base"),
      completion: .file(extensions: ["dts", "dtb"]))
    var base: String

    @Argument(
      help: ArgumentHelp("Overlays to apply, in order (sources or blobs).", valueName: "ov"),
      completion: .file(extensions: ["dtso", "dtbo", "dts"]))
    var overlays: [String]

    @Option(name: .shortAndLong, help: ArgumentHelp("Output blob ('-' for standard output).", valueName: "out"))
    var output: String

    @OptionGroup var inputOptions: InputOptions

    func validate() throws {
      if overlays.isEmpty { throw ValidationError("give at least one overlay to apply") }
      try validateOutput(output, option: "-o")
    }

    func run() throws {
      let sources = SourceManager()
      // Made for the first input that is a source: blobs alone need no front end (its cache of lexed headers, its
      // preprocessor tables), and the common run applies blobs to a blob.
      var reader: SourceReader?
      var options = CompileOptions()
      options.symbols = true
      // The compiled source of each overlay given as a source: where a failing fragment was written.
      var compiled: [String: DeviceTree] = [:]
      func blob(_ path: String) throws -> [UInt8] {
        let path = try StandardInput.path(path, sources: sources)
        // A blob goes to libfdt as it is (the applier validates it); a source is compiled first.
        if let bytes = try? sources.load(path: path).bytes, DTBReader.isBlob(bytes) {
          return bytes
        }
        let sourceReader = reader ?? SourceReader(sources: sources, options: inputOptions.frontEnd)
        reader = sourceReader
        let tree = try loadForOutput(path, reader: sourceReader, options: options).tree
        compiled[path] = tree
        return DTBWriter.blob(of: tree)
      }
      let baseBlob = try blob(base)
      var parts: [(bytes: [UInt8], path: String)] = []
      for ov in overlays { parts.append((try blob(ov), ov)) }
      let merged: [UInt8]
      do {
        merged = try OverlayApplier.apply(base: baseBlob, basePath: base, overlays: parts)
      } catch {
        printError("error: \(error.description)")
        // Where each failing fragment was written, when the overlay is a source.
        if let tree = compiled[error.path] {
          let fragments = SourceReader.fragments(of: tree)
          for name in error.fragments {
            guard let f = fragments.first(where: { $0.node.name == name }),
              let range = f.targetRange ?? f.node.range
            else { continue }
            report(
              [
                Diagnostic(
                  rule: "overlay_apply", severity: .note, message: "\(name) (\(f.targetDescription)) is written here",
                  range: range)
              ],
              sources: sources)
          }
        }
        // An overlay that does not fit its base is a finding; a blob that cannot be read is an input error.
        throw Failure.reported(error.kind == .overlay ? .findings : .unreadable)
      }
      do {
        try writeOutput(merged, to: output)
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(exitCode: error.exitCode)
      }
    }
  }
}
