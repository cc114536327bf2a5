/// Reserved-memory region rules, in execution order (the order of Documentation/Rules.md): what the imx-rproc node's
/// `memory-region` references, then all of `/reserved-memory` (overlap, format), then the firmware's vring layout.
let hmpRegionRules: [any TreeRule.Type] = [
  MemoryRegionMissingRule.self,
  RscTableNameRule.self,
  VringNameRule.self,
  BufferPoolRule.self,
  VdevPrefixRule.self,
  RegionNoMapRule.self,
  RegionOverlapRule.self,
  RegionWindowRule.self,
  RegionDisabledRule.self,
  ReservedMemoryFormatRule.self,
  VringSizeRule.self,
]
