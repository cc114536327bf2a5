import ArgumentParser
import DTCore
import DTDoctor
import DTHMP
import DTRules
import Foundation

extension DTLint {
  /// `dtlint hmp explain-log LOG [FILE...]`: what the remoteproc, rpmsg, MU mailbox and reserved-memory lines of a
  /// kernel log mean in the kernel code, the causes consistent with each, and — given the tree — the findings that
  /// explain them (Documentation/ExplainLog.md, HMPFacts §3.4).
  struct HMPExplainLog: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "explain-log",
      abstract: "Explain the remoteproc, RPMsg, MU mailbox and reserved-memory lines of a kernel log.",
      discussion: """
        LOG is a kernel log: dmesg output (with or without time stamps, dmesg -T), journalctl -k, a syslog or \
        serial console capture; - reads standard input. Every line is compared with dtlint's catalog of kernel \
        messages (schemas/logs/kernel-messages.yaml, bundled): imx_rproc, the remoteproc core and its virtio \
        devices, the RPMsg bus, the mailbox core and the i.MX MU driver, and reserved memory. Each recognised \
        message is explained in terms of the code that prints it: the function, the errno by name, which vring \
        a notify id is and in which direction it carries messages, which timeout expired (the mailbox timeout \
        depends on --kernel). Then the causes consistent with it are listed, each marked verified (read in the \
        kernel or firmware code) or inference, with its source. Lines the catalog does not know are ignored and \
        counted; a message repeated with the same values is shown once, with the lines that repeat it.

        Given the device tree the board ran (FILE: a .dts or .dtb; with --overlay, FILE is a base and the \
        overlays are applied with libfdt; with --base, each FILE is an overlay applied to BASE), dtlint checks \
        it as `dtlint check` does — same rules, same options, same .dtlint.yaml — and ties every cause to the \
        findings that explain it (rule, file:line:col, message). Findings that show the tree, under that \
        kernel, cannot have printed the line are listed as contradictions: then the log came from another tree \
        or another kernel (--kernel). Without FILE the log is explained alone, and each cause names the rules \
        whose findings would confirm it. Rules that need the M7 manifest (the ownership and firmware rules) \
        run only with --m7. The tree is checked under the log's own "Kernel command line:" (the last one in \
        the log), unless --bootargs is given: it decides what hmp_clock_gated and hmp_power_domain say. The \
        texts name the remote core (M4, M7, M33) and state its MU and clock facts by the manifest's SoC, else \
        by the tree's, else by the i.MX 8M Plus.

        Output: text, grouped per recognised message with its line number in LOG; or --format json (version 1: \
        log, kernel, trees, line counts, messages with their values, errno, vring, timeout, causes and their \
        findings, contradictions, and every finding of the trees; see Documentation/ExplainLog.md).

        Exit status: 0 the log has no recognised problem (only the normal remoteproc/RPMsg sequence, or nothing \
        recognised); 1 at least one recognised error or warning message (a CI job that collects boot logs \
        fails on it, whatever the tree says); 2 LOG or FILE could not be read; 64 usage error.

        Examples:
          dtlint hmp explain-log boot.log
          dmesg | dtlint hmp explain-log -
          dtlint hmp explain-log boot.log board.dts -I include -D CARRIER_REV=2
          dtlint hmp explain-log boot.log board.dts --m7 m7.yaml --kernel toradex-bsp6
          dtlint hmp explain-log boot.log board.dts --no-cpp --format json
          dtlint hmp explain-log boot.log base.dtb --overlay hmp.dtbo --m7 m7.yaml
          dtlint hmp explain-log boot.log board.dtb --board verdin-imx8mp
          dtlint hmp explain-log boot.log hmp.dtso --base base.dts --no-cache
          dtlint hmp explain-log boot.log board.dts --config ci/.dtlint.yaml
          dtlint hmp explain-log boot.log board.dts --enable all --werror
          dtlint hmp explain-log boot.log board.dts --disable reg_format
          dtlint hmp explain-log boot.log board.dts --bootargs "clk_ignore_unused"
        """)

    @Argument(
      help: ArgumentHelp("The kernel log to explain; - reads standard input.", valueName: "log"),
      completion: .file())
    var log: String

    @Argument(
      help: ArgumentHelp(
        "The device tree the board ran (sources or blobs), to tie causes to findings.", valueName: "file"),
      completion: .file(extensions: ["dts", "dtsi", "dtso", "dtb", "dtbo"]))
    var files: [String] = []

    @OptionGroup var inputOptions: InputOptions

    @Option(
      help: ArgumentHelp("Each FILE is an overlay applied to this base tree.", valueName: "base"),
      completion: .file(extensions: ["dts", "dtb"]))
    var base: String?

    @Option(
      name: .customLong("overlay"),
      help: ArgumentHelp("Apply this overlay to FILE first (repeatable, in order).", valueName: "ov"),
      completion: .file(extensions: ["dtso", "dtbo", "dts"]))
    var overlays: [String] = []

    @Option(help: "Output format.")
    var format: Format = .text

    @OptionGroup(title: "Rules and HMP knowledge") var settingsOptions: SettingsOptions

    enum Format: String, ExpressibleByArgument, CaseIterable {
      case text, json
    }

    func validate() throws {
      if base != nil && !overlays.isEmpty {
        throw ValidationError("use either --base (FILEs are overlays) or --overlay (FILE is the base), not both")
      }
      if !overlays.isEmpty && files.count != 1 {
        throw ValidationError("--overlay applies to exactly one base FILE")
      }
      if base != nil && files.isEmpty {
        throw ValidationError("--base needs at least one overlay FILE")
      }
    }

    func run() throws {
      let cwd = FileManager.default.currentDirectoryPath
      let logName = log == "-" ? "<stdin>" : PathDisplay.relative(log, to: cwd)
      let text: String
      do {
        text = try Self.read(log)
      } catch {
        printError("error: \(logName): \(error)")
        throw Failure.reported(.unreadable)
      }

      let settings = try Settings.resolve(
        settingsOptions, includePaths: inputOptions.includePaths, base: base, workingDirectory: cwd)
      var hmp = try settings.hmpContext()
      let catalog: KernelMessageCatalog
      do {
        catalog = try KernelMessageCatalog.bundled()
      } catch {
        printError(error.description)
        throw Failure.reported(.unreadable)
      }
      // The texts speak of the manifest's SoC; without a manifest, of the trees' (below); else of the i.MX 8M Plus.
      var explanation = LogExplainer(
        catalog: catalog, flavor: hmp.kernel, soc: hmp.manifest.map { LogSoCWords(profile: $0.soc) } ?? .reference
      ).explain(text)
      // The tree is judged under the command line the log's kernel booted with (the last boot's), unless
      // --bootargs says otherwise (HMPFacts §13).
      if settings.origins["bootargs"] != .commandLine, let logged = explanation.lastCommandLine(log: logName) {
        hmp = hmp.with(bootargs: logged)
      }

      var trees = TreeFindings()
      if !files.isEmpty {
        var frontEnd = inputOptions.frontEnd
        frontEnd.includePaths = settings.includePaths
        trees = TreeFindings.check(
          files: files, base: base, overlays: overlays,
          reader: SourceReader(sources: SourceManager(), options: frontEnd), selection: settings.selection, hmp: hmp,
          workingDirectory: cwd, keepAlive: ProcessLifetime.keep)
      }
      if hmp.manifest == nil, let soc = trees.soc.map(LogSoCWords.init(profile:)), soc != .reference {
        explanation = LogExplainer(catalog: catalog, flavor: hmp.kernel, soc: soc).explain(text)
      }
      let tie = Tie(
        explanation: explanation, catalog: catalog, trees: trees, hmp: hmp, selection: settings.selection)
      let output: String
      switch format {
      case .text: output = tie.text(log: logName)
      case .json: output = try tie.json(log: logName, toolVersion: DTLint.configuration.version)
      }
      writeStandardOutput(output)
      for e in trees.errors { printError("\(e.severity.rawValue): \(e.messageWithLocation)") }
      if trees.unreadable { throw Failure.reported(.unreadable) }
      if !explanation.problems.isEmpty { throw Failure.reported(.findings) }
    }

    /// The log's text (`-`: standard input), invalid UTF-8 replaced. A log may be a regular file or a stream
    /// (`<(journalctl -k)`, a FIFO); at most 256 MiB is read.
    static func read(_ path: String) throws -> String {
      do {
        let bytes =
          path == "-"
          ? try readStandardInput()
          : try SourceManager.readBytes(path: path, limit: standardInputLimit, accept: .regularFileOrStream)
        return String(decoding: bytes, as: UTF8.self)
      } catch {
        throw ReadError(error.reason)
      }
    }

    struct ReadError: Error, CustomStringConvertible {
      var description: String
      init(_ d: String) { description = d }
    }
  }
}
