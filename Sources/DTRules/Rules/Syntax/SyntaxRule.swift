import DTCore

/// The parser's findings: every syntax error, at its position in the original file.
enum SyntaxRule: FrontEndRule {
  static let description = RuleDescription(
    id: "syntax", name: "Syntax",
    summary: "The source must be valid dtc syntax: every error is reported, with its position in the original file",
    rationale:
      "dtc stops at a syntax error and the kernel build fails; dtlint reports every error it can find in one run.",
    category: .syntax, defaultSeverity: .error,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tprop = <1 2;\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tprop = <1 2>;\n};\n")])
}
