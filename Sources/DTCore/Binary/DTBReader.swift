internal import CLibfdt

/// Reads a flattened device tree blob (`.dtb`, `.dtbo`) into a ``DeviceTree`` through libfdt.
///
/// The header is checked in Swift first (with the two structure-block inputs libfdt 1.6.1 cannot survive, see
/// `BlobHeader.structureTrap`), then the whole blob with libfdt's `fdt_check_full`; only then is the structure block
/// walked. Any byte input ends in a tree or a ``BlobError`` naming the file and the fault.
///
/// After the walk the tree gets what dtc 1.8 recovers when it decompiles a blob: node phandles from
/// `phandle`/`linux,phandle`, labels from `/__symbols__`, phandle references from `/__local_fixups__` and
/// `/__fixups__`, and value types guessed from the bytes (see ``BlobRecovery``).
///
/// Properties stay as the blob has them: dtc's `name_properties` check, which drops a `name` property equal to the
/// node's base name (common in version < 16 blobs), is a check, not part of reading. Blob versions 2 to 17 are read
/// (libfdt 1.6.1's range); names that are not UTF-8 are decoded with replacement characters.
public enum DTBReader {
  /// Deepest node nesting accepted: ``DeviceTree/maxDepth``, as the compiler accepts.
  public static let maxDepth = DeviceTree.maxDepth

  /// Whether `bytes` start with the flattened device tree magic number 0xd00dfeed.
  public static func isBlob(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 4 && BlobHeader.be32(bytes, 0) == BlobHeader.magic
  }

  /// Reads a blob. `recover: false` skips restoring labels, references and value types (validation only);
  /// `properties: false` also leaves the properties out (the blob is checked as fully; only its nodes are kept).
  public static func read(_ bytes: [UInt8], path: String, recover: Bool = true, properties: Bool = true)
    throws(BlobError) -> DeviceTree
  {
    let header = try BlobHeader.parse(bytes, path: path)
    let blob = bytes.count == header.totalSize ? bytes : Array(bytes.prefix(header.totalSize))
    let walked = Libfdt.withAlignedCopy(of: blob) { fdt, _ in
      walk(fdt, size: header.totalSize, path: path, properties: properties)
    }
    let root = try walked.get()
    let tree = DeviceTree(root: root, reserves: header.reserves, bootCPUID: header.bootCPUID)
    if recover { BlobRecovery.recover(tree) }
    return tree
  }

  /// `fdt_check_full`, then one pass over the structure block's tags (`fdt_next_tag`), building nodes in order.
  private static func walk(_ fdt: UnsafeMutableRawPointer, size: Int, path: String, properties: Bool)
    -> Result<Node, BlobError>
  {
    func fail(_ kind: BlobError.Kind, _ reason: String) -> Result<Node, BlobError> {
      .failure(BlobError(path: path, kind: kind, reason: reason))
    }
    let rc = fdt_check_full(fdt, size)
    if rc != 0 { return .failure(checkFailure(rc, path: path)) }

    var stack: [Node] = []
    var root: Node?
    var offset: Int32 = 0
    while true {
      var next: Int32 = 0
      let tag = fdt_next_tag(fdt, offset, &next)
      if next < 0, tag != UInt32(FDT_END) {
        return fail(.badStructure, "bad structure block at offset \(offset): \(Libfdt.message(next))")
      }
      switch tag {
      case UInt32(FDT_BEGIN_NODE):
        if stack.isEmpty, root != nil {
          return fail(.badStructure, "bad structure block: a second top-level node follows the root node")
        }
        if stack.count >= maxDepth {
          return fail(.tooDeep, DeviceTree.tooDeepMessage)
        }
        var len: Int32 = 0
        guard let namePtr = fdt_get_name(fdt, offset, &len), len >= 0 else {
          return fail(
            .badStructure, "bad structure block: unreadable node name at offset \(offset): \(Libfdt.message(len))")
        }
        let node = Node(name: String(decoding: UnsafeRawBufferPointer(start: namePtr, count: Int(len)), as: UTF8.self))
        if let parent = stack.last { parent.addChild(node) } else { root = node }
        stack.append(node)
      case UInt32(FDT_END_NODE):
        if stack.popLast() == nil {
          return fail(.badStructure, "bad structure block: FDT_END_NODE at offset \(offset) closes no node")
        }
      case UInt32(FDT_PROP):
        guard let node = stack.last else {
          return fail(.badStructure, "bad structure block: property at offset \(offset) is outside any node")
        }
        // fdt_check_full has read every property already (name and value within their blocks).
        guard properties else { break }
        var namePtr: UnsafePointer<CChar>?
        var len: Int32 = 0
        guard let value = fdt_getprop_by_offset(fdt, offset, &namePtr, &len), let namePtr, len >= 0 else {
          return fail(
            .badStructure, "bad structure block: unreadable property at offset \(offset): \(Libfdt.message(len))")
        }
        let bytes = Libfdt.bytes(value, count: Int(len))
        node.properties.append(Property(name: String(cString: namePtr), value: PropertyValue(bytes: bytes)))
      case UInt32(FDT_NOP):
        break
      case UInt32(FDT_END):
        guard let root else { return fail(.badStructure, "bad structure block: no root node") }
        if !stack.isEmpty {
          return fail(.badStructure, "bad structure block: FDT_END inside node \(stack.last?.name ?? "")")
        }
        return .success(root)
      default:
        return fail(.badStructure, "bad structure block: unknown tag 0x\(String(tag, radix: 16)) at offset \(offset)")
      }
      offset = next
    }
  }

  /// Turns an `fdt_check_full` failure into a sentence.
  private static func checkFailure(_ rc: Int32, path: String) -> BlobError {
    let libfdt = "(libfdt: \(Libfdt.message(rc)))"
    let (kind, reason): (BlobError.Kind, String) =
      switch -rc {
      case FDT_ERR_BADMAGIC: (.notABlob, "not a device tree blob \(libfdt)")
      case FDT_ERR_BADVERSION: (.badVersion, "unsupported blob version \(libfdt)")
      case FDT_ERR_ALIGNMENT: (.badHeader, "bad header: misaligned block \(libfdt)")
      case FDT_ERR_TRUNCATED:
        (
          .badStructure,
          "bad structure block: a tag, node name, property value or property name runs past the end of its block \(libfdt)"
        )
      case FDT_ERR_BADOFFSET:
        (.badStructure, "bad structure block: a property name offset points outside the strings block \(libfdt)")
      case FDT_ERR_BADSTRUCTURE:
        (.badStructure, "bad structure block: unknown tag, or nodes not properly nested \(libfdt)")
      case FDT_ERR_INTERNAL:
        (.badStructure, "bad structure block: unexpected tag \(libfdt)")
      default: (.badStructure, "libfdt rejected the blob \(libfdt)")
      }
    return BlobError(path: path, kind: kind, reason: reason)
  }
}
