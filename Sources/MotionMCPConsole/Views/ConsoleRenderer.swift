import MotionMCPControl
import MotionMCPProtocol

/// Draws the whole console: Screen = f(snapshot, state, log, size, theme). Pure, so the terminal
/// can skip drawing when nothing changed and tests can compare screens.
///
/// ```
/// ┌ header: address · uptime · req/s · OpenAPI · ready/total ┐
/// │ model table (scrolls with the selection)                  │
/// │ detail pane   │ event log    (side by side from 100 cols, │
/// │               │               stacked below that)         │
/// └ status: hints · message · prompt ─────────────────────────┘
/// ```
public enum ConsoleRenderer {
    /// Below this the console shows only what fits: header, table, status.
    static let minimumPaneRows = 5

    /// Renders a session's current snapshot and state with the last lines of `log`.
    public static func render(_ session: ConsoleSession, log: [LogLine], size: Size) -> Screen {
        render(
            snapshot: session.snapshot, link: session.link, state: session.state, log: log, size: size, theme: session.theme,
            keyTable: session.keyTable)
    }

    /// Renders the console for `snapshot` and `state` at `size`. The theme only names itself on the
    /// status line; colours are applied later, from the cells' semantic styles.
    public static func render(
        snapshot: RuntimeSnapshot, link: ControlLink = .inProcess, state: ConsoleState, log: [LogLine], size: Size, theme: Theme,
        keyTable: KeyTable = .standard
    ) -> Screen {
        var screen = Screen(size: size)
        let bounds = screen.bounds
        guard bounds.height >= 3, bounds.width >= 20 else {
            screen.write("MotionMCP: enlarge the terminal", x: 0, y: 0, style: .header)
            return screen
        }
        let rows = ModelOrdering.rows(of: snapshot, state: state)
        let (headerRow, belowHeader) = bounds.splitTop(1)
        let middle = Rect(x: 0, y: belowHeader.y, width: bounds.width, height: belowHeader.height - 1)
        let statusRow = Rect(x: 0, y: bounds.maxY - 1, width: bounds.width, height: 1)

        HeaderView.draw(snapshot, link: link, readOnly: state.readOnly, in: headerRow, on: &screen)

        // The table gets a row per model but leaves the panes room to be useful.
        let paneRows = middle.height >= 16 ? 9 : (middle.height >= 1 + minimumPaneRows + 1 ? minimumPaneRows : 0)
        let bodyRows = max(1, min(max(rows.count, 1), middle.height - 1 - paneRows))
        let (tableRect, panes) = middle.splitTop(1 + bodyRows)
        TableView(rows: rows, state: state).draw(in: tableRect, on: &screen)

        let selected = rows.first { $0.key == state.selectedKey }
        if panes.height >= minimumPaneRows {
            if panes.width >= 100 {
                let (left, right) = panes.splitLeft(panes.width / 2)
                DetailView.draw(selected, in: left, on: &screen)
                LogView.draw(log, in: Rect(x: right.x + 1, y: right.y, width: right.width - 1, height: right.height), on: &screen)
            } else {
                // Room for the text lines and a few latency bars beside them.
                let wanted = selected.map { max(DetailView.lines(for: $0).count, 6) + 1 } ?? 2
                let detailRows = min(wanted, max(minimumPaneRows, panes.height * 3 / 5))
                let (detail, logRect) = panes.splitTop(detailRows)
                DetailView.draw(selected, in: detail, on: &screen)
                LogView.draw(log, in: logRect, on: &screen)
            }
        }

        StatusLine.draw(state: state, attached: link.isAttached, keyTable: keyTable, themeName: theme.name, in: statusRow, on: &screen)

        let overlayArea = Rect(x: 0, y: 1, width: bounds.width, height: bounds.height - 2)
        switch state.mode {
        case .help:
            // The help may cover the header too: every key and command fits on 24 rows.
            let helpArea = Rect(x: 0, y: 0, width: bounds.width, height: bounds.height - 1)
            OverlayView.drawHelp(keyTable: keyTable, readOnly: state.readOnly, in: helpArea, on: &screen)
        case .confirm(let confirmation):
            let inFlight: Int? =
                if case .drain(let id) = confirmation { snapshot.models.first { $0.key == id }?.inFlight } else { nil }
            OverlayView.drawConfirm(confirmation, inFlight: inFlight, in: overlayArea, on: &screen)
        case .prompt(let prompt) where prompt.kind == .addModelID:
            OverlayView.drawAddPrompt(prompt.text, in: overlayArea, on: &screen)
        default:
            break
        }
        return screen
    }
}
