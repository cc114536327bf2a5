import DTCore

struct ObsoleteChosenInterruptControllerRule: TreeRule {
  static let description = RuleDescription.dtc(
    "obsolete_chosen_interrupt_controller", name: "Obsolete Chosen Interrupt Controller", level: .warning,
    summary: "`/chosen` must not have an `interrupt-controller` property",
    rationale: """
      Old PowerPC trees named the interrupt controller from `/chosen`; the kernel finds it through \
      `interrupt-parent` now. dtc reports the root node with the `/chosen` property.
      """,
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\t↓interrupt-controller = <1>;\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t};\n\tintc {\n\t\tinterrupt-controller;\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    guard let chosen = context.tree.node(atPath: "/chosen"),
      let prop = chosen.property("interrupt-controller")
    else { return }
    context.report("/chosen has obsolete \"interrupt-controller\" property", node: context.tree.root, property: prop)
  }
}

struct ChosenNodeIsRootRule: TreeRule {
  static let description = RuleDescription.dtc(
    "chosen_node_is_root", name: "Chosen Node Is Root", level: .warning,
    summary: "A `chosen` node must be a child of the root",
    rationale: "Boot loaders and the kernel only look for `/chosen`; one anywhere else is ignored.",
    triggering: [RuleExample("/dts-v1/;\n/ {\n\tsoc {\n\t\t↓chosen {\n\t\t};\n\t};\n};\n")],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes where node.name == "chosen" && node.parent !== context.tree.root {
      context.report("chosen node must be at root node", node: node)
    }
  }
}

struct ChosenNodeBootargsRule: TreeRule {
  static let description = RuleDescription.dtc(
    "chosen_node_bootargs", name: "Chosen Node Bootargs", level: .warning,
    summary: "`bootargs` in a `chosen` node must be a single string",
    rationale: "The kernel takes its command line from `/chosen/bootargs` as one string.",
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\t↓bootargs = \"console=ttymxc1\", \"quiet\";\n\t};\n};\n")
    ],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\tbootargs = \"console=ttymxc1 quiet\";\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes where node.name == "chosen" {
      if let p = node.property("bootargs"), !isOneString(p.value) {
        context.report("property is not a string", node: node, property: p)
      }
    }
  }
}

struct ChosenNodeStdoutPathRule: TreeRule {
  static let description = RuleDescription.dtc(
    "chosen_node_stdout_path", name: "Chosen Node Stdout Path", level: .warning,
    summary: "A `chosen` node's console is `stdout-path` (not `linux,stdout-path`), a single string",
    rationale: """
      The kernel and U-Boot pick the console from `/chosen/stdout-path` (a path or alias, optionally with \
      `:options`); `linux,stdout-path` is the deprecated spelling.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\t↓linux,stdout-path = \"/serial\";\n\t};\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\t↓stdout-path = <1>;\n\t};\n};\n"),
    ],
    nonTriggering: [RuleExample("/dts-v1/;\n/ {\n\tchosen {\n\t\tstdout-path = \"serial0:115200n8\";\n\t};\n};\n")])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes where node.name == "chosen" {
      var prop = node.property("stdout-path")
      if prop == nil {
        guard let legacy = node.property("linux,stdout-path") else { continue }
        context.report("Use 'stdout-path' instead", node: node, property: legacy)
        prop = legacy
      }
      if let p = prop, !isOneString(p.value) {
        context.report("property is not a string", node: node, property: p)
      }
    }
  }
}
