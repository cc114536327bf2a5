/// The HMP rules, in execution order: the remoteproc node and its mailboxes, its memory regions, then ownership
/// (peripherals, pads, GPIO banks, debug UART) and the firmware's resource table.
let hmpRules: [any TreeRule.Type] = hmpRprocRules + hmpRegionRules + hmpOwnershipRules
