import DTCore

struct PropertyNameCharsStrictRule: TreeRule {
  static let description = RuleDescription.dtc(
    "property_name_chars_strict", name: "Property Name Characters (Strict)", level: .check,
    summary:
      "Property names should only use letters, digits, `,` and `-`, with `#` only first or after a vendor prefix",
    rationale: """
      The characters dtc accepts include `_`, `.`, `+`, `*` and `?`, but bindings use lower-case words joined by \
      `-`, with an optional `vendor,` prefix and `#` for cell counts. The kernel enables this check at `W=2`. \
      `device_type` is accepted for history's sake.
      """,
    triggering: [
      RuleExample("/dts-v1/;\n/ {\n\t↓my_prop;\n};\n"),
      RuleExample("/dts-v1/;\n/ {\n\t↓cells#count = <1>;\n};\n"),
    ],
    nonTriggering: [
      RuleExample(
        "/dts-v1/;\n/ {\n\tvendor,my-prop;\n\t#clock-cells = <1>;\n\tvendor,#dma-cells = <1>;\n\tdevice_type = \"cpu\";\n};\n"
      )
    ])

  func check(_ context: inout RuleContext) {
    for node in context.info.allNodes {
      for p in node.liveProperties {
        let name = Array(p.name.utf8)
        var n = strictSpan(name[...])
        if n == name.count || p.name == "device_type" { continue }
        var rest = name[...]
        // `#` may start the name, or follow the vendor prefix.
        if name[n] == UInt8(ascii: "#") && (n == 0 || name[n - 1] == UInt8(ascii: ",")) {
          rest = name[(n + 1)...]
          n = strictSpan(rest)
        }
        if n < rest.count {
          let bad = rest[rest.startIndex + n]
          context.report(
            "Character '\(Character(Unicode.Scalar(bad)))' not recommended in property name", node: node, property: p)
        }
      }
    }
  }
}

/// Letters, digits, `,` and `-`: dtc's strict set for node and property names.
func isStrictNameChar(_ c: UInt8) -> Bool {
  switch c {
  case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: ","), UInt8(ascii: "-"): true
  default: false
  }
}

/// Length of the leading run of strict characters (C's `strspn`).
func strictSpan(_ s: ArraySlice<UInt8>) -> Int {
  var n = 0
  for c in s {
    if !isStrictNameChar(c) { break }
    n += 1
  }
  return n
}
