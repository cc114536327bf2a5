// TEMPORARY scratch until the blob layer lands.
public enum DTBReader {
  public static func isBlob(_ b: [UInt8]) -> Bool { b.count >= 4 && b[0] == 0xD0 && b[1] == 0x0D && b[2] == 0xFE && b[3] == 0xED }
  public static func read(_ b: [UInt8], path: String) throws(LoadError) -> DeviceTree { throw LoadError(path: path, reason: "blob reading not available yet") }
}
public enum DTSPrinter { public static func print(_ t: DeviceTree) -> String { "" } }
public enum DTBWriter {
  public static func blob(of tree: DeviceTree) -> [UInt8] {
    var strings: [UInt8] = []
    var strIndex: [String: Int] = [:]
    func str(_ s: String) -> Int {
      if let i = strIndex[s] { return i }
      let needle = Array(s.utf8) + [0]
      if strings.count >= needle.count {
        var i = 0
        while i + needle.count <= strings.count {
          if Array(strings[i..<(i + needle.count)]) == needle { strIndex[s] = i; return i }
          i += 1
        }
      }
      let off = strings.count
      strings += needle
      strIndex[s] = off
      return off
    }
    var st: [UInt8] = []
    func u32(_ v: UInt32) { st += [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    func pad() { while st.count % 4 != 0 { st.append(0) } }
    func emit(_ n: Node) {
      u32(1); st += Array(n.name.utf8) + [0]; pad()
      for p in n.properties where !p.deleted { u32(3); u32(UInt32(p.value.bytes.count)); u32(UInt32(str(p.name))); st += p.value.bytes; pad() }
      for c in n.children where !c.deleted { emit(c) }
      u32(2)
    }
    emit(tree.root); u32(9)
    var rsv: [UInt8] = []
    func u64(_ v: UInt64) { for k in (0..<8).reversed() { rsv.append(UInt8(v >> UInt64(k * 8) & 0xff)) } }
    for r in tree.reserves { u64(r.address); u64(r.size) }
    u64(0); u64(0)
    let offRsv = 40, offStruct = offRsv + rsv.count, offStrings = offStruct + st.count
    let total = offStrings + strings.count
    var out: [UInt8] = []
    func h(_ v: Int) { let x = UInt32(v); out += [UInt8(x >> 24 & 0xff), UInt8(x >> 16 & 0xff), UInt8(x >> 8 & 0xff), UInt8(x & 0xff)] }
    h(0xd00dfeed); h(total); h(offStruct); h(offStrings); h(offRsv); h(17); h(16); h(Int(tree.bootCPUID)); h(strings.count); h(st.count)
    return out + rsv + st + strings
  }
}
