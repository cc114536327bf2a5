/// Reserved-memory region rules, in execution order.
let hmpRegionRules: [any TreeRule.Type] = []
