import MotionMCPControl
import MotionMCPProtocol

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
                model.key, model.readinessName, Format.rate(model.rate1s), String(model.requests),
                LatencyHistogram.text(of: model.latencyP50), LatencyHistogram.text(of: model.latencyP95), LatencyHistogram.text(of: model.latencyP99),
                String(model.inFlight), String(model.errors), Format.latency(model.setupDuration),
            ]
        }
        // Names read left-aligned, numbers right-aligned.
        return text + table([titles] + rows) { column in column >= 2 }
    }

    /// The plain-text fleet report `attach --once` prints for several targets: a line of fleet
    /// totals, one line per instance (with the address it serves on), and the models × instances
    /// table (percentiles from the summed histograms of the live instances).
    public static func render(_ view: FleetView) -> String {
        let text = FleetRenderer.headerFields(view).joined(separator: "  ") + "\n"
        let instanceTitles = ["#", "INSTANCE", "STATE", "UP", "MODELS", "REQ/S", "P95", "INFLIGHT", "ERRORS", "LISTEN", "TARGET"]
        let instances = view.instances.enumerated().map { FleetRenderer.instanceLine($1, number: $0 + 1) }
        let modelTitles = ["MODEL", "READY", "REQ/S", "P50", "P95", "P99", "INFLIGHT", "ERRORS"] + view.instances.indices.map { "#\($0 + 1)" }
        let models = view.models.map { FleetRenderer.modelLine($0, in: view) }
        return text + table([instanceTitles] + instances) { (3...8).contains($0) } + "\n"
            + table([modelTitles] + models) { (1...7).contains($0) }
    }

    /// `lines` in columns two spaces apart, those `alignRight` names right-aligned, each line
    /// without trailing spaces.
    private static func table(_ lines: [[String]], alignRight: (Int) -> Bool) -> String {
        let columns = lines.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in
            lines.map { column < $0.count ? DisplayWidth.of($0[column]) : 0 }.max() ?? 0
        }
        var text = ""
        for line in lines {
            let cells = line.enumerated().map { column, value in
                value.padded(toWidth: widths[column], alignRight: alignRight(column))
            }
            var joined = cells.joined(separator: "  ")
            while joined.last == " " { joined.removeLast() }
            text += joined + "\n"
        }
        return text
    }
}
