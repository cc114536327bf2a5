import DTCore
import DTYAML
import Foundation

/// The OpenAMP resource-table settings of a Zephyr build, read from its Kconfig output (`build/zephyr/.config`,
/// manifest `zephyr.config`): what the device tree cannot say (HMPFacts §17).
///
/// Zephyr's `lib/open-amp/resource_table.c` puts one vdev with two vrings into `.resource_table`, each with
/// `num = CONFIG_OPENAMP_RSC_TABLE_NUM_RPMSG_BUFF`, `align = 16` and `da = -1` (allocated by Linux); vring 0's
/// notify ID is `CONFIG_OPENAMP_RSC_TABLE_IPM_RX_ID`, vring 1's `…_IPM_TX_ID`. With 0 buffers there is no vdev.
public struct ZephyrConfig: Sendable, Hashable {
  public var path: String
  /// `CONFIG_OPENAMP_RSC_TABLE=y`.
  public var resourceTable: Bool
  public var bufferCount: UInt64?
  public var bufferCountLine: Int?
  public var ipmRxID: UInt64?
  public var ipmTxID: UInt64?

  /// Zephyr's `VRING_ALIGNMENT` (lib/open-amp/resource_table.h).
  public static let vringAlign: UInt64 = 16

  public static func read(path: String) throws(InputError) -> ZephyrConfig {
    let bytes: [UInt8]
    do {
      bytes = try SourceManager.readBytes(path: path, limit: 8 << 20)
    } catch {
      throw InputError(path: path, message: "cannot read the Zephyr configuration: \(error.reason)")
    }
    return try parse(FileName.decode(bytes), path: path)
  }

  /// `CONFIG_NAME=value` lines; `# CONFIG_NAME is not set` and other comments are skipped.
  public static func parse(_ text: String, path: String) throws(InputError) -> ZephyrConfig {
    var config = ZephyrConfig(path: path, resourceTable: false)
    var sawAssignment = false
    for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      guard line.hasPrefix("CONFIG_"), let eq = line.firstIndex(of: "=") else {
        throw InputError(
          path: path, line: i + 1, message: "expected CONFIG_NAME=value (a Kconfig .config), found '\(line.prefix(60))'"
        )
      }
      sawAssignment = true
      let name = String(line[..<eq])
      let value = String(line[line.index(after: eq)...])
      func number() throws(InputError) -> UInt64 {
        let v = value.hasPrefix("0x") ? UInt64(value.dropFirst(2), radix: 16) : UInt64(value)
        guard let v else {
          throw InputError(path: path, line: i + 1, key: name, message: "expected a number, found '\(value)'")
        }
        return v
      }
      switch name {
      case "CONFIG_OPENAMP_RSC_TABLE": config.resourceTable = value == "y"
      case "CONFIG_OPENAMP_RSC_TABLE_NUM_RPMSG_BUFF":
        config.bufferCount = try number()
        config.bufferCountLine = i + 1
      case "CONFIG_OPENAMP_RSC_TABLE_IPM_RX_ID": config.ipmRxID = try number()
      case "CONFIG_OPENAMP_RSC_TABLE_IPM_TX_ID": config.ipmTxID = try number()
      default: break
      }
    }
    if !sawAssignment {
      throw InputError(path: path, message: "no CONFIG_ assignments: not a Kconfig .config (build/zephyr/.config)")
    }
    return config
  }
}
