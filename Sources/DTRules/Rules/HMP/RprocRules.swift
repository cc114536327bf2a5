/// Remoteproc node and mailbox rules, in execution order: is there a node, is it the right one, then its
/// properties, then its mailbox (names, controller, channels).
let hmpRprocRules: [any TreeRule.Type] = [
  RprocMissingRule.self,
  RprocCompatibleRule.self,
  RprocClocksRule.self,
  RprocBindingRule.self,
  RprocMboxNamesRule.self,
  RprocMboxControllerRule.self,
  RprocMboxChannelRule.self,
]
