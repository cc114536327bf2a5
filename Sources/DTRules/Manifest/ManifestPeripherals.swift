import DTCore
import Foundation
import Yams

/// The part of an M7 manifest (schemas/m7-manifest.schema.json) that `dtlint diff --hmp --m7` needs: the
/// peripherals the firmware owns and the pads it names. A minimal reader until the HMP module reads whole manifests: other keys are left alone
/// (not validated).
public struct ManifestPeripherals: Sendable, Equatable {
  /// Labels, node paths or unit addresses, as written.
  public var peripherals: [String] = []
  /// `pins: pads:` (pad names such as `UART4_RXD`).
  public var pads: [String] = []

  public init(peripherals: [String] = [], pads: [String] = []) {
    self.peripherals = peripherals
    self.pads = pads
  }

  public static func load(path: String) throws(ConfigurationError) -> ManifestPeripherals {
    let bytes: [UInt8]
    do {
      bytes = try SourceManager.readBytes(path: path, limit: 1 << 20)
    } catch {
      throw ConfigurationError(path: path, message: error.reason)
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw ConfigurationError(path: path, message: "not UTF-8 text")
    }
    return try parse(text, path: path)
  }

  public static func parse(_ text: String, path: String) throws(ConfigurationError) -> ManifestPeripherals {
    let root: Yams.Node?
    do {
      // Every scalar stays a string: `0x30a60000` is a unit address, not a number.
      root = try Yams.compose(yaml: text, Resolver.basic)
    } catch let error as YamlError {
      throw ConfigurationError(yaml: error, path: path)
    } catch {
      throw ConfigurationError(path: path, message: "\(error)")
    }
    var out = ManifestPeripherals()
    guard let root else { return out }
    guard case .mapping(let mapping) = root else {
      throw ConfigurationError(path: path, node: root, key: nil, message: "expected a mapping at the top level")
    }
    for (keyNode, value) in mapping {
      switch keyNode.scalar?.string {
      case "peripherals":
        out.peripherals = try strings(value, key: "peripherals", path: path)
      case "pins":
        guard case .mapping(let pins) = value else {
          throw ConfigurationError(path: path, node: value, key: "pins", message: "expected a mapping")
        }
        for (k, v) in pins where k.scalar?.string == "pads" {
          out.pads = try strings(v, key: "pins.pads", path: path)
        }
      default:
        continue
      }
    }
    return out
  }

  private static func strings(_ node: Yams.Node, key: String, path: String) throws(ConfigurationError) -> [String] {
    switch node {
    case .scalar(let s):
      return [s.string]
    case .sequence(let seq):
      var out: [String] = []
      for item in seq {
        guard let s = item.scalar?.string, !s.isEmpty else {
          throw ConfigurationError(path: path, node: item, key: key, message: "expected a name, a path or an address")
        }
        out.append(s)
      }
      return out
    default:
      throw ConfigurationError(path: path, node: node, key: key, message: "expected a list of names")
    }
  }
}
