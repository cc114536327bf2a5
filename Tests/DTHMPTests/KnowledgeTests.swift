import DTCore
import DTYAML
import Foundation
import Testing

@testable import DTHMP

@Suite struct BundleTests {
  /// The copy compiled into the binary is schemas/ byte for byte (regenerate with Scripts/embed-schemas.py).
  @Test func bundledCopyIsCurrent() throws {
    let dir = Package.root.appendingPathComponent("schemas")
    var onDisk: [String] = []
    let e = FileManager.default.enumerator(atPath: dir.path)
    while let p = e?.nextObject() as? String {
      if p.hasSuffix(".yaml") || p.hasSuffix(".json") { onDisk.append(p) }
    }
    #expect(
      onDisk.sorted() == KnowledgeBundle.paths,
      "schemas/ and the bundled copy list different files: run Scripts/embed-schemas.py")
    for p in onDisk {
      let text = try String(contentsOf: dir.appendingPathComponent(p), encoding: .utf8)
      #expect(
        KnowledgeBundle.text(p) == text, "schemas/\(p) differs from the bundled copy: run Scripts/embed-schemas.py")
    }
  }

  /// The pad table is what Scripts/gen-pad-table.py makes of the kernel header (corpus copy).
  @Test(.enabled(if: Package.corpusAvailable)) func padTableIsGeneratedFromTheHeader() {
    let header = Package.corpus.appendingPathComponent("src/arm64/freescale/imx8mp-pinfunc.h").path
    let r = Package.run(["python3", "Scripts/gen-pad-table.py", header, "--check"])
    #expect(r.status == 0, "\(r.output)")
  }

  /// Every bundled profile, the example and the fixture manifests fit their JSON Schemas; bad manifests don't.
  @Test(.enabled(if: Package.pythonWithSchemaTools)) func filesFitTheirJSONSchemas() {
    let script = """
      import json, sys, yaml, jsonschema, glob
      def check(schema, path, invalid):
          s = json.load(open(schema))
          errs = list(jsonschema.Draft202012Validator(s).iter_errors(yaml.safe_load(open(path))))
          if bool(errs) != invalid:
              print(path, "invalid:" if errs else "unexpectedly valid", [e.message for e in errs][:3]); return 1
          return 0
      bad = 0
      for kind in ["soc", "board", "kernel"]:
          for f in sorted(glob.glob("schemas/%s/*.yaml" % kind)):
              bad += check("schemas/%s.schema.json" % kind, f, False)
      for f in ["Examples/verdin-imx8mp-custom/m7.yaml", "Tests/DTHMPTests/Fixtures/manifests/good.yaml"]:
          bad += check("schemas/m7-manifest.schema.json", f, False)
      for f in ["bad-key", "bad-type", "missing-soc", "bad-rpmsg"]:
          if f == "bad-rpmsg": continue  # a power of two is beyond JSON Schema; the loader checks it
          bad += check("schemas/m7-manifest.schema.json", "Tests/DTHMPTests/Fixtures/manifests/%s.yaml" % f, True)
      sys.exit(1 if bad else 0)
      """
    let r = Package.run(["python3", "-"], stdin: script)
    #expect(r.status == 0, "\(r.output)")
  }
}

@Suite struct SoCProfileTests {
  @Test func imx8mpLoads() throws {
    let soc = try SoCProfile.load(name: "imx8mp")
    #expect(soc.name == "imx8mp")
    #expect(soc.path == "schemas/soc/imx8mp.yaml")
    #expect(soc.pads.pads.count == 143)
    #expect(soc.pads.functionCount == 785)
    #expect(soc.remoteproc.preferred?.compatible == "fsl,imx8mp-cm7")
    #expect(soc.remoteproc.compatible("fsl,imx8mp-cm7-mmio")?.needs == ["syscon"])
    #expect(soc.remoteproc.clockID == 85)
    #expect(soc.remoteproc.smcProvenance.status == .notVerified)

    let mu = try #require(soc.mailboxes.forMCore)
    #expect(mu.label == "mu")
    #expect(mu.node.path == "/soc@0/bus@30800000/mailbox@30aa0000")
    #expect(mu.mSide?.base == 0x30AB_0000)
    #expect(soc.mailboxes.channelTypes["rxdb"] == 3)
    #expect(soc.node(label: "mu2")?.unitAddress == 0x30E6_0000)

    let i2c4 = try #require(soc.peripheral(label: "i2c4"))
    #expect(i2c4.path == "/soc@0/bus@30800000/i2c@30a50000")
    #expect(i2c4.unitAddress == 0x30A5_0000)
    #expect(soc.peripheral(unitAddress: 0x30A6_0000)?.label == "uart4")
    for label in [
      "i2c1", "i2c6", "uart1", "uart4", "ecspi3", "pwm4", "flexcan2", "gpio5", "sai7", "sdma3", "gpt6",
      "micfil", "flexspi", "wdog3",
    ] {
      #expect(soc.peripheral(label: label) != nil, "\(label)")
    }
    #expect(soc.peripheral(label: "sai4") == nil)

    let d = soc.rpmsgDefaults
    #expect(d.vringBase == 0x5500_0000 && d.vringSize == 0x8000 && d.vringAlign == 0x1000)
    #expect(d.bufferCount == 256 && d.resourceTable == 0x550F_F000 && d.muChannel == 1 && d.bufferSize == 512)
    #expect(d.vringAddress(1) == 0x5500_8000)
    #expect(d.vringRegionSize() == 0x3000)
    #expect(soc.rpmsgNotes.contains { $0.provenance.status == .notVerified })
    #expect(soc.iomuxcBase == 0x3033_0000)
  }

  @Test func addressTranslation() throws {
    let att = try SoCProfile.load(name: "imx8mp").addressTranslation
    #expect(att.rows.count == 13)
    #expect(att.rows[0].flags == [.own, .iomem])
    #expect(att.systemAddress(da: 0, length: 0x1000) == 0x7E_0000)  // ITCM
    #expect(att.systemAddress(da: 0x1000_0000, length: 0x100) == 0x4000_0000)  // DDR code alias
    #expect(att.systemAddress(da: 0x1000_0000, length: 0x100, kernel: "nxp-5.4") == 0x8000_0000)
    #expect(att.systemAddress(da: 0x5500_0000, length: 0x8000) == 0x5500_0000)
    // The driver's strict `<`: a range ending exactly at the end of a row does not translate.
    #expect(att.systemAddress(da: 0x4000_0000, length: 0x8000_0000) == nil)
    #expect(att.systemAddress(da: 0x4000_0000, length: 0x7FFF_FFFF) == 0x4000_0000)
    #expect(att.sharedWindow.da == 0x4000_0000 && att.sharedWindowProvenance.status == .inference)
    #expect(att.variants.first?.provenance.status == .inference)
  }

  /// HMPFacts §8's table of vring sizes.
  @Test(arguments: [
    (UInt64(2), UInt64(0x1016), UInt64(0x2000)), (16, 0x1086, 0x2000), (64, 0x1206, 0x2000), (128, 0x1406, 0x2000),
    (256, 0x2806, 0x3000), (512, 0x4006, 0x5000), (1024, 0x7006, 0x8000), (2048, 0xE006, 0xF000),
  ])
  func vringSizes(count: UInt64, size: UInt64, paged: UInt64) throws {
    #expect(RPMsgSettings.vringBytes(count: count, align: 0x1000) == size)
    var s = try SoCProfile.load(name: "imx8mp").rpmsgDefaults
    s.bufferCount = count
    #expect(s.vringRegionSize() == paged)
  }

  @Test func padTableDecodesFslPins() throws {
    let pads = try SoCProfile.load(name: "imx8mp").pads
    let rx = try #require(pads.pad(named: "UART4_RXD"))
    #expect(rx.muxReg == 0x238 && rx.confReg == 0x498)
    #expect(rx.function("GPIO5_IO28")?.mode == 5)
    // MX8MP_IOMUXC_UART4_RXD__UART4_DCE_RX 0x238 0x498 0x600 0x0 0x8, config 0x1c4
    let s = try #require(pads.decode(fslPins: [0x238, 0x498, 0x600, 0x0, 0x8, 0x1C4][...]))
    #expect(s.pad.name == "UART4_RXD")
    #expect(s.functions.map(\.name) == ["UART4_DCE_RX"])
    #expect(s.config == 0x1C4)
    // MX8MP_IOMUXC_ECSPI2_SCLK__UART4_DCE_RX 0x1F0 0x450 0x600 0x1 0x6
    let bt = pads.decode(fslPins: [
      0x1F0, 0x450, 0x600, 0x1, 0x6, 0x1C4, 0x238, 0x498, 0, 5, 0, 0x1C4, 0x999, 0, 0, 0, 0, 0,
    ])
    #expect(bt.count == 3)
    #expect(bt[0]?.pad.name == "ECSPI2_SCLK" && bt[0]?.functions.map(\.name) == ["UART4_DCE_RX"])
    #expect(bt[1]?.functions.map(\.name) == ["GPIO5_IO28"])
    #expect(bt[2] == nil)
  }

  @Test func errorsNameFileLineAndKey() throws {
    func parse(_ text: String) -> InputError? {
      inputError {
        try SoCProfile.parse(try #require(try YAMLReader.compose(text, path: "soc.yaml")), path: "soc.yaml")
      }
    }
    // Wrong type.
    var text = edited("soc/imx8mp.yaml", "  vring-size: 0x8000", "  vring-size: big")
    var e = try #require(parse(text))
    #expect(e.path == "soc.yaml")
    #expect(e.key == "rpmsg-defaults.vring-size")
    #expect(e.line == line(of: "vring-size: big", in: text))
    #expect(e.description.hasPrefix("soc.yaml:\(e.line ?? 0):"))
    // Unknown key.
    text = edited("soc/imx8mp.yaml", "  mu-channel: 1\n", "  mu-channel: 1\n  mu-chanel: 1\n")
    e = try #require(parse(text))
    #expect(e.key == "rpmsg-defaults.mu-chanel")
    #expect(e.line == line(of: "mu-chanel", in: text))
    #expect(e.message.hasPrefix("unknown key (expected vring-base"))
    // Missing key.
    text = edited("soc/imx8mp.yaml", "  resource-table: 0x550ff000\n", "")
    e = try #require(parse(text))
    #expect(e.key == "rpmsg-defaults.resource-table")
    #expect(e.message == "missing key 'resource-table'")
    // A compatible list split by an unquoted comma.
    text = edited(
      "soc/imx8mp.yaml", #"compatible: ["fsl,imx8mp-mu", "fsl,imx6sx-mu"]"#,
      "compatible: [fsl,imx8mp-mu, fsl,imx6sx-mu]")
    e = try #require(parse(text))
    #expect(e.key == "mailboxes.units[0].compatible[0]")
    // An MU side that is neither A nor B.
    text = edited("soc/imx8mp.yaml", "MU1_M7_IRQn, side: B }", "MU1_M7_IRQn, side: C }")
    e = try #require(parse(text))
    #expect(e.key == "mailboxes.units[0].m-side.side")
    #expect(e.message.hasPrefix("unknown value 'C'"), "\(e.message)")
    // Unit address that is not the path's.
    text = edited("soc/imx8mp.yaml", "unit-address: 0x30a50000", "unit-address: 0x30a60000")
    e = try #require(parse(text))
    #expect(e.key == "peripherals.instances[26].unit-address")
    // Pad counts must match the table.
    text = edited("soc/imx8mp.yaml", "  pad-count: 143", "  pad-count: 144")
    e = try #require(parse(text))
    #expect(e.key == "pad-table.pad-count")
    // A number with a leading zero (octal to YAML 1.1 readers).
    text = edited("soc/imx8mp.yaml", "  mbox-cells: 2", "  mbox-cells: 02")
    e = try #require(parse(text))
    #expect(e.key == "mailboxes.mbox-cells")
    // Not YAML.
    e = try #require(parse("soc: [imx8mp\n"))
    #expect(e.line != nil && e.message.hasPrefix("invalid YAML"))
    // Unknown bundled name.
    e = try #require(inputError { try SoCProfile.load(name: "imx9") })
    #expect(e.message.contains("unknown SoC 'imx9'"))
  }

  @Test func loadFromPath() throws {
    let dir = try TempDir()
    let p = try dir.write("soc.yaml", KnowledgeBundle.text("soc/imx8mp.yaml") ?? "")
    #expect(try SoCProfile.load(path: p).pads.pads.count == 143)
    let e = try #require(inputError { try SoCProfile.load(path: dir.url.appendingPathComponent("none.yaml").path) })
    #expect(e.path.hasSuffix("none.yaml"))
  }
}

@Suite struct BoardProfileTests {
  @Test func verdinLoads() throws {
    let b = try BoardProfile.load(name: "verdin-imx8mp")
    #expect(b.soc == "imx8mp")
    let wifi = ["toradex,verdin-imx8mp-wifi-dev", "toradex,verdin-imx8mp-wifi", "toradex,verdin-imx8mp", "fsl,imx8mp"]
    let nonwifi = [
      "toradex,verdin-imx8mp-nonwifi-dev", "toradex,verdin-imx8mp-nonwifi", "toradex,verdin-imx8mp", "fsl,imx8mp",
    ]
    #expect(b.sku(rootCompatible: wifi)?.name == "wifi")
    #expect(b.sku(rootCompatible: nonwifi)?.name == "nonwifi")
    #expect(BoardProfile.detect(rootCompatible: wifi)?.name == "verdin-imx8mp")
    // NXP's EVK has its own profile since issue 18; a board no profile names stays unknown.
    #expect(BoardProfile.detect(rootCompatible: ["fsl,imx8mp-evk", "fsl,imx8mp"])?.name == "imx8mp-evk")
    #expect(BoardProfile.detect(rootCompatible: ["acme,board", "fsl,imx8mp"]) == nil)
    let w = try #require(b.sku(named: "wifi"))
    #expect(w.enables.map(\.label) == ["uart4"])
    let hog4 = try #require(w.hogs.first { $0.group == "pinctrl_gpio_hog4" })
    #expect(hog4.pads == ["UART4_RXD", "UART4_TXD"] && hog4.functions == ["GPIO5_IO28", "GPIO5_IO29"])
    let n = try #require(b.sku(named: "nonwifi"))
    #expect(n.disables.map(\.label) == ["uart4"])
    #expect(n.hogs.first?.group == "pinctrl_gpio_hog1")
    #expect(n.hogs.first?.pads == ["ECSPI2_MISO", "ECSPI2_MOSI", "ECSPI2_SCLK", "ECSPI2_SS0"])
    #expect(b.m7DebugUART?.label == "uart4" && b.m7DebugUART?.pads == ["UART4_RXD", "UART4_TXD"])
    #expect(b.label(forInterface: "I2C_1") == "i2c4")
    #expect(b.interface(forLabel: "uart4") == "UART_4")
    #expect(b.hogEffect.status == .inference)
    #expect(b.m7I2C.status == .notVerified)
  }

  /// `detect` reads each bundled board's `compatible` without loading its SoC profile: the index must list every
  /// bundled board, in name order, with the compatible its full load gives, and detect each board's SKUs.
  @Test func detectionIndexMatchesTheLoadedBoards() throws {
    #expect(BoardProfile.bundledCompatibles.map(\.name) == BoardProfile.knownNames)
    for (name, compatible) in BoardProfile.bundledCompatibles {
      let b = try BoardProfile.load(name: name)
      #expect(b.compatible == compatible, "\(name)")
      for sku in b.skus {
        #expect(
          BoardProfile.detect(rootCompatible: [sku.compatible, b.compatible])?.name == name, "\(name) \(sku.name)")
      }
    }
  }

  /// The remoteproc rules look a board-less tree's SoC up by its root compatible `fsl,<name>` and load only that
  /// profile (RprocSupport.swift): every bundled SoC profile must be named so.
  @Test func bundledSoCProfilesAreNamedByTheirRootCompatible() throws {
    #expect(!SoCProfile.knownNames.isEmpty)
    for name in SoCProfile.knownNames {
      #expect(try SoCProfile.load(name: name).rootCompatible == "fsl,\(name)")
    }
  }

  /// HMPContext.soc(for:) loads only the profiles whose text names one of the tree's compatibles: the text scan must
  /// find every imx-rproc compatible a profile lists (else a tree's SoC would silently go unfound).
  @Test func textScanFindsEveryRemoteprocCompatible() throws {
    for name in SoCProfile.knownNames {
      let listed = try SoCProfile.load(name: name).remoteproc.compatibles.map(\.compatible)
      #expect(!listed.isEmpty, "\(name)")
      for c in listed {
        #expect(SoCProfile.namesMentioning(anyOf: [c]).contains(name), "\(name): \(c)")
      }
    }
    #expect(SoCProfile.namesMentioning(anyOf: ["fsl,imx8mp-cm7"]).first == "imx8mp")
    #expect(SoCProfile.namesMentioning(anyOf: ["vendor,unknown", "fsl,imx8mp-cm7-nope"]).isEmpty)
    #expect(
      SoCProfile.compatibleLines("  - compatible: a,b # note\n  x: y\n    - compatible: c,d  \n") == ["a,b", "c,d"])
  }

  @Test func errorsNameFileLineAndKey() throws {
    func parse(_ text: String) -> InputError? {
      inputError { try BoardProfile.parse(try #require(try YAMLReader.compose(text, path: "b.yaml")), path: "b.yaml") }
    }
    var text = edited(
      "board/verdin-imx8mp.yaml", "  - { interface: I2C_1, label: i2c4 }", "  - { interface: I2C_1, label: i2c9 }")
    var e = try #require(parse(text))
    #expect(e.key == "interfaces[0].label")
    #expect(e.line == line(of: "label: i2c9", in: text))
    text = edited(
      "board/verdin-imx8mp.yaml", "functions: [GPIO5_IO28, GPIO5_IO29]", "functions: [GPIO5_IO28, GPIO5_IO30]")
    e = try #require(parse(text))
    #expect(e.key == "skus[0].hogs[0].functions[1]")
    text = edited("board/verdin-imx8mp.yaml", "carriers: [dev, dahlia, yavia, mallow, ivy]", "carriers: dev")
    e = try #require(parse(text))
    #expect(e.key == "carriers" && e.message == "expected a list of strings, found 'dev'")
    text = edited("board/verdin-imx8mp.yaml", "board: verdin-imx8mp\n", "")
    e = try #require(parse(text))
    #expect(e.key == "board" && e.message == "missing key 'board'")
    text = edited("board/verdin-imx8mp.yaml", "soc: imx8mp\n", "soc: imx8mp\nsocket: x\n")
    e = try #require(parse(text))
    #expect(e.key == "socket" && e.line == line(of: "socket:", in: text))
  }
}

@Suite struct KernelFlavorTests {
  @Test func namesAndAliases() throws {
    #expect(
      Set(KernelFlavor.knownNames) == [
        "mainline", "nxp-6", "nxp-5.15", "nxp-5.4", "toradex-bsp7", "toradex-bsp6", "toradex-bsp5",
      ])
    #expect(try KernelFlavor.load(name: "toradex-bsp7").name == "nxp-6")
    #expect(try KernelFlavor.load(name: "toradex-bsp6").name == "nxp-5.15")
    #expect(try KernelFlavor.load(name: "toradex-bsp5").name == "nxp-5.4")
    #expect(try KernelFlavor.load(name: "toradex-bsp5").aliases.first?.provenance.status == .notVerified)
    let e = try #require(inputError { try KernelFlavor.load(name: "nxp-6.6") })
    #expect(e.message.hasPrefix("unknown kernel flavor 'nxp-6.6'"))
  }

  /// HMPFacts §1.2, §12: the resource-table node name each flavor's driver matches.
  @Test func resourceTableNames() throws {
    let mainline = try KernelFlavor.load(name: "mainline")
    #expect(mainline.isResourceTableName("rsc-table@550ff000"))
    #expect(mainline.isResourceTableName("rsc-table"))
    #expect(!mainline.isResourceTableName("rsc_table@550ff000"))
    #expect(!mainline.isResourceTableName("rsc-table-1"))
    #expect(mainline.effects(forRegionNamed: "vdev0buffer@55400000") == [.noCarveout, .notMapped])
    #expect(mainline.effects(forRegionNamed: "vdevbuffer@55400000") == [.notMapped])
    #expect(mainline.effects(forRegionNamed: "m7@80000000").isEmpty)
    #expect(mainline.regionHistory.contains { $0.provenance.status == .notVerified })
    #expect(try KernelFlavor.load(name: "nxp-6").isResourceTableName("rsc-table@550ff000"))

    let bsp6 = try KernelFlavor.load(name: "toradex-bsp6")
    #expect(bsp6.isResourceTableName("rsc_table@550ff000"))
    #expect(bsp6.isResourceTableName("rsc_table_m7"))
    #expect(!bsp6.isResourceTableName("rsc-table@550ff000"))
    #expect(bsp6.resourceTableName == "rsc_table")

    let old = try KernelFlavor.load(name: "nxp-5.4")
    #expect(old.resourceTable.locatedBy == .rscDA)
    #expect(!old.isResourceTableName("rsc-table"))
    #expect(old.effects(forRegionNamed: "vdevbuffer@55400000") == [.bufferCarveout])
  }

  @Test func propertiesAndMailbox() throws {
    let mainline = try KernelFlavor.load(name: "mainline")
    #expect(mainline.property("clocks")?.required == .always)
    // HMPFacts §1.4: the -ENOENT for a missing clocks property is read in the clock core.
    #expect(mainline.property("clocks")?.provenance.status == .verified)
    #expect(mainline.property("rsc-da")?.read == .never)
    #expect(mainline.property("rsc-da")?.binding == .notListed)
    #expect(mainline.property("fsl,iomuxc-gpr")?.binding == .mmioOnly)
    #expect(mainline.mailbox.channels == ["tx", "rx"] && mainline.mailbox.txTimeoutMS == 100)
    #expect(mainline.mailbox.withoutMboxNames == .skip)
    #expect(mainline.baseTrees.reservedMemoryLabel == nil && mainline.baseTrees.reservedMemoryLabelKnown)
    #expect(mainline.core.vringName(vdev: 0, ring: 1) == "vdev0vring1")
    #expect(mainline.core.bufferName(vdev: 0) == "vdev0buffer")
    #expect(mainline.knows(compatible: "fsl,imx8mp-cm7-mmio"))

    let nxp6 = try KernelFlavor.load(name: "nxp-6")
    #expect(nxp6.property("fsl,startup-delay-ms")?.read == .whenStarting)
    #expect(nxp6.property("clocks")?.required == .never)
    #expect(nxp6.baseTrees.reservedMemoryLabel == "resmem")

    let bsp6 = try KernelFlavor.load(name: "nxp-5.15")
    #expect(!bsp6.knows(compatible: "fsl,imx8mp-cm7-mmio"))
    #expect(bsp6.mailbox.nameMatch == .prefix && bsp6.mailbox.provenance.status == .inference)

    let bsp5 = try KernelFlavor.load(name: "nxp-5.4")
    #expect(bsp5.mailbox.txTimeoutMS == 50)
    #expect(bsp5.mailbox.channels == ["tx", "rx", "rxdb"] && bsp5.mailbox.optionalChannels == ["txdb"])
    #expect(bsp5.property("rsc-da")?.read == .whenAttaching)
    #expect(!bsp5.baseTrees.reservedMemoryLabelKnown)
  }

  @Test func errorsNameFileLineAndKey() throws {
    func parse(_ text: String) -> InputError? {
      inputError { try KernelFlavor.parse(try #require(try YAMLReader.compose(text, path: "k.yaml")), path: "k.yaml") }
    }
    var text = edited("kernel/mainline.yaml", "  tx-timeout-ms: 100", "  tx-timeout-ms: soon")
    var e = try #require(parse(text))
    #expect(e.key == "mailbox.tx-timeout-ms" && e.line == line(of: "tx-timeout-ms: soon", in: text))
    #expect(e.column == 18)
    text = edited("kernel/mainline.yaml", "  tx-block: true", "  tx-block: yes")
    e = try #require(parse(text))
    #expect(e.key == "mailbox.tx-block" && e.message == "expected true or false, found 'yes'")
    text = edited("kernel/mainline.yaml", "  name-match: exact", "  name-match: fuzzy")
    e = try #require(parse(text))
    #expect(e.key == "mailbox.name-match" && e.message == "unknown value 'fuzzy' (expected exact or prefix)")
    text = edited("kernel/mainline.yaml", "  - { name: rsc-da, read: never,", "  - { name: rsc-da, reads: never,")
    e = try #require(parse(text))
    #expect(e.key == "properties[0].reads" && e.line == line(of: "reads: never", in: text))
    text = edited("kernel/mainline.yaml", "flavor: mainline\n", "")
    e = try #require(parse(text))
    #expect(e.key == "flavor" && e.message == "missing key 'flavor'")
    text = edited("kernel/mainline.yaml", "  vring-carveout: vdev%dvring%d", "  vring-carveout: vdev%dvring")
    e = try #require(parse(text))
    #expect(e.key == "remoteproc-core.vring-carveout")
  }
}
