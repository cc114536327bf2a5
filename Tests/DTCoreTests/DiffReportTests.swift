import Foundation
import Testing

@testable import DTCore

/// The JSON and text shapes of `dtlint diff`'s report, on changes built by hand.
@Suite struct DiffReportTests {
  static let clk = ReferenceTarget(phandle: 3, path: "/clock-controller", label: "clk")
  static let gic = ReferenceTarget(phandle: 1, path: "/interrupt-controller", label: nil)

  static func renderer(_ sources: SourceManager = SourceManager()) -> DiffReportRenderer {
    DiffReportRenderer(
      sources: sources, workingDirectory: "/work",
      a: "a.dtb+ov.dtbo", b: "b.dts")
  }

  @Test func typedValuesInJSON() {
    let value = TypedValue(
      items: [
        .string("okay"),
        .cells(bits: 32, [.number(1), .number(0xdead_beef)]),
        .bytes([0x01, 0xab]),
        .cells(bits: 16, [.number(2)]),
        .cells(bits: 32, [.reference(Self.clk), .number(1)]),
        .cells(bits: 32, [.number(0), .reference(Self.gic), .number(5)]),
      ], text: "…")
    #expect(
      DiffReportRenderer.json(value).compact()
        == """
        [{"type":"string","value":"okay"},\
        {"bits":32,"type":"cells","values":["0x1","0xdeadbeef"]},\
        {"type":"bytes","value":"01ab"},\
        {"bits":16,"type":"cells","values":["0x2"]},\
        {"args":["0x1"],"target":{"label":"clk","path":"/clock-controller","phandle":"0x3"},"type":"reference"},\
        {"bits":32,"type":"cells","values":["0x0",{"label":null,"path":"/interrupt-controller","phandle":"0x1"},"0x5"]}]
        """)
    #expect(DiffReportRenderer.json(TypedValue(items: [], text: "")).compact() == "[]", "an empty property")
  }

  @Test func changesInJSONKeepEveryKey() {
    let sources = SourceManager()
    let file = sources.addVirtualFile(path: "/work/b.dts", text: "/dts-v1/;\n/ {\n\tstatus = \"okay\";\n};\n")
    let range = SourceRange(file: file.id, start: 15, end: 31)
    let changes = [
      TreeChange(
        kind: .changed, nodePath: "/soc/uart@1", property: "status",
        a: .value(TypedValue(items: [.string("disabled")], text: "\"disabled\"")),
        b: .value(TypedValue(items: [.string("okay")], text: "\"okay\"")), bRange: range),
      TreeChange(
        kind: .removed, nodePath: "/n", property: nil,
        a: .node(
          NodeContent(
            name: "n", properties: [PropertyContent(name: "flag", value: TypedValue(items: [], text: ""))],
            children: [NodeContent(name: "c", properties: [], children: [])])), b: nil),
      TreeChange(
        kind: .added, nodePath: TreeDiff.memreservePath, property: nil, a: nil,
        b: .reservation(address: 0x1000, size: 0x100)),
    ]
    let doc = Self.renderer(sources).document(changes).compact()
    #expect(doc.hasPrefix("{\"changes\":[{\"a\":[{\"type\":\"string\",\"value\":\"disabled\"}],\"aLocation\":null,"))
    #expect(doc.contains("\"bLocation\":{\"column\":2,\"file\":\"b.dts\",\"line\":3}"), "\(doc)")
    #expect(doc.contains("\"kind\":\"changed\",\"nodePath\":\"/soc/uart@1\",\"property\":\"status\""))
    #expect(
      doc.contains(
        "\"a\":{\"children\":[{\"children\":[],\"name\":\"c\",\"properties\":{},\"type\":\"node\"}],\"name\":\"n\","
          + "\"properties\":{\"flag\":[]},\"type\":\"node\"}"), "\(doc)")
    #expect(doc.contains("\"b\":{\"address\":\"0x1000\",\"size\":\"0x100\",\"type\":\"memreserve\"}"))
    #expect(doc.hasSuffix("\"inputs\":{\"a\":\"a.dtb+ov.dtbo\",\"b\":\"b.dts\"},\"version\":1}"))

    let text = Self.renderer(sources).text(changes, color: false)
    #expect(
      text == """
        --- a: a.dtb+ov.dtbo
        +++ b: b.dts
        ~ /soc/uart@1
          ~ status
              - "disabled";
              + "okay";  (b.dts:3:2)
        - /n
        -     flag;
        -     c {
        -     };
        + /memreserve/ 0x1000 0x100;
        3 differences: 1 added, 1 removed, 1 changed

        """)
    #expect(Self.renderer().text([], color: true) == "", "nothing printed when the trees are the same")
  }
}
