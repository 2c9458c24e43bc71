import CNCurses
import Glibc
import MotionMCPConsole
import MotionMCPControl
import Synchronization

/// What the curses loop tells the async side of ``TerminalConsole/run()``.
enum LoopEvent: Sendable {
    /// The operator quit: run the work quitting needs (an in-process server's shutdown), then
    /// request ``ExitReason/quit``.
    case quit(ServerWork?)
    /// Run server work and post its outcome to the loop's ``Outcomes``.
    case perform(ServerWork)
    /// The terminal is restored and the loop is over.
    case ended(ExitReason)
    /// Curses could not start.
    case failed(TerminalConsoleError)
}

/// The console's event loop, run on its own thread: it waits for a key, a wake-up, captured
/// output or the next tick; feeds keys to the session; takes a snapshot each tick; and draws only
/// when the rendered screen differs from what is shown. Idle, that is a few cheap wake-ups a second.
struct ConsoleLoop {
    /// Makes the screen's model, on the loop's thread.
    let makeModel: @Sendable () -> any ConsoleModel
    let ring: LogRing
    let refreshInterval: Duration
    let captureOutput: Bool
    let stop: StopSignal
    let outcomes: Outcomes

    /// Runs until `stop` is requested, reporting through `events`; the terminal is restored
    /// before ``LoopEvent/ended(_:)`` is sent.
    func run(events: AsyncStream<LoopEvent>.Continuation) {
        defer { events.finish() }
        var capture = captureOutput ? OutputCapture.start() : nil
        var session = makeModel()
        guard var terminal = CursesTerminal(output: capture?.terminal ?? mmcp_stdout(), theme: session.theme) else {
            TerminalRestore.restore()
            capture?.finish(into: ring)
            events.yield(.failed(.cannotStartCurses))
            return
        }

        let clock = ContinuousClock()
        var nextTick = clock.now
        var themeName = session.theme.name
        // Keys redraw at once; everything else (snapshots, log lines) waits for the next tick,
        // so a chatty server cannot make the console redraw more than a few times a second.
        var needsDraw = true
        while stop.requested == nil {
            let now = clock.now
            if now >= nextTick {
                session.refresh()
                nextTick = now + refreshInterval
                needsDraw = true
            }
            if terminal.wasEndedElsewhere { break }
            if needsDraw {
                let size = terminal.size
                let log = Array(ring.lines.suffix(max(0, size.height)))
                terminal.draw(session.render(log: log, size: size))
                needsDraw = false
            }

            wait(until: nextTick, capture: capture?.readFD, clock: clock)
            stop.drain()
            // stdout into a pipe is fully buffered: push out what `print` left in stdio's buffer.
            mmcp_flush_output()
            capture?.collect(into: ring)
            for message in outcomes.take() {
                session.report(message)
                needsDraw = true
            }
            while let input = terminal.read() {
                needsDraw = true
                switch input {
                case .resize, .repaint:
                    terminal.invalidate()
                case .key(let key):
                    guard let request = session.handle(key) else { break }
                    if request == .quit {
                        events.yield(.quit(session.work(for: .quit)))
                    } else if let work = session.work(for: request) {
                        events.yield(.perform(work))
                    }
                }
            }
            if session.theme.name != themeName {
                themeName = session.theme.name
                terminal.apply(session.theme)
            }
        }
        terminal.end()
        capture?.finish(into: ring)
        events.yield(.ended(stop.requested ?? .stopped))
    }

    /// Sleeps in `poll` until a key, a wake-up, captured output (read at once, so a writer never
    /// blocks on a full pipe), or `deadline`.
    private func wait(until deadline: ContinuousClock.Instant, capture: Int32?, clock: ContinuousClock) {
        var fds = [
            pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stop.readFD, events: Int16(POLLIN), revents: 0),
        ]
        if let capture { fds.append(pollfd(fd: capture, events: Int16(POLLIN), revents: 0)) }
        let remaining = clock.now.duration(to: deadline)
        let milliseconds = Int32(max(0, min(remaining / .milliseconds(1), Double(Int32.max - 1))))
        _ = poll(&fds, nfds_t(fds.count), milliseconds + 1)
    }
}

/// What server commands answered, waiting for the loop to show them: the async side posts and
/// wakes the loop, the loop takes them on its next turn.
final class Outcomes: Sendable {
    private let messages = Mutex<[ConsoleState.Message]>([])
    private let stop: StopSignal

    init(waking stop: StopSignal) { self.stop = stop }

    func post(_ message: ConsoleState.Message) {
        messages.withLock { $0.append(message) }
        stop.wake()
    }

    func take() -> [ConsoleState.Message] {
        messages.withLock { taken in
            defer { taken = [] }
            return taken
        }
    }
}
