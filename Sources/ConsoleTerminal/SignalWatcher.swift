import Dispatch
import Glibc

/// Turns SIGINT and SIGTERM into stop requests for the curses loop instead of killing the
/// process with the terminal still in curses mode. The signals are ignored at the process level
/// (so neither the default action nor ncurses' own handler runs) and watched through dispatch
/// sources, which swift-service-lifecycle's signal handling can share.
final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]
    private let previous: [(signal: Int32, handler: sighandler_t?)]

    /// Starts watching `signals`, reporting each as ``ExitReason/signal(_:)`` to `stop`.
    init(_ signals: [Int32], stop: StopSignal) {
        previous = signals.map { ($0, signal($0, SIG_IGN)) }
        sources = signals.map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.request(.signal(number)) }
            source.resume()
            return source
        }
    }

    /// Stops watching and gives the signals their previous dispositions back.
    func cancel() {
        for source in sources { source.cancel() }
        for (number, handler) in previous { signal(number, handler) }
    }
}
