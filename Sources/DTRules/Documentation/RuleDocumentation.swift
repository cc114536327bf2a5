import DTCore

/// The rule registry as documentation: `Documentation/Rules.md` (Markdown) and `dtlint rules` (text, JSON).
/// Everything comes from the rules' descriptions, so the documentation cannot drift from the code; a test
/// regenerates Rules.md and compares.
public enum RuleDocumentation {
  /// The command that regenerates Rules.md (named in the file and by the test that guards it).
  public static let regenerateCommand = "swift run dtlint rules --format markdown > Documentation/Rules.md"

  // MARK: - Markdown

  /// The whole of `Documentation/Rules.md`: an index table, then one section per rule.
  public static func markdown(registry: RuleRegistry = .shared) -> String {
    let rules = registry.descriptions
    var s = """
      <!-- Generated from the rule registry by `dtlint rules --format markdown`: do not edit. -->
      <!-- To update: \(regenerateCommand) -->

      # dtlint rules

      Every rule dtlint checks, in the order it runs them. Use the IDs with `--enable` and `--disable`, under \
      `rules:` in `.dtlint.yaml`, and in suppression comments (see [Suppressions.md](Suppressions.md)). \
      *Severity* and *Enabled* are the defaults. The HMP rules cite the kernel and firmware facts they rely on as \
      "HMPFacts §N": the sections of [HMPFacts.md](HMPFacts.md) (`Documentation/HMPFacts.md` in dtlint's source \
      tree, `share/doc/dtlint/HMPFacts.md` where it is installed), which name each fact's source and whether it is verified or inferred.

      | Rule | Category | Severity | Enabled | Summary |
      | --- | --- | --- | --- | --- |

      """
    for d in rules {
      s += "| [`\(d.id)`](#\(anchor(d.id))) | \(d.category.rawValue) | \(d.defaultSeverity.rawValue) | "
      s += "\(d.enabledByDefault ? "yes" : "no") | \(tableCell(d.summary)) |\n"
    }
    for d in rules {
      s += "\n" + markdown(rule: d)
    }
    return s
  }

  /// One rule's section (`## \`id\``).
  public static func markdown(rule d: RuleDescription) -> String {
    var s = "## `\(d.id)`\n\n**\(d.name)**: \(d.summary)\n\n"
    s += "- Category: `\(d.category.rawValue)`\n"
    s += "- Default severity: `\(d.defaultSeverity.rawValue)`\n"
    s += "- Enabled by default: \(d.enabledByDefault ? "yes" : "no")\n"
    s += "- Prerequisites: "
    s +=
      d.prerequisites.isEmpty
      ? "none\n" : d.prerequisites.map { "[`\($0)`](#\(anchor($0)))" }.joined(separator: ", ") + "\n"
    if !d.rationale.isEmpty {
      s += "\n" + d.rationale.trimmingTrailingNewlines() + "\n"
    }
    s += examples("Triggering", d.triggering)
    s += examples("Not triggering", d.nonTriggering)
    return s
  }

  private static func examples(_ title: String, _ list: [RuleExample]) -> String {
    guard !list.isEmpty else { return "" }
    var s = "\n**\(title)**\n"
    for e in list {
      s += "\n"
      if !e.extraOptions.isEmpty {
        s +=
          "With " + e.extraOptions.sorted { $0.key < $1.key }.map { "`\($0.key)=\($0.value)`" }.joined(separator: ", ")
          + ":\n\n"
      }
      if let base = e.base {
        s += "Base tree:\n\n" + fenced(base) + "\nChecked with it:\n\n"
      }
      s += fenced(stripMarkers(e.code))
    }
    return s
  }

  private static func fenced(_ code: String) -> String {
    var fence = "```"
    while code.contains(fence) { fence += "`" }
    return fence + "dts\n" + code.trimmingTrailingNewlines() + "\n" + fence + "\n"
  }

  /// GitHub's heading anchor for `## \`id\``: the ID itself (lower-case letters, digits, `_`, `-` survive).
  static func anchor(_ id: String) -> String {
    String(
      id.lowercased().unicodeScalars.filter {
        $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
      }.map(Character.init))
  }

  private static func tableCell(_ s: String) -> String {
    s.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "|", with: "\\|")
  }

  // MARK: - Text

  /// How rationales cite the HMP facts, and where a user finds them.
  static let factsCitation = "HMPFacts §"
  static let factsNote =
    "(HMPFacts §N: a section of HMPFacts.md — Documentation/ in dtlint's source tree, share/doc/dtlint/ where it is "
    + "installed — the kernel and firmware facts "
    + "the HMP rules rely on, each with its source and whether it is verified or inferred.)"

  /// `dtlint rules`: one line per rule, in aligned columns.
  public static func text(registry: RuleRegistry = .shared) -> String {
    let header = ["RULE", "CATEGORY", "SEVERITY", "ENABLED", "SUMMARY"]
    let rows = registry.descriptions.map {
      [$0.id, $0.category.rawValue, $0.defaultSeverity.rawValue, $0.enabledByDefault ? "yes" : "no", $0.summary]
    }
    var widths = header.map(\.count)
    for r in rows { for i in 0..<4 { widths[i] = max(widths[i], r[i].count) } }
    func line(_ r: [String]) -> String {
      (0..<4).map { r[$0] + String(repeating: " ", count: widths[$0] - r[$0].count) }.joined(separator: "  ") + "  "
        + r[4]
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
  }

  /// `dtlint rules RULE`: everything about one rule.
  public static func text(rule d: RuleDescription) -> String {
    var s = "\(d.id): \(d.name)\n"
    s += "  category: \(d.category.rawValue), default severity: \(d.defaultSeverity.rawValue), "
    s += d.enabledByDefault ? "enabled by default" : "disabled by default (--enable \(d.id))"
    s += "\n  prerequisites: " + (d.prerequisites.isEmpty ? "none" : d.prerequisites.joined(separator: ", ")) + "\n"
    s += "\n\(d.summary)\n"
    if !d.rationale.isEmpty { s += "\n" + d.rationale.trimmingTrailingNewlines() + "\n" }
    if d.rationale.contains(factsCitation) { s += "\n" + factsNote + "\n" }
    for (title, list) in [("Triggering", d.triggering), ("Not triggering", d.nonTriggering)] {
      for e in list {
        var what = title
        if !e.extraOptions.isEmpty {
          what +=
            " (with "
            + e.extraOptions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        }
        if let base = e.base {
          s += "\n\(what), base tree:\n" + indent(base) + "checked with it:\n"
        } else {
          s += "\n\(what):\n"
        }
        s += indent(stripMarkers(e.code))
      }
    }
    return s
  }

  private static func indent(_ code: String) -> String {
    code.trimmingTrailingNewlines().split(separator: "\n", omittingEmptySubsequences: false)
      .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n") + "\n"
  }

  // MARK: - JSON

  /// `dtlint rules --format json`: `{"version": 1, "rules": [ … ]}`, one object per rule with every field of its
  /// description.
  public static func json(_ rules: [RuleDescription]) -> String {
    JSONValue.object([
      "version": .int(1),
      "rules": .array(
        rules.map { d in
          .object([
            "id": .string(d.id), "name": .string(d.name), "category": .string(d.category.rawValue),
            "severity": .string(d.defaultSeverity.rawValue), "enabled": .bool(d.enabledByDefault),
            "summary": .string(d.summary), "rationale": .string(d.rationale),
            "prerequisites": .array(d.prerequisites.map { .string($0) }),
            "triggering": .array(d.triggering.map(example)), "nonTriggering": .array(d.nonTriggering.map(example)),
          ])
        }),
    ]).serialized()
  }

  private static func example(_ e: RuleExample) -> JSONValue {
    .object([
      "code": .string(stripMarkers(e.code)), "base": .string(e.base),
      "options": .object(e.extraOptions.mapValues { .string($0) }),
    ])
  }

  /// Example code without the `↓` position markers the example tests use.
  public static func stripMarkers(_ code: String) -> String {
    code.replacingOccurrences(of: "↓", with: "")
  }
}

extension String {
  fileprivate func trimmingTrailingNewlines() -> String {
    var s = self
    while s.last == "\n" || s.last == "\r\n" { s.removeLast() }
    return s
  }

  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
