import DTCore

// dtc's `WARNING_PROPERTY_PHANDLE_CELLS` pairs: for each phandle + arguments property, `X_property` walks the list
// with the providers' `#…-cells`, and `X_is_cell` checks that `#…-cells` is one cell. dtc lists each `X_property`
// before its `X_is_cell` (which it runs first, as a prerequisite).

struct ClocksPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "clocks", cellsName: "#clock-cells")
  static let description = phandleArgsDescription(
    "clocks", name: "Clocks Property", provider: provider, what: "clock providers")
}

struct ClocksIsCellRule: CellPropertyRule {
  static let propertyName = "#clock-cells"
  static let description = phandleCellsDescription("clocks", name: "Clocks Is Cell", cells: propertyName)
}

struct CoolingDevicePropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "cooling-device", cellsName: "#cooling-cells")
  static let description = phandleArgsDescription(
    "cooling_device", name: "Cooling Device Property", provider: provider, what: "cooling devices")
}

struct CoolingDeviceIsCellRule: CellPropertyRule {
  static let propertyName = "#cooling-cells"
  static let description = phandleCellsDescription(
    "cooling_device", name: "Cooling Device Is Cell", cells: propertyName)
}

struct DmasPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "dmas", cellsName: "#dma-cells")
  static let description = phandleArgsDescription(
    "dmas", name: "DMAs Property", provider: provider, what: "DMA controllers")
}

struct DmasIsCellRule: CellPropertyRule {
  static let propertyName = "#dma-cells"
  static let description = phandleCellsDescription("dmas", name: "DMAs Is Cell", cells: propertyName)
}

struct HwlocksPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "hwlocks", cellsName: "#hwlock-cells")
  static let description = phandleArgsDescription(
    "hwlocks", name: "Hwlocks Property", provider: provider, what: "hardware spinlock providers")
}

struct HwlocksIsCellRule: CellPropertyRule {
  static let propertyName = "#hwlock-cells"
  static let description = phandleCellsDescription("hwlocks", name: "Hwlocks Is Cell", cells: propertyName)
}

struct InterruptsExtendedPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "interrupts-extended", cellsName: "#interrupt-cells")
  static let description = phandleArgsDescription(
    "interrupts_extended", name: "Interrupts Extended Property", provider: provider, what: "interrupt controllers")
}

struct InterruptsExtendedIsCellRule: CellPropertyRule {
  static let propertyName = "#interrupt-cells"
  static let description = phandleCellsDescription(
    "interrupts_extended", name: "Interrupts Extended Is Cell", cells: propertyName)
}

struct IoChannelsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "io-channels", cellsName: "#io-channel-cells")
  static let description = phandleArgsDescription(
    "io_channels", name: "IO Channels Property", provider: provider, what: "IIO channel providers")
}

struct IoChannelsIsCellRule: CellPropertyRule {
  static let propertyName = "#io-channel-cells"
  static let description = phandleCellsDescription("io_channels", name: "IO Channels Is Cell", cells: propertyName)
}

struct IommusPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "iommus", cellsName: "#iommu-cells")
  static let description = phandleArgsDescription(
    "iommus", name: "IOMMUs Property", provider: provider, what: "IOMMUs")
}

struct IommusIsCellRule: CellPropertyRule {
  static let propertyName = "#iommu-cells"
  static let description = phandleCellsDescription("iommus", name: "IOMMUs Is Cell", cells: propertyName)
}

struct MboxesPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "mboxes", cellsName: "#mbox-cells")
  static let description = phandleArgsDescription(
    "mboxes", name: "Mboxes Property", provider: provider, what: "mailbox controllers")
}

struct MboxesIsCellRule: CellPropertyRule {
  static let propertyName = "#mbox-cells"
  static let description = phandleCellsDescription("mboxes", name: "Mboxes Is Cell", cells: propertyName)
}

struct MsiParentPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "msi-parent", cellsName: "#msi-cells", optional: true)
  static let description = phandleArgsDescription(
    "msi_parent", name: "MSI Parent Property", provider: provider, what: "MSI controllers")
}

struct MsiParentIsCellRule: CellPropertyRule {
  static let propertyName = "#msi-cells"
  static let description = phandleCellsDescription("msi_parent", name: "MSI Parent Is Cell", cells: propertyName)
}

struct MuxControlsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "mux-controls", cellsName: "#mux-control-cells")
  static let description = phandleArgsDescription(
    "mux_controls", name: "Mux Controls Property", provider: provider, what: "multiplexer controllers")
}

struct MuxControlsIsCellRule: CellPropertyRule {
  static let propertyName = "#mux-control-cells"
  static let description = phandleCellsDescription("mux_controls", name: "Mux Controls Is Cell", cells: propertyName)
}

struct PhysPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "phys", cellsName: "#phy-cells")
  static let description = phandleArgsDescription(
    "phys", name: "Phys Property", provider: provider, what: "PHY providers")
}

struct PhysIsCellRule: CellPropertyRule {
  static let propertyName = "#phy-cells"
  static let description = phandleCellsDescription("phys", name: "Phys Is Cell", cells: propertyName)
}

struct PowerDomainsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "power-domains", cellsName: "#power-domain-cells")
  static let description = phandleArgsDescription(
    "power_domains", name: "Power Domains Property", provider: provider, what: "power domain providers")
}

struct PowerDomainsIsCellRule: CellPropertyRule {
  static let propertyName = "#power-domain-cells"
  static let description = phandleCellsDescription("power_domains", name: "Power Domains Is Cell", cells: propertyName)
}

struct PwmsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "pwms", cellsName: "#pwm-cells")
  static let description = phandleArgsDescription(
    "pwms", name: "PWMs Property", provider: provider, what: "PWM controllers")
}

struct PwmsIsCellRule: CellPropertyRule {
  static let propertyName = "#pwm-cells"
  static let description = phandleCellsDescription("pwms", name: "PWMs Is Cell", cells: propertyName)
}

struct ResetsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "resets", cellsName: "#reset-cells")
  static let description = phandleArgsDescription(
    "resets", name: "Resets Property", provider: provider, what: "reset controllers")
}

struct ResetsIsCellRule: CellPropertyRule {
  static let propertyName = "#reset-cells"
  static let description = phandleCellsDescription("resets", name: "Resets Is Cell", cells: propertyName)
}

struct SoundDaiPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "sound-dai", cellsName: "#sound-dai-cells")
  static let description = phandleArgsDescription(
    "sound_dai", name: "Sound DAI Property", provider: provider, what: "digital audio interfaces")
}

struct SoundDaiIsCellRule: CellPropertyRule {
  static let propertyName = "#sound-dai-cells"
  static let description = phandleCellsDescription("sound_dai", name: "Sound DAI Is Cell", cells: propertyName)
}

struct ThermalSensorsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "thermal-sensors", cellsName: "#thermal-sensor-cells")
  static let description = phandleArgsDescription(
    "thermal_sensors", name: "Thermal Sensors Property", provider: provider, what: "thermal sensors")
}

struct ThermalSensorsIsCellRule: CellPropertyRule {
  static let propertyName = "#thermal-sensor-cells"
  static let description = phandleCellsDescription(
    "thermal_sensors", name: "Thermal Sensors Is Cell", cells: propertyName)
}
