import DTYAML

/// # DTHMP — the HMP knowledge layer of dtlint
///
/// What the HMP rules, the overlay generator and the log explainer know about an i.MX system that runs Linux on the
/// Cortex-A53s and FreeRTOS/Zephyr on the Cortex-M7 (Documentation/HMPFacts.md).
///
/// ## Knowledge profiles (`schemas/`, compiled into the binary)
/// - ``SoCProfile`` — `schemas/soc/<soc>.yaml`: imx-rproc compatibles (``RprocCompatible``), messaging units
///   (``MailboxUnit``, ``SoCProfile/Mailboxes/forMCore``), the M-core address translation (``AddressTranslation``,
///   ``ATTRow``, per-kernel variants), peripherals by label/path/unit address (``Peripheral``), SDK RPMsg defaults
///   (``RPMsgSettings``, with ``RPMsgSettings/vringRegionSize(pageSize:)``), the IOMUXC base and the pad table
///   (``PadTable``, ``Pad``, ``PadFunction``; ``PadTable/decode(fslPins:)-([UInt32])`` turns `fsl,pins` back into
///   pads and functions).
/// - ``BoardProfile`` — `schemas/board/<board>.yaml`: SKUs matched by root compatible
///   (``BoardProfile/sku(rootCompatible:)``, ``BoardProfile/detect(rootCompatible:)``), what each SKU enables, disables
///   and hogs, the M7 debug UART, interface names (``BoardProfile/label(forInterface:)``).
/// - ``KernelFlavor`` — `schemas/kernel/<flavor>.yaml` (+ aliases `toradex-bsp6`, `toradex-bsp5`): how imx_rproc
///   matches region names (``KernelFlavor/effects(forRegionNamed:)``, ``KernelFlavor/isResourceTableName(_:)``),
///   where the resource table comes from, which properties it reads and requires (``KernelFlavor/property(_:)``),
///   the mailbox channels and timeout (``KernelFlavor/MailboxUse``), the base trees' `/reserved-memory` label.
/// - Each loads with `load(name:)` from the bundle (parsed once per process) or `load(path:)` from a file, and
///   checks more than the JSON Schema does (cross references, unit addresses, counts, overlaps).
/// - Facts carry ``Provenance`` (source, ``FactStatus`` verified / inference / not-verified, note), as
///   Documentation/HMPFacts.md marks them. ``KnowledgeBundle`` lists and returns the bundled files (YAML and JSON Schemas).
///
/// ## The M7 manifest and the files it names
/// - ``M7Manifest`` — `m7.yaml` (schema `schemas/m7-manifest.schema.json`): SoC, peripherals (label, path or unit
///   address; ``M7Manifest/resolvePeripherals(in:)`` finds them in a `DeviceTree`), pads, `pin_mux.c` +
///   `fsl_iomuxc.h`, firmware ELF and who starts it, RPMsg overrides merged over the SoC defaults.
///   ``M7Manifest/loadInputs()`` reads the files it names.
/// - ``ELFFile`` — 32/64-bit, little/big-endian ELF: sections, program headers (``ELFFile/loadSegments``), and the
///   `.resource_table` section parsed as a ``ResourceTable`` (carveout, devmem, trace, vdev with its vrings).
///   Every read is bounds- and overflow-checked; a lying file is an ``InputError``, never a trap.
/// - ``PinMuxFile`` / ``IOMUXCHeader`` — `IOMUXC_SetPinMux`/`IOMUXC_SetPinConfig` calls of an MCUXpresso
///   `pin_mux.c`, resolved through the SDK's `fsl_iomuxc.h` macros to pads of the SoC's pad table.
///
/// ## Errors and YAML
/// From the small DTYAML target, shared with DTRules' configuration:
/// - `InputError` — `file:line:col: error: key: message`, for every file this module reads (and for
///   `.dtlint.yaml`, whose `ConfigurationError` is the same type).
/// - `YAMLReader` / `YAMLObject` — typed access to YAML nodes with positions.
public enum HMP {
  /// The kernel flavor assumed when none is given (Documentation/Configuration.md, `kernel`).
  public static let defaultKernelFlavor = "mainline"
}
