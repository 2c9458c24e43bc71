import MotionMCPControl
import MotionMCPProtocol

/// What the terminal layer has to do after a key, beyond redrawing.
public enum SessionRequest: Sendable, Equatable {
    /// The operator quit. In process: shut the server down (every model drains), then end the
    /// console. Attached: end the console; the server keeps running.
    case quit
    /// Run a command against the server (``ConsoleSession/execute(_:on:)``, off the drawing
    /// thread: an attached server answers over the network) and ``ConsoleSession/report(_:)`` the outcome.
    case perform(ConsoleCommand)
    /// Drain a model on every instance of a fleet, one after another (``FleetSession``).
    case rollingDrain(model: String)
}

extension ConsoleSession {
    /// Handles one key press in the current mode. Returns `.quit` once the operator has
    /// confirmed quitting; the session is then in ``ConsoleState/Mode/quitting`` and ignores keys.
    @discardableResult
    public mutating func handle(_ key: Key) -> SessionRequest? {
        switch state.mode {
        case .normal:
            state.message = nil
            guard let binding = keyTable.binding(for: key) else { return nil }
            if binding.changesServer && state.readOnly {
                say("read-only: \(binding.label) is disabled (it changes the server)", isError: true)
                return nil
            }
            return perform(binding.action)
        case .help:
            state.mode = .normal
            return nil
        case .confirm(let confirmation):
            return answer(confirmation, with: key)
        case .prompt(let prompt):
            return edit(prompt, with: key)
        case .commandLine(let text):
            return editCommandLine(text, with: key)
        case .quitting:
            return nil
        }
    }

    private mutating func perform(_ action: ConsoleAction) -> SessionRequest? {
        switch action {
        case .selectPrevious: select(row: state.selectedRow - 1)
        case .selectNext: select(row: state.selectedRow + 1)
        case .selectFirst: select(row: 0)
        case .selectLast: select(row: rows.count - 1)
        case .addModel: state.mode = .prompt(.init(kind: .addModelID, text: ""))
        case .drainSelected:
            if let key = state.selectedKey {
                state.mode = .confirm(.drain(key))
            } else {
                say("no model selected", isError: true)
            }
        case .toggleOpenAPI: return run(.openAPI(enabled: !snapshot.openAPIEnabled))
        case .filter: state.mode = .prompt(.init(kind: .filter(previous: state.filter), text: state.filter))
        case .cycleSort:
            state.sort = state.sort.next
            reconcileSelection()
            say("sorted by \(state.sort.name)")
        case .nextTheme:
            switchTheme(to: catalog.themes[(state.themeIndex + 1) % catalog.themes.count].name)
        case .commandLine: state.mode = .commandLine("")
        case .help: state.mode = .help
        case .openInstance, .switchTable:
            break
        case .quit:
            // Leaving an attached server changes nothing there: no need to ask.
            if control.link.isAttached { return run(.quit) }
            state.mode = .confirm(.quit)
        }
        return nil
    }

    /// `y` confirms; anything else (`n`, Enter, Esc) keeps the default, No.
    private mutating func answer(_ confirmation: ConsoleState.Confirmation, with key: Key) -> SessionRequest? {
        state.mode = .normal
        guard key == .character("y") || key == .character("Y") else {
            say("cancelled")
            return nil
        }
        switch confirmation {
        case .drain(let id): return run(.drain(id: id))
        case .quit: return run(.quit)
        case .shutdown: return control.link.isAttached ? .perform(.shutdown) : run(.quit)
        }
    }

    private mutating func edit(_ prompt: ConsoleState.Prompt, with key: Key) -> SessionRequest? {
        var prompt = prompt
        switch key {
        case .enter:
            state.mode = .normal
            guard prompt.kind == .addModelID else { return nil }
            let id = prompt.text.trimmingSpaces
            if id.isEmpty {
                say("no id given: nothing added", isError: true)
                return nil
            }
            return run(.addNull(id: id, specPath: nil))
        case .escape:
            state.mode = .normal
            if case .filter(let previous) = prompt.kind {
                state.filter = previous
                reconcileSelection()
            }
            return nil
        default:
            guard prompt.text.edit(with: key) else { return nil }
        }
        state.mode = .prompt(prompt)
        if case .filter = prompt.kind {
            state.filter = prompt.text
            reconcileSelection()
        }
        return nil
    }

    private mutating func editCommandLine(_ text: String, with key: Key) -> SessionRequest? {
        var text = text
        switch key {
        case .enter:
            state.mode = .normal
            if text.trimmingSpaces.isEmpty { return nil }
            do {
                return run(try ConsoleCommand.parse(text))
            } catch {
                say(error.message, isError: true)
                return nil
            }
        case .escape:
            state.mode = .normal
        case .backspace where text.isEmpty:
            state.mode = .normal
        default:
            if text.edit(with: key) { state.mode = .commandLine(text) }
        }
        return nil
    }

    /// Carries out a command: the console's own ones here, the server's by asking the terminal
    /// layer to ``execute(_:on:)`` them (refusing changes under `--read-only`).
    @discardableResult
    mutating func run(_ command: ConsoleCommand) -> SessionRequest? {
        if command.changesServer && state.readOnly {
            say("read-only: commands that change the server are disabled", isError: true)
            return nil
        }
        switch command {
        case .theme(let name):
            switchTheme(to: name)
            return nil
        case .quit:
            state.mode = .quitting
            say(control.link.isAttached ? "leaving; the server keeps running" : "draining every model, then exiting…")
            refresh()
            return .quit
        case .shutdown:
            state.mode = .confirm(.shutdown)
            return nil
        case .addNull, .addUpstream, .drain, .openAPI:
            return .perform(command)
        }
    }

    /// Runs a server command against `control` and returns what the message line should say.
    public static func execute(_ command: ConsoleCommand, on control: any ServerControl) async -> ConsoleState.Message {
        do {
            switch command {
            case .addNull(let id, let specPath):
                let overlay = try specPath.map { path throws(ModelSpecError) in try ModelSpec.overlay(fromFile: path) }
                try await control.addNullModel(id: id, overlay: overlay)
                return .init(text: "adding NullBackbone '\(id)'" + (specPath.map { " with \($0)" } ?? ""), isError: false)
            case .addUpstream(let address):
                try await control.addUpstream(address)
                return .init(text: "adding upstream \(address); its models join once it answers", isError: false)
            case .drain(let id):
                try await control.drain(id)
                return .init(text: "draining '\(id)'", isError: false)
            case .openAPI(let enabled):
                try await control.setOpenAPIEnabled(enabled)
                return .init(text: "OpenAPI \(enabled ? "on" : "off")", isError: false)
            case .shutdown:
                try await control.shutDown()
                return .init(text: "the server is shutting down: its models drain, then it exits", isError: false)
            case .theme, .quit:
                return .init(text: "\(command.verb) is not a server command", isError: true)
            }
        } catch {
            return .init(text: "\(command.verb) failed: \(error)", isError: true)
        }
    }

    /// Shows the outcome of a command ``execute(_:on:)`` ran, with a fresh snapshot.
    public mutating func report(_ message: ConsoleState.Message) {
        state.message = message
        refresh()
    }
}

extension ConsoleSession: ConsoleModel {
    /// A server command runs against ``control``; quitting shuts an in-process server down first
    /// (the screen keeps drawing meanwhile, so the operator watches the drains), and changes
    /// nothing on an attached one.
    public func work(for request: SessionRequest) -> ServerWork? {
        let control = self.control
        switch request {
        case .perform(let command):
            return { await ConsoleSession.execute(command, on: control) }
        case .quit:
            guard !control.link.isAttached else { return nil }
            return {
                try? await control.shutDown()
                return nil
            }
        case .rollingDrain:
            return nil
        }
    }

    public func render(log: [LogLine], size: Size) -> Screen {
        ConsoleRenderer.render(self, log: log, size: size)
    }
}

extension String {
    /// The text without leading and trailing spaces.
    var trimmingSpaces: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// Applies a line-editing key: a character appends, Backspace deletes the last one. Returns
    /// whether the key was an editing key.
    mutating func edit(with key: Key) -> Bool {
        switch key {
        case .character(let character):
            append(character)
        case .backspace, .delete:
            if !isEmpty { removeLast() }
        default:
            return false
        }
        return true
    }
}
