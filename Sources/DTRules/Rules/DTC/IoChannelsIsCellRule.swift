import DTCore

struct IoChannelsIsCellRule: CellPropertyRule {
  static let propertyName = "#io-channel-cells"
  static let description = phandleCellsDescription("io_channels", name: "IO Channels Is Cell", cells: propertyName)
}
