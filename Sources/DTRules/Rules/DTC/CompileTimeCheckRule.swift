import DTCore

// dtc's checks that run while a source is compiled. Their logic lives in DTCore's `TreeFixups` (a compile must stop
// where dtc stops); these rules, one per ``CompileTimeCheck`` and each in the file named after it, document them,
// make them configurable, and run them on trees that were not compiled.

/// One of dtc's checks that run while compiling (DTCore's ``TreeFixups``). When the compile reported findings for
/// it, the Linter uses those; otherwise (a compiled tree that passed, or a blob) the rule runs the check itself,
/// reporting only: the tree is not changed again.
protocol CompileTimeCheckRule: TreeRule {
  /// The check this rule is; its raw value is the rule's ID.
  static var check: CompileTimeCheck { get }
}

extension CompileTimeCheckRule {
  func check(_ context: inout RuleContext) {
    var fixups = TreeFixups(tree: context.tree)
    for d in fixups.runCheck(Self.check) { context.report(d) }
  }
}
