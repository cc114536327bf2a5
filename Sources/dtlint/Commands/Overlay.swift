import ArgumentParser
import DTCore
import DTRules
import Foundation

extension DTLint {
  /// `dtlint overlay …`: overlays as data.
  struct Overlay: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "overlay",
      abstract: "Work with overlays: make one from the difference between two trees.",
      discussion: """
        Examples:
          dtlint overlay make board.dtb custom.dts -I include -o custom.dtso
        """,
      subcommands: [OverlayMake.self])
  }

  struct OverlayMake: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "make",
      abstract: "Write the overlay that turns BASE into TARGET (what was added or changed, phandles as &labels).",
      discussion: """
        BASE and TARGET are sources or blobs. Nodes and properties TARGET adds or changes become fragments \
        targeting the base node by its label (&uart4) or, without one, by path (&{/reserved-memory}); new \
        nodes keep their labels, and references in values are written as &labels so the overlay resolves \
        against the base's /__symbols__ (compile BASE with -@ before applying). Phandle numbers, /__symbols__ \
        and the fixup nodes are not compared.

        Overlays cannot delete: removed properties, nodes and /memreserve/ entries are listed on stderr and \
        in a comment, and the exit status is 1. The result is checked before it is written: compiled, applied \
        to BASE with libfdt and compared with TARGET; any other difference is an error.

        Exit status: 0 the overlay reproduces TARGET, 1 some differences cannot be expressed (the overlay is \
        still written), 2 an input could not be read or the check failed, 64 usage.

        Examples:
          dtlint overlay make board.dtb custom.dts -I include -o custom.dtso
          dtlint overlay make old.dts new.dts -D REV=2 --no-cpp
          dtlint overlay make board.dtb custom.dtb --quiet -o custom.dtso
          dtlint overlay make board.dts custom.dts -I include --no-cache -o c.dtso
        """)

    @Argument(
      help: ArgumentHelp("The tree the overlay applies to.", valueName: "base"),
      completion: .file(extensions: ["dts", "dtb"]))
    var base: String

    @Argument(
      help: ArgumentHelp("The tree the overlay should produce.", valueName: "target"),
      completion: .file(extensions: ["dts", "dtb"]))
    var target: String

    @Option(
      name: .shortAndLong,
      help: ArgumentHelp("Write the overlay here (atomically); default: standard output.", valueName: "out.dtso"),
      completion: .file(extensions: ["dtso", "dts"]))
    var output: String?

    @OptionGroup var inputOptions: InputOptions

    @OptionGroup var quietOption: QuietOption

    func validate() throws {
      try validateOutput(output, option: "-o")
    }

    func run() throws {
      let sources = SourceManager()
      let reader = SourceReader(sources: sources, options: inputOptions.frontEnd)
      let baseTree: LoadedTree
      let targetTree: LoadedTree
      do {
        baseTree = try reader.loadBase(path: base)
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(.unreadable)
      }
      ProcessLifetime.keep(baseTree.tree)
      report(baseTree.diagnostics.filter { $0.severity == .error }, sources: sources)
      if baseTree.inputFailure || baseTree.refused { throw Failure.reported(.unreadable) }
      targetTree = try loadForOutput(target, reader: reader)

      let header = [
        "Overlay made by dtlint: applied to \(base), it gives \(target).",
        "dtlint overlay make \(base) \(target)",
      ]
      let made = OverlayMaker.make(base: baseTree.tree, target: targetTree.tree, header: header)
      var text = made.text
      if !made.notExpressed.isEmpty {
        text =
          "/*\n * Not expressed (overlays cannot delete, and reference only labelled base nodes):\n"
          + made.notExpressed.map { " * - \($0)\n" }.joined() + " */\n" + text
      }

      // The check: applied to the base, the overlay must give the target, up to what it cannot express.
      // The text is checked from memory, under a name that is not a file (the output may be an input's name).
      let overlayPath = "<overlay made>"
      sources.addVirtualFile(path: overlayPath, text: text)
      let chain: AppliedChain
      do {
        chain = try reader.applyChain(base: baseTree, basePath: base, overlays: [overlayPath], allowEmpty: true)
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(.unreadable)
      }
      guard let merged = chain.merged else {
        report(chain.diagnostics, sources: sources)
        printError("error: the overlay made from \(base) and \(target) does not apply to \(base); nothing written")
        throw Failure.reported(.unreadable)
      }
      ProcessLifetime.keep(merged)
      let left = TreeDiff.compare(merged, targetTree.tree).filter { c in
        !(c.kind == .removed || (c.nodePath == TreeDiff.memreservePath && c.kind == .added))
      }
      if !left.isEmpty {
        for c in left.prefix(10) {
          printError("  \(c.kind.rawValue) \(c.nodePath)\(c.property.map { ":" + $0 } ?? "")")
        }
        printError(
          "error: applied to \(base), the overlay differs from \(target) in \(left.count) place(s); nothing written")
        throw Failure.reported(.unreadable)
      }
      do {
        try writeOutput(Array(text.utf8), to: output ?? "-")
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(exitCode: error.exitCode)
      }
      printNote(
        "\(made.propertiesSet) propert\(made.propertiesSet == 1 ? "y" : "ies") set, \(made.nodesAdded) node\(made.nodesAdded == 1 ? "" : "s") added"
      )
      for n in made.notExpressed { printError("warning: not expressed: \(n)") }
      if !made.notExpressed.isEmpty { throw Failure.reported(.findings) }
    }
  }
}
