import ArgumentParser
import DTCore
import DTRules

extension DTLint {
  struct Rules: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rules",
      abstract: "List the rules, or explain one.",
      discussion: """
        Without a rule, prints every rule with its category, default severity, whether it is enabled by \
        default and its summary. With a rule ID, prints its rationale, prerequisites and examples. \
        `--format markdown` writes the rule reference (Documentation/Rules.md is generated this way); \
        `--format json` is for scripts. The HMP rules cite the kernel and firmware facts they rely on as \
        "HMPFacts §N", the sections of HMPFacts.md (Documentation/ in dtlint's source tree, \
        share/doc/dtlint/ where Scripts/install puts it).

        Examples:
          dtlint rules
          dtlint rules unit_address_vs_reg
          dtlint rules --format markdown > Documentation/Rules.md
          dtlint rules --format json | jq -r '.rules[] | select(.enabled | not) | .id'
        """)

    @Argument(
      help: ArgumentHelp("A rule ID: print everything about that rule.", valueName: "rule"),
      completion: .list(RuleRegistry.shared.descriptions.map(\.id)))
    var rule: String?

    @Option(help: "Output format.")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument, CaseIterable {
      case text, markdown, json
    }

    func validate() throws {
      if let rule, RuleRegistry.shared.description(rule) == nil {
        throw ValidationError("unknown rule '\(rule)' (run 'dtlint rules' for the list)")
      }
    }

    func run() throws {
      let registry = RuleRegistry.shared
      let text: String
      if let rule, let d = registry.description(rule) {
        switch format {
        case .text: text = RuleDocumentation.text(rule: d)
        case .markdown: text = RuleDocumentation.markdown(rule: d)
        case .json: text = RuleDocumentation.json([d])
        }
      } else {
        switch format {
        case .text: text = RuleDocumentation.text(registry: registry)
        case .markdown: text = RuleDocumentation.markdown(registry: registry)
        case .json: text = RuleDocumentation.json(registry.descriptions)
        }
      }
      do {
        try writeOutput(Array(text.utf8), to: "-")
      } catch {
        printError("error: \(error.description)")
        throw Failure.reported(.unreadable)
      }
    }
  }
}
