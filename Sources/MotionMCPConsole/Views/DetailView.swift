import MotionMCPControl
import MotionMCPProtocol

/// The selected model in detail: its capabilities in brief, traffic, errors by code, drain
/// progress, and the latency distribution as horizontal bars.
enum DetailView {
    /// A label and its text, drawn as one line.
    struct Line: Equatable {
        var label: String
        var text: String
        var style: StyleName = .normal
    }

    /// Draws the pane: a title row, then the text lines, with the latency bars beside them when
    /// there is room, or below them when not.
    static func draw(_ model: ModelSnapshot?, in rect: Rect, on screen: inout Screen) {
        guard !rect.isEmpty else { return }
        let (titleRow, body) = rect.splitTop(1)
        screen.fill(titleRow, style: .paneTitle)
        guard let model else {
            screen.write(" Model", x: titleRow.x, y: titleRow.y, style: .paneTitle, maxWidth: titleRow.width)
            screen.write("no model selected", x: body.x + 1, y: body.y, style: .normal, maxWidth: body.width - 1)
            return
        }
        let title = " Model " + model.key + " · "
        let used = screen.write(title, x: titleRow.x, y: titleRow.y, style: .paneTitle, maxWidth: titleRow.width)
        screen.write(model.readinessName, x: titleRow.x + used, y: titleRow.y, style: .paneTitle, maxWidth: titleRow.width - used)

        let text = lines(for: model)
        let bars = LatencyBars(buckets: model.latencyHistogram.bands)
        if body.width >= 76 {
            // The bars need about 30 columns; the text gets the rest.
            let (left, right) = body.splitLeft(max(body.width - 30, body.width / 2))
            drawLines(text, in: left, on: &screen)
            bars.draw(in: Rect(x: right.x + 1, y: right.y, width: right.width - 1, height: right.height), on: &screen)
        } else {
            drawLines(text, in: body, on: &screen)
            let below = body.splitTop(text.count).rest
            bars.draw(in: Rect(x: below.x + 1, y: below.y, width: below.width - 1, height: below.height), on: &screen)
        }
    }

    /// The text lines for `model`, most important first.
    static func lines(for model: ModelSnapshot) -> [Line] {
        var lines: [Line] = []
        if let drain = model.drain {
            lines.append(
                Line(
                    label: "drain",
                    text: "\(drain.inFlightLeft) in flight left · waited \(Format.wait(drain.waited)) of \(Format.clock(drain.timeout))",
                    style: .state("draining")))
        }
        if case .failed(let reason) = model.state {
            lines.append(Line(label: "failed", text: reason, style: .state("failed")))
        }
        if let sizes = model.batchSizes {
            let text = sizes.isEmpty ? "none yet" : sizes.sorted { $0.key < $1.key }.map { "size \($0.key): \($0.value)" }.joined(separator: " · ")
            lines.append(Line(label: "batches", text: text))
        }
        if let jobs = model.jobs {
            lines.append(Line(label: "jobs", text: "\(jobs.queued) queued · \(jobs.running) running · \(jobs.finished) finished"))
        }
        for replica in model.replicas ?? [] {
            lines.append(Line(label: "replica", text: replicaSummary(replica), style: .state(replicaStyle(replica.state))))
        }
        if let spec = model.spec {
            lines.append(Line(label: "spec", text: specSummary(spec)))
            lines.append(Line(label: "accepts", text: spec.supportedSegments.joined(separator: ", ")))
        }
        lines.append(
            Line(
                label: "traffic",
                text: "\(Format.rate(model.rate1s))/s · 10s \(Format.rate(model.rate10s)) · 60s \(Format.rate(model.rate60s)) · "
                    + "\(model.inFlight) in flight · \(Format.count(model.requests)) total"))
        lines.append(
            Line(
                label: "latency",
                text: [("p50", model.latencyP50), ("p95", model.latencyP95), ("p99", model.latencyP99)]
                    .map { "\($0) \(LatencyHistogram.text(of: $1))" }.joined(separator: " · ")))
        let errors = model.errorsByCode.filter { $0.count > 0 }.map { "\($0.code) \($0.count)" }
        lines.append(
            Line(
                label: "errors", text: errors.isEmpty ? "none" : errors.joined(separator: " · "),
                style: errors.isEmpty ? .normal : .log("error")))
        var timings = "setup " + Format.latency(model.setupDuration)
        if let teardown = model.teardownDuration { timings += " · teardown " + Format.latency(teardown) }
        lines.append(Line(label: "timing", text: timings))
        return lines
    }

    /// One upstream replica in one line: where, its state, its traffic, its last probe.
    static func replicaSummary(_ replica: ReplicaSnapshot) -> String {
        // Most telling first, for a narrow pane: where, its state, what it is doing, why it is out.
        var parts = ["\(replica.address) \(replica.state.rawValue)", "\(replica.inFlight) in flight"]
        if let probe = replica.lastProbe {
            parts.append("probe " + (probe.passed ? "ok" : "failed") + " " + Format.timeOfDay(probe.at) + (probe.failure.map { ": \($0)" } ?? ""))
        } else {
            parts.append("not probed yet")
        }
        parts += ["\(Format.count(replica.requests)) total", "\(replica.ejections) ejections", "\(replica.retries) retries"]
        return parts.joined(separator: " · ")
    }

    /// The model-state style a replica state is drawn in.
    private static func replicaStyle(_ state: ReplicaState) -> String {
        switch state {
        case .up: ModelState.ready.name
        case .ejected, .draining: ModelState.draining.name
        case .down, .mismatch: ModelState.failed(reason: "").name
        }
    }

    /// The capabilities in one line: frame rate, skeleton size, limits, options.
    private static func specSummary(_ spec: ModelSpec) -> String {
        var parts = [
            "\(Format.fixed(spec.fps, digits: spec.fps == spec.fps.rounded() ? 0 : 1)) fps",
            "\(spec.canonicalSkeleton.joints.count) joints",
            "≤\(Format.fixed(spec.limits.maxDurationSeconds, digits: 0))s",
            "batch \(spec.limits.maxBatchSize)",
        ]
        if spec.supportsRetargeting { parts.append("retargets") }
        if spec.supportsLoop { parts.append("loops") }
        if !spec.modelOptions.isEmpty { parts.append("\(spec.modelOptions.count) options") }
        return parts.joined(separator: " · ")
    }

    private static func drawLines(_ lines: [Line], in rect: Rect, on screen: inout Screen) {
        for (index, line) in lines.prefix(rect.height).enumerated() {
            let y = rect.y + index
            screen.write(line.label, x: rect.x + 1, y: y, style: .detailLabel, maxWidth: min(8, rect.width - 1))
            screen.write(line.text, x: rect.x + 9, y: y, style: line.style, maxWidth: rect.width - 10)
        }
    }
}
