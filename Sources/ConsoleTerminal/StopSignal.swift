import Glibc
import Synchronization

/// How the console ended.
public enum ExitReason: Sendable, Equatable {
    /// The operator quit (`q` then `y`, or `:quit`); every model was drained first.
    case quit
    /// ``TerminalConsole/stop()`` was called, or the task running the console was cancelled.
    case stopped
    /// SIGINT (Ctrl-C) or SIGTERM arrived; nothing was drained: the caller shuts the server down.
    case signal(Int32)
}

/// The one thing other threads tell the curses loop: stop, and why. Also wakes the loop at once
/// through a pipe it polls next to the keyboard, so a stop does not wait for the next tick.
final class StopSignal: Sendable {
    private let reason = Mutex<ExitReason?>(nil)
    /// The pipe's read end, polled by the loop.
    let readFD: Int32
    private let writeFD: Int32

    /// A signal with a fresh non-blocking pipe; `nil` when no pipe can be made.
    init?() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        (readFD, writeFD) = (fds[0], fds[1])
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Asks the loop to stop for `why`; the first request wins.
    func request(_ why: ExitReason) {
        let first = reason.withLock { current in
            guard current == nil else { return false }
            current = why
            return true
        }
        if first { wake() }
    }

    /// Why the loop should stop, if it should.
    var requested: ExitReason? { reason.withLock { $0 } }

    /// Makes the loop's poll return. A full pipe already wakes it, so a failed write is fine.
    func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Empties the pipe after a wake-up.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buffer, buffer.count) > 0 {}
    }
}
