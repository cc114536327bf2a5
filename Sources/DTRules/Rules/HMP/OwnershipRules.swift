/// Peripheral, pad, GPIO, debug UART and firmware rules (issue 4), in execution order.
let hmpOwnershipRules: [any TreeRule.Type] = [
  HMPPeripheralConflictRule.self,
  HMPPadConflictRule.self,
  HMPGPIOBankSharedRule.self,
  HMPDebugUARTRule.self,
  HMPIPCShmRule.self,
  HMPFirmwareVringMismatchRule.self,
  HMPFirmwareRscTableRule.self,
  HMPFirmwareSegmentUnreservedRule.self,
]
