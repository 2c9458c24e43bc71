import MotionMCPControl
import MotionMCPProtocol

/// What the terminal layer drives: a screen over one server (``ConsoleSession``) or over a fleet
/// (``FleetSession``). The terminal feeds it keys on its drawing thread, runs the server work a
/// key asks for off that thread, reports the outcome back, and draws what it renders.
public protocol ConsoleModel: Sendable {
    /// The theme in use (the terminal re-applies colours when it changes).
    var theme: Theme { get }

    /// Takes new snapshots of the server or servers shown.
    mutating func refresh()

    /// Handles one key press; returns what the terminal layer has to do beyond redrawing.
    mutating func handle(_ key: Key) -> SessionRequest?

    /// Shows the outcome of server work on the message line.
    mutating func report(_ message: ConsoleState.Message)

    /// The server work `request` stands for, to run off the drawing thread: a server command, a
    /// rolling drain, or (``SessionRequest/quit``) the in-process server's shutdown. `nil` when
    /// there is none (quitting an attached console changes no server).
    func work(for request: SessionRequest) -> ServerWork?

    /// The screen at `size`, with the last lines of `log` in the event pane.
    func render(log: [LogLine], size: Size) -> Screen
}

/// Server work run off the drawing thread; what it returns goes to the message line.
public typealias ServerWork = @Sendable () async -> ConsoleState.Message?
