import MotionMCPControl
import MotionMCPProtocol
import Synchronization

/// The console over several servers: one line per instance, a table of models × instances with
/// the fleet's totals, Enter to open one instance's own screen (a ``ConsoleSession``; Esc comes
/// back), and a rolling drain of a model across every instance.
///
/// The instances come from `members` on every ``refresh()``, so a fleet found by DNS can grow and
/// shrink while the console runs.
public struct FleetSession: ConsoleModel {
    /// Which table the selection moves in.
    public enum Table: Sendable, Equatable {
        case instances, models
    }

    /// What keys do now.
    public enum Mode: Sendable, Equatable {
        /// Keys go through ``KeyTable/fleet``.
        case normal
        /// The `?` overlay is open; any key closes it.
        case help
        /// Asking whether to drain this model on every instance.
        case confirmRollingDrain(String)
        /// The operator quit.
        case quitting
    }

    /// The current instances, in a stable order.
    public let members: @Sendable () -> [any ServerControl]
    /// The fleet screen's key bindings.
    public let keyTable = KeyTable.fleet
    /// The themes `t` chooses from.
    public private(set) var catalog: ThemeCatalog
    /// The instances as of the last ``refresh()``.
    public private(set) var controls: [any ServerControl] = []
    /// The fleet's numbers as of the last ``refresh()``.
    public private(set) var view = FleetView([])
    /// The instance opened with Enter, shown as a console of its own until Esc.
    public private(set) var opened: ConsoleSession?
    /// Which table the selection moves in.
    public private(set) var table = Table.instances
    /// The selected instance's row.
    public private(set) var selectedInstance = 0
    /// The selected model's id, in the model table.
    public private(set) var selectedModel: String?
    /// What keys do now.
    public private(set) var mode = Mode.normal
    /// The message line, until the next key.
    public private(set) var message: ConsoleState.Message?
    /// Whether commands that change a server are refused.
    public let readOnly: Bool
    private var themeIndex: Int
    /// The rolling drain under way, if any, as the status line shows it.
    let rollingDrain = RollingDrainProgress()

    /// A fleet console over `members`, starting with the theme called `themeName`.
    public init(
        members: @escaping @Sendable () -> [any ServerControl], catalog: ThemeCatalog, themeName: String? = nil, readOnly: Bool = false
    ) {
        self.members = members
        var catalog = catalog
        let start = catalog.startingIndex(requested: themeName)
        self.catalog = catalog
        self.themeIndex = start.index
        self.readOnly = readOnly
        if let problem = start.message ?? catalog.problems.first { message = .init(text: problem, isError: true) }
        refresh()
    }

    public var theme: Theme { opened?.theme ?? catalog.themes[themeIndex] }

    /// What a rolling drain under way is doing (shown on the status line), or `nil`.
    public var rollingDrainStatus: String? { rollingDrain.status }

    public mutating func refresh() {
        controls = members()
        view = FleetView(controls.map(FleetInstance.init))
        selectedInstance = min(selectedInstance, max(0, controls.count - 1))
        if selectedModel.map({ key in !view.models.contains { $0.key == key } }) ?? true {
            selectedModel = view.models.first?.key
        }
        opened?.refresh()
    }

    public mutating func report(_ message: ConsoleState.Message) {
        if opened != nil {
            opened?.report(message)
        } else {
            self.message = message
            refresh()
        }
    }

    @discardableResult
    public mutating func handle(_ key: Key) -> SessionRequest? {
        if let session = opened {
            guard key == .escape, session.state.mode == .normal else { return opened?.handle(key) }
            themeIndex = session.state.themeIndex
            opened = nil
            message = nil
            return nil
        }
        switch mode {
        case .normal:
            message = nil
            guard let binding = keyTable.binding(for: key) else { return nil }
            if binding.changesServer && readOnly {
                say("read-only: \(binding.label) is disabled (it changes the servers)", isError: true)
                return nil
            }
            return perform(binding.action)
        case .help:
            mode = .normal
            return nil
        case .confirmRollingDrain(let model):
            mode = .normal
            guard key == .character("y") || key == .character("Y") else {
                say("cancelled")
                return nil
            }
            return .rollingDrain(model: model)
        case .quitting:
            return nil
        }
    }

    private mutating func perform(_ action: ConsoleAction) -> SessionRequest? {
        switch action {
        case .selectPrevious: select(row: selectedRow - 1)
        case .selectNext: select(row: selectedRow + 1)
        case .selectFirst: select(row: 0)
        case .selectLast: select(row: rowCount - 1)
        case .switchTable: table = table == .instances ? .models : .instances
        case .openInstance:
            guard controls.indices.contains(selectedInstance) else {
                say("no instance to open", isError: true)
                return nil
            }
            var session = ConsoleSession(
                control: controls[selectedInstance], catalog: catalog, themeName: catalog.themes[themeIndex].name, readOnly: readOnly)
            session.say("instance \(selectedInstance + 1) of \(controls.count) · Esc returns to the fleet")
            opened = session
        case .drainSelected:
            guard table == .models, let model = selectedModel else {
                say("Tab to the models and select one to drain it on every instance; Enter opens one instance", isError: true)
                return nil
            }
            mode = .confirmRollingDrain(model)
        case .nextTheme:
            if catalog.colorDisabled {
                say("NO_COLOR is set: the monochrome theme stays", isError: true)
            } else {
                themeIndex = (themeIndex + 1) % catalog.themes.count
                say("theme \(catalog.themes[themeIndex].name)")
            }
        case .help: mode = .help
        case .quit:
            mode = .quitting
            say("leaving; every server keeps running")
            return .quit
        case .addModel, .toggleOpenAPI, .filter, .cycleSort, .commandLine:
            break
        }
        return nil
    }

    /// The selected row of the current table.
    private var selectedRow: Int {
        switch table {
        case .instances: selectedInstance
        case .models: selectedModel.flatMap { key in view.models.firstIndex { $0.key == key } } ?? 0
        }
    }

    /// The rows of the current table.
    private var rowCount: Int { table == .instances ? controls.count : view.models.count }

    /// Selects row `row` of the current table (clamped).
    private mutating func select(row: Int) {
        guard rowCount > 0 else { return }
        let row = min(max(0, row), rowCount - 1)
        switch table {
        case .instances: selectedInstance = row
        case .models: selectedModel = view.models[row].key
        }
    }

    private mutating func say(_ text: String, isError: Bool = false) {
        message = .init(text: text, isError: isError)
    }

    public func work(for request: SessionRequest) -> ServerWork? {
        if let opened { return opened.work(for: request) }
        switch request {
        case .rollingDrain(let model):
            let controls = self.controls
            let progress = rollingDrain
            return { await RollingDrain.run(model, on: controls, progress: progress) }
        case .perform, .quit:
            // Every instance is attached: quitting leaves them running.
            return nil
        }
    }

    public func render(log: [LogLine], size: Size) -> Screen {
        if let opened { return opened.render(log: log, size: size) }
        return FleetRenderer.render(self, log: log, size: size)
    }
}
