import DTCore
import Foundation
import Testing

@testable import DTRules

@Suite struct ConfigurationTests {
  private let registry = ReportingSupport.registry

  private func parse(_ yaml: String, path: String = "/proj/.dtlint.yaml") throws -> Configuration {
    try Configuration.parse(yaml, path: path, registry: registry)
  }

  private func error(_ yaml: String) -> ConfigurationError? {
    do {
      _ = try parse(yaml)
      return nil
    } catch {
      return error as? ConfigurationError
    }
  }

  @Test func everyKey() throws {
    let c = try parse(
      """
      # project settings
      include:
        - include
        - /usr/src/linux/arch/arm64/boot/dts/freescale
      kernel: nxp-5.4
      board: verdin-imx8mp
      m7: firmware/m7.yaml
      base: ../build/base.dtb
      bootargs: "console=ttymxc1,115200 clk-imx8mp.mcore_booted=1"
      rules:
        unit_address_vs_reg: error
        avoid_default_addr_size: note
        hmp_debug_uart: off
      werror: true
      """, path: "/proj/sub/.dtlint.yaml")
    #expect(c.path == "/proj/sub/.dtlint.yaml")
    #expect(c.includePaths == ["/proj/sub/include", "/usr/src/linux/arch/arm64/boot/dts/freescale"])
    #expect(c.kernel == "nxp-5.4")
    #expect(c.board == "verdin-imx8mp")
    #expect(c.m7 == "/proj/sub/firmware/m7.yaml")
    #expect(c.base == "/proj/build/base.dtb")
    #expect(c.bootargs == "console=ttymxc1,115200 clk-imx8mp.mcore_booted=1")
    #expect(c.bootargsLine == 9)
    #expect(
      c.rules == [
        .init(rule: "unit_address_vs_reg", level: .error, line: 11),
        .init(rule: "avoid_default_addr_size", level: .note, line: 12),
        .init(rule: "hmp_debug_uart", level: .off, line: 13),
      ])
    #expect(c.werror == true)
  }

  @Test func emptyFileIsAnEmptyConfiguration() throws {
    #expect(
      try parse("")
        == {
          var c = Configuration()
          c.path = "/proj/.dtlint.yaml"
          return c
        }())
    #expect(try parse("# nothing yet\n").rules.isEmpty)
  }

  @Test func unknownKeyNamesFileLineAndKey() throws {
    let e = try #require(error("kernel: mainline\nincludes: [a]\n"))
    #expect(e.path == "/proj/.dtlint.yaml")
    #expect(e.line == 2)
    #expect(e.column == 1)
    #expect(e.key == "includes")
    #expect(
      e.description
        == "/proj/.dtlint.yaml:2:1: error: includes: unknown key (expected include, kernel, board, m7, base, bootargs, rules or werror)"
    )
  }

  @Test func wrongTypesAreErrors() throws {
    let include = try #require(error("include: include\n"))
    #expect(include.key == "include")
    #expect(include.line == 1)
    #expect(include.message == "expected a list of strings, found 'include'")

    let werror = try #require(error("board: x\nwerror: yes\n"))
    #expect(werror.key == "werror")
    #expect(werror.line == 2)
    #expect(werror.column == 9)

    let board = try #require(error("board:\n  - a\n"))
    #expect(board.key == "board")
    #expect(board.message == "expected a string, found a list")

    let item = try #require(error("include:\n  - a\n  - [b]\n"))
    #expect(item.line == 3)
    #expect(item.key == "include[1]")

    let rules = try #require(error("rules: [unit_address_vs_reg]\n"))
    #expect(rules.key == "rules")

    let top = try #require(error("- a\n- b\n"))
    #expect(top.line == 1)
    #expect(top.key == nil)
  }

  @Test func unknownRuleAndLevel() throws {
    let rule = try #require(error("rules:\n  unit_address_vs_reg: error\n  unit_adress_vs_reg: off\n"))
    #expect(rule.line == 3)
    #expect(rule.column == 3)
    #expect(rule.key == "rules.unit_adress_vs_reg")
    #expect(
      rule.description
        == "/proj/.dtlint.yaml:3:3: error: rules.unit_adress_vs_reg: unknown rule 'unit_adress_vs_reg' (see 'dtlint rules')"
    )

    let level = try #require(error("rules:\n  unit_address_vs_reg: fatal\n"))
    #expect(level.line == 2)
    #expect(level.column == 24)
    #expect(level.key == "rules.unit_address_vs_reg")
    #expect(level.message == "unknown level 'fatal' (expected error, warning, note or off)")
  }

  @Test func kernelFlavorsAreChecked() throws {
    for flavor in Configuration.kernelFlavors {
      #expect(try parse("kernel: \(flavor)\n").kernel == flavor)
    }
    let e = try #require(error("kernel: nxp-6.6\n"))
    #expect(e.key == "kernel")
    #expect(e.line == 1)
    #expect(e.column == 9)
  }

  @Test func yamlSyntaxErrorsHavePositions() throws {
    let e = try #require(error("kernel: mainline\nrules:\n  a: [b\n"))
    #expect(e.path == "/proj/.dtlint.yaml")
    #expect(e.line != nil)
    #expect(e.description.hasPrefix("/proj/.dtlint.yaml:"))
    #expect(e.message.hasPrefix("invalid YAML"))

    let dup = try #require(error("board: a\nboard: b\n"))
    #expect(dup.key == "board")
    #expect(dup.message == "key given more than once")
  }

  @Test func applyToSelection() throws {
    let c = try parse(
      """
      rules:
        unit_address_vs_reg: error
        avoid_default_addr_size: note
        hmp_debug_uart: off
      werror: true
      """)
    var s = RuleSelection(registry: registry)
    #expect(s.setting("avoid_default_addr_size")?.enabled == false)
    try c.apply(to: &s)
    #expect(s.setting("unit_address_vs_reg") == RuleSetting(enabled: true, severity: .error))
    #expect(s.setting("avoid_default_addr_size") == RuleSetting(enabled: true, severity: .note))
    #expect(s.setting("hmp_debug_uart")?.enabled == false)
    #expect(s.werror)

    // `off` cascades to dependents, as --disable does.
    var t = RuleSelection(registry: registry)
    try parse("rules:\n  node_name_chars: off\n").apply(to: &t)
    #expect(t.setting("unit_address_vs_reg")?.enabled == false)
  }

  @Test func foundUpwardsFromTheWorkingDirectory() throws {
    let scratch = ReportingSupport.Scratch()
    let config = scratch.write("proj/.dtlint.yaml", "kernel: nxp-6\ninclude: [include]\n")
    scratch.write("proj/boards/verdin/board.dts", "/dts-v1/;\n")
    let nested = scratch.path + "/proj/boards/verdin"
    #expect(Configuration.find(startingAt: nested) == config)
    let c = try #require(try Configuration.discover(explicitPath: nil, workingDirectory: nested, registry: registry))
    #expect(c.kernel == "nxp-6")
    #expect(c.includePaths == [scratch.path + "/proj/include"])

    // An explicit --config wins, and must exist.
    let other = scratch.write("other.yaml", "board: verdin-imx8mp\n")
    #expect(
      try Configuration.discover(explicitPath: other, workingDirectory: nested, registry: registry)?.board
        == "verdin-imx8mp")
    #expect(throws: ConfigurationError.self) {
      try Configuration.discover(
        explicitPath: scratch.path + "/missing.yaml", workingDirectory: nested, registry: registry)
    }
  }

  @Test func errorsBecomeToolIssues() throws {
    let e = try #require(error("werror: 1\n"))
    let issue = e.toolIssue
    #expect(issue.severity == .error)
    #expect(issue.file == "/proj/.dtlint.yaml")
    #expect(issue.line == 1)
    #expect(issue.description == "/proj/.dtlint.yaml:1:9: error: werror: expected true or false, found '1'")
  }

  // MARK: - JSON Schema

  private var schemaPath: String { ReportingSupport.packageRoot + "/schemas/dtlint-config.schema.json" }

  @Test func schemaMatchesTheReader() throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: schemaPath))
    let schema = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
    #expect(schema["additionalProperties"] as? Bool == false)
    let properties = try #require(schema["properties"] as? [String: [String: Any]])
    #expect(Set(properties.keys) == ["include", "kernel", "board", "m7", "base", "bootargs", "rules", "werror"])
    #expect(properties["kernel"]?["enum"] as? [String] == Configuration.kernelFlavors)
    let levels = (properties["rules"]?["additionalProperties"] as? [String: Any])?["enum"] as? [String]
    #expect(levels == RuleLevel.allCases.map(\.rawValue))
  }

  @Test(.enabled(if: ReportingSupport.jsonSchemaAvailable, "Python jsonschema not installed: pip install jsonschema"))
  func schemaIsValidAndAcceptsWhatTheReaderAccepts() throws {
    let script = """
      import json, sys
      from jsonschema import Draft202012Validator
      schema = json.load(open(sys.argv[1]))
      Draft202012Validator.check_schema(schema)
      v = Draft202012Validator(schema)
      good = {"include": ["include"], "kernel": "nxp-5.15", "board": "verdin-imx8mp", "m7": "m7.yaml",
              "base": "base.dtb", "bootargs": "clk-imx8mp.mcore_booted=1",
              "rules": {"unit_address_vs_reg": "error", "hmp_debug_uart": "off"}, "werror": False}
      bad = [{"includes": []}, {"kernel": "nxp-6.6"}, {"rules": {"x": "fatal"}}, {"werror": "yes"}, {"include": "a"},
             {"bootargs": ["clk_ignore_unused"]}]
      errors = list(v.iter_errors(good))
      assert not errors, errors
      for b in bad:
          assert list(v.iter_errors(b)), b
      print("ok")
      """
    let r = try #require(ReportingSupport.python(script, [schemaPath]))
    #expect(r.status == 0, "\(r.output)")
  }
}
