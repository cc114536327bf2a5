import DTCore

/// Rules whose findings come from reading the tree (the parser and dtc's error-level checks that stop a
/// compile). They are listed so they can be documented, configured and reported like any other rule.
public let frontEndRules: [RuleDescription] = [
  RuleDescription(
    id: "syntax", name: "Syntax",
    summary: "The source must be valid dtc syntax: every error is reported, with its position in the original file",
    rationale:
      "dtc stops at a syntax error and the kernel build fails; dtlint reports every error it can find in one run.",
    category: .syntax, defaultSeverity: .error,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tprop = <1 2;\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tprop = <1 2>;\n};\n")]),
  RuleDescription(
    id: "preprocessor", name: "Preprocessor",
    summary: "#include, #define and #if directives must be valid and resolvable",
    rationale:
      "The kernel runs the C preprocessor before dtc; a missing include or a broken directive stops the build.",
    category: .syntax, defaultSeverity: .error,
    triggering: [RuleExample("/dts-v1/;\n#error \"unsupported board\"\n/ { };\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n#define ONE 1\n/ { a = <ONE>; };\n")]),
  Suppressions.ruleDescription,
]
