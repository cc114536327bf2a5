import Foundation

extension Tie {
  struct JSONReport: Encodable {
    var version = 1
    var tool: Tool
    var log: String
    var kernel: String
    var kernelAssumed: Bool
    /// The command line the trees were checked under and where it came from (null when none was known).
    var bootargs: Bootargs?
    var trees: [String]
    var lines: Int
    var recognisedLines: Int
    var unrecognisedLines: Int
    var problems: Int
    var messages: [Message]
    var findings: [TreeFinding]
    /// Trees that could not be checked (as in `check --format json`).
    var errors: [InputProblem]
    var kernelSources: [Source]
  }
  struct InputProblem: Encodable {
    var severity: String
    var message: String
    var file: String?
    var line: Int?
    var column: Int?
  }
  struct Source: Encodable {
    var tag: String
    var repository: String
    var path: String
    var commit: String?
  }
  struct Bootargs: Encodable {
    var text: String
    var source: String
  }
  struct Tool: Encodable {
    var name: String
    var version: String
  }
  struct Message: Encodable {
    var id: String
    var severity: String
    var line: Int
    var repeats: [Int]
    var otherValues: [Int]
    var text: String
    var time: String?
    var device: String?
    var summary: String
    var function: String
    var file: String
    var meaning: String
    var sources: [String]
    var values: [String: String]
    var errno: Errno?
    var vring: Vring?
    var txTimeoutMs: Int?
    var causes: [Cause]
    var contradictions: [Contradiction]
  }
  struct Errno: Encodable {
    var value: Int?
    var number: Int
    var name: String
    var text: String
  }
  struct Vring: Encodable {
    var notifyid: Int
    var vdev: Int
    var ring: Int
    var region: String
    var direction: String
    var role: String
    var verified: Bool
  }
  struct Cause: Encodable {
    var text: String
    var status: String
    var source: String?
    var rules: [String]
    var findings: [TreeFinding]
    /// Lines of the log that bear on the cause (the command line, the clock sweep).
    var evidence: [Evidence]
    /// What the log's lines (or their absence) say about the cause.
    var logNotes: [String]
  }
  struct Evidence: Encodable {
    var id: String
    var line: Int
    var text: String
  }
  struct Contradiction: Encodable {
    var rule: String
    var text: String
    var status: String
    var source: String?
    var findings: [TreeFinding]
  }

  /// The JSON report (version 1, Documentation/ExplainLog.md); `toolVersion` is dtlint's.
  public func json(log: String, toolVersion: String) throws -> String {
    let e = explanation
    let messages = e.recognised.map { r in
      Message(
        id: r.message.id, severity: r.message.severity.rawValue, line: r.line.number, repeats: r.repeats,
        otherValues: r.otherValues, text: r.line.text, time: r.line.time, device: r.line.device, summary: r.summary,
        function: r.message.function, file: r.message.file, meaning: r.meaning, sources: r.sources,
        values: r.values,
        errno: r.errno.map { Errno(value: r.errnoValue, number: $0.number, name: $0.name, text: $0.text) },
        vring: r.vring.map {
          Vring(
            notifyid: $0.notifyid, vdev: $0.vdev, ring: $0.ring, region: $0.carveout, direction: $0.direction,
            role: $0.role, verified: $0.verified)
        }, txTimeoutMs: r.txTimeoutMS,
        causes: r.causes.map {
          Cause(
            text: $0.text, status: $0.provenance.status.rawValue, source: $0.provenance.source, rules: $0.rules,
            findings: findings(of: $0.rules),
            evidence: evidence($0).map { Evidence(id: $0.0.message.id, line: $0.1, text: $0.0.line.message) },
            logNotes: missingM4Started($0).map { [$0] } ?? [])
        },
        contradictions: contradictions(of: r).map { x, f in
          Contradiction(
            rule: x.rule, text: x.text, status: x.provenance.status.rawValue, source: x.provenance.source,
            findings: f)
        })
    }
    let report = JSONReport(
      tool: Tool(name: "dtlint", version: toolVersion), log: log, kernel: hmp.kernel.name,
      kernelAssumed: hmp.kernelGiven == nil,
      bootargs: hmp.bootargs.map { Bootargs(text: $0.text, source: $0.source.phrase) }, trees: trees.trees,
      lines: e.lineCount,
      recognisedLines: e.recognisedLines, unrecognisedLines: e.unrecognised, problems: e.problems.count,
      messages: messages, findings: trees.findings,
      errors: trees.errors.map {
        InputProblem(
          severity: $0.severity.rawValue, message: $0.message, file: $0.file, line: $0.line, column: $0.column)
      },
      kernelSources: citedSources.map {
        Source(tag: $0.tag, repository: $0.repository, path: $0.path, commit: $0.commit)
      })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
  }
}
