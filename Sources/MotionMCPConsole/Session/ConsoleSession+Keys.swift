import MotionMCP

/// What the terminal layer has to do after a key, beyond redrawing.
public enum SessionRequest: Sendable, Equatable {
    /// The operator confirmed quitting: drain every model (`drainAll()`), then end the console.
    case quit
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
            edit(prompt, with: key)
            return nil
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
        case .quit: state.mode = .confirm(.quit)
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
        }
    }

    private mutating func edit(_ prompt: ConsoleState.Prompt, with key: Key) {
        var prompt = prompt
        switch key {
        case .enter:
            state.mode = .normal
            if prompt.kind == .addModelID {
                let id = prompt.text.trimmingSpaces
                if id.isEmpty { say("no id given: nothing added", isError: true) } else { run(.addNull(id: id, specPath: nil)) }
            }
            return
        case .escape:
            state.mode = .normal
            if case .filter(let previous) = prompt.kind {
                state.filter = previous
                reconcileSelection()
            }
            return
        default:
            guard prompt.text.edit(with: key) else { return }
        }
        state.mode = .prompt(prompt)
        if case .filter = prompt.kind {
            state.filter = prompt.text
            reconcileSelection()
        }
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

    /// Runs a command against the server (refusing changes under `--read-only`) and reports the
    /// outcome on the message line.
    @discardableResult
    mutating func run(_ command: ConsoleCommand) -> SessionRequest? {
        if command.changesServer && state.readOnly {
            say("read-only: commands that change the server are disabled", isError: true)
            return nil
        }
        do {
            switch command {
            case .addNull(let id, let specPath):
                try control.addNullModel(id: id, specPath: specPath)
                say("adding NullBackbone '\(id)'" + (specPath.map { " with \($0)" } ?? ""))
            case .drain(let id):
                try control.drain(id)
                say("draining '\(id)'")
            case .openAPI(let enabled):
                control.setOpenAPIEnabled(enabled)
                say("OpenAPI \(enabled ? "on" : "off")")
            case .theme(let name):
                switchTheme(to: name)
            case .quit:
                state.mode = .quitting
                say("draining every model, then exiting…")
                refresh()
                return .quit
            }
        } catch {
            say("\(command.verb) failed: \(error)", isError: true)
        }
        refresh()
        return nil
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
