import DTYAML
import Synchronization
import Yams

/// How well a fact is established, as Documentation/HMPFacts.md marks it.
public enum FactStatus: String, Sendable, Hashable, CaseIterable {
  /// Read in the code or the device trees (the default).
  case verified
  /// A conclusion drawn from code, not observed.
  case inference
  /// Could not be confirmed.
  case notVerified = "not-verified"
}

/// Where a fact comes from and how sure it is: the `source`, `status` and `note` keys any fact may carry.
public struct Provenance: Sendable, Hashable {
  public var source: String?
  public var status: FactStatus
  public var note: String?
  public init(source: String? = nil, status: FactStatus = .verified, note: String? = nil) {
    self.source = source
    self.status = status
    self.note = note
  }
  /// The keys a fact's mapping may carry for its provenance.
  public static let keys = ["source", "status", "note"]

  static func read(_ o: YAMLObject, inherit: Provenance? = nil) throws(InputError) -> Provenance {
    let status = try o.choice("status", FactStatus.allCases.map(\.rawValue)).flatMap(FactStatus.init(rawValue:))
    return Provenance(
      source: try o.string("source") ?? inherit?.source, status: status ?? .verified, note: try o.string("note"))
  }
}

/// A sourced remark: `text` plus provenance.
public struct FactNote: Sendable, Hashable {
  public var text: String
  public var provenance: Provenance
}

extension FactNote {
  static func readList(_ node: Yams.Node?, key: String, reader r: YAMLReader) throws(InputError) -> [FactNote] {
    guard let node else { return [] }
    var out: [FactNote] = []
    for (i, item) in try r.sequence(node, key: key).enumerated() {
      let o = try r.object(item, key: YAMLReader.join(key, index: i), required: ["text"], optional: Provenance.keys)
      out.append(FactNote(text: try o.requiredString("text"), provenance: try Provenance.read(o)))
    }
    return out
  }
}

/// The bundled knowledge files (`schemas/`, compiled into the binary by Scripts/embed-schemas.py).
public enum KnowledgeBundle {
  /// Paths relative to `schemas/`, sorted.
  public static var paths: [String] { BundledSchemas.files.keys.sorted() }

  /// The text of a bundled file (`soc/imx8mp.yaml`, `m7-manifest.schema.json`).
  public static func text(_ path: String) -> String? { BundledSchemas.files[path] }

  /// The names of the bundled files in a folder (`soc` → `["imx8mp"]`), without `.yaml`.
  public static func names(in folder: String) -> [String] {
    paths.compactMap { p -> String? in
      guard p.hasPrefix(folder + "/"), p.hasSuffix(".yaml") else { return nil }
      let name = p.dropFirst(folder.count + 1).dropLast(".yaml".count)
      return name.contains("/") ? nil : String(name)
    }
  }

  /// How errors name a bundled file.
  static func displayPath(_ relative: String) -> String { "schemas/" + relative }

  /// Parses a bundled YAML file: from its precomposed form (``BundledNodes``, made from Yams' composition of the
  /// same text and checked against it by `PrecomposedKnowledgeTests`) when it is current, else from the text. A
  /// parse error always comes from the text, with its line.
  static func read<T>(_ relative: String, _ parse: (Yams.Node, String) throws(InputError) -> T) throws(InputError)
    -> T
  {
    let path = displayPath(relative)
    guard let text = BundledSchemas.files[relative] else {
      throw InputError(path: path, message: "no such bundled knowledge file")
    }
    let form = BundledNodes.files[relative]
    return try PrecomposedYAML.read(
      form: form?.nodes, sourceHash: form?.source, text: text, path: path, parse: parse)
  }
}

/// Profiles parsed once per process. Profiles are made one at a time: a thread that wants one another thread is
/// reading waits for it instead of parsing it again (two checks of a corpus's first HMP boards parsed the same SoC
/// profile twice, 145 M instructions each).
final class ProfileCache<Value: Sendable>: Sendable {
  private let values = Mutex<[String: Value]>([:])
  private let making = Mutex<Void>(())
  func value(_ key: String, make: () throws(InputError) -> Value) throws(InputError) -> Value {
    if let v = values.withLock({ $0[key] }) { return v }
    return try making.withLock { _ throws(InputError) -> Value in
      if let v = values.withLock({ $0[key] }) { return v }
      let v = try make()
      values.withLock { $0[key] = v }
      return v
    }
  }
}
