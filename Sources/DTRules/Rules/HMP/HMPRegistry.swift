/// The HMP rules, in execution order: the remoteproc node and its mailboxes, its memory regions, then ownership
/// (peripherals, pads, GPIO banks, debug UART) and the firmware's resource table, then the clocks and power the M7's
/// peripherals need (HMPFacts §13).
let hmpRules: [any TreeRule.Type] = hmpRprocRules + hmpRegionRules + hmpOwnershipRules + hmpClockRules
/// Clock gating and power domains of the peripherals the M7 owns (issue 16), in execution order.
let hmpClockRules: [any TreeRule.Type] = [HMPClockGatedRule.self, HMPPowerDomainRule.self]
