/// The bottom line: what is being typed, else the last message, else key hints and the theme.
enum StatusLine {
    /// Draws the line for `state` across `rect`'s first row.
    static func draw(state: ConsoleState, attached: Bool, keyTable: KeyTable, themeName: String, in rect: Rect, on screen: inout Screen) {
        guard !rect.isEmpty else { return }
        let row = Rect(x: rect.x, y: rect.y, width: rect.width, height: 1)
        switch state.mode {
        case .commandLine(let text):
            drawInput(":", text, in: row, on: &screen)
            return
        case .prompt(let prompt):
            if case .filter = prompt.kind {
                drawInput("filter: ", prompt.text, in: row, on: &screen)
                return
            }
        default:
            break
        }
        if let message = state.message {
            screen.fill(row, style: .normal)
            screen.write(" " + message.text, x: row.x, y: row.y, style: message.isError ? .messageError : .messageInfo, maxWidth: row.width)
            return
        }
        // Attached, quitting is harmless, and the line says so.
        let right = (attached ? " q leaves the server running ·" : "") + " theme \(themeName) "
        drawHints(keyTable: keyTable, readOnly: state.readOnly, right: right, in: row, on: &screen)
    }

    /// The key hints across `row`, as many whole ones as fit, with `right` at the right end.
    static func drawHints(keyTable: KeyTable, readOnly: Bool, right: String, in row: Rect, on screen: inout Screen) {
        screen.fill(row, style: .status)
        let room = row.width - DisplayWidth.of(right)
        // Whole hints only: a hint cut in half reads as a different key.
        var line = ""
        for hint in hints(keyTable: keyTable, readOnly: readOnly) {
            let next = line + " " + hint + " "
            if DisplayWidth.of(next) > room { break }
            line = next
        }
        screen.write(line, x: row.x, y: row.y, style: .status, maxWidth: max(0, room))
        if room > 20 { screen.write(right, x: row.x + room, y: row.y, style: .status) }
    }

    /// The hints of the key table, help and quit first; under `--read-only` only the keys that work.
    static func hints(keyTable: KeyTable, readOnly: Bool) -> [String] {
        let usable = keyTable.bindings.filter { !(readOnly && $0.changesServer) }
        let first = usable.filter { $0.action == .help || $0.action == .quit }
        let rest = usable.filter { $0.action != .help && $0.action != .quit }
        return (first + rest).compactMap(\.hint)
    }

    /// A prompt and the text typed after it, with a block cursor; long text shows its end.
    private static func drawInput(_ prompt: String, _ text: String, in row: Rect, on screen: inout Screen) {
        screen.fill(row, style: .normal)
        let used = screen.write(prompt, x: row.x, y: row.y, style: .prompt, maxWidth: row.width)
        let room = max(0, row.width - used - 1)
        let shown = DisplayWidth.of(text) > room ? String(text.suffix(room)) : text
        screen.write(shown + "▌", x: row.x + used, y: row.y, style: .prompt, maxWidth: row.width - used)
    }
}
