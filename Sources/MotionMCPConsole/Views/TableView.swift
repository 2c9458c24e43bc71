import MotionMCPControl
import MotionMCPProtocol

/// The model table: one row per listed model, columns dropped right to left by priority when the
/// screen is narrow, the sparkline taking whatever width is left.
struct TableView {
    /// One column: title, width, alignment, and how a model fills it.
    private struct Column {
        var title: String
        var width: Int
        var alignRight = false
        /// Higher survives longer on narrow screens.
        var priority: Int
        var sort: SortColumn?
        var cell: (ModelSnapshot, Int) -> (text: String, style: StyleName?)
    }

    /// The widths the sparkline may take; below the minimum other columns are dropped instead.
    static let sparklineWidths = 8...60

    let rows: [ModelSnapshot]
    let state: ConsoleState

    /// Draws the title row and as many model rows as `rect` has room for below it, scrolled so
    /// the selected row shows.
    func draw(in rect: Rect, on screen: inout Screen) {
        guard !rect.isEmpty else { return }
        let columns = layout(width: rect.width - 1)
        screen.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), style: .tableHeader)
        var x = rect.x + 1
        for column in columns {
            let title = column.sort == state.sort && state.sort != .registration ? column.title + "▾" : column.title
            screen.write(title.padded(toWidth: column.width, alignRight: column.alignRight), x: x, y: rect.y, style: .tableHeader)
            x += column.width + 1
        }

        let body = rect.splitTop(1).rest
        guard !body.isEmpty else { return }
        if rows.isEmpty {
            let text = state.filter.isEmpty ? "no models" : "no model id contains '\(state.filter)'"
            screen.write(text, x: body.x + 1, y: body.y, style: .normal, maxWidth: body.width - 1)
            return
        }
        // Scroll just enough to keep the selection on screen; no state needed.
        let offset = max(0, min(state.selectedRow - body.height + 1, rows.count - body.height))
        for (line, model) in rows.dropFirst(offset).prefix(body.height).enumerated() {
            let y = body.y + line
            let selected = model.key == state.selectedKey
            screen.write(selected ? "▸" : " ", x: body.x, y: y, style: selected ? .tableSelected : .normal)
            var x = body.x + 1
            for column in columns {
                let (text, style) = column.cell(model, column.width)
                screen.write(
                    text.padded(toWidth: column.width, alignRight: column.alignRight), x: x, y: y,
                    style: selected ? .tableSelected : (style ?? .normal))
                x += column.width + 1
            }
            if selected {
                screen.restyle(Rect(x: body.x, y: y, width: body.width, height: 1), style: .tableSelected)
            }
        }
    }

    /// The columns that fit in `width`, with the ID and sparkline widths settled.
    private func layout(width: Int) -> [Column] {
        let longestID = rows.map { DisplayWidth.of($0.key) }.max() ?? 2
        let idColumn = Column(title: "ID", width: min(max(longestID, 6), 24), priority: 10, sort: .id) { model, _ in (model.key, nil) }
        let stateColumn = Column(title: "STATE", width: 11, priority: 9, sort: .state) { model, _ in
            (model.readinessName, .state(model.readinessName))
        }
        let spark = Column(title: "LAST 60 S", width: Self.sparklineWidths.lowerBound, priority: 5) { model, width in
            (Sparkline.render(model.rateHistory, width: width), .sparkline)
        }
        let fixed: [Column] = [
            Column(title: "REQ/S", width: 6, alignRight: true, priority: 8, sort: .rate) { model, _ in (Format.rate(model.rate1s), nil) },
            spark,
            Column(title: "P50", width: 6, alignRight: true, priority: 2) { model, _ in (LatencyHistogram.text(of: model.latencyP50), nil) },
            Column(title: "P95", width: 6, alignRight: true, priority: 7, sort: .p95) { model, _ in
                (LatencyHistogram.text(of: model.latencyP95), nil)
            },
            Column(title: "P99", width: 6, alignRight: true, priority: 3) { model, _ in (LatencyHistogram.text(of: model.latencyP99), nil) },
            Column(title: "INFL", width: 4, alignRight: true, priority: 4) { model, _ in (Format.count(model.inFlight), nil) },
            Column(title: "ERR", width: 5, alignRight: true, priority: 6, sort: .errors) { model, _ in
                (Format.count(model.errors), model.errors > 0 ? .log("error") : nil)
            },
            Column(title: "SETUP", width: 6, alignRight: true, priority: 1) { model, _ in (Format.latency(model.setupDuration), nil) },
        ]
        var columns = [idColumn, stateColumn] + fixed
        func used() -> Int { columns.reduce(0) { $0 + $1.width + 1 } }
        // Drop the least important columns (the sparkline at its narrowest counts as one) until
        // the rest fit; the id and state always stay, narrowing the id if even they do not fit.
        while used() > width,
            let victim = columns.indices.filter({ columns[$0].priority < 9 })
                .min(by: { columns[$0].priority < columns[$1].priority })
        {
            columns.remove(at: victim)
        }
        if let sparkIndex = columns.firstIndex(where: { $0.title == spark.title }) {
            columns[sparkIndex].width = min(Self.sparklineWidths.upperBound, columns[sparkIndex].width + width - used())
        }
        let overflow = used() - width
        if overflow > 0 { columns[0].width = max(2, columns[0].width - overflow) }
        return columns
    }
}
