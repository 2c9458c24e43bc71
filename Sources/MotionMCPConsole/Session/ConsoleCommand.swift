/// A line typed after `:`.
public enum ConsoleCommand: Sendable, Equatable {
    /// `add null ID [SPEC.json]`: hot-add a NullBackbone, optionally with its capabilities from a spec file.
    case addNull(id: String, specPath: String?)
    /// `add upstream [ID=]URL`: serve the models of another MMCP server (or its model `ID`).
    case addUpstream(address: String)
    /// `drain ID`: drain a model (no confirmation: it was typed out).
    case drain(id: String)
    /// `openapi on|off`.
    case openAPI(enabled: Bool)
    /// `theme NAME`.
    case theme(name: String)
    /// `quit`: drain every model and exit (no confirmation: it was typed out); attached, leave.
    case quit
    /// `shutdown`: asks, then starts the server's graceful shutdown (SIGTERM's sequence).
    case shutdown

    /// The command's name (its first verb in ``CommandTable``), for messages.
    var verb: String {
        switch self {
        case .addNull, .addUpstream: "add"
        case .drain: "drain"
        case .openAPI: "openapi"
        case .theme: "theme"
        case .quit: "quit"
        case .shutdown: "shutdown"
        }
    }

    /// Whether running it changes the server (refused under `--read-only`), as its entry in
    /// ``CommandTable/standard`` says; a command the table lacks counts as changing it.
    public var changesServer: Bool {
        CommandTable.standard.spec(for: verb)?.changesServer ?? true
    }

    /// Parses one command line with ``CommandTable/standard``. Words are separated by spaces; a
    /// word with spaces in it (a spec file path) can be written in double quotes.
    public static func parse(_ line: String) throws(CommandError) -> ConsoleCommand {
        try CommandTable.standard.parse(line)
    }
}

/// Why a command line was not understood.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, with the usage when that helps.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
