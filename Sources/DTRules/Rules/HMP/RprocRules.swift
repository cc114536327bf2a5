/// Remoteproc node and mailbox rules, in execution order.
let hmpRprocRules: [any TreeRule.Type] = []
