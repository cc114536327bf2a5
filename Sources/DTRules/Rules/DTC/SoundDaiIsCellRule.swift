import DTCore

struct SoundDaiIsCellRule: CellPropertyRule {
  static let propertyName = "#sound-dai-cells"
  static let description = phandleCellsDescription("sound_dai", name: "Sound DAI Is Cell", cells: propertyName)
}
