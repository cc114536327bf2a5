/// Remoteproc node, mailbox and memory-region rules (issue 4), in execution order.
let hmpWiringRules: [any TreeRule.Type] = []
