import ConsoleTerminal
import MotionMCPConsole
import ServiceLifecycle

/// The terminal console as a service of the group: it runs until the operator quits (after
/// every model has drained) or a signal arrives, and returning ends the group — whose shutdown
/// sequence then drains whatever is still running.
struct ConsoleService: Service {
    let console: TerminalConsole

    func run() async throws {
        try await withGracefulShutdownHandler {
            _ = try await console.run()
        } onGracefulShutdown: {
            console.stop()
        }
    }
}
