import DTCore
import Foundation
import Testing
import _DTTestSupport

@Suite struct FileNameTests {
  @Test func validUTF8IsText() {
    let name = "board-ü-😀.dts"
    #expect(FileName.decode(Array(name.utf8)) == name)
    #expect(FileName.bytes(name) == Array(name.utf8))
    #expect(FileName.display(name) == name)
  }

  @Test func invalidBytesRoundTripAndDisplayAsHex() {
    let cases: [[UInt8]] = [
      [0xFF, 0x2E, 0x64, 0x74, 0x73],  // \xff.dts
      [0x6F, 0x2D, 0xC3],  // truncated sequence at the end
      [0xC0, 0xAF],  // overlong '/'
      [0xED, 0xA0, 0x80],  // a UTF-16 surrogate
      [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
      [0xF4, 0x8F, 0xBE, 0x80],  // U+10FF80 itself: one of the escape scalars, so escaped too
      [0x80, 0x61, 0xE2, 0x82, 0xAC],  // a stray continuation byte, then 'a€'
    ]
    for bytes in cases {
      let name = FileName.decode(bytes)
      #expect(FileName.bytes(name) == bytes, "\(bytes)")
    }
    #expect(FileName.display(FileName.decode([0xFF, 0x2E, 0x64, 0x74, 0x73])) == "\\xff.dts")
    #expect(FileName.display(FileName.decode([0x80, 0x61, 0xE2, 0x82, 0xAC])) == "\\x80a€")
  }

  @Test func distinctBytesGiveDistinctNames() {
    // U+10FF80 written validly and the byte 0x80 alone must not meet.
    let a = FileName.decode([0xF4, 0x8F, 0xBE, 0x80])
    let b = FileName.decode([0x80])
    #expect(a != b)
  }
}

/// The reason a read failed; nil when it succeeded.
private func failure(_ body: () throws -> Any) -> String? {
  do {
    _ = try body()
    return nil
  } catch { return (error as? SourceError)?.reason ?? "\(error)" }
}

private func failureDescription(_ body: () throws -> Any) -> String? {
  do {
    _ = try body()
    return nil
  } catch { return (error as? SourceError)?.description ?? "\(error)" }
}

@Suite struct FileAccessTests {
  @Test func fifoIsRefusedWhereAFileIsMeantWithoutWaiting() throws {
    let s = TestDirectory()
    let fifo = s.path + "/wait.dtsi"
    try #require(mkfifo(fifo, 0o600) == 0)
    let start = Date()
    #expect(
      failureDescription { try SourceManager.readBytes(path: fifo, limit: 1 << 20) }
        == "\(fifo): not a regular file (a FIFO)")
    // As a stream without a writer: no wait either, and a message that says why nothing came.
    #expect(
      failure { try FileAccess.readFile(fifo, limit: 1 << 20, accept: .regularFileOrStream) }
        == "a FIFO that gave no data (nothing was writing to it)")
    #expect(Date().timeIntervalSince(start) < 5)
    #expect(SourceManager.fileExists(fifo), "a FIFO exists: reading it says what it is, not 'not found'")
  }

  @Test func fifoWithAWriterIsReadAsAStream() throws {
    let s = TestDirectory()
    let fifo = s.path + "/in.dts"
    try #require(mkfifo(fifo, 0o600) == 0)
    let text = Array("/dts-v1/;\n/ { };\n".utf8)
    // The writer attaches first (opening for writing waits for a reader: a non-blocking read side holds it open).
    let holder = open(fifo, O_RDONLY | O_NONBLOCK)
    try #require(holder >= 0)
    let writer = open(fifo, O_WRONLY)
    try #require(writer >= 0)
    _ = text.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
    // The data waits in the pipe; the reader below sees it, then the end once the writer closes.
    Thread.detachNewThread {
      usleep(50_000)
      close(writer)
      close(holder)
    }
    let read = try FileAccess.readFile(fifo, limit: 1 << 20, accept: .regularFileOrStream)
    #expect(read == text)
  }

  @Test func directoriesAndMissingFilesAreNamed() throws {
    let s = TestDirectory()
    try FileManager.default.createDirectory(atPath: s.path + "/d", withIntermediateDirectories: true)
    #expect(!SourceManager.fileExists(s.path + "/d"))
    #expect(failure { try SourceManager.readBytes(path: s.path + "/d", limit: 100) } == "is a directory, not a file")
    #expect(
      failure { try SourceManager.readBytes(path: s.path + "/missing", limit: 100) } == "No such file or directory")
  }

  @Test func streamsStopAtTheLimit() throws {
    #expect(
      failure { try FileAccess.readFile("/dev/zero", limit: 1 << 20, accept: .regularFileOrStream) }
        == "more than 1048576 bytes (the limit for this input); stopped reading")
    // A character device where a regular file is meant.
    #expect(
      failure { try SourceManager.readBytes(path: "/dev/zero", limit: 100) }
        == "not a regular file (a character device)")
  }

  /// `bytes` written to a pipe by another thread, read with ``FileAccess/readToEnd(fd:name:limit:sizeHint:)``: the
  /// bytes, or the reason the read failed.
  private func readThroughPipe(_ bytes: [UInt8], limit: Int) throws -> Result<[UInt8], SourceError> {
    var fds: [Int32] = [0, 0]
    try #require(pipe(&fds) == 0)
    let done = DispatchSemaphore(value: 0)
    let writer = fds[1]
    Thread.detachNewThread {
      var at = 0
      while at < bytes.count {
        let n = bytes.withUnsafeBytes { write(writer, $0.baseAddress! + at, $0.count - at) }
        if n <= 0 { break }
        at += n
      }
      close(writer)
      done.signal()
    }
    defer {
      done.wait()
      close(fds[0])
    }
    do {
      return .success(try FileAccess.readToEnd(fd: fds[0], name: "the pipe", limit: limit))
    } catch {
      return .failure(error)
    }
  }

  /// A stream far larger than the first buffer (4 KiB) is read whole, across several buffer growths and reads that
  /// return part of what was asked; at the limit it is read, one byte past it is refused, also below the size of
  /// the first buffer.
  @Test func streamsAreReadWholeUpToTheLimit() throws {
    let bytes = (0..<300_001).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
    #expect(try readThroughPipe(bytes, limit: 1 << 20).get() == bytes)
    #expect(try readThroughPipe(bytes, limit: bytes.count).get() == bytes)
    #expect(try readThroughPipe([], limit: 100).get() == [])
    for (count, limit) in [(bytes.count, bytes.count - 1), (11, 10), (1, 0)] {
      guard case .failure(let error) = try readThroughPipe(Array(bytes.prefix(count)), limit: limit) else {
        Issue.record("\(count) bytes read with a limit of \(limit)")
        continue
      }
      #expect(error.description == "the pipe: more than \(limit) bytes (the limit for this input); stopped reading")
    }
    #expect(try readThroughPipe(Array(bytes.prefix(10)), limit: 10).get() == Array(bytes.prefix(10)))
    // A descriptor that cannot be read is named with the reason.
    #expect(
      failureDescription { try FileAccess.readToEnd(fd: -1, name: "nothing", limit: 10) }
        == "nothing: cannot read: Bad file descriptor")
  }

  @Test func regularFilesAreReadWholeAndRemembered() throws {
    let s = TestDirectory()
    let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let path = s.write("data.bin", bytes: bytes)
    #expect(try SourceManager.readBytes(path: path, limit: 1 << 20) == bytes)
    #expect(
      failure { try SourceManager.readBytes(path: path, limit: 1000) }
        == "file is 200000 bytes, larger than the limit of 1000 bytes")
    var st = stat()
    try #require(stat(path, &st) == 0)
    // Remembered by identity (the first path read under it: another test's deleted file may have had this inode).
    #expect(FileAccess.inputIdentities[FileIdentity(st)] != nil)
  }

  @Test func windowsAreReadWithoutTheRestOfTheFile() throws {
    let s = TestDirectory()
    let path = s.path + "/sparse.img"
    let fd = open(path, O_WRONLY | O_CREAT, 0o644)
    try #require(fd >= 0)
    #expect(ftruncate(fd, 4 << 30) == 0)
    _ = [UInt8]([1, 2, 3]).withUnsafeBytes { pwrite(fd, $0.baseAddress, 3, off_t(3 << 30)) }
    close(fd)
    #expect(try FileAccess.readWindow(path, offset: 3 << 30, length: 3) == [1, 2, 3])
    #expect(try FileAccess.readWindow("/dev/zero", offset: 1 << 40, length: 4) == [0, 0, 0, 0])
    #expect(
      failure { try FileAccess.readWindow(path, offset: (4 << 30) - 1, length: 3) }
        == "has fewer than 3 bytes after offset 4294967295")
    #expect(
      failure { try FileAccess.readWindow(path, offset: 5 << 30, length: 1) }
        == "couldn't seek to offset 5368709120 (the file has 4294967296 bytes)")
  }
}
