import DTCore
import DTLanguageServer
import DTRules
import Foundation
import Testing
import _DTTestSupport

/// `dtlint lsp` driven through its standard input and output, as an editor drives it (issue 21).
@Suite(.enabled(if: CLI.binary != nil, "skipped: the dtlint binary was not built"))
struct LSPTests {
  static let defs = "#define UART_BASE 0x2000\n#define UART_SIZE 0x100\n"
  static let soc = """
    / {
    \t#address-cells = <1>;
    \t#size-cells = <1>;

    \tuart1: serial@2000 {
    \t\tcompatible = "vendor,uart";
    \t\treg = <UART_BASE UART_SIZE>;
    \t\tstatus = "disabled";
    \t};
    };

    """
  static let board = """
    /dts-v1/;
    #include <defs.h>
    #include "soc.dtsi"
    #define BOARD_REV 2

    / {
    \tmodel = "Test board";
    \tcompatible = "vendor,board";
    \trev = <BOARD_REV UART_SIZE>;

    \taliases {
    \t\tserial0 = &uart1;
    \t};

    \tconsumer {
    \t\tuart = <&uart1>;
    \t};

    \ttimer@3000 {
    \t\tcompatible = "vendor,timer";
    \t};
    };

    &uart1 {
    \tstatus = "okay";
    };

    """

  /// A project: `.dtlint.yaml` (include: [include]), `board.dts` including `soc.dtsi` and `include/defs.h`.
  static func project() -> Scratch {
    let s = Scratch()
    s.write(".dtlint.yaml", "include: [include]\n")
    s.write("include/defs.h", defs)
    s.write("soc.dtsi", soc)
    s.write("board.dts", board)
    return s
  }

  static func start(_ s: Scratch, _ args: [String] = []) throws -> LSPClient {
    let c = try LSPClient(args, cwd: s.path, log: s.path + "/../\(URL(fileURLWithPath: s.path).lastPathComponent).log")
    _ = try c.initialize(root: s.path)
    return c
  }

  static func codes(_ ds: [JSONValue]) -> [String] { ds.compactMap { $0["code"]?.stringValue } }

  @Test func initializeAnnouncesTheFeaturesAndShutdownExitsZero() throws {
    let s = Self.project()
    let c = try LSPClient([], cwd: s.path, log: s.path + ".log")
    defer { try? FileManager.default.removeItem(atPath: s.path + ".log") }
    // Nothing but initialize before initialize.
    let early = try c.request("textDocument/hover", .object([:]))
    #expect(early["error"]?["code"]?.intValue == -32002, "\(early.compact())")
    let r = try c.initialize(root: s.path)
    let caps = try #require(r["result"]?["capabilities"])
    #expect(caps["textDocumentSync"]?["change"]?.intValue == 2)
    for key in [
      "definitionProvider", "referencesProvider", "hoverProvider", "documentSymbolProvider", "completionProvider",
      "codeActionProvider",
    ] {
      #expect(caps[key] != nil, "\(key) missing")
    }
    #expect(caps["completionProvider"]?["triggerCharacters"] == .array([.string("&")]))
    #expect(r["result"]?["serverInfo"]?["name"]?.stringValue == "dtlint")
    #expect(try c.finish() == 0)
    // The project is as it was: the server writes nothing.
    #expect(s.files() == [".dtlint.yaml", "board.dts", "include", "soc.dtsi"])
  }

  @Test func garbageIsAnsweredWithErrorsAndTheServerGoesOn() throws {
    let s = Self.project()
    let c = try Self.start(s)
    func nextError() throws -> JSONValue {
      while true {
        let m = try c.next(waitingFor: "an error response")
        if m["error"] != nil { return m }
      }
    }
    // A body that is not JSON.
    c.raw(Array("Content-Length: 9\r\n\r\n{\"a\": 1,,".utf8))
    var e = try nextError()
    #expect(e["error"]?["code"]?.intValue == -32700)
    #expect(e["id"] == .null)
    // A header without Content-Length, then bytes that are no header at all, then invalid UTF-8 in a string.
    c.raw(Array("Content-Type: x\r\n\r\n".utf8))
    #expect(try nextError()["error"]?["code"]?.intValue == -32700)
    c.raw(Array("\u{1}\u{2}garbage{}".utf8))
    #expect(try nextError()["error"]?["code"]?.intValue == -32700)
    c.raw(Array("Content-Length: 4\r\n\r\n".utf8) + [0x22, 0xFF, 0xFE, 0x22])
    #expect(try nextError()["error"]?["code"]?.intValue == -32700)
    // JSON that is not a request.
    c.send(.array([.int(1)]))
    #expect(try nextError()["error"]?["code"]?.intValue == -32600)
    c.send(.object(["jsonrpc": .string("2.0"), "id": .array([]), "method": .string("x")]))
    #expect(try nextError()["error"]?["code"]?.intValue == -32600)
    // Deep nesting is refused, not recursed into.
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    c.raw(Array("Content-Length: \(deep.utf8.count)\r\n\r\n\(deep)".utf8))
    e = try nextError()
    #expect(e["error"]?["code"]?.intValue == -32700)
    #expect(e["error"]?["message"]?.stringValue?.contains("nested") == true, "\(e.compact())")
    // Unknown methods and missing parameters.
    #expect(try c.request("no/such/method")["error"]?["code"]?.intValue == -32601)
    #expect(try c.request("textDocument/hover", .object([:]))["error"]?["code"]?.intValue == -32602)
    let badURI = try c.request(
      "textDocument/definition",
      .object([
        "textDocument": .object(["uri": .string("http://x/y.dts")]),
        "position": .object(["line": .int(0), "character": .int(0)]),
      ]))
    #expect(badURI["error"]?["code"]?.intValue == -32602)
    // Still serving: a document opened after all that is checked.
    try c.open(s.path + "/board.dts")
    #expect(Self.codes(try c.diagnostics(for: s.path + "/board.dts")) == ["unit_address_vs_reg"])
    #expect(try c.finish() == 0)
  }

  /// Characters are UTF-16 code units: `é` is one, `😀` two, though they are two and four bytes.
  @Test func positionsCountUTF16CodeUnits() throws {
    let s = Self.project()
    let c = try Self.start(s)
    let f = s.write("utf.dts", "/dts-v1/;\n/ { /* é😀 */ n@1 { }; };\n")
    try c.open(f)
    let ds = try c.diagnostics(for: f)
    #expect(Self.codes(ds) == ["unit_address_vs_reg"])
    #expect(ds.first?["range"]?.start == "1:14")
    #expect(ds.first?["range"]?["end"]?["character"]?.intValue == 17)
    // A position inside the node name maps back to the right byte.
    let h = try c.at("hover", f, line: 1, character: 15)
    #expect(h["contents"]?["value"]?.stringValue?.contains("`/n@1`") == true, "\(h.compact())")
    #expect(try c.finish() == 0)
  }

  /// Every edit leaves the old text's lexed form in the cache; after enough of them a new cache generation starts.
  /// The open documents' unsaved text carries over.
  @Test func aLongEditingSessionStartsANewCacheGeneration() throws {
    let s = Self.project()
    let c = try Self.start(s)
    let board = s.path + "/board.dts"
    let soc = s.path + "/soc.dtsi"
    try c.open(soc, text: Self.soc.replacingOccurrences(of: "\tuart1:", with: "\tspare: spare { };\n\tuart1:"))
    _ = try c.diagnostics(for: soc)
    // 3 MB of comment, four times: more than a generation holds.
    let padding = "/*" + String(repeating: "padding ", count: 3 << 17) + "*/\n"
    let text = padding + Self.board + "&spare { status = \"okay\"; };\n"
    try c.open(board, text: text)
    for v in 2...4 {
      c.change(board, text: text, version: v)
      let ds = try c.diagnostics(for: board, version: v)
      #expect(Self.codes(ds) == ["unit_address_vs_reg"], "\(v): \(ds)")
      #expect(ds.first?["range"]?.start == "19:1", "\(v)")
    }
    #expect(try c.finish() == 0)
    #expect(c.log.contains("starting a new cache generation"), "\(c.log)")
  }

  @Test func badSwitchesAreUsageErrorsBeforeServing() throws {
    let s = Self.project()
    for (args, says) in [
      (["--enable", "no_such_rule"], "unknown rule 'no_such_rule'"), (["--kernel", "bogus"], "bogus"),
      (["--config", "missing.yaml"], "missing.yaml"),
    ] {
      let r = try CLI.run(["lsp"] + args, cwd: s.path, input: [])
      #expect(r.status == 64, "\(args): \(r.stderr)")
      #expect(r.stderr.hasPrefix("error: ") && r.stderr.contains(says), "\(args): \(r.stderr)")
      #expect(r.stdout.isEmpty)
    }
    // A .dtlint.yaml that does not load is not one: the documents under it say so (see below).
    s.write(".dtlint.yaml", "kernal: x\n")
    let r = try CLI.run(["lsp"], cwd: s.path, input: [])
    #expect(r.status == 1, "the input ended without shutdown: \(r.stderr)")
  }

  @Test func exitWithoutShutdownIsStatusOne() throws {
    let s = Self.project()
    let c = try Self.start(s)
    c.notify("exit", .null)
    #expect(c.waitForExit() == 1)
  }

  @Test func diagnosticsComeFromTheEditorsTextWithCodesRangesAndRelatedInformation() throws {
    let s = Self.project()
    let c = try Self.start(s)
    let board = s.path + "/board.dts"
    try c.open(board)
    var ds = try c.diagnostics(for: board)
    #expect(ds.count == 1)
    let d = try #require(ds.first)
    #expect(d["code"]?.stringValue == "unit_address_vs_reg")
    #expect(d["source"]?.stringValue == "dtlint")
    #expect(d["severity"]?.intValue == 2)
    #expect(d["range"]?.start == "18:1")
    #expect(d["range"]?["end"]?["character"]?.intValue == 11)
    #expect(d["message"]?.stringValue == "node has a unit name, but no reg or ranges property")

    // Unsaved text: the fix clears the finding, a duplicate label brings an error with its note.
    var text = Self.board.replacingOccurrences(of: "timer@3000 {", with: "timer {")
    c.change(board, text: text, version: 2)
    ds = try c.diagnostics(for: board)
    #expect(ds.isEmpty, "\(ds)")
    text = text.replacingOccurrences(of: "\tconsumer {", with: "\tuart1: consumer {")
    c.change(board, text: text, version: 3)
    ds = try c.diagnostics(for: board)
    #expect(Self.codes(ds) == ["duplicate_label"])
    #expect(ds.first?["severity"]?.intValue == 1)
    let related = try #require(ds.first?["relatedInformation"]?.arrayValue?.first)
    #expect(related["location"]?["uri"]?.stringValue == LSPClient.uri(s.path + "/soc.dtsi"))
    #expect(related["location"]?["range"]?.start == "4:20")
    // Incremental changes are applied where they are made.
    c.insert(board, "// a comment\n", line: 0, character: 0, version: 4)
    ds = try c.diagnostics(for: board)
    #expect(Self.codes(ds) == ["duplicate_label"])
    #expect(ds.first?["range"]?.start == "15:17", "\(ds)")
    // The file on disk was never touched.
    #expect(try String(contentsOfFile: board, encoding: .utf8) == Self.board)
    #expect(try c.finish() == 0)
  }

  @Test func findingsArePublishedWhereTheyAreAndClearedWhenGone() throws {
    let s = Self.project()
    let c = try Self.start(s)
    let board = s.path + "/board.dts"
    let soc = s.path + "/soc.dtsi"
    // A problem in the included .dtsi, made by the board: published to the .dtsi's URI.
    let text = Self.board.replacingOccurrences(
      of: "&uart1 {\n\tstatus = \"okay\";", with: "&uart1 {\n\tstatus = \"okay\";\n\t/delete-property/ reg;")
    try c.open(board, text: text)
    var ds = try c.diagnostics(for: soc)
    #expect(Self.codes(ds) == ["unit_address_vs_reg"], "\(ds)")
    #expect(ds.first?["range"]?.start == "4:8")
    c.change(board, text: Self.board, version: 2)
    ds = try c.diagnostics(for: soc)
    #expect(ds.isEmpty, "stale diagnostics must be cleared: \(ds)")
    // Another program changes the .dtsi on disk: noticed at the next edit.
    s.write("soc.dtsi", Self.soc.replacingOccurrences(of: "\t\treg = <UART_BASE UART_SIZE>;\n", with: ""))
    c.change(board, text: Self.board, version: 3)
    ds = try c.diagnostics(for: soc)
    #expect(Self.codes(ds) == ["unit_address_vs_reg"], "\(ds)")
    #expect(try c.finish() == 0)
  }

  @Test func aDtsiIsCheckedThroughTheTreesThatIncludeItWithItsUnsavedText() throws {
    let s = Self.project()
    let c = try Self.start(s)
    let board = s.path + "/board.dts"
    let soc = s.path + "/soc.dtsi"
    // Not open, board.dts is found by the includer index; the .dtsi's unsaved text is what it reads.
    let broken = Self.soc.replacingOccurrences(of: "\t\treg = <UART_BASE UART_SIZE>;\n", with: "")
    try c.open(soc, text: broken)
    var ds = try c.diagnostics(for: soc)
    #expect(Self.codes(ds) == ["unit_address_vs_reg"], "\(ds)")
    #expect(ds.first?["range"]?.start == "4:8")
    // With board.dts open too, a label the unsaved .dtsi adds is found by the board.
    try c.open(board, text: Self.board + "&newlabel { status = \"okay\"; };\n")
    ds = try c.diagnostics(for: board, version: 1)
    #expect(ds.contains { $0["message"]?.stringValue?.contains("newlabel") == true }, "\(ds)")
    c.change(
      soc, text: Self.soc.replacingOccurrences(of: "\tuart1:", with: "\tnewlabel: spare { };\n\tuart1:"), version: 2)
    ds = try c.diagnostics(for: board)
    #expect(!ds.contains { $0["message"]?.stringValue?.contains("newlabel") == true }, "\(ds)")
    // Closed, the .dtsi is read from disk again: the label is gone.
    c.notify("textDocument/didClose", .object(["textDocument": .object(["uri": .string(LSPClient.uri(soc))])]))
    ds = try c.diagnostics(for: board)
    #expect(ds.contains { $0["message"]?.stringValue?.contains("newlabel") == true }, "\(ds)")
    // A .dtsi no tree includes is not checked, and says so.
    let orphan = s.write("orphan.dtsi", "&nowhere { status = \"okay\"; };\n")
    try c.open(orphan)
    ds = try c.diagnostics(for: orphan)
    #expect(ds.count == 1)
    #expect(ds.first?["message"]?.stringValue?.contains("no .dts or .dtso under the project includes") == true)
    #expect(ds.first?["severity"]?.intValue == 3)
    #expect(try c.finish() == 0)
  }

  @Test func aMissingIncludeIsADiagnosticAtItsLine() throws {
    let s = Self.project()
    let c = try Self.start(s)
    let bad = s.write("bad.dts", "/dts-v1/;\n#include \"nowhere.dtsi\"\n/ { };\n")
    try c.open(bad)
    let ds = try c.diagnostics(for: bad)
    let d = try #require(ds.first { $0["code"]?.stringValue == "preprocessor" })
    #expect(d["severity"]?.intValue == 1)
    #expect(d["range"]?.start == "1:0")
    #expect(d["message"]?.stringValue?.contains("'nowhere.dtsi' not found") == true, "\(d.compact())")
    // Missing further down: the board says it was not checked, at the #include that leads there.
    s.write("middle.dtsi", "/ {\n};\n#include \"gone.h\"\n")
    let top = s.write("top.dts", "/dts-v1/;\n\n#include \"middle.dtsi\"\n")
    try c.open(top)
    let atTop = try c.diagnostics(for: top)
    #expect(Self.codes(atTop) == ["input"], "\(atTop)")
    #expect(atTop.first?["range"]?.start == "2:0")
    #expect(atTop.first?["message"]?.stringValue?.hasPrefix("not checked: 'gone.h' not found") == true, "\(atTop)")
    #expect(atTop.first?["message"]?.stringValue?.hasSuffix("middle.dtsi:3)") == true, "\(atTop)")
    let inMiddle = try c.diagnostics(for: s.path + "/middle.dtsi")
    #expect(inMiddle.first?["range"]?.start == "2:0", "\(inMiddle)")
    #expect(try c.finish() == 0)
  }

  @Test func aConfigurationThatCannotBeUsedIsShownInItsFile() throws {
    let s = Self.project()
    s.write(".dtlint.yaml", "include: [include]\nkernal: nxp-6\n")
    let c = try Self.start(s)
    let board = s.path + "/board.dts"
    try c.open(board)
    var ds = try c.diagnostics(for: board)
    #expect(ds.first?["message"]?.stringValue?.hasPrefix("not checked:") == true, "\(ds)")
    ds = try c.diagnostics(for: s.path + "/.dtlint.yaml")
    #expect(ds.first?["code"]?.stringValue == "configuration")
    #expect(ds.first?["range"]?.start == "1:0")
    #expect(ds.first?["message"]?.stringValue?.contains("unknown key") == true, "\(ds)")
    // Fixed and saved: checked again with it.
    s.write(".dtlint.yaml", "include: [include]\n")
    c.notify(
      "textDocument/didSave",
      .object(["textDocument": .object(["uri": .string(LSPClient.uri(s.path + "/.dtlint.yaml"))])]))
    ds = try c.diagnostics(for: board)
    #expect(Self.codes(ds) == ["unit_address_vs_reg"], "\(ds)")
    #expect(try c.finish() == 0)
  }

  @Test func definitionReferencesHoverSymbolsAndCompletion() throws {
    let s = Self.project()
    let c = try Self.start(s)
    let board = s.path + "/board.dts"
    let soc = LSPClient.uri(s.path + "/soc.dtsi")
    try c.open(board)
    _ = try c.diagnostics(for: board)

    // &uart1 (a block), <&uart1> (a phandle) and &uart1 (a path) lead to the label in soc.dtsi.
    for (line, character) in [(23, 2), (15, 12), (11, 14)] {
      let r = try c.at("definition", board, line: line, character: character)
      let l = try #require(r.arrayValue?.first, "\(line):\(character): \(r.compact())")
      #expect(l["uri"]?.stringValue == soc)
      #expect(l["range"]?.start == "4:1", "\(line):\(character)")
    }
    // Include paths lead to the files, "…" next to the board, <…> in the include directory.
    var r = try c.at("definition", board, line: 2, character: 12)
    #expect(r.arrayValue?.first?["uri"]?.stringValue == soc)
    r = try c.at("definition", board, line: 1, character: 11)
    #expect(r.arrayValue?.first?["uri"]?.stringValue == LSPClient.uri(s.path + "/include/defs.h"))
    // dtc's /include/ too.
    s.write("plain.dtsi", "/ { plain; };\n")
    let raw = s.write("raw.dts", "/dts-v1/;\n/include/ \"plain.dtsi\"\n/ { };\n")
    try c.open(raw)
    _ = try c.diagnostics(for: raw)
    r = try c.at("definition", raw, line: 1, character: 12)
    #expect(r.arrayValue?.first?["uri"]?.stringValue == LSPClient.uri(s.path + "/plain.dtsi"), "\(r.compact())")
    // Macros lead to their #define, here and in the header.
    r = try c.at("definition", board, line: 8, character: 10)
    #expect(r.arrayValue?.first?["uri"]?.stringValue == LSPClient.uri(board))
    #expect(r.arrayValue?.first?["range"]?.start == "3:8")
    r = try c.at("definition", board, line: 8, character: 22)
    #expect(r.arrayValue?.first?["uri"]?.stringValue == LSPClient.uri(s.path + "/include/defs.h"))
    #expect(r.arrayValue?.first?["range"]?.start == "1:8")

    // References of the label: its definition and the three uses.
    r = try c.at(
      "references", board, line: 15, character: 12, extra: ["context": .object(["includeDeclaration": .bool(true)])])
    let refs = (r.arrayValue ?? []).map {
      "\($0["uri"]?.stringValue == soc ? "soc" : "board")@\($0["range"]?.start ?? "")"
    }
    #expect(Set(refs) == ["soc@4:1", "board@11:12", "board@15:10", "board@23:0"], "\(refs)")

    // Hover on a property: the merged value and every place that set it.
    r = try c.at("hover", board, line: 24, character: 3)
    var hover = r["contents"]?["value"]?.stringValue ?? ""
    #expect(hover.contains("status = \"okay\";"), "\(hover)")
    #expect(hover.contains("soc.dtsi:8 `status = \"disabled\";`"), "\(hover)")
    #expect(hover.contains("board.dts:25 `status = \"okay\";`"), "\(hover)")
    #expect(r["range"]?.start == "24:1")
    // On a node: where it was defined and extended, and its merged properties with their origins.
    r = try c.at("hover", board, line: 23, character: 2)
    hover = r["contents"]?["value"]?.stringValue ?? ""
    #expect(hover.contains("**serial@2000** `/serial@2000` — labels: `uart1`"), "\(hover)")
    #expect(hover.contains("- soc.dtsi:5 `serial@2000`"), "\(hover)")
    #expect(hover.contains("- board.dts:24 `&uart1`"), "\(hover)")
    #expect(hover.contains("reg = <0x2000 0x100>;  // soc.dtsi:7"), "\(hover)")
    // On a macro: its definition.
    r = try c.at("hover", board, line: 8, character: 22)
    #expect(r["contents"]?["value"]?.stringValue?.contains("#define UART_SIZE 0x100") == true, "\(r.compact())")

    // Symbols: the node tree as the document writes it.
    r =
      try c.request(
        "textDocument/documentSymbol", .object(["textDocument": .object(["uri": .string(LSPClient.uri(board))])]))[
        "result"]
      ?? .null
    let top = r.arrayValue ?? []
    #expect(top.compactMap { $0["name"]?.stringValue } == ["/", "&uart1"])
    let rootChildren = top.first?["children"]?.arrayValue ?? []
    #expect(
      rootChildren.compactMap { $0["name"]?.stringValue } == [
        "model", "compatible", "rev", "aliases", "consumer", "timer@3000",
      ])
    #expect(rootChildren.last?["detail"]?.stringValue == "/timer@3000")
    #expect(rootChildren.last?["range"]?.start == "18:1")
    #expect(top.last?["detail"]?.stringValue == "/serial@2000")

    // Deletions are not definitions: `/delete-node/ a;` is no property `a`.
    let del = s.write("del.dts", "/dts-v1/;\n/ {\n\ta { };\n\t/delete-node/ a;\n\tb;\n\t/delete-property/ b;\n};\n")
    try c.open(del)
    _ = try c.diagnostics(for: del)
    r =
      try c.request(
        "textDocument/documentSymbol", .object(["textDocument": .object(["uri": .string(LSPClient.uri(del))])]))[
        "result"]
      ?? .null
    let delChildren = r.arrayValue?.first?["children"]?.arrayValue ?? []
    #expect(delChildren.compactMap { $0["name"]?.stringValue } == ["b", "b", "a"], "\(r.compact())")
    #expect(delChildren.compactMap { $0["detail"]?.stringValue } == ["deleted", "/a"], "\(r.compact())")

    // Completion: labels after '&', property names where a property starts.
    c.insert(board, "\tx = <&", line: 22, character: 0, version: 2)
    r = try c.at("completion", board, line: 22, character: 7)
    let labels = (r["items"]?.arrayValue ?? []).compactMap { $0["label"]?.stringValue }
    #expect(labels == ["uart1"], "\(r.compact())")
    #expect(r["items"]?.arrayValue?.first?["detail"]?.stringValue == "/serial@2000")
    c.insert(board, "\n\tsta", line: 24, character: 17, version: 3)
    r = try c.at("completion", board, line: 25, character: 4)
    let names = (r["items"]?.arrayValue ?? []).compactMap { $0["label"]?.stringValue }
    #expect(names.contains("status") && names.contains("compatible") && names.contains("#address-cells"), "\(names)")
    #expect(try c.finish() == 0)
  }

  @Test func fixItsAreQuickFixes() throws {
    let s = Self.project()
    let c = try Self.start(s)
    let board = s.path + "/board.dts"
    let text = Self.board.replacingOccurrences(of: "\"Test board\";", with: "\"Test board\"")
    try c.open(board, text: text)
    let ds = try c.diagnostics(for: board)
    let d = try #require(ds.first { $0["code"]?.stringValue == "syntax" })
    #expect(d["range"]?.start == "6:21")
    let r = try c.request(
      "textDocument/codeAction",
      .object([
        "textDocument": .object(["uri": .string(LSPClient.uri(board))]),
        "range": .object([
          "start": .object(["line": .int(6), "character": .int(21)]),
          "end": .object(["line": .int(6), "character": .int(21)]),
        ]),
        "context": .object(["diagnostics": .array([d])]),
      ]))["result"]
    let action = try #require(r?.arrayValue?.first)
    #expect(action["title"]?.stringValue == "insert ';'")
    #expect(action["kind"]?.stringValue == "quickfix")
    #expect(action["diagnostics"]?.arrayValue?.first?["code"]?.stringValue == "syntax")
    let edits = action["edit"]?["changes"]?[LSPClient.uri(board)]?.arrayValue ?? []
    #expect(edits.count == 1)
    #expect(edits.first?["newText"]?.stringValue == ";")
    #expect(edits.first?["range"]?.start == "6:21")
    #expect(try c.finish() == 0)
  }

  /// The bundled example's vendor overlay, checked against its base as `check` does when `.dtlint.yaml` sets it:
  /// the HMP finding, its fix-it (the edit `hmp fix` makes), and the rule's rationale in the hover.
  @Test func anOverlayIsCheckedAgainstTheConfiguredBase() throws {
    let s = Scratch()
    let example = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom"
    for f in ["imx8mp-example.dtsi", "vendor/base.dts", "vendor/hmp.dtso", "include/dt-bindings/example-soc.h"] {
      s.write(f, try String(contentsOfFile: example + "/" + f, encoding: .utf8))
    }
    s.write(".dtlint.yaml", "include: [include]\nbase: vendor/base.dts\n")
    let c = try Self.start(s)
    let overlay = s.path + "/vendor/hmp.dtso"
    try c.open(overlay)
    let ds = try c.diagnostics(for: overlay)
    let d = try #require(ds.first { $0["code"]?.stringValue == "hmp_rsc_table_name" }, "\(ds)")
    let line = try #require(d["range"]?["start"]?["line"]?.intValue)
    let character = try #require(d["range"]?["start"]?["character"]?.intValue)
    let lines = try String(contentsOfFile: overlay, encoding: .utf8).split(
      separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[line].contains("rsc_table: rsc_table@550ff000"))

    let position = JSONValue.object(["line": .int(line), "character": .int(character)])
    let actions =
      try c.request(
        "textDocument/codeAction",
        .object([
          "textDocument": .object(["uri": .string(LSPClient.uri(overlay))]),
          "range": .object(["start": position, "end": position]), "context": .object(["diagnostics": .array([])]),
        ]))["result"]?.arrayValue ?? []
    let fix = try #require(actions.first { $0["title"]?.stringValue == "rename to 'rsc-table@550ff000'" })
    let edit = try #require(fix["edit"]?["changes"]?[LSPClient.uri(overlay)]?.arrayValue?.first)
    #expect(edit["newText"]?.stringValue == "rsc-table")

    // Hover on the region: the merged node (base and overlay) and why the rule fired.
    let hover =
      try c.at("hover", overlay, line: line, character: character + 3)["contents"]?["value"]?.stringValue ?? ""
    #expect(hover.contains("`/reserved-memory/rsc_table@550ff000`"), "\(hover)")
    #expect(hover.contains("**hmp_rsc_table_name**"), "\(hover)")
    #expect(hover.contains("**Why `hmp_rsc_table_name`**"), "\(hover)")
    let rationale = try #require(RuleRegistry.shared.description("hmp_rsc_table_name")?.rationale)
    #expect(hover.contains(rationale))
    // &resmem leads into the base's .dtsi, and its hover merges the base's properties with the overlay's nodes.
    let resmem = try #require(lines.firstIndex { $0.hasPrefix("&resmem") })
    let def = try c.at("definition", overlay, line: resmem, character: 2)
    #expect(def.arrayValue?.first?["uri"]?.stringValue == LSPClient.uri(s.path + "/imx8mp-example.dtsi"))
    let node = try c.at("hover", overlay, line: resmem, character: 2)["contents"]?["value"]?.stringValue ?? ""
    #expect(node.contains("imx8mp-example.dtsi:"), "\(node)")
    #expect(node.contains("hmp.dtso:\(resmem + 1) `&resmem`"), "\(node)")
    #expect(try c.finish() == 0)
  }

  /// The bundled example board with its M7 manifest (options on the server's command line, relative to where the
  /// editor starts it): exactly the findings `check` reports, at the same places, with the same notes; and a
  /// kernel flavor set in `.dtlint.yaml` changes them as it changes `check`'s.
  @Test func theFindingsAreChecksFindings() throws {
    let s = try GuideTests.exampleCopy()
    let dir = s.path + "/Examples/verdin-imx8mp-custom"
    func fromCheck() throws -> [String: Set<String>] {
      let r = try CLI.run(["check", "board.dts", "-I", "include", "--m7", "m7.yaml", "--format", "json"], cwd: dir)
      let report = try JSONReader.parse(Array(r.stdout.utf8))
      var out: [String: Set<String>] = [:]
      for f in report["findings"]?.arrayValue ?? [] {
        let file = PathDisplay.absolute(f["file"]?.stringValue ?? "?", in: dir)
        let at = [f["line"], f["column"], f["endLine"], f["endColumn"]].map { String(($0?.intValue ?? 0) - 1) }
        let notes = f["notes"]?.arrayValue?.count ?? 0
        out[file, default: []].insert("\(f["rule"]?.stringValue ?? "?")@\(at.joined(separator: ":")) notes \(notes)")
      }
      return out
    }
    func fromServer(_ c: LSPClient, _ file: String, version: Int? = nil) throws -> Set<String> {
      Set(
        try c.diagnostics(for: file, version: version).map { d in
          let r = d["range"] ?? .null
          let at = [r["start"]?["line"], r["start"]?["character"], r["end"]?["line"], r["end"]?["character"]]
            .map { String($0?.intValue ?? -1) }
          let notes = d["relatedInformation"]?.arrayValue?.count ?? 0
          return "\(d["code"]?.stringValue ?? "?")@\(at.joined(separator: ":")) notes \(notes)"
        })
    }
    let expected = try fromCheck()
    #expect(expected[dir + "/board.dts"]?.count ?? 0 >= 4, "\(expected)")
    let c = try LSPClient(["-I", "include", "--m7", "m7.yaml"], cwd: dir, log: s.path + "/server.log")
    _ = try c.initialize(root: dir)
    let board = dir + "/board.dts"
    try c.open(board)
    #expect(try fromServer(c, board, version: 1) == expected[board], "\(c.log)")
    // kernel: toradex-bsp6 names the region as the board does: that finding goes, in both.
    s.write("Examples/verdin-imx8mp-custom/.dtlint.yaml", "kernel: toradex-bsp6\n")
    c.notify(
      "textDocument/didSave", .object(["textDocument": .object(["uri": .string(LSPClient.uri(dir + "/.dtlint.yaml"))])])
    )
    let after = try fromCheck()
    #expect(after[board] != expected[board])
    #expect(try fromServer(c, board, version: 1) == after[board])
    #expect(try c.finish() == 0)
  }

  /// The editing loop on the bundled Verdin board: a re-check after the first, from the server's log.
  @Test func reCheckingTheVerdinBoardIsFast() throws {
    let example = SharedCorpus.packageRoot + "/Examples/verdin-imx8mp-custom"
    let times = try Self.recheckTimes(
      open: example + "/board.dts", args: ["-I", example + "/include"], cwd: example)
    print("dtlint lsp: Verdin example board re-check times (ms): \(times)")
    // Debug builds are slow; the bound is for the regression, the numbers are in the report.
    #expect(times.dropFirst().allSatisfy { $0 < 1000 }, "\(times)")
  }

  @Test(.enabled(if: SharedCorpus.linuxAvailable, "skipped: ../shared/corpus/linux-dts not found beside the package"))
  func reCheckingTheKernelsVerdinBoardIsFast() throws {
    let root = SharedCorpus.linuxDTS
    let dir = root + "/src/arm64/freescale"
    let times = try Self.recheckTimes(
      open: PathDisplay.normalize(dir + "/imx8mp-verdin-nonwifi-dev.dts"),
      args: ["-I", root + "/include", "-I", dir, "-I", root + "/src"], cwd: dir)
    print("dtlint lsp: imx8mp-verdin-nonwifi-dev.dts re-check times (ms): \(times)")
    #expect(times.dropFirst().allSatisfy { $0 < 2000 }, "\(times)")
  }

  /// Opens `path`, makes five edits, and returns the check times the server logged (the first check first).
  static func recheckTimes(open path: String, args: [String], cwd: String) throws -> [Double] {
    let s = Scratch()
    let c = try LSPClient(args, cwd: cwd, log: s.path + "/server.log")
    _ = try c.initialize(root: cwd)
    try c.open(path)
    _ = try c.diagnostics(for: path)
    for v in 2...6 {
      c.insert(path, "// edit \(v)\n", line: 0, character: 0, version: v)
      _ = try c.diagnostics(for: path)
    }
    #expect(try c.finish() == 0)
    // "checked PATH in 12.3 ms (…)"
    return c.log.split(separator: "\n").compactMap { line -> Double? in
      guard let r = line.range(of: " in "), line.contains("checked \(path)") else { return nil }
      return Double(line[r.upperBound...].prefix { $0 != " " })
    }
  }

  /// Neovim's built-in LSP client, headless, set up with the `init.lua` of Documentation/Editors.md: it starts the
  /// server on a board, and a script waits for the diagnostics and writes them (and a definition) to a file.
  @Test(.enabled(if: LSPTests.nvim != nil, "skipped: nvim not installed (apt-get install neovim)"))
  func neovimsClientShowsTheDiagnostics() throws {
    let s = Self.project()
    let home = Scratch()
    let guide = try String(contentsOfFile: SharedCorpus.packageRoot + "/Documentation/Editors.md", encoding: .utf8)
    let start = try #require(guide.range(of: "```lua\n"), "Editors.md lost its Neovim configuration")
    let end = try #require(guide.range(of: "```", range: start.upperBound..<guide.endIndex))
    let initLua = home.write("init.lua", String(guide[start.upperBound..<end.lowerBound]))
    // `dtlint` on the PATH, as the configuration runs it.
    try FileManager.default.createDirectory(atPath: home.path + "/bin", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(
      atPath: home.path + "/bin/dtlint", withDestinationPath: try #require(CLI.binary))
    let script = home.write(
      "test.lua",
      """
      local buf = vim.api.nvim_get_current_buf()
      local lines = { 'filetype ' .. vim.bo.filetype }
      if not vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
        table.insert(lines, 'timeout')
      end
      for _, d in ipairs(vim.diagnostic.get(buf)) do
        table.insert(lines, string.format('diagnostic %d:%d %s %s', d.lnum, d.col, d.code or '?', d.message))
      end
      local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = 23, character = 2 } }
      for _, r in pairs(vim.lsp.buf_request_sync(buf, 'textDocument/definition', params, 10000) or {}) do
        for _, l in ipairs(r.result or {}) do
          table.insert(lines, string.format('definition %s %d:%d', l.uri, l.range.start.line, l.range.start.character))
        end
      end
      vim.fn.writefile(lines, vim.env.DTLINT_OUT)
      local clients = vim.lsp.get_active_clients()
      vim.lsp.stop_client(clients)
      vim.wait(5000, function()
        for _, c in ipairs(clients) do if not c.is_stopped() then return false end end
        return true
      end, 50)
      vim.cmd('qa!')
      """)
    let out = home.path + "/out.txt"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try #require(Self.nvim))
    p.arguments = ["--headless", "-u", initLua, "-c", "luafile \(script)", "board.dts"]
    p.currentDirectoryURL = URL(fileURLWithPath: s.path)
    var env = ProcessInfo.processInfo.environment
    // Neovim's state, cache and logs stay in the scratch directory.
    for k in ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"] { env[k] = home.path }
    env["PATH"] = home.path + "/bin:" + (env["PATH"] ?? "/usr/bin:/bin")
    env["DTLINT_OUT"] = out
    p.environment = env
    p.standardInput = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(90)
    while p.isRunning && Date() < deadline { usleep(50_000) }
    if p.isRunning { p.terminate() }
    p.waitUntilExit()
    let lines = (try? String(contentsOfFile: out, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
    #expect(lines.first == "filetype dts", "\(lines)")
    #expect(
      lines.contains("diagnostic 18:1 unit_address_vs_reg node has a unit name, but no reg or ranges property"),
      "\(lines)")
    #expect(lines.contains("definition \(LSPClient.uri(s.path + "/soc.dtsi")) 4:1"), "\(lines)")
    #expect(s.files() == [".dtlint.yaml", "board.dts", "include", "soc.dtsi"])
  }

  static let nvim: String? = ["/usr/bin/nvim", "/usr/local/bin/nvim"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }
}

/// The protocol's pieces on their own: JSON, framing, URIs, positions.
struct LSPProtocolTests {
  @Test func jsonIsReadStrictly() throws {
    let v = try JSONReader.parse(Array(#"{"a": [1, -2, "x\u00e9\ud83d\ude00\n", true, null, 1.5], "b": {}}"#.utf8))
    #expect(v["a"]?.arrayValue?[0] == .int(1))
    #expect(v["a"]?.arrayValue?[1] == .int(-2))
    #expect(v["a"]?.arrayValue?[2] == .string("xé😀\n"))
    #expect(v["a"]?.arrayValue?[5] == .string("1.5"))
    #expect(v["b"] == .object([:]))
    for bad in [
      "", "{", "[1,]", "{\"a\" 1}", "01", "\"\\q\"", "\"\\ud800\"", "[1] x", "nul", "\"a\u{1}\"", "-", "1e",
    ] {
      #expect(throws: JSONParseError.self, "\(bad)") { try JSONReader.parse(Array(bad.utf8)) }
    }
    #expect(throws: JSONParseError.self) { try JSONReader.parse([0x22, 0xFF, 0x22]) }
    let deep = Array((String(repeating: "[", count: 300) + String(repeating: "]", count: 300)).utf8)
    #expect(throws: JSONParseError.self) { try JSONReader.parse(deep) }
  }

  @Test func framesAreCutOutOfAStreamWhateverComesBetween() throws {
    let r = MessageReader(fileDescriptor: -1)
    let body = Array(#"{"x":1}"#.utf8)
    let frame = Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    // Split anywhere, two in one read.
    r.append(frame[0..<5])
    #expect(r.next() == nil)
    r.append(ArraySlice(Array(frame[5...]) + frame))
    #expect(r.next() == .message(body))
    #expect(r.next() == .message(body))
    #expect(r.next() == nil)
    // Garbage before a header, a header without a length, an oversized body: reported, then back in step.
    r.append(ArraySlice(Array("junk!Content-Length: 7\r\n\r\n".utf8) + body))
    if case .malformed = r.next() {} else { Issue.record("garbage not reported") }
    #expect(r.next() == .message(body))
    r.append(ArraySlice(Array("X-Foo: 1\r\n\r\n".utf8) + frame))
    if case .malformed(let why) = r.next() {
      #expect(why.contains("Content-Length"))
    } else {
      Issue.record("no length")
    }
    #expect(r.next() == .message(body))
    r.append(ArraySlice("Content-Length: \(MessageReader.maxBody + 1)\r\n\r\nabc".utf8))
    if case .malformed(let why) = r.next() { #expect(why.contains("larger than")) } else { Issue.record("size") }
    r.append(ArraySlice(repeating: 0x41, count: 1000))
    r.append(frame[...])
    #expect(r.next() == nil, "still dropping the oversized body")
  }

  @Test func fileURIs() {
    #expect(FileURI.path("file:///a%20b/c%C3%A9.dts") == "/a b/cé.dts")
    #expect(FileURI.path("file://localhost/x/../y.dts") == "/y.dts")
    #expect(FileURI.path("file://host/x.dts") == nil)
    #expect(FileURI.path("untitled:1") == nil)
    #expect(FileURI.path("file:///bad%zz") == nil)
    #expect(FileURI.uri("/a b/cé.dts") == "file:///a%20b/c%C3%A9.dts")
  }
}
