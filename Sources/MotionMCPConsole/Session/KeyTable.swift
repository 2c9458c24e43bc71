/// What a key does in the console's normal mode.
public enum ConsoleAction: Sendable, Hashable {
    case selectPrevious, selectNext, selectFirst, selectLast
    case addModel, drainSelected, toggleOpenAPI
    case filter, cycleSort, nextTheme
    case commandLine, help, quit
    /// Fleet screen: open the selected instance's own screen.
    case openInstance
    /// Fleet screen: move the selection between the instance and model tables.
    case switchTable
}

/// One binding: the keys, what they do, and the line the help overlay shows for them.
public struct KeyBinding: Sendable, Hashable {
    /// The keys that trigger it; the first is the one hints mention.
    public var keys: [Key]
    /// What happens.
    public var action: ConsoleAction
    /// The help overlay's description.
    public var help: String
    /// Whether it changes the server (and so is refused under `--read-only`).
    public var changesServer: Bool
    /// How the bottom line's hints show it (`d drain`); `nil` to leave it out of the hints.
    public var hint: String?

    /// The keys as the help overlay shows them: `k ↑`.
    public var label: String { keys.map(\.description).joined(separator: " ") }
}

/// The one table of key bindings: dispatch reads it, and the `?` overlay is generated from it,
/// so the two cannot disagree.
public struct KeyTable: Sendable {
    /// The bindings in the order the help overlay lists them.
    public let bindings: [KeyBinding]

    /// A table of `bindings`.
    public init(bindings: [KeyBinding]) { self.bindings = bindings }

    /// The binding `key` triggers, if any.
    public func binding(for key: Key) -> KeyBinding? {
        bindings.first { $0.keys.contains(key) }
    }

    /// The console's bindings.
    public static let standard = KeyTable(bindings: [
        KeyBinding(keys: [.character("k"), .up], action: .selectPrevious, help: "select the previous model", changesServer: false),
        KeyBinding(keys: [.character("j"), .down], action: .selectNext, help: "select the next model", changesServer: false, hint: "j/k select"),
        KeyBinding(keys: [.home, .character("g")], action: .selectFirst, help: "select the first model", changesServer: false),
        KeyBinding(keys: [.end, .character("G")], action: .selectLast, help: "select the last model", changesServer: false),
        KeyBinding(keys: [.character("a")], action: .addModel, help: "hot-add a NullBackbone (asks for its id)", changesServer: true, hint: "a add"),
        KeyBinding(
            keys: [.character("d")], action: .drainSelected, help: "drain the selected model (asks first)", changesServer: true, hint: "d drain"),
        KeyBinding(
            keys: [.character("o")], action: .toggleOpenAPI, help: "turn /openapi.json, /docs, /redoc on or off", changesServer: true,
            hint: "o openapi"),
        KeyBinding(keys: [.character("/")], action: .filter, help: "filter models by id (Esc clears)", changesServer: false, hint: "/ filter"),
        KeyBinding(keys: [.character("s")], action: .cycleSort, help: "sort by the next column", changesServer: false, hint: "s sort"),
        KeyBinding(keys: [.character("t")], action: .nextTheme, help: "switch to the next theme", changesServer: false, hint: "t theme"),
        KeyBinding(keys: [.character(":")], action: .commandLine, help: "type a command (see below)", changesServer: false, hint: ": command"),
        KeyBinding(keys: [.character("?")], action: .help, help: "show or hide this help", changesServer: false, hint: "? help"),
        KeyBinding(
            keys: [.character("q")], action: .quit, help: "quit: asks, drains every model (attached: leaves)",
            changesServer: false, hint: "q quit"),
    ])

    /// The fleet screen's bindings (``FleetSession``).
    public static let fleet = KeyTable(bindings: [
        KeyBinding(keys: [.character("k"), .up], action: .selectPrevious, help: "select the previous instance or model", changesServer: false),
        KeyBinding(
            keys: [.character("j"), .down], action: .selectNext, help: "select the next instance or model", changesServer: false,
            hint: "j/k select"),
        KeyBinding(keys: [.home, .character("g")], action: .selectFirst, help: "select the first instance or model", changesServer: false),
        KeyBinding(keys: [.end, .character("G")], action: .selectLast, help: "select the last instance or model", changesServer: false),
        KeyBinding(
            keys: [.tab], action: .switchTable, help: "move between the instances and the models", changesServer: false, hint: "Tab models"),
        KeyBinding(
            keys: [.enter], action: .openInstance, help: "open the selected instance's screen (Esc comes back)", changesServer: false,
            hint: "Enter open"),
        KeyBinding(
            keys: [.character("d")], action: .drainSelected, help: "drain the selected model on every instance, one after another (asks first)",
            changesServer: true, hint: "d rolling drain"),
        KeyBinding(keys: [.character("t")], action: .nextTheme, help: "switch to the next theme", changesServer: false, hint: "t theme"),
        KeyBinding(keys: [.character("?")], action: .help, help: "show or hide this help", changesServer: false, hint: "? help"),
        KeyBinding(keys: [.character("q")], action: .quit, help: "quit; every server keeps running", changesServer: false, hint: "q quit"),
    ])
}
