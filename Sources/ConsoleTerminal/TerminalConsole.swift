import Foundation
import Glibc
import MotionMCPConsole
import MotionMCPControl
import Synchronization

/// Why the console could not run.
public enum TerminalConsoleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// stdin or stdout is not a terminal (use `--once` in scripts).
    case notATerminal
    /// Curses could not start, typically because `TERM` names no known terminal.
    case cannotStartCurses
    /// `run()` was called while the console was already running.
    case alreadyRunning
    /// The operating system would not give the console a pipe to wake itself with.
    case noWakePipe

    public var description: String {
        switch self {
        case .notATerminal: "the console needs a terminal on stdin and stdout (try --once)"
        case .cannotStartCurses: "cannot start curses: is TERM set to a known terminal?"
        case .alreadyRunning: "the console is already running"
        case .noWakePipe: "cannot create the console's wake-up pipe"
        }
    }
}

/// The operations console on a real terminal. All curses calls happen on one dedicated thread
/// (not the cooperative pool); ``run()`` awaits it and drains every model when the operator quits.
///
/// ```swift
/// let ring = LogRing()
/// LoggingSystem.bootstrap { RingLogHandler(label: $0, ring: ring) }
/// let console = TerminalConsole(control: server, logRing: ring,
///                               themes: .load(directory: "themes", environment: ProcessInfo.processInfo.environment))
/// let reason = try await console.run()
/// ```
///
/// The terminal is restored on every way out: quitting, ``stop()``, cancellation of the task,
/// SIGINT/SIGTERM (reported as ``ExitReason/signal(_:)``), `exit()` and fatal signals (a C-level
/// `atexit` and crash handler).
public final class TerminalConsole: Sendable {
    private let makeModel: @Sendable () -> any ConsoleModel
    private let logRing: LogRing
    private let refreshInterval: Duration
    private let stopSignals: [Int32]
    private let captureOutput: Bool
    private let running = Mutex<StopSignal?>(nil)

    /// A console driving `control`, showing `logRing` in its event pane.
    /// - Parameters:
    ///   - themes: the themes `t` and `:theme` choose from.
    ///   - themeName: the theme to start with (`--theme`); the catalog's choice when `nil`.
    ///   - readOnly: refuse every key and command that changes the server.
    ///   - refreshInterval: how often a snapshot is taken (and so at most how often the screen
    ///     changes when no key is pressed).
    ///   - stopSignals: signals that end the console cleanly; pass `[]` only if something else
    ///     turns them into a ``stop()`` before curses starts.
    ///   - captureOutput: send stdout and stderr into the log ring while the console runs.
    public convenience init(
        control: any ServerControl, logRing: LogRing, themes: ThemeCatalog, themeName: String? = nil,
        readOnly: Bool = false, refreshInterval: Duration = .milliseconds(250), stopSignals: [Int32] = [SIGINT, SIGTERM],
        captureOutput: Bool = true
    ) {
        self.init(
            logRing: logRing, refreshInterval: refreshInterval, stopSignals: stopSignals, captureOutput: captureOutput,
            model: { ConsoleSession(control: control, catalog: themes, themeName: themeName, readOnly: readOnly) })
    }

    /// A console showing the screen `model` makes (a ``ConsoleSession`` or a ``FleetSession``),
    /// with `logRing` in its event pane; the other parameters as for
    /// ``init(control:logRing:themes:themeName:readOnly:refreshInterval:stopSignals:captureOutput:)``.
    public init(
        logRing: LogRing, refreshInterval: Duration = .milliseconds(250), stopSignals: [Int32] = [SIGINT, SIGTERM],
        captureOutput: Bool = true, model: @escaping @Sendable () -> any ConsoleModel
    ) {
        self.makeModel = model
        self.logRing = logRing
        self.refreshInterval = refreshInterval
        self.stopSignals = stopSignals
        self.captureOutput = captureOutput
    }

    /// Shows the console until the operator quits (in process, after the server's shutdown has
    /// drained every model; attached, at once), ``stop()``
    /// is called, the task is cancelled, or a stop signal arrives; the terminal is clean when it
    /// returns.
    public func run() async throws -> ExitReason {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { throw TerminalConsoleError.notATerminal }
        guard let stop = StopSignal() else { throw TerminalConsoleError.noWakePipe }
        let started = running.withLock { current in
            guard current == nil else { return false }
            current = stop
            return true
        }
        guard started else { throw TerminalConsoleError.alreadyRunning }
        defer { running.withLock { $0 = nil } }

        let signals = SignalWatcher(stopSignals, stop: stop)
        defer { signals.cancel() }
        let (events, continuation) = AsyncStream.makeStream(of: LoopEvent.self)
        let outcomes = Outcomes(waking: stop)
        let loop = ConsoleLoop(
            makeModel: makeModel, ring: logRing, refreshInterval: refreshInterval, captureOutput: captureOutput, stop: stop,
            outcomes: outcomes)
        let thread = Thread { loop.run(events: continuation) }
        thread.name = "mmcp-console"
        thread.start()

        return try await withTaskCancellationHandler {
            var outcome: Result<ExitReason, TerminalConsoleError> = .success(.stopped)
            // Commands run beside the loop, so a slow or unreachable server never freezes the screen.
            await withDiscardingTaskGroup { commands in
                for await event in events {
                    switch event {
                    case .quit(let work):
                        // The loop keeps drawing meanwhile, so the operator watches the drains.
                        if let work { _ = await work() }
                        stop.request(.quit)
                    case .perform(let work):
                        commands.addTask {
                            if let message = await work() { outcomes.post(message) }
                        }
                    case .ended(let reason):
                        outcome = .success(reason)
                        commands.cancelAll()
                    case .failed(let error):
                        outcome = .failure(error)
                        commands.cancelAll()
                    }
                }
            }
            return try outcome.get()
        } onCancel: {
            stop.request(.stopped)
        }
    }

    /// Ends a running console without draining anything (SIGTERM handling, shutdown of the
    /// service group); ``run()`` then returns ``ExitReason/stopped``.
    public func stop() {
        running.withLock { $0 }?.request(.stopped)
    }
}
