/// Peripheral, pad, GPIO, debug UART and firmware rules (issue 4), in execution order.
let hmpOwnershipRules: [any TreeRule.Type] = []
