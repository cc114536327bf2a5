import DTCore

struct IoChannelsPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "io-channels", cellsName: "#io-channel-cells")
  static let description = phandleArgsDescription(
    "io_channels", name: "IO Channels Property", provider: provider, what: "IIO channel providers")
}
