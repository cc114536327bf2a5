import Foundation

/// A scratch directory for a test's files, removed when the value goes away.
public final class TestDirectory: @unchecked Sendable {
  public let path: String

  public init(prefix: String = "dtlint-test") {
    let p = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    path = p
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `text` to `name` (subdirectories are created) and returns the full path.
  @discardableResult
  public func write(_ name: String, _ text: String) -> String {
    write(name, bytes: Array(text.utf8))
  }

  @discardableResult
  public func write(_ name: String, bytes: [UInt8]) -> String {
    let full = path + "/" + name
    try? FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: full, contents: Data(bytes))
    return full
  }

  public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }

  /// The directory's entries, sorted.
  public func files() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? [] }
}

/// The shared corpus (`../shared/corpus` beside the package), read in place; tests skip when it is missing.
public enum SharedCorpus {
  public static let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)  // …/Tests/TestSupport/TestSupport.swift
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
  }()
  public static let root = packageRoot + "/../shared/corpus"
  public static var linuxDTS: String { root + "/linux-dts" }
  public static var dtcTests: String { root + "/dtc-tests" }
  /// NXP's lf-5.15.71 HMP trees (`vendor/nxp-lf5.15.71`, see its README).
  public static var vendorNXP515: String { root + "/vendor/nxp-lf5.15.71" }
  public static var vendorAvailable: Bool {
    FileManager.default.fileExists(atPath: vendorNXP515 + "/arch/arm64/boot/dts/freescale/imx8mp-evk-rpmsg.dts")
  }
  public static var available: Bool { linuxAvailable }
  public static var linuxAvailable: Bool {
    FileManager.default.fileExists(atPath: linuxDTS + "/expected/dtc-1.8.1.sha256")
  }
  public static var dtcTestsAvailable: Bool {
    FileManager.default.fileExists(atPath: dtcTests + "/expected/dtc-1.8.1.tsv")
  }
}

/// Removes `↓` markers from example text, returning the text and the UTF-8 offsets where they stood.
public func stripArrowMarkers(_ s: String) -> (text: String, offsets: [Int]) {
  var out: [UInt8] = []
  var marks: [Int] = []
  let marker = Array("↓".utf8)
  let bytes = Array(s.utf8)
  var i = 0
  while i < bytes.count {
    if i + marker.count <= bytes.count && Array(bytes[i..<(i + marker.count)]) == marker {
      marks.append(out.count)
      i += marker.count
    } else {
      out.append(bytes[i])
      i += 1
    }
  }
  return (String(decoding: out, as: UTF8.self), marks)
}

/// Inputs kept from the fuzz harnesses (Tests/Fixtures/fuzz-regressions).
public enum FuzzRegression {
  public static let directory = SharedCorpus.packageRoot + "/Tests/Fixtures/fuzz-regressions"

  /// FuzzOverlay's layout: a 4-byte little-endian base length, the base blob, the overlay blob; nil when the file is
  /// missing or shorter than it says.
  public static func overlayInput(_ name: String) -> (base: [UInt8], overlay: [UInt8])? {
    guard let data = FileManager.default.contents(atPath: directory + "/overlay/" + name), data.count >= 4 else {
      return nil
    }
    let bytes = [UInt8](data)
    let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
    guard n <= bytes.count - 4 else { return nil }
    return (Array(bytes[4..<(4 + n)]), Array(bytes[(4 + n)...]))
  }
}
