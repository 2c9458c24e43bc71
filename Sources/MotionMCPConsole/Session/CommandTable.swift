/// One `:` command: the words that run it, how it is written, what it does, and how the words
/// after the verb become a ``ConsoleCommand``.
public struct CommandSpec: Sendable {
    /// The words that run it; the first is its name, the others are aliases (`quit`, `q`).
    public var verbs: [String]
    /// How it is written, name first: `add null ID [SPEC.json]`.
    public var usage: String
    /// The help overlay's description.
    public var help: String
    /// Whether it changes the server (and so is refused under `--read-only`).
    public var changesServer: Bool
    /// The command the words after the verb ask for; throws when they do not fit ``usage``.
    public var parse: @Sendable (_ arguments: [String]) throws(UsageError) -> ConsoleCommand

    /// A command run by `verbs`, parsed by `parse`.
    public init(
        verbs: [String], usage: String, help: String, changesServer: Bool,
        parse: @escaping @Sendable (_ arguments: [String]) throws(UsageError) -> ConsoleCommand
    ) {
        precondition(!verbs.isEmpty, "a command needs a verb")
        self.verbs = verbs
        self.usage = usage
        self.help = help
        self.changesServer = changesServer
        self.parse = parse
    }

    /// The verb messages name it by: the first.
    public var name: String { verbs[0] }

    /// The command as the help overlay shows it: the usage, then each alias (`:quit :q`).
    public var label: String { ([usage] + verbs.dropFirst()).map { ":" + $0 }.joined(separator: " ") }
}

/// Why the words after a verb do not fit the command's usage. Parsing reports the usage, and the
/// note when there is one: `usage: add null ID [SPEC.json] (only NullBackbones can be hot-added)`.
public struct UsageError: Error, Sendable, Equatable {
    /// What the usage alone would not tell.
    public var note: String?

    /// An error with an optional `note`.
    public init(note: String? = nil) { self.note = note }
}

/// The one table of `:` commands: parsing reads it, the `?` overlay and the unknown-command message
/// are generated from it, and ``ConsoleCommand/changesServer`` is looked up in it, so none of them
/// can disagree with another (as ``KeyTable`` does for keys).
public struct CommandTable: Sendable {
    /// The commands in the order the help overlay lists them.
    public let commands: [CommandSpec]

    /// A table of `commands`.
    public init(commands: [CommandSpec]) { self.commands = commands }

    /// The command `verb` runs, if any.
    public func spec(for verb: String) -> CommandSpec? {
        commands.first { $0.verbs.contains(verb) }
    }

    /// Parses one command line. Words are separated by spaces; a word with spaces in it (a spec
    /// file path) can be written in double quotes.
    public func parse(_ line: String) throws(CommandError) -> ConsoleCommand {
        let words = try Self.split(line)
        guard let verb = words.first else { throw CommandError("empty command") }
        guard let spec = spec(for: verb) else { throw unknown(verb) }
        do {
            return try spec.parse(Array(words.dropFirst()))
        } catch {
            throw CommandError("usage: \(spec.usage)" + (error.note.map { " (\($0))" } ?? ""))
        }
    }

    /// The error for a word no command is run by, naming every command.
    public func unknown(_ verb: String) -> CommandError {
        CommandError("unknown command '\(verb)' (\(commands.map(\.name).joined(separator: ", ")))")
    }

    /// The console's commands.
    public static let standard = CommandTable(commands: [
        CommandSpec(
            verbs: ["add"], usage: "add null|upstream …",
            help: "hot-add a NullBackbone, or an MMCP server's models", changesServer: true
        ) { arguments throws(UsageError) in
            switch arguments.first {
            case "null":
                guard (2...3).contains(arguments.count) else { throw UsageError(note: "add null ID [SPEC.json]") }
                return .addNull(id: arguments[1], specPath: arguments.count == 3 ? arguments[2] : nil)
            case "upstream":
                guard arguments.count == 2 else { throw UsageError(note: "add upstream [ID=]URL") }
                return .addUpstream(address: arguments[1])
            default:
                throw UsageError(note: "add null ID [SPEC.json], or add upstream [ID=]URL")
            }
        },
        CommandSpec(verbs: ["drain"], usage: "drain ID", help: "drain a model", changesServer: true) { arguments throws(UsageError) in
            guard arguments.count == 1 else { throw UsageError() }
            return .drain(id: arguments[0])
        },
        CommandSpec(verbs: ["openapi"], usage: "openapi on|off", help: "serve the API docs or not", changesServer: true) {
            arguments throws(UsageError) in
            guard arguments == ["on"] || arguments == ["off"] else { throw UsageError() }
            return .openAPI(enabled: arguments[0] == "on")
        },
        CommandSpec(verbs: ["theme"], usage: "theme NAME", help: "switch theme", changesServer: false) { arguments throws(UsageError) in
            guard arguments.count == 1 else { throw UsageError() }
            return .theme(name: arguments[0])
        },
        CommandSpec(verbs: ["quit", "q"], usage: "quit", help: "drain every model and exit (attached: leave)", changesServer: false) {
            arguments throws(UsageError) in
            guard arguments.isEmpty else { throw UsageError() }
            return .quit
        },
        CommandSpec(verbs: ["shutdown"], usage: "shutdown", help: "asks, then shuts the server down gracefully", changesServer: true) {
            arguments throws(UsageError) in
            guard arguments.isEmpty else { throw UsageError() }
            return .shutdown
        },
    ])

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
