import DTCore
import DTYAML

/// An MCUXpresso SDK pin function macro from `fsl_iomuxc.h`:
/// `#define IOMUXC_<PAD>_<FUNC> muxRegister, muxMode, inputRegister, inputDaisy, configRegister` (absolute addresses,
/// HMPFacts §9).
public struct IOMUXCMacro: Sendable, Hashable {
  public var name: String
  public var muxRegister: UInt64
  public var muxMode: UInt32
  public var inputRegister: UInt64
  public var inputDaisy: UInt32
  public var configRegister: UInt64
  /// Where it is defined.
  public var line: Int
}

/// The pin function macros of an SDK `fsl_iomuxc.h` (other definitions are ignored; one macro naming another is
/// followed).
public struct IOMUXCHeader: Sendable {
  public var path: String
  public var macros: [String: IOMUXCMacro]

  public static func read(path: String) throws(InputError) -> IOMUXCHeader {
    let bytes: [UInt8]
    do {
      bytes = try SourceManager.readBytes(path: path, limit: 16 << 20)
    } catch {
      throw InputError(path: path, message: error.reason)
    }
    return try parse(bytes, path: path)
  }

  public static func parse(_ bytes: [UInt8], path: String) throws(InputError) -> IOMUXCHeader {
    let scan = CScanner(bytes)
    var macros: [String: IOMUXCMacro] = [:]
    var aliases: [(name: String, target: String, line: Int)] = []
    for d in scan.directives {
      guard d.tokens.count >= 3, d.tokens[0].text == "define", d.tokens[1].kind == .identifier else { continue }
      let name = d.tokens[1].text
      let body = d.tokens[2...]
      if let first = body.first, first.text == "(", !first.spaced { continue }  // function-like
      let args = CScanner.arguments(body)
      if args.count == 5 {
        let values = args.map { CScanner.value($0) }
        guard let mux = values[0], let mode = values[1], let input = values[2], let daisy = values[3],
          let conf = values[4], mode <= UInt64(UInt32.max), daisy <= UInt64(UInt32.max)
        else {
          if name.hasPrefix("IOMUXC_") {
            throw InputError(
              path: path, line: d.line, key: name, message: "expected five numbers (mux, mode, input, daisy, config)")
          }
          continue
        }
        macros[name] = IOMUXCMacro(
          name: name, muxRegister: mux, muxMode: UInt32(mode), inputRegister: input, inputDaisy: UInt32(daisy),
          configRegister: conf, line: d.line)
      } else if args.count == 1, args[0].count == 1, args[0][0].kind == .identifier {
        aliases.append((name, args[0][0].text, d.line))
      }
    }
    // `#define IOMUXC_A IOMUXC_B`: follow up to a few levels.
    for _ in 0..<4 {
      for a in aliases where macros[a.name] == nil {
        if var m = macros[a.target] {
          m.name = a.name
          m.line = a.line
          macros[a.name] = m
        }
      }
    }
    return IOMUXCHeader(path: path, macros: macros)
  }
}

/// One `IOMUXC_SetPinMux`/`IOMUXC_SetPinConfig` call of a `pin_mux.c`, resolved to a pad.
public struct PinMuxCall: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case setPinMux = "IOMUXC_SetPinMux"
    case setPinConfig = "IOMUXC_SetPinConfig"
  }
  public var kind: Kind
  public var line: Int
  /// The SDK macro named in the call (nil when the five values were written out).
  public var macro: String?
  public var muxRegister: UInt64
  public var muxMode: UInt32
  public var inputRegister: UInt64
  public var inputDaisy: UInt32
  public var configRegister: UInt64
  public var pad: Pad
  /// The pad functions with this mode and daisy input (Linux names, e.g. `UART4_DCE_RX`).
  public var functions: [PadFunction]
  /// The last argument as written (`0U`, `IOMUXC_SW_PAD_CTL_PAD_DSE(6U) | …`).
  public var argument: String
}

/// The pads an MCUXpresso `pin_mux.c` sets, resolved through the SDK's `fsl_iomuxc.h` and the SoC pad table.
public struct PinMuxFile: Sendable {
  public var path: String
  public var calls: [PinMuxCall]

  /// Pads the file muxes (`IOMUXC_SetPinMux`), in first-call order, without repeats.
  public var muxedPads: [String] {
    var seen: Set<String> = []
    return calls.filter { $0.kind == .setPinMux }.map(\.pad.name).filter { seen.insert($0).inserted }
  }

  /// Pads the file muxes or configures.
  public var touchedPads: [String] {
    var seen: Set<String> = []
    return calls.map(\.pad.name).filter { seen.insert($0).inserted }
  }

  public static func read(path: String, header: IOMUXCHeader, soc: SoCProfile) throws(InputError) -> PinMuxFile {
    let bytes: [UInt8]
    do {
      bytes = try SourceManager.readBytes(path: path, limit: 16 << 20)
    } catch {
      throw InputError(path: path, message: error.reason)
    }
    return try parse(bytes, path: path, header: header, soc: soc)
  }

  public static func parse(_ bytes: [UInt8], path: String, header: IOMUXCHeader, soc: SoCProfile) throws(InputError)
    -> PinMuxFile
  {
    let ts = CScanner(bytes).tokens
    var calls: [PinMuxCall] = []
    var i = 0
    while i < ts.count {
      let t = ts[i]
      guard t.kind == .identifier, let kind = PinMuxCall.Kind(rawValue: t.text), i + 1 < ts.count,
        ts[i + 1].text == "("
      else {
        i += 1
        continue
      }
      // A declaration or definition (`void IOMUXC_SetPinMux(uint32_t muxRegister, …)`) is not a call.
      if i > 0, ts[i - 1].kind == .identifier, ts[i - 1].text != "return" {
        i += 1
        continue
      }
      var depth = 0
      var j = i + 1
      while j < ts.count {
        if ts[j].text == "(" { depth += 1 }
        if ts[j].text == ")" {
          depth -= 1
          if depth == 0 { break }
        }
        j += 1
      }
      guard j < ts.count else {
        throw InputError(path: path, line: t.line, key: t.text, message: "call without a closing parenthesis")
      }
      let args = CScanner.arguments(ts[(i + 2)..<j])
      calls.append(try resolve(kind: kind, args: args, line: t.line, path: path, header: header, soc: soc))
      i = j + 1
    }
    return PinMuxFile(path: path, calls: calls)
  }

  static func resolve(
    kind: PinMuxCall.Kind, args: [[CToken]], line: Int, path: String, header: IOMUXCHeader, soc: SoCProfile
  ) throws(InputError) -> PinMuxCall {
    func fail(_ key: String?, _ message: String) -> InputError {
      InputError(path: path, line: line, key: key, message: message)
    }
    var macroName: String?
    var v: (UInt64, UInt64, UInt64, UInt64, UInt64)
    let rest: [[CToken]]
    if args.count >= 1, args[0].count == 1, args[0][0].kind == .identifier {
      let name = args[0][0].text
      macroName = name
      guard let m = header.macros[name] else {
        throw fail(name, "not a pin function macro of \(header.path)")
      }
      v = (m.muxRegister, UInt64(m.muxMode), m.inputRegister, UInt64(m.inputDaisy), m.configRegister)
      rest = Array(args.dropFirst())
    } else if args.count >= 5, let a = CScanner.value(args[0]), let b = CScanner.value(args[1]),
      let c = CScanner.value(args[2]), let d = CScanner.value(args[3]), let e = CScanner.value(args[4])
    {
      v = (a, b, c, d, e)
      rest = Array(args.dropFirst(5))
    } else {
      throw fail(
        kind.rawValue,
        "cannot read the pin: expected an IOMUXC_… macro or five numbers, found '\(CScanner.text(args.first ?? []))'")
    }
    guard rest.count == 1 else {
      throw fail(macroName ?? kind.rawValue, "expected one argument after the pin function, found \(rest.count)")
    }
    let base = soc.iomuxcBase
    guard v.0 >= base || v.0 == 0, v.4 >= base, v.1 <= 7, v.3 <= UInt64(UInt32.max) else {
      throw fail(
        macroName, "registers \(hex(v.0))/\(hex(v.4)) are not IOMUXC registers of \(soc.name) (base \(hex(base)))")
    }
    let muxOffset = v.0 == 0 ? 0 : v.0 - base
    let confOffset = v.4 - base
    let id = muxOffset != 0 ? muxOffset : confOffset
    guard id <= UInt64(UInt32.max), let pad = soc.pads.pad(muxReg: UInt32(id)) else {
      throw fail(macroName, "no \(soc.name) pad has its mux register at \(hex(v.0))")
    }
    guard UInt64(pad.confReg) == confOffset else {
      throw fail(
        macroName,
        "pad \(pad.name)'s pad control register is \(hex(base + UInt64(pad.confReg))), the call names \(hex(v.4))")
    }
    let inputOffset: UInt64? = v.2 == 0 ? 0 : (v.2 >= base ? v.2 - base : nil)
    let functions = pad.functions.filter {
      UInt64($0.mode) == v.1 && inputOffset == UInt64($0.inputReg) && (v.2 == 0 || UInt64($0.inputVal) == v.3)
    }
    return PinMuxCall(
      kind: kind, line: line, macro: macroName, muxRegister: v.0, muxMode: UInt32(v.1), inputRegister: v.2,
      inputDaisy: UInt32(v.3), configRegister: v.4, pad: pad, functions: functions,
      argument: CScanner.text(rest.first ?? []))
  }
}
