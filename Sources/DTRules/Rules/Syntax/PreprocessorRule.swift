import DTCore

/// The preprocessor's findings: `#include`, `#define` and `#if` directives that are invalid or do not resolve.
enum PreprocessorRule: FrontEndRule {
  static let description = RuleDescription(
    id: "preprocessor", name: "Preprocessor",
    summary: "#include, #define and #if directives must be valid and resolvable",
    rationale:
      "The kernel runs the C preprocessor before dtc; a missing include or a broken directive stops the build.",
    category: .syntax, defaultSeverity: .error,
    triggering: [RuleExample("/dts-v1/;\n#error \"unsupported board\"\n/ { };\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n#define ONE 1\n/ { a = <ONE>; };\n")])
}
