import DTCore
import Testing

@testable import DTHMP

/// `diff --hmp` compares what the HMP rules read, and finds a manifest's peripherals as `check --m7` does.
@Suite struct HMPScopeTests {
  static let base = """
    /dts-v1/;
    / {
    \t#address-cells = <1>;
    \t#size-cells = <1>;
    \treserved-memory { #address-cells = <1>; #size-cells = <1>; ranges; };
    \tcm7: imx8mp-cm7 { compatible = "fsl,imx8mp-cm7"; };
    \tsof: dsp { compatible = "fsl,imx95-cm7-sof"; };
    \tsoc@0 {
    \t\t#address-cells = <1>;
    \t\t#size-cells = <1>;
    \t\tranges;
    \t\tpinctrl: pinctrl@30330000 { reg = <0x30330000 0x10000>; uart4grp: uart4grp { }; };
    \t\tmu: mailbox@30aa0000 { compatible = "fsl,imx8mp-mu"; reg = <0x30aa0000 0x10000>; };
    \t\tuart4: serial@30a60000 { reg = <0x30a60000 0x10000>; pinctrl-0 = <&uart4grp>; status = "okay"; };
    \t\ti2c3: i2c@30a40000 { reg = <0x30a40000 0x10000>; };
    \t};
    };
    """

  private func tree(_ text: String) throws -> DeviceTree {
    let sources = SourceManager()
    sources.addVirtualFile(path: "t.dts", text: text)
    return try SourceReader(sources: sources, options: FrontEndOptions()).load(path: "t.dts").tree
  }

  @Test func scopeHoldsReservedMemoryRemoteProcAndMU() throws {
    let (scope, unresolved) = HMPScope.scope(for: [try tree(Self.base)])
    #expect(unresolved.isEmpty)
    #expect(scope.roots == ["/reserved-memory", "/imx8mp-cm7", "/soc@0/mailbox@30aa0000"])
  }

  @Test func manifestPeripheralsAreFoundAsCheckFindsThem() throws {
    let dir = try TempDir()
    let path = try dir.write("m7.yaml", "soc: imx8mp\nperipherals: [uart4, 0x30a40000, /soc@0/gpio@30200000]\n")
    let manifest = try M7Manifest.load(path: path)
    let (scope, unresolved) = HMPScope.scope(for: [try tree(Self.base)], manifest: manifest)
    #expect(unresolved == ["/soc@0/gpio@30200000"])
    #expect(
      scope.roots.isSuperset(of: ["/soc@0/serial@30a60000", "/soc@0/i2c@30a40000", "/soc@0/pinctrl@30330000/uart4grp"]))
  }

  @Test func oneDefinitionOfEachCompatible() {
    for s in ["fsl,imx8mp-cm7", "fsl,imx8mm-cm4", "fsl,imx93-cm33", "fsl,imx8mn-cm7-mmio", "fsl,imx94-cm33s"] {
      #expect(HMPCompatibles.isRemoteProc(s), "\(s)")
    }
    for s in ["fsl,imx8mp-mu", "fsl,imx8mp-clk", "acme,imx8mp-cm7", "fsl,imx8mp-cmx", "fsl,imx95-cm7-sof"] {
      #expect(!HMPCompatibles.isRemoteProc(s), "\(s)")
    }
    // The wider net the compatible rules start from: a foreign or misspelled M-core node is judged, not ignored.
    #expect(HMPCompatibles.namesMCore("fsl,imx95-cm7-sof"))
    #expect(!HMPCompatibles.namesMCore("fsl,imx8mp-mu"))
    for s in ["fsl,imx8mp-mu", "fsl,imx6sx-mu", "fsl,imx8ulp-mu-s4"] { #expect(HMPCompatibles.isMU(s), "\(s)") }
    for s in ["fsl,imx8mp-cm7", "fsl,imx8mp-mux", "acme,x-mu"] { #expect(!HMPCompatibles.isMU(s), "\(s)") }
  }
}
