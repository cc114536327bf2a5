import ArgumentParser
import DTCore
import Foundation

/// An output that could not be written: the path, why, and the exit status (2, or 64 when the output names an
/// input).
struct OutputError: Error, CustomStringConvertible {
  var path: String
  var reason: String
  var exitCode: Int32 = Exit.inputError
  var description: String { "\(path): \(reason)" }
}

/// The one output writer of every command that writes (compile, apply, overlay make, hmp generate and fix,
/// generate-manual). What happens depends on what `path` already is:
///
/// - `-`: standard output, written in full (see ``writeStandardOutput(bytes:)``).
/// - a regular file, or nothing yet: a temporary file beside it, written, synced, given the old file's mode (and
///   owner and group when the process may set them; a new file gets 0666 less the umask), then renamed over it.
///   Readers see the old file or the new one, never a mix; concurrent writers leave one complete result. The
///   temporary file is removed on every error and on SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGPIPE.
/// - a symbolic link (or a chain of them, relative or absolute): followed; the file it ends at is replaced as
///   above, in that file's directory, and the link stays. A dangling link creates the file it names.
/// - a FIFO, character or block device: opened and written in full, never replaced (a FIFO waits for a reader, as
///   a shell redirection does). A short write or an error (ENOSPC on /dev/full) fails naming the path.
/// - a directory or a socket: refused.
///
/// A regular file that this run read as an input (same device and inode: through a symbolic or hard link too) is
/// refused with exit status 64, unless it is `inPlace`, the input the command was told to overwrite.
func writeOutput(_ bytes: [UInt8], to path: String, inPlace: String? = nil) throws(OutputError) {
  if path == "-" {
    writeStandardOutput(bytes: bytes)
    return
  }
  guard !path.isEmpty else { throw OutputError(path: "''", reason: "empty output file name", exitCode: Exit.usage) }
  let (target, status) = try followLinks(path)
  guard let st = status else {
    try replaceAtomically(target, named: path, existing: nil, bytes: bytes)
    return
  }
  switch FileType(mode: st.st_mode) {
  case .regular:
    if let input = FileAccess.inputIdentities[FileIdentity(st)],
      inPlace.flatMap(FileAccess.status).map(FileIdentity.init) != FileIdentity(st)
    {
      throw OutputError(
        path: path,
        reason: "is an input of this command (read as '\(input)'); dtlint does not write over its inputs"
          + (inPlace == nil ? "" : " other than the one --in-place names"),
        exitCode: Exit.usage)
    }
    try replaceAtomically(target, named: path, existing: st, bytes: bytes)
  case .fifo, .characterDevice, .blockDevice:
    try writeDirectly(target, named: path, bytes: bytes)
  case .directory:
    throw OutputError(path: path, reason: "is a directory, not a file")
  case let type:
    throw OutputError(path: path, reason: "is \(type.phrase): dtlint writes files, FIFOs and devices")
  }
}

/// Checks an output option before any work: an empty name is a usage error naming `option`. (A directory, like a
/// missing one, is found when writing: exit 2.)
func validateOutput(_ path: String?, option: String) throws {
  if path?.isEmpty == true { throw ValidationError("\(option) needs a file name ('-' for standard output), not ''") }
}

/// Checks that two outputs of one command are different files (by path, and by device and inode when they
/// exist: a symbolic or hard link to the same file counts as the same).
func validateDistinctOutputs(_ a: (option: String, path: String?), _ b: (option: String, path: String?)) throws {
  guard let pa = a.path, let pb = b.path, pa != "-", pb != "-" else { return }
  var same = PathDisplay.normalize(pa) == PathDisplay.normalize(pb)
  if !same, let sa = FileAccess.status(pa), let sb = FileAccess.status(pb),
    FileType(mode: sa.st_mode) == .regular
  {
    same = FileIdentity(sa) == FileIdentity(sb)
  }
  if same { throw ValidationError("\(a.option) '\(pa)' and \(b.option) '\(pb)' name the same file") }
}

/// The path a chain of symbolic links ends at (which may not exist yet), and the status of what is there (nil:
/// nothing yet). The status is the last `lstat`, which is the file's `stat` since it is no link: one call, not two.
/// Relative link targets are taken from the link's own directory.
private func followLinks(_ path: String) throws(OutputError) -> (String, stat?) {
  var current = path
  for _ in 0..<40 {
    guard let st = FileAccess.linkStatus(current) else {
      let error = errno
      guard error == ENOENT else { throw OutputError(path: path, reason: errnoDescription(error)) }
      return (current, nil)
    }
    guard FileType(mode: st.st_mode) == .symbolicLink else { return (current, st) }
    var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = FileName.withCString(current) { p in
      buffer.withUnsafeMutableBufferPointer { readlink(p, UnsafeMutableRawPointer($0.baseAddress!), $0.count - 1) }
    }
    if n < 0 { throw OutputError(path: path, reason: "cannot read the symbolic link: \(errnoDescription())") }
    let link = FileName.decode(buffer[0..<n])
    if link.hasPrefix("/") {
      current = link
    } else {
      let dir = directory(of: current)
      current = dir == "." ? link : (dir.hasSuffix("/") ? dir + link : dir + "/" + link)
    }
  }
  throw OutputError(path: path, reason: "too many levels of symbolic links")
}

private func directory(of path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return "." }
  return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// Temporary file beside `target`, written, synced, mode (and owner) of `existing`, renamed over `target`.
private func replaceAtomically(_ target: String, named path: String, existing: stat?, bytes: [UInt8])
  throws(OutputError)
{
  let dir = directory(of: target)
  let base = FileName.bytes(
    String(target[(target.lastIndex(of: "/").map { target.index(after: $0) } ?? target.startIndex)...]))
  // ".NAME.dtlint-XXXXXX", the name cut so that the whole stays within NAME_MAX.
  var template = FileName.bytes(dir) + Array("/.".utf8) + base.prefix(200) + Array(".dtlint-XXXXXX".utf8)
  template.append(0)
  var cTemplate = template.map { CChar(bitPattern: $0) }
  // Blocked signals between creating and registering the file: a signal then cannot leave it behind.
  var all = sigset_t()
  var previous = sigset_t()
  sigfillset(&all)
  pthread_sigmask(SIG_BLOCK, &all, &previous)
  let fd = cTemplate.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
  let createError = errno
  if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
  let slot = fd >= 0 ? PendingFiles.register(cTemplate) : nil
  pthread_sigmask(SIG_SETMASK, &previous, nil)
  if fd < 0 {
    throw OutputError(
      path: path,
      reason: "cannot create a temporary file in '\(dir)' to replace it atomically: \(errnoDescription(createError))")
  }
  var done = false
  var open = true
  defer {
    if open { close(fd) }
    if !done { _ = cTemplate.withUnsafeBufferPointer { unlink($0.baseAddress!) } }
    PendingFiles.release(slot)
  }
  func fail(_ what: String, _ code: Int32 = errno) -> OutputError {
    OutputError(path: path, reason: "\(what): \(errnoDescription(code))")
  }
  let error = writeAll(fd, bytes)
  if error != 0 { throw fail("cannot write", error) }
  if let existing {
    // Owner first: chown clears set-id bits, the mode then restores them. Either may be refused to a
    // non-root process; the file is then written with this process's owner (and the old mode).
    if existing.st_uid != geteuid() || existing.st_gid != getegid() {
      if fchown(fd, existing.st_uid, existing.st_gid) != 0 { _ = fchown(fd, uid_t.max, existing.st_gid) }
    }
    if fchmod(fd, existing.st_mode & 0o7777) != 0 { throw fail("cannot set the mode") }
  } else {
    let mask = umask(0)
    umask(mask)
    if fchmod(fd, 0o666 & ~mask) != 0 { throw fail("cannot set the mode") }
  }
  if fsync(fd) != 0 && errno != EINVAL && errno != EROFS { throw fail("cannot sync") }
  open = false
  if close(fd) != 0 { throw fail("cannot write") }
  let renamed = cTemplate.withUnsafeBufferPointer { tmp in FileName.withCString(target) { rename(tmp.baseAddress!, $0) }
  }
  if renamed != 0 { throw fail("cannot rename the temporary file into place") }
  done = true
}

/// Writes to a FIFO or device as it is: all of `bytes`, or an error naming `path`.
private func writeDirectly(_ target: String, named path: String, bytes: [UInt8]) throws(OutputError) {
  let fd = FileName.withCString(target) { open($0, O_WRONLY | O_CLOEXEC | O_NOCTTY) }
  if fd < 0 { throw OutputError(path: path, reason: "cannot open for writing: \(errnoDescription())") }
  let error = writeAll(fd, bytes)
  let closeError = close(fd) != 0 ? errno : 0
  if error == EPIPE { ProcessStreams.endOnBrokenPipe() }
  if error != 0 { throw OutputError(path: path, reason: "cannot write: \(errnoDescription(error))") }
  if closeError != 0 && closeError != EINTR {
    throw OutputError(path: path, reason: "cannot write: \(errnoDescription(closeError))")
  }
}
