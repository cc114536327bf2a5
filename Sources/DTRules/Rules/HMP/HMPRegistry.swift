/// The HMP rules, in execution order. Remoteproc wiring and memory regions first, then ownership and firmware.
let hmpRules: [any TreeRule.Type] = hmpWiringRules + hmpOwnershipRules
