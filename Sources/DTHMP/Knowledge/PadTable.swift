import DTYAML
import Yams

/// One function a pad can be muxed to (`MX8MP_IOMUXC_<PAD>__<FUNCTION>`).
public struct PadFunction: Sendable, Hashable {
  public var name: String
  /// MUX_MODE written to the pad's mux register.
  public var mode: UInt32
  /// Daisy-chain (input select) register offset, 0 for none.
  public var inputReg: UInt32
  public var inputVal: UInt32
}

/// A pad: its mux and pad-control register offsets (relative to the IOMUXC base) and its functions.
public struct Pad: Sendable, Hashable {
  public var name: String
  public var muxReg: UInt32
  public var confReg: UInt32
  public var functions: [PadFunction]

  public func function(_ name: String) -> PadFunction? { functions.first { $0.name == name } }
  /// The functions with this mux mode (several share a mode and differ by daisy input).
  public func functions(mode: UInt32) -> [PadFunction] { functions.filter { $0.mode == mode } }
}

/// A decoded `fsl,pins` entry or `IOMUXC_SetPinMux` call: the pad and the function(s) it selects.
public struct PinSetting: Sendable, Hashable {
  public var pad: Pad
  public var mode: UInt32
  /// Functions of `pad` with exactly this mode and daisy input (usually one).
  public var functions: [PadFunction]
  /// The 6th cell of `fsl,pins` (pad control, with `IMX_PAD_SION` 0x40000000 and `IMX_NO_PAD_CTL` 0x80000000).
  public var config: UInt32?
}

/// The SoC's pad table, generated from the kernel's `<soc>-pinfunc.h` by Scripts/gen-pad-table.py (HMPFacts §9).
public struct PadTable: Sendable {
  public var pads: [Pad]
  public var source: String
  public var headerSHA256: String
  /// Cells per `fsl,pins` entry: 6 (`mux conf input mode input_val config`), or 5 where the pad control shares the
  /// mux register (`mux input mode input_val config`, i.MX 8ULP; HMPFacts §18.6).
  public var pinCells: Int
  private var byName: [String: Int]
  private var byMux: [UInt32: Int]

  public init(pads: [Pad], source: String = "", headerSHA256: String = "", pinCells: Int = 6) {
    self.pads = pads
    self.pinCells = pinCells
    self.source = source
    self.headerSHA256 = headerSHA256
    var byName: [String: Int] = [:]
    var byMux: [UInt32: Int] = [:]
    for (i, p) in pads.enumerated() {
      byName[p.name] = i
      byMux[Self.key(p)] = i
    }
    self.byName = byName
    self.byMux = byMux
  }

  /// The kernel's pin identity: `mux_reg ? mux_reg : conf_reg` (pinctrl-imx.c `pin_id`).
  static func key(_ p: Pad) -> UInt32 { p.muxReg != 0 ? p.muxReg : p.confReg }

  public var functionCount: Int { pads.reduce(0) { $0 + $1.functions.count } }

  public func pad(named name: String) -> Pad? { byName[name].map { pads[$0] } }

  /// The pad whose mux register is at `offset` (relative to the IOMUXC base).
  public func pad(muxReg offset: UInt32) -> Pad? { byMux[offset].map { pads[$0] } }

  /// Decodes one `fsl,pins` entry: `<mux_reg conf_reg input_reg mux_mode input_val config>` (the 5-cell
  /// `PIN_FUNC_ID` plus CONFIG). Nil when no pad has that register; `functions` is empty when the mode/input pair
  /// matches no known function.
  public func decode(fslPins cells: ArraySlice<UInt32>) -> PinSetting? {
    guard cells.count >= 5 else { return nil }
    var c = Array(cells.prefix(pinCells))
    // Five-cell entries share the mux register for the pad control: give them the six-cell layout.
    if pinCells == 5 { c.insert(c[0], at: 1) }
    let id = c[0] != 0 ? c[0] : c[1]
    guard let pad = pad(muxReg: id), c[0] == 0 || pad.confReg == c[1] || c[1] == 0 else { return nil }
    let fs = pad.functions.filter { $0.mode == c[3] && $0.inputReg == c[2] && (c[2] == 0 || $0.inputVal == c[4]) }
    return PinSetting(pad: pad, mode: c[3], functions: fs, config: c.count > 5 ? c[5] : nil)
  }

  /// Decodes a whole `fsl,pins` value (6 cells per pin). Entries of unknown pads are returned as nil.
  public func decode(fslPins cells: [UInt32]) -> [PinSetting?] {
    stride(from: 0, to: cells.count - cells.count % pinCells, by: pinCells).map {
      decode(fslPins: cells[$0..<($0 + pinCells)])
    }
  }

  static func read(_ node: Yams.Node, key: String, reader r: YAMLReader) throws(InputError) -> PadTable {
    let o = try r.object(
      node, key: key, required: ["source", "header-sha256", "pad-count", "function-count", "pads"],
      optional: ["pin-cells"])
    let pinCells = try o.integer("pin-cells", max: 6) ?? 6
    if pinCells != 5 && pinCells != 6 {
      throw r.error(try o.required("pin-cells"), key: o.path("pin-cells"), "must be 5 or 6")
    }
    var pads: [Pad] = []
    var names: Set<String> = []
    var muxes: [UInt32: String] = [:]
    for (name, keyNode, value) in try r.entries(try o.required("pads"), key: o.path("pads")) {
      let pk = YAMLReader.join(o.path("pads"), name)
      let po = try r.object(value, key: pk, required: ["mux-reg", "conf-reg", "functions"])
      let fk = po.path("functions")
      var functions: [PadFunction] = []
      for (fname, _, fv) in try r.entries(try po.required("functions"), key: fk) {
        let fo = try r.object(fv, key: YAMLReader.join(fk, fname), required: ["mode", "input-reg", "input-val"])
        functions.append(
          PadFunction(
            name: fname, mode: UInt32(try fo.requiredInteger("mode", max: 31)),
            inputReg: UInt32(try fo.requiredInteger("input-reg", max: 0xFFFF)),
            inputVal: UInt32(try fo.requiredInteger("input-val", max: 0xFF))))
      }
      let pad = Pad(
        name: name, muxReg: UInt32(try po.requiredInteger("mux-reg", max: 0xFFFF)),
        confReg: UInt32(try po.requiredInteger("conf-reg", max: 0xFFFF)), functions: functions)
      guard names.insert(name).inserted else { throw r.error(keyNode, key: pk, "pad listed twice") }
      if let other = muxes[PadTable.key(pad)] {
        throw r.error(keyNode, key: pk, "same register as pad \(other)")
      }
      muxes[PadTable.key(pad)] = name
      pads.append(pad)
    }
    let table = PadTable(
      pads: pads, source: try o.requiredString("source"), headerSHA256: try o.requiredString("header-sha256"),
      pinCells: Int(pinCells))
    let padCount = try o.requiredInt("pad-count")
    if padCount != pads.count {
      throw r.error(
        try o.required("pad-count"), key: o.path("pad-count"), "says \(padCount), the table has \(pads.count) pads")
    }
    let functionCount = try o.requiredInt("function-count")
    if functionCount != table.functionCount {
      throw r.error(
        try o.required("function-count"), key: o.path("function-count"),
        "says \(functionCount), the table has \(table.functionCount) functions")
    }
    return table
  }
}
