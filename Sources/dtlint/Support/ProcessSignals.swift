import DTCore
import Foundation
import Synchronization

/// Temporary files an output writer has not yet renamed into place, kept where a signal handler can reach them
/// without allocating: a fixed table of NUL-terminated paths, each slot marked in use by an atomic flag. The
/// handler unlinks every slot in use, restores the default action and raises the signal again, so the process ends
/// as the signal says (the shell sees 128 + the signal number) and no temporary file stays behind.
enum PendingFiles {
  static let slotCount = 32
  static let slotSize = Int(PATH_MAX) + 1

  private static let storage = Storage()
  private static let registration = Mutex(())

  /// The table, allocated once (before any handler is installed) and never freed.
  private final class Storage: @unchecked Sendable {
    let names: UnsafeMutablePointer<CChar>
    let inUse: UnsafeMutablePointer<Atomic<Int>>
    init() {
      // Left as allocated: a slot's bytes are read only while it is in use, after `register` wrote them. (Zeroing
      // the 128 KiB touched all 33 of its pages at every start: a fault each.)
      names = .allocate(capacity: PendingFiles.slotCount * PendingFiles.slotSize)
      inUse = .allocate(capacity: PendingFiles.slotCount)
      for i in 0..<PendingFiles.slotCount { (inUse + i).initialize(to: Atomic(0)) }
    }
  }

  /// Remembers `path` (NUL-terminated bytes); the slot to pass to ``release(_:)``, nil when the table is full or
  /// the path too long (the file is then still removed on every error, only not on a signal).
  static func register(_ path: [CChar]) -> Int? {
    guard path.count <= slotSize, path.last == 0 else { return nil }
    let s = storage
    return registration.withLock { _ -> Int? in
      for i in 0..<slotCount where s.inUse[i].load(ordering: .acquiring) == 0 {
        path.withUnsafeBufferPointer { (s.names + i * slotSize).initialize(from: $0.baseAddress!, count: path.count) }
        s.inUse[i].store(1, ordering: .releasing)
        return i
      }
      return nil
    }
  }

  /// Forgets a slot (after the file was renamed or removed).
  static func release(_ slot: Int?) {
    guard let slot else { return }
    storage.inUse[slot].store(0, ordering: .releasing)
  }

  /// Unlinks every pending file. Async-signal-safe: atomic loads and `unlink` only.
  static func unlinkAll() {
    let s = storage
    for i in 0..<slotCount where s.inUse[i].load(ordering: .acquiring) != 0 {
      unlink(s.names + i * slotSize)
    }
  }

  /// Touches the table so that its lazy initialisation never runs inside a signal handler.
  static func prepare() { _ = storage }
}

/// The signals that end the process with outputs pending.
private let terminatingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT]

/// The handler: remove pending temporary files, then die of the same signal.
private func removePendingAndReraise(_ signal: Int32) {
  PendingFiles.unlinkAll()
  var action = sigaction()
  action.__sigaction_handler.sa_handler = SIG_DFL
  sigemptyset(&action.sa_mask)
  sigaction(signal, &action, nil)
  // Blocked while its handler runs: delivered, with the default action, when the handler returns.
  raise(signal)
}

enum ProcessStreams {
  /// Called first in `main`: standard streams that were closed are held by /dev/null opened the wrong way round (so
  /// a file dtlint opens can never become "standard output", and writing to a closed stdout still fails with
  /// EBADF), and the signal handlers that remove pending temporary files are installed (and the signals unblocked).
  /// A signal ignored by the parent (`nohup`) stays ignored, except SIGPIPE: dtlint ends on a broken pipe as `cat`
  /// and `grep` do.
  static func prepare() {
    for (fd, flags) in [(STDIN_FILENO, O_WRONLY), (STDOUT_FILENO, O_RDONLY), (STDERR_FILENO, O_WRONLY)] {
      if fcntl(fd, F_GETFD) < 0 && errno == EBADF {
        let opened = open("/dev/null", flags | O_CLOEXEC)
        if opened >= 0 && opened != fd {
          dup2(opened, fd)
          close(opened)
        }
        // dup2 does not copy close-on-exec: a child (generate-manual's --experimental-dump-help) gets the stream
        // as closed as it was for us.
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
      }
    }
    PendingFiles.prepare()
    // A mask inherited from the parent (a thread of a dispatch pool that spawned us blocks most signals) would
    // hold these signals back for the whole run: unblocked, they end the process and clean up as they should.
    var handled = sigset_t()
    sigemptyset(&handled)
    for sig in terminatingSignals { sigaddset(&handled, sig) }
    pthread_sigmask(SIG_UNBLOCK, &handled, nil)
    for sig in terminatingSignals {
      var old = sigaction()
      sigaction(sig, nil, &old)
      let ignored =
        unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
      if sig != SIGPIPE && ignored { continue }
      var action = sigaction()
      action.__sigaction_handler.sa_handler = removePendingAndReraise
      sigemptyset(&action.sa_mask)
      for other in terminatingSignals { sigaddset(&action.sa_mask, other) }
      sigaction(sig, &action, nil)
    }
  }

  /// Ends the process as a broken pipe does (killed by SIGPIPE: status 141 in the shell, no message), after
  /// removing pending temporary files. Used when a write sees EPIPE because SIGPIPE was blocked.
  static func endOnBrokenPipe() -> Never {
    PendingFiles.unlinkAll()
    var action = sigaction()
    action.__sigaction_handler.sa_handler = SIG_DFL
    sigemptyset(&action.sa_mask)
    sigaction(SIGPIPE, &action, nil)
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGPIPE)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    raise(SIGPIPE)
    exit(128 + SIGPIPE)
  }
}
