import DTCore

/// A tree as DTS for `dump` and `compile -O dts`, with a warning on stderr for each thing DTS cannot express and the
/// text leaves out (see ``DTSPrinter``): the text still compiles, and the user learns it is not the whole tree.
func dtsText(of tree: DeviceTree, input: String) -> [UInt8] {
  var omitted: [DTSPrinter.Omission] = []
  let text = DTSPrinter.printBytes(tree, omitted: &omitted)
  for o in omitted { printError("warning: \(input): \(o.nodePath): \(o.message)") }
  return text
}
