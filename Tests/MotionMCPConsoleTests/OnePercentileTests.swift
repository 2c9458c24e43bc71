import Testing

@testable import MotionMCP
@testable import MotionMCPConsole
@testable import MotionMCPControl

/// Every place that shows a model's latency percentiles reads them from its one latency histogram
/// with one function, so they agree.
@Suite("One p95")
struct OnePercentileTests {
    /// A model served by a NullBackbone that has answered a request for each of `latencies`,
    /// recorded as the server records them.
    static func servedModel(_ key: String, latencies: [Duration]) -> ServedModel {
        let model = ServedModel(
            key: key, source: .backbone(NullBackbone(modelID: key)), registrationIndex: 0, epoch: .now,
            instruments: PrometheusExport().instruments(model: key))
        for latency in latencies { model.recordAnswer(status: 200, errorCode: nil, total: latency) }
        return model
    }

    /// `models`, as an attached console receives them from `/v1/snapshot` of the server at `address`.
    static func overTheWire(_ address: String, pid: Int, _ models: [ModelSnapshot]) throws -> RuntimeSnapshot {
        let snapshot = RuntimeSnapshot(
            instance: InstanceIdentity(hostName: "pod-\(pid)", processID: pid, version: "test", listenAddress: address, startedAt: 0),
            uptime: .seconds(60), openAPIEnabled: true, models: models)
        return try ControlWire.decodeSnapshot(ControlWire.encode(snapshot))
    }

    /// The word in row `row` of `screen` that ends under the last cell of `title` in row `header`:
    /// the value of a right-aligned column.
    static func cell(under title: String, header: Int, row: Int, in screen: Screen) -> String? {
        let characters = Array(title)
        guard
            let start = (0...(screen.size.width - characters.count)).first(where: { x in
                characters.indices.allSatisfy { screen[x + $0, header].character == characters[$0] }
            })
        else { return nil }
        var x = start + characters.count - 1
        var word = ""
        while x >= 0, screen[x, row].character != " " {
            word = String(screen[x, row].character) + word
            x -= 1
        }
        return word
    }

    /// Latencies from 0.5 ms to 150 ms, 300 of them: percentiles in different bands.
    static let latencies: [Duration] = (1...300).map { .microseconds($0 * 500) }

    @Test("one model's p95 is the same number on its table row, its detail pane, --once, the fleet's rows and in /v1/snapshot")
    func sameP95Everywhere() throws {
        let snapshot = Self.servedModel("walker", latencies: Self.latencies).snapshot()
        let p95 = try #require(snapshot.latencyP95)
        let text = LatencyHistogram.text(of: p95)
        #expect(text != LatencyHistogram.text(of: snapshot.latencyP50) && text != LatencyHistogram.text(of: snapshot.latencyP99))

        // /v1/snapshot: p95_ms, and what a client decodes from it.
        let sent = RuntimeSnapshot(
            instance: Fixtures.instance("a"), uptime: .seconds(60), openAPIEnabled: true, models: [snapshot])
        let wireModel = try #require(ControlWire.encode(sent).objectValue?["models"]?.arrayValue?.first?.objectValue)
        #expect(wireModel["p95_ms"]?.numberValue == p95 / .milliseconds(1))
        let received = try Self.overTheWire("a", pid: 1, [snapshot])
        #expect(received.models[0].latencyP95 == p95)

        // The model's own screen, attached: the table's P95 column and the detail pane.
        let screen = Fixtures.session(received).0.screen(140, 40)
        let header = try #require(screen.row(containing: "P95"))
        let row = try #require(screen.row(containing: "walker"))
        #expect(Self.cell(under: "P95", header: header, row: row, in: screen) == text)
        #expect(screen.text.contains("p95 \(text) ·"))
        // --once.
        let once = OnceReport.render(received).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(once[1][5] == "P95" && once[2][0] == "walker" && once[2][5] == text)

        // The fleet of that one instance: its header, its instance row and the model's row.
        let fleet = FleetSession(
            members: { [FakeControl(received, link: .attached(target: "a", reachability: .live))] },
            catalog: ThemeCatalog(themes: [.builtInDefault]), readOnly: false)
        let fleetScreen = fleet.render(log: [], size: Size(width: 140, height: 30))
        #expect(fleetScreen.lines[0].contains("p95 \(text) "))
        let instancesHeader = try #require(fleetScreen.row(containing: "INSTANCE"))
        let instanceRow = try #require(fleetScreen.row(containing: "pod-1 pid 1"))
        #expect(Self.cell(under: "P95", header: instancesHeader, row: instanceRow, in: fleetScreen) == text)
        let modelsHeader = try #require(fleetScreen.row(containing: "MODEL "))
        let modelRow = try #require((modelsHeader + 1..<fleetScreen.size.height).first { fleetScreen.lines[$0].contains("walker") })
        #expect(Self.cell(under: "P95", header: modelsHeader, row: modelRow, in: fleetScreen) == text)
    }

    @Test("a fleet whose instances shared the requests shows the p95 that one server answering them all would")
    func summedFleetMatchesOneServer() throws {
        let whole = Self.servedModel("walker", latencies: Self.latencies).snapshot()
        // The first instance answered the faster two thirds, the second the slower third.
        let halves = try [Self.latencies.prefix(200), Self.latencies.dropFirst(200)].enumerated().map { index, latencies in
            try Self.overTheWire("i\(index)", pid: index + 1, [Self.servedModel("walker", latencies: Array(latencies)).snapshot()])
        }
        #expect(halves[0].models[0].latencyP95 != whole.latencyP95 && halves[1].models[0].latencyP95 != whole.latencyP95)
        let view = FleetView(halves.map { FleetInstance(FakeControl($0, link: .attached(target: $0.listenAddress, reachability: .live))) })
        let report = OnceReport.render(view).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let modelLine = try #require(report.first { $0.first == "walker" })
        #expect(modelLine[4] == LatencyHistogram.text(of: whole.latencyP95))
        #expect(view.models[0].latencyHistogram.percentile(95) == whole.latencyP95)
    }
}
