import MotionMCP

/// The plain-text snapshot `--once` prints: a header line and the model table, without colours,
/// sparkline or box drawing, so scripts can read it with `awk`.
public enum OnceReport {
    /// The report for `snapshot`, one model per line in registration order, ending in a newline.
    public static func render(_ snapshot: RuntimeSnapshot) -> String {
        var text = "listen \(snapshot.listenAddress)  uptime \(Format.clock(snapshot.uptime))  "
        text += "\(Format.rate(snapshot.totalRate)) req/s  openapi \(snapshot.openAPIEnabled ? "on" : "off")  "
        text += "models \(snapshot.readyCount)/\(snapshot.models.count) ready\n"

        let titles = ["ID", "STATE", "REQ/S", "REQUESTS", "P50", "P95", "P99", "INFLIGHT", "ERRORS", "SETUP"]
        let rows = snapshot.models.map { model in
            [
                model.key, model.state.name, Format.rate(model.rate1s), String(model.requests),
                Format.latency(model.latencyP50), Format.latency(model.latencyP95), Format.latency(model.latencyP99),
                String(model.inFlight), String(model.errors), Format.latency(model.setupDuration),
            ]
        }
        let widths = titles.indices.map { column in
            ([titles[column]] + rows.map { $0[column] }).map { DisplayWidth.of($0) }.max() ?? 0
        }
        for line in [titles] + rows {
            let cells = line.enumerated().map { column, value in
                // Names read left-aligned, numbers right-aligned.
                value.padded(toWidth: widths[column], alignRight: column >= 2)
            }
            var joined = cells.joined(separator: "  ")
            while joined.last == " " { joined.removeLast() }
            text += joined + "\n"
        }
        return text
    }
}
