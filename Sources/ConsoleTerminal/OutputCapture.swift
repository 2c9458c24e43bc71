import CNCurses
import Foundation
import MotionMCPConsole

/// Sends everything written to stdout and stderr while the console runs (a stray `print`, a
/// library's warning) into the log ring as `output` lines, so nothing writes to the terminal
/// behind curses' back. Curses itself draws on a duplicate of the original stdout.
struct OutputCapture {
    /// The pipe's read end, polled by the loop.
    let readFD: Int32
    /// The terminal, for curses to draw on.
    let terminal: UnsafeMutablePointer<FILE>
    private var partial: [UInt8] = []

    /// Points fds 1 and 2 at a pipe, remembering the originals for ``restore()`` and for the C
    /// shim's exit and crash handlers. `nil` (nothing changed) when a descriptor cannot be made.
    static func start() -> OutputCapture? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        let savedOut = dup(STDOUT_FILENO)
        let savedErr = dup(STDERR_FILENO)
        let cursesFD = dup(STDOUT_FILENO)
        guard savedOut >= 0, savedErr >= 0, cursesFD >= 0, let terminal = fdopen(cursesFD, "w") else {
            for fd in [fds[0], fds[1], savedOut, savedErr, cursesFD] where fd >= 0 { close(fd) }
            return nil
        }
        mmcp_flush_output()
        dup2(fds[1], STDOUT_FILENO)
        dup2(fds[1], STDERR_FILENO)
        close(fds[1])
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        TerminalRestore.remember(output: savedOut, error: savedErr, capture: fds[0])
        return OutputCapture(readFD: fds[0], terminal: terminal)
    }

    /// Moves whatever has been written since the last call into `ring`, a line at a time; a line
    /// without its newline yet waits for the rest.
    mutating func collect(into ring: LogRing) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(readFD, &buffer, buffer.count)
            guard count > 0 else { break }
            partial.append(contentsOf: buffer[..<count])
        }
        while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
            append(partial[..<newline], to: ring)
            partial.removeSubrange(...newline)
        }
    }

    /// Collects the last output, including an unfinished line, and closes the pipe. Call after the
    /// terminal was restored (``TerminalRestore/restore()``), which points fds 1 and 2 back at it.
    mutating func finish(into ring: LogRing) {
        collect(into: ring)
        if !partial.isEmpty { append(partial[...], to: ring) }
        partial = []
        close(readFD)
    }

    private func append(_ bytes: ArraySlice<UInt8>, to ring: LogRing) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard !text.isEmpty else { return }
        ring.append(LogLine(time: Date(), level: "output", text: text))
    }
}
