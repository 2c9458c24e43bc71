import MotionMCPControl
import MotionMCPProtocol

/// The console's behaviour without a terminal: it takes snapshots from a ``ServerControl``, turns
/// key presses into state changes and server commands, and holds what the renderer draws. The
/// terminal layer feeds it keys and draws ``ConsoleRenderer``'s screen of it; tests do the same
/// with an in-memory screen.
public struct ConsoleSession: Sendable {
    /// The running server.
    public let control: any ServerControl
    /// The key bindings (dispatch and the help overlay).
    public let keyTable: KeyTable
    /// The themes `t` and `:theme` choose from.
    public private(set) var catalog: ThemeCatalog
    /// Selection, filter, sort, dialogs, message.
    public internal(set) var state: ConsoleState
    /// The server as of the last ``refresh()``.
    public private(set) var snapshot: RuntimeSnapshot
    /// How the server was reached as of the last ``refresh()`` (in process, or attached and whether it answers).
    public private(set) var link: ControlLink

    /// A session on `control`, starting with the theme called `themeName` (or the catalog's
    /// choice) and a first snapshot. Theme files that failed to load are reported on the message line.
    public init(
        control: any ServerControl, catalog: ThemeCatalog, themeName: String? = nil, readOnly: Bool = false,
        keyTable: KeyTable = .standard
    ) {
        self.control = control
        self.keyTable = keyTable
        var catalog = catalog
        let start = catalog.startingIndex(requested: themeName)
        self.catalog = catalog
        self.state = ConsoleState(readOnly: readOnly)
        self.snapshot = control.snapshot()
        self.link = control.link
        state.themeIndex = start.index
        if let problem = start.message ?? catalog.problems.first {
            state.message = .init(text: problem, isError: true)
        }
        reconcileSelection()
    }

    /// The theme in use.
    public var theme: Theme { catalog.themes[state.themeIndex] }

    /// The table's rows as the state filters and sorts them.
    public var rows: [ModelSnapshot] { ModelOrdering.rows(of: snapshot, state: state) }

    /// The selected model, if any.
    public var selectedModel: ModelSnapshot? { rows.first { $0.key == state.selectedKey } }

    /// Takes a new snapshot and keeps the selection on a listed model.
    public mutating func refresh() {
        snapshot = control.snapshot()
        link = control.link
        reconcileSelection()
    }

    /// Points the selection at a listed model: the same one if it is still listed, else the one
    /// now in its row (or the last row).
    mutating func reconcileSelection() {
        let rows = self.rows
        if let key = state.selectedKey, let index = rows.firstIndex(where: { $0.key == key }) {
            state.selectedRow = index
        } else if rows.isEmpty {
            state.selectedKey = nil
            state.selectedRow = 0
        } else {
            state.selectedRow = min(state.selectedRow, rows.count - 1)
            state.selectedKey = rows[state.selectedRow].key
        }
    }

    /// Moves the selection to row `index` (clamped).
    mutating func select(row index: Int) {
        let rows = self.rows
        guard !rows.isEmpty else { return }
        state.selectedRow = min(max(0, index), rows.count - 1)
        state.selectedKey = rows[state.selectedRow].key
    }

    /// Shows `text` on the message line.
    mutating func say(_ text: String, isError: Bool = false) {
        state.message = .init(text: text, isError: isError)
    }

    /// Switches to the theme called `name`; a missing one selects the built-in default and says so.
    mutating func switchTheme(to name: String) {
        if catalog.colorDisabled {
            say("NO_COLOR is set: the monochrome theme stays", isError: true)
        } else if let index = catalog.index(named: name) {
            state.themeIndex = index
            say("theme \(name)")
        } else {
            let reason = catalog.problems.first { $0.contains("/\(name).toml:") } ?? "theme '\(name)' not found"
            state.themeIndex = catalog.fallbackIndex()
            say("\(reason); using the default theme", isError: true)
        }
    }
}
