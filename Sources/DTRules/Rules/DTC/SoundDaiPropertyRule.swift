import DTCore

struct SoundDaiPropertyRule: PhandleArgsPropertyRule {
  static let provider = PhandleArgsProvider(propertyName: "sound-dai", cellsName: "#sound-dai-cells")
  static let description = phandleArgsDescription(
    "sound_dai", name: "Sound DAI Property", provider: provider, what: "digital audio interfaces")
}
