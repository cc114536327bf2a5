import DTCore
import Testing

/// `SourceScan` reads includes and `/plugin/;` with the preprocessor's lexer: comments, strings and splices count
/// as the compiler counts them.
@Suite struct SourceScanTests {
  private func file(_ text: String) -> SourceFile {
    SourceManager().addVirtualFile(path: "t.dts", text: text)
  }

  @Test func includesOfEveryFormInOrder() {
    let f = file(
      """
      /dts-v1/;
      #include "carrier.dtsi"
      #  include <dt-bindings/gpio/gpio.h>
      /include/ "legacy.dtsi"
      #if 0
      #include "only-if.dtsi"
      #endif
      #inc\\
      lude "spliced.dtsi"
      / { };
      """)
    #expect(
      SourceScan.includes(in: f).map { "\($0.line):\($0.name):\($0.quoted)" } == [
        "2:carrier.dtsi:true", "3:dt-bindings/gpio/gpio.h:false", "4:legacy.dtsi:true", "6:only-if.dtsi:true",
        "9:spliced.dtsi:true",
      ])
  }

  @Test func includesInCommentsAndStringsDoNotCount() {
    let f = file(
      """
      /dts-v1/;
      // #include "commented.dtsi"
      /* /include/ "block.dtsi" */
      / { s = "#include \\"in-string.dtsi\\""; };
      """)
    #expect(SourceScan.includes(in: f).isEmpty)
  }

  @Test func pluginDirective() {
    #expect(SourceScan.hasPluginDirective(file("/dts-v1/;\n/plugin/;\n&uart1 { };\n")))
    #expect(SourceScan.hasPluginDirective(file("/dts-v1/ ; /plugin/ ;\n")))
    #expect(!SourceScan.hasPluginDirective(file("/dts-v1/;\n// /plugin/;\n/ { };\n")))
    #expect(!SourceScan.hasPluginDirective(file("/dts-v1/;\n/* /plugin/; */\n/ { s = \"/plugin/;\"; };\n")))
    #expect(!SourceScan.hasPluginDirective(file("/dts-v1/;\n#define P /plugin/;\n/ { };\n")))
  }
}
