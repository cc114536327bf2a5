import DTCore
import DTHMP
import DTYAML

/// What the HMP rules know about the system beyond the tree: the kernel flavor the tree will run under, the
/// board, the M7 manifest and the files it names. Built once per run; immutable, so rules on several trees share it.
public final class HMPContext: Sendable {
  /// The kernel flavor (`--kernel`), or mainline when none was given.
  public var kernel: KernelFlavor {
    if let k = givenFlavor { return k }
    // The assumed mainline profile is parsed on first use: most trees never need it.
    return Self.mainline
  }
  private let givenFlavor: KernelFlavor?
  private static let mainline: KernelFlavor = {
    do {
      return try KernelFlavor.load(name: HMP.defaultKernelFlavor)
    } catch {
      fatalError("the bundled mainline kernel profile does not load: \(error)")
    }
  }()
  /// The flavor as the user named it (`toradex-bsp6`), or nil when assumed.
  public let kernelGiven: String?
  /// `--board`, when given; otherwise the board is detected per tree from the root `compatible`.
  public let boardGiven: BoardProfile?
  public let manifest: M7Manifest?
  /// What the manifest's files say (pads from `pin_mux.c`, the firmware ELF).
  public let inputs: M7Manifest.Inputs?
  /// The kernel command line given outside the tree: `--bootargs`, a kernel log's, `.dtlint.yaml`'s or the
  /// manifest's `linux.bootargs` (in that order). Without it a tree's `/chosen/bootargs` is used (HMPFacts §13).
  public let bootargs: KernelCommandLine?

  public init(
    kernel: KernelFlavor?, kernelGiven: String?, board: BoardProfile?, manifest: M7Manifest?,
    inputs: M7Manifest.Inputs?, bootargs: KernelCommandLine? = nil
  ) {
    self.givenFlavor = kernel
    self.kernelGiven = kernelGiven
    self.boardGiven = board
    self.manifest = manifest
    self.inputs = inputs
    self.bootargs = bootargs ?? manifest?.linuxBootargs
  }

  /// The same kernel flavor, board and command line without the manifest (the assumed mainline profile stays
  /// unparsed until a rule asks for it).
  public func withoutManifest() -> HMPContext {
    HMPContext(
      kernel: givenFlavor, kernelGiven: kernelGiven, board: boardGiven, manifest: nil, inputs: nil, bootargs: bootargs)
  }

  /// The same context under another command line.
  public func with(bootargs: KernelCommandLine?) -> HMPContext {
    HMPContext(
      kernel: givenFlavor, kernelGiven: kernelGiven, board: boardGiven, manifest: manifest, inputs: inputs,
      bootargs: bootargs)
  }

  /// Loads what the options name. Errors name the file, line and key (or the option). `bootargs` (from
  /// `--bootargs` or the configuration) overrides the manifest's `linux.bootargs`.
  /// `includePaths` (the command's `-I`) compile an `--m7` that is a Zephyr device tree.
  public static func load(
    kernel: String?, board: String?, m7: String?, bootargs: KernelCommandLine? = nil, includePaths: [String] = []
  ) throws(InputError) -> HMPContext {
    let flavor = try kernel.map { (k: String) throws(InputError) -> KernelFlavor in try KernelFlavor.load(name: k) }
    let boardProfile = try board.map { (b: String) throws(InputError) -> BoardProfile in
      try Self.boardProfile(named: b)
    }
    let manifest = try m7.map { (p: String) throws(InputError) -> M7Manifest in
      try M7Manifest.load(path: p, includePaths: includePaths)
    }
    let inputs = try manifest?.loadInputs()
    return HMPContext(
      kernel: flavor, kernelGiven: kernel, board: boardProfile, manifest: manifest, inputs: inputs,
      bootargs: bootargs)
  }

  /// The command line a tree runs under: the one given, else the tree's `/chosen/bootargs`; nil when neither says.
  public func commandLine(for tree: DeviceTree) -> KernelCommandLine? {
    if let bootargs { return bootargs }
    guard let text = tree.node(atPath: "/chosen")?.property("bootargs")?.value.strings?.first else { return nil }
    return KernelCommandLine(text, source: .tree)
  }

  /// `--board` accepts a profile name (`verdin-imx8mp`) or a SKU name, alone (`wifi`) or after the profile's
  /// (`verdin-imx8mp-wifi`).
  static func boardProfile(named name: String) throws(InputError) -> BoardProfile {
    if let b = try? BoardProfile.load(name: name) { return b }
    for n in BoardProfile.knownNames {
      if let b = try? BoardProfile.load(name: n),
        b.skus.contains(where: { $0.name == name || "\(n)-\($0.name)" == name })
      {
        return b
      }
    }
    return try BoardProfile.load(name: name)
  }

  /// No options: mainline assumed, no board, no manifest (rules needing them stay silent).
  public static let defaults = HMPContext(kernel: nil, kernelGiven: nil, board: nil, manifest: nil, inputs: nil)

  /// How messages name the kernel: "the mainline kernel (assumed; set --kernel)" or "kernel toradex-bsp6 (nxp-5.15)".
  public var kernelPhrase: String {
    guard let given = kernelGiven else { return "the \(kernel.name) kernel (assumed; set --kernel)" }
    return given == kernel.name ? "kernel \(given)" : "kernel \(given) (\(kernel.name))"
  }

  /// The board of a tree: `--board`, or the bundled profile whose compatible the root carries.
  public func board(for tree: DeviceTree) -> BoardProfile? {
    if let b = boardGiven { return b }
    return BoardProfile.detect(rootCompatible: tree.root.property("compatible")?.value.strings ?? [])
  }

  /// The SKU of a tree on its board (by root `compatible`).
  public func sku(for tree: DeviceTree) -> BoardProfile.SKU? {
    board(for: tree)?.sku(rootCompatible: tree.root.property("compatible")?.value.strings ?? [])
  }

  /// The SoC of a tree: the manifest's, else the board's, else the one whose imx-rproc compatible the tree uses.
  public func soc(for tree: DeviceTree) -> SoCProfile? {
    if let m = manifest { return m.soc }
    if let b = board(for: tree), let s = try? SoCProfile.load(name: b.soc) { return s }
    // The first node (in tree order) with an imx-rproc compatible of a bundled profile; the first such profile in
    // name order. Only the profiles whose text names one of the tree's compatibles are loaded.
    var all: Set<String> = []
    tree.root.walk { n in
      if let compats = n.property("compatible")?.value.strings { all.formUnion(compats) }
    }
    let candidates = SoCProfile.namesMentioning(anyOf: all).compactMap { try? SoCProfile.load(name: $0) }
    guard !candidates.isEmpty else { return nil }
    var byCompatible: [String: Int] = [:]
    for (i, s) in candidates.enumerated() {
      for c in s.remoteproc.compatibles where byCompatible[c.compatible] == nil { byCompatible[c.compatible] = i }
    }
    var found: Int?
    tree.root.walk { n in
      guard found == nil, let compats = n.property("compatible")?.value.strings else { return }
      for c in compats {
        if let i = byCompatible[c], found.map({ i < $0 }) ?? true { found = i }
      }
    }
    return found.map { candidates[$0] }
  }
}
