/// What floats over the console: the `?` help, the yes/no dialogs, the add-model prompt.
enum OverlayView {
    /// The help overlay's lines: every key binding, then every `:` command, each generated from
    /// the table that dispatch or parsing uses. Bindings and commands that change the server are
    /// marked when the console is read-only.
    /// The fleet screen has keys only (`commands` empty).
    static func helpLines(
        keyTable: KeyTable, commands: [CommandSpec] = CommandTable.standard.commands, readOnly: Bool
    ) -> [(key: String, text: String, disabled: Bool)] {
        let keys = keyTable.bindings.map { binding in
            (binding.label, binding.help, readOnly && binding.changesServer)
        }
        guard !commands.isEmpty else { return keys }
        let commandLines = commands.map { command in
            (command.label, command.help, readOnly && command.changesServer)
        }
        return keys + [("", "", false)] + commandLines
    }

    /// Draws the help overlay centred in `rect`.
    static func drawHelp(
        keyTable: KeyTable, commands: [CommandSpec] = CommandTable.standard.commands, readOnly: Bool, in rect: Rect,
        on screen: inout Screen
    ) {
        let lines = helpLines(keyTable: keyTable, commands: commands, readOnly: readOnly)
        let keyWidth = lines.map { DisplayWidth.of($0.key) }.max() ?? 0
        let textWidth = lines.map { DisplayWidth.of($0.text) + ($0.disabled ? 12 : 0) }.max() ?? 0
        let box = rect.centred(width: keyWidth + textWidth + 6, height: lines.count + 2)
        let title = readOnly ? "Keys (read-only) · any key closes" : "Keys · any key closes"
        let inside = Box.draw(box, title: title, style: .dialog, titleStyle: .dialogTitle, on: &screen)
        for (index, line) in lines.prefix(inside.height).enumerated() {
            let y = inside.y + index
            let keyStyle: StyleName = line.disabled ? .helpDisabled : .helpKey
            screen.write(line.key, x: inside.x, y: y, style: keyStyle, maxWidth: keyWidth)
            let text = line.disabled ? line.text + " (read-only)" : line.text
            screen.write(
                text, x: inside.x + keyWidth + 2, y: y, style: line.disabled ? .helpDisabled : .dialog,
                maxWidth: inside.width - keyWidth - 2)
        }
    }

    /// Draws a yes/no dialog whose default, No, is highlighted.
    static func drawConfirm(_ confirmation: ConsoleState.Confirmation, inFlight: Int?, in rect: Rect, on screen: inout Screen) {
        let (title, body): (String, [String])
        switch confirmation {
        case .drain(let id):
            title = "Drain \(id)?"
            body = [
                "New requests to it get 503; the \(inFlight ?? 0) in flight",
                "finish, then it is torn down and removed.",
            ]
        case .quit:
            title = "Quit?"
            body = ["Every model is drained first, then the", "console and the server exit."]
        case .shutdown:
            title = "Shut the server down?"
            body = ["It stops taking requests, drains every", "model, and exits (as on SIGTERM)."]
        }
        drawYesNo(title: title, body: body, in: rect, on: &screen)
    }

    /// Draws a yes/no dialog titled `title` over the lines of `body`, its default, No, highlighted.
    static func drawYesNo(title: String, body: [String], in rect: Rect, on screen: inout Screen) {
        let box = rect.centred(width: 50, height: body.count + 5)
        let inside = Box.draw(box, title: title, style: .dialogDanger, titleStyle: .dialogDanger, on: &screen)
        for (index, line) in body.prefix(inside.height).enumerated() {
            screen.write(line, x: inside.x, y: inside.y + index, style: .dialogDanger, maxWidth: inside.width)
        }
        let buttonsY = inside.maxY - 1
        guard buttonsY >= inside.y + body.count else { return }
        let used = screen.write("[ No ]", x: inside.x, y: buttonsY, style: .dialogDefault, maxWidth: inside.width)
        screen.write("  y = yes · n, Enter, Esc = no", x: inside.x + used, y: buttonsY, style: .dialogDanger, maxWidth: inside.width - used)
    }

    /// Draws the prompt asking for a new model's id.
    static func drawAddPrompt(_ text: String, in rect: Rect, on screen: inout Screen) {
        let box = rect.centred(width: 50, height: 5)
        let inside = Box.draw(box, title: "Hot-add a NullBackbone", style: .dialog, titleStyle: .dialogTitle, on: &screen)
        guard inside.height >= 1 else { return }
        let used = screen.write("id: ", x: inside.x, y: inside.y, style: .dialog, maxWidth: inside.width)
        // Show the end of a long id: that is where typing happens.
        let room = max(0, inside.width - used - 1)
        let shown = DisplayWidth.of(text) > room ? String(text.suffix(room)) : text
        screen.write(shown + "▌", x: inside.x + used, y: inside.y, style: .prompt, maxWidth: inside.width - used)
        if inside.height >= 3 {
            screen.write("Enter adds · Esc cancels", x: inside.x, y: inside.y + 2, style: .dialog, maxWidth: inside.width)
        }
    }
}
