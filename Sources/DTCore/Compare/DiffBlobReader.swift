/// Reads a blob for `diff` (issue 20) without libfdt: the tree ``DTBReader/read(_:path:recover:properties:)``
/// builds, from the walk ``BlobDump`` makes (``BlobTags``, ``NodeIndex``), for the blobs that walk takes; nil for
/// any other, which the caller then reads with ``DTBReader`` (and which reports what is wrong with it).
///
/// The first walk (``NodeIndex``) checks the structure block as libfdt's `fdt_check_full` and the reader's walk do;
/// the second builds the nodes and properties in order, each property name read once per strings-block offset.
/// Phandles, labels (from the index) and whether the blob is an overlay are recovered as ``BlobRecovery`` recovers
/// them; value types are not: the tree's values have no markers, and ``DiffSide`` guesses the types of the values it
/// prints (``DiffInput/typesGuessed``).
enum DiffBlobReader {
  /// The tree of `bytes`, or nil when this path does not read it (see ``BlobDump`` for what it leaves out).
  static func read(_ bytes: [UInt8]) -> DeviceTree? {
    guard DTBReader.isBlob(bytes), let header = try? BlobHeader.parse(bytes, path: "", structure: false),
      header.version >= 16
    else { return nil }
    var tags = BlobTags(bytes, header)
    guard var index = NodeIndex(&tags), index.addLabels() else { return nil }
    tags.rewind()
    // In the order of the structure block, as the index has them.
    var built: [Node] = []
    built.reserveCapacity(index.nodes.count)
    // Property names by offset in the strings block (a board has a few hundred names for thousands of properties).
    var names: [String?] =
      header.stringsSize <= 1 << 16 ? Array(repeating: nil, count: header.stringsSize) : []
    var stack: [Node] = []
    var root: Node?
    while let tag = tags.next() {
      switch tag {
      case BlobTags.fdtBeginNode:
        let name = String(decoding: bytes[tags.nameStart..<tags.nameEnd], as: UTF8.self)
        let node = Node(name: name)
        built.append(node)
        if let parent = stack.last { parent.addChild(node) } else { root = node }
        stack.append(node)
      case BlobTags.fdtEndNode:
        guard stack.popLast() != nil else { return nil }
      case BlobTags.fdtProp:
        guard let node = stack.last else { return nil }
        let offset = tags.nameStart - tags.stringsStart
        let name: String
        if offset < names.count, let known = names[offset] {
          name = known
        } else {
          name = String(decoding: bytes[tags.nameStart..<tags.nameEnd], as: UTF8.self)
          if offset < names.count { names[offset] = name }
        }
        let value = PropertyValue(bytes: Array(bytes[tags.valueStart..<tags.valueEnd]))
        node.properties.append(Property(name: name, value: value))
      case BlobTags.fdtEnd:
        guard stack.isEmpty, let root, built.count == index.nodes.count else { return nil }
        let tree = DeviceTree(root: root, reserves: header.reserves, bootCPUID: header.bootCPUID)
        // What ``BlobRecovery/recover(_:)`` gives a blob without fixups: phandles, whether it is an overlay, labels
        // (found by the index as it finds them); value types are guessed by the comparison, for the values it
        // prints.
        // BlobRecovery.assignPhandles: the first node (in pre-order) with a phandle gets it.
        // (A dictionary of the type the phandle index uses: a Set<UInt32> would cost its own conformance look-up.)
        var assigned: [UInt32: Node] = [:]
        for node in built {
          let ph = PhandleIndex.declaredPhandle(node)
          if ph != 0, assigned[ph] == nil {
            node.phandle = ph
            assigned[ph] = node
          }
        }
        tree.isPlugin = index.isPlugin
        for (i, entry) in index.nodes.enumerated() where entry.firstLabel >= 0 {
          var labels: [String] = []
          var l = entry.firstLabel
          while l >= 0 {
            let label = index.labels[l]
            labels.append(String(decoding: bytes[label.nameStart..<label.nameEnd], as: UTF8.self))
            l = label.next
          }
          built[i].labels = labels
        }
        return tree
      default:
        break
      }
    }
    return nil
  }
}
