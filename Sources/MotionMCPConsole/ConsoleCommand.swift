/// A line typed after `:`.
public enum ConsoleCommand: Sendable, Equatable {
    /// `add null ID [SPEC.json]`: hot-add a NullBackbone, optionally with its capabilities from a spec file.
    case addNull(id: String, specPath: String?)
    /// `drain ID`: drain a model (no confirmation: it was typed out).
    case drain(id: String)
    /// `openapi on|off`.
    case openAPI(enabled: Bool)
    /// `theme NAME`.
    case theme(name: String)
    /// `quit`: drain every model and exit (no confirmation: it was typed out).
    case quit

    /// Whether running it changes the server (refused under `--read-only`).
    public var changesServer: Bool {
        switch self {
        case .addNull, .drain, .openAPI: true
        case .theme, .quit: false
        }
    }

    /// The commands as the help overlay and the docs list them: usage, what it does, and
    /// whether it changes the server.
    public static let reference: [(usage: String, help: String, changesServer: Bool)] = [
        ("add null ID [SPEC.json]", "hot-add a NullBackbone", true),
        ("drain ID", "drain a model", true),
        ("openapi on|off", "serve the API docs or not", true),
        ("theme NAME", "switch theme", false),
        ("quit", "drain every model and exit", false),
    ]

    /// Parses one command line. Words are separated by spaces; a word with spaces in it (a spec
    /// file path) can be written in double quotes.
    public static func parse(_ line: String) throws(CommandError) -> ConsoleCommand {
        let words = try split(line)
        guard let verb = words.first else { throw CommandError("empty command") }
        let arguments = Array(words.dropFirst())
        switch verb {
        case "add":
            guard arguments.first == "null" else { throw CommandError("usage: add null ID [SPEC.json] (only NullBackbones can be hot-added)") }
            guard (2...3).contains(arguments.count) else { throw CommandError("usage: add null ID [SPEC.json]") }
            return .addNull(id: arguments[1], specPath: arguments.count == 3 ? arguments[2] : nil)
        case "drain":
            guard arguments.count == 1 else { throw CommandError("usage: drain ID") }
            return .drain(id: arguments[0])
        case "openapi":
            guard arguments.count == 1, arguments[0] == "on" || arguments[0] == "off" else {
                throw CommandError("usage: openapi on|off")
            }
            return .openAPI(enabled: arguments[0] == "on")
        case "theme":
            guard arguments.count == 1 else { throw CommandError("usage: theme NAME") }
            return .theme(name: arguments[0])
        case "quit", "q":
            guard arguments.isEmpty else { throw CommandError("usage: quit") }
            return .quit
        default:
            throw CommandError("unknown command '\(verb)' (add, drain, openapi, theme, quit)")
        }
    }

    /// The words of `line`: split on spaces, with "double quotes" keeping spaces in a word.
    private static func split(_ line: String) throws(CommandError) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quoted = false
        for character in line {
            if character == "\"" {
                quoted.toggle()
                inWord = true
            } else if character.isWhitespace && !quoted {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        guard !quoted else { throw CommandError("unterminated quote") }
        if inWord { words.append(word) }
        return words
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
