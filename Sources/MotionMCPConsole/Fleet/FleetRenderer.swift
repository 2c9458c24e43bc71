import MotionMCPControl
import MotionMCPProtocol

/// The fleet screen: a header with the fleet's totals, one line per instance, the models ×
/// instances table with the fleet's numbers, the events of every instance, and the status line.
public enum FleetRenderer {
    /// Renders `fleet` at `size` with the last lines of `log`.
    public static func render(_ fleet: FleetSession, log: [LogLine], size: Size) -> Screen {
        var screen = Screen(size: size)
        let bounds = Rect(x: 0, y: 0, width: size.width, height: size.height)
        guard !bounds.isEmpty else { return screen }
        let view = fleet.view
        let (header, belowHeader) = bounds.splitTop(1)
        drawHeader(view, in: header, on: &screen)
        guard belowHeader.height > 1 else { return screen }
        let middle = Rect(x: 0, y: belowHeader.y, width: bounds.width, height: belowHeader.height - 1)
        let statusRow = Rect(x: 0, y: bounds.maxY - 1, width: bounds.width, height: 1)

        // Instances first (a fleet is a handful), then the models; the events get what is left.
        let instanceRows = min(max(view.instances.count, 1), max(1, middle.height / 3))
        let (instanceRect, rest) = middle.splitTop(1 + instanceRows)
        drawInstances(fleet, in: instanceRect, on: &screen)
        let modelRows = min(max(view.models.count, 1), max(0, (rest.height - 1) * 2 / 3 - 1))
        let (modelRect, logRect) = rest.splitTop(modelRows > 0 ? 2 + modelRows : 0)
        if modelRows > 0 {
            drawModels(fleet, in: Rect(x: modelRect.x, y: modelRect.y + 1, width: modelRect.width, height: modelRect.height - 1), on: &screen)
        }
        if logRect.height >= 2 { LogView.draw(log, in: logRect, on: &screen) }

        drawStatus(fleet, in: statusRow, on: &screen)
        let overlayArea = Rect(x: 0, y: 1, width: bounds.width, height: bounds.height - 2)
        switch fleet.mode {
        case .help:
            OverlayView.drawHelp(keyTable: fleet.keyTable, commands: [], readOnly: fleet.readOnly, in: overlayArea, on: &screen)
        case .confirmRollingDrain(let model):
            let serving = view.models.first { $0.key == model }?.servedCount ?? 0
            OverlayView.drawYesNo(
                title: "Drain \(model) on every instance?",
                body: [
                    "One instance at a time (\(serving) serve it): each", "drain waits for the previous to finish, and",
                    "it stops at the first failure.",
                ], in: overlayArea, on: &screen)
        case .normal, .quitting:
            break
        }
        return screen
    }

    /// The header's fields, most important first.
    static func headerFields(_ view: FleetView) -> [String] {
        [
            "MotionMCP fleet",
            "\(view.instances.count) instances, \(view.liveCount) live",
            Format.rate(view.totalRate) + " req/s",
            "p95 " + LatencyHistogram.text(of: view.latencyHistogram.percentile(95)),
            "\(view.totalInFlight) in flight",
            "\(view.totalErrors) errors",
        ]
    }

    private static func drawHeader(_ view: FleetView, in rect: Rect, on screen: inout Screen) {
        let down = view.instances.contains { !$0.isLive }
        let style: StyleName = down ? .messageError : .header
        screen.fill(rect, style: style)
        screen.write(" " + headerFields(view).joined(separator: "  "), x: rect.x, y: rect.y, style: style, maxWidth: rect.width)
    }

    /// One instance's line: its number, name, whether it answers, its traffic, the MMCP address
    /// it serves on, then its control target (and, when it does not answer, since when and why).
    /// Servers on one host differ by their serving address, not by their name.
    static func instanceLine(_ instance: FleetInstance, number: Int) -> [String] {
        let snapshot = instance.snapshot
        let listen = listenAddress(instance)
        var target = instance.target
        let state: String
        switch instance.reachability {
        case .connecting: state = "connecting"
        case .live: state = snapshot?.isShuttingDown == true ? "shutting down" : "live"
        case .unreachable(let since, let reason):
            state = "UNREACHABLE"
            target += "  unreachable since \(Format.timeOfDay(since)): \(reason)"
        }
        guard let snapshot, instance.isLive else {
            return ["#\(number)", instance.name, state, "-", "-", "-", "-", "-", "-", listen, target]
        }
        return [
            "#\(number)", instance.name, state, Format.clock(snapshot.uptime), "\(snapshot.readyCount)/\(snapshot.models.count)",
            Format.rate(snapshot.totalRate), LatencyHistogram.text(of: snapshot.latencyHistogram.percentile(95)),
            Format.count(snapshot.totalInFlight), Format.count(snapshot.totalErrors), listen, target,
        ]
    }

    /// Where the instance serves MMCP, `-` until it has answered. Unlike its numbers, this is
    /// still true of the last snapshot of an instance that no longer answers.
    private static func listenAddress(_ instance: FleetInstance) -> String {
        instance.snapshot?.listenAddress ?? "-"
    }

    /// The instance table's columns; LISTEN as wide as the longest address (at most 24), so the
    /// target and why an instance does not answer keep their room.
    private static func instanceColumns(_ instances: [FleetInstance]) -> [(title: String, width: Int, right: Bool)] {
        let longest = instances.map { DisplayWidth.of(listenAddress($0)) }.max() ?? 0
        return [
            ("#", 3, false), ("INSTANCE", 20, false), ("STATE", 13, false), ("UP", 8, true), ("MODELS", 6, true), ("REQ/S", 6, true),
            ("P95", 6, true), ("INFL", 4, true), ("ERR", 5, true), ("LISTEN", min(max(longest, 6), 24), false), ("TARGET", 0, false),
        ]
    }

    private static func drawInstances(_ fleet: FleetSession, in rect: Rect, on screen: inout Screen) {
        let focused = fleet.table == .instances
        let instanceColumns = instanceColumns(fleet.view.instances)
        drawRow(instanceColumns.map(\.title), columns: instanceColumns, y: rect.y, x: rect.x, width: rect.width, style: .tableHeader, on: &screen)
        let body = rect.splitTop(1).rest
        if fleet.view.instances.isEmpty {
            screen.write(" no instances (yet)", x: body.x, y: body.y, style: .normal, maxWidth: body.width)
            return
        }
        let offset = max(0, min(fleet.selectedInstance - body.height + 1, fleet.view.instances.count - body.height))
        for (line, (index, instance)) in fleet.view.instances.enumerated().dropFirst(offset).prefix(body.height).enumerated() {
            let selected = index == fleet.selectedInstance
            let style: StyleName = selected ? (focused ? .tableSelected : .header) : (instance.isLive ? .normal : .messageError)
            drawRow(
                instanceLine(instance, number: index + 1), columns: instanceColumns, y: body.y + line, x: body.x, width: body.width, style: style,
                on: &screen)
            screen.write(selected ? "▸" : " ", x: body.x, y: body.y + line, style: style)
        }
    }

    /// One model's line: the fleet's numbers, then its state on each instance.
    /// The model's state on each instance is `-` where it is not served and `?` where the
    /// instance does not answer.
    static func modelLine(_ model: FleetModel, in view: FleetView) -> [String] {
        let histogram = model.latencyHistogram
        return [
            model.key, "\(model.readyCount)/\(model.servedCount)", Format.rate(model.rate1s), LatencyHistogram.text(of: histogram.percentile(50)),
            LatencyHistogram.text(of: histogram.percentile(95)), LatencyHistogram.text(of: histogram.percentile(99)), Format.count(model.inFlight),
            Format.count(model.errors),
        ] + zip(model.states, view.instances).map { state, instance in instance.isLive ? state.map(shortName) ?? "-" : "?" }
    }

    /// A model's readiness name (``ModelSnapshot/readinessName``) in at most six columns.
    static func shortName(_ state: String) -> String {
        switch state {
        case "settingUp": "setup"
        case "draining": "drain"
        case "tearingDown": "down"
        case "removed": "gone"
        case "failed": "FAILED"
        case ModelSnapshot.unreachable: "UNRCH"
        default: state
        }
    }

    private static func drawModels(_ fleet: FleetSession, in rect: Rect, on screen: inout Screen) {
        let focused = fleet.table == .models
        let longest = fleet.view.models.map { DisplayWidth.of($0.key) }.max() ?? 5
        var columns: [(title: String, width: Int, right: Bool)] = [
            ("MODEL", min(max(longest, 5), 20) + 1, false), ("READY", 5, true), ("REQ/S", 6, true), ("P50", 6, true), ("P95", 6, true),
            ("P99", 6, true), ("INFL", 4, true), ("ERR", 5, true),
        ]
        columns += fleet.view.instances.indices.map { ("#\($0 + 1)", 6, false) }
        drawRow(columns.map(\.title), columns: columns, y: rect.y, x: rect.x, width: rect.width, style: .tableHeader, on: &screen)
        let body = rect.splitTop(1).rest
        if fleet.view.models.isEmpty {
            screen.write(" no models", x: body.x, y: body.y, style: .normal, maxWidth: body.width)
            return
        }
        let selectedIndex = fleet.view.models.firstIndex { $0.key == fleet.selectedModel } ?? 0
        let offset = max(0, min(selectedIndex - body.height + 1, fleet.view.models.count - body.height))
        for (line, model) in fleet.view.models.dropFirst(offset).prefix(body.height).enumerated() {
            let selected = model.key == fleet.selectedModel
            let style: StyleName = selected ? (focused ? .tableSelected : .header) : .normal
            drawRow(modelLine(model, in: fleet.view), columns: columns, y: body.y + line, x: body.x, width: body.width, style: style, on: &screen)
            screen.write(selected ? "▸" : " ", x: body.x, y: body.y + line, style: style)
        }
    }

    /// Writes `cells` in `columns` from `x + 1` (a width of 0 takes the rest of the row).
    private static func drawRow(
        _ cells: [String], columns: [(title: String, width: Int, right: Bool)], y: Int, x: Int, width: Int, style: StyleName,
        on screen: inout Screen
    ) {
        screen.fill(Rect(x: x, y: y, width: width, height: 1), style: style)
        var column = x + 1
        for (cell, spec) in zip(cells, columns) {
            let room = x + width - column
            guard room > 0 else { return }
            let text = spec.width == 0 ? cell : cell.padded(toWidth: spec.width, alignRight: spec.right)
            screen.write(text, x: column, y: y, style: style, maxWidth: min(room, spec.width == 0 ? room : spec.width))
            column += spec.width + 1
        }
    }

    private static func drawStatus(_ fleet: FleetSession, in row: Rect, on screen: inout Screen) {
        if let status = fleet.rollingDrainStatus {
            screen.fill(row, style: .normal)
            screen.write(" " + status, x: row.x, y: row.y, style: .messageInfo, maxWidth: row.width)
            return
        }
        if let message = fleet.message {
            screen.fill(row, style: .normal)
            screen.write(" " + message.text, x: row.x, y: row.y, style: message.isError ? .messageError : .messageInfo, maxWidth: row.width)
            return
        }
        StatusLine.drawHints(
            keyTable: fleet.keyTable, readOnly: fleet.readOnly, right: " q leaves the servers running · theme \(fleet.theme.name) ", in: row,
            on: &screen)
    }
}
