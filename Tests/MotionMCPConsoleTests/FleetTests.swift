import Testing

@testable import MotionMCP
@testable import MotionMCPConsole
@testable import MotionMCPControl

@Suite("The fleet screen")
struct FleetTests {
    /// A live attached instance at `target` serving `models`.
    static func instance(
        _ target: String, pid: Int, models: [ModelSnapshot], reachability: Reachability = .live, failing: String? = nil
    ) -> FakeControl {
        let snapshot = RuntimeSnapshot(
            instance: InstanceIdentity(hostName: "pod-\(pid)", processID: pid, version: "test", listenAddress: "10.0.0.\(pid):8000", startedAt: 0),
            uptime: .seconds(60), openAPIEnabled: true, models: models)
        return FakeControl(snapshot, link: .attached(target: target, reachability: reachability), failing: failing, drainRemoves: true)
    }

    /// `count` requests answered in the band of `latency`.
    static func histogram(_ count: Int, at latency: Duration) -> LatencyHistogram {
        Fixtures.histogram([(latency, count)])
    }

    static func model(_ key: String, rate: Double = 0, inFlight: Int = 0, histogram: LatencyHistogram = LatencyHistogram()) -> ModelSnapshot {
        var model = Fixtures.model(key, rate: rate, inFlight: inFlight)
        model.latencyHistogram = histogram
        return model
    }

    static func session(_ controls: [FakeControl], readOnly: Bool = false) -> FleetSession {
        FleetSession(
            members: { controls }, catalog: ThemeCatalog(themes: [.builtInDefault, .builtInMonochrome]), readOnly: readOnly)
    }

    @Test("rates and in-flight are summed over the live instances, and percentiles come from the summed histograms")
    func aggregates() throws {
        let fast = Self.instance(
            "a", pid: 1, models: [Self.model("walker", rate: 10, inFlight: 1, histogram: Self.histogram(90, at: .milliseconds(1)))])
        let slow = Self.instance(
            "b", pid: 2, models: [Self.model("walker", rate: 5, inFlight: 2, histogram: Self.histogram(10, at: .milliseconds(100)))])
        let gone = Self.instance(
            "c", pid: 3, models: [Self.model("walker", rate: 1000, inFlight: 50)],
            reachability: .unreachable(since: 0, reason: "connection refused"))
        let view = FleetView([fast, slow, gone].map(FleetInstance.init))
        #expect(view.liveCount == 2)
        #expect(view.totalRate == 15)
        #expect(view.totalInFlight == 3)
        let walker = try #require(view.models.first)
        #expect(walker.states == ["ready", "ready", nil], "an unreachable instance's last states are not shown as current")
        #expect(walker.latencyHistogram.total == 100)
        // 90 % of the fleet's requests took 1 ms: its p50 is in that band, its p95 in the 100 ms one.
        // Averaging the two instances' p95s (1 ms and 100 ms) would say about 50 ms.
        let p50 = try #require(walker.latencyHistogram.percentile(50))
        let p95 = try #require(walker.latencyHistogram.percentile(95))
        #expect(p50 <= .milliseconds(1))
        #expect(p95 > .milliseconds(79) && p95 <= .milliseconds(100))
    }

    @Test(
        "the screen lists every instance with the address it serves on, marks an unreachable one with the time and reason, and shows the models × instances table"
    )
    func screen() throws {
        let controls = [
            Self.instance("/run/a.sock", pid: 11, models: [Self.model("walker", rate: 4), Self.model("dancer")]),
            Self.instance("/run/b.sock", pid: 12, models: [Self.model("walker", rate: 6)]),
            Self.instance(
                "/run/c.sock", pid: 13, models: [Self.model("walker")],
                reachability: .unreachable(since: 0, reason: "connection refused")),
        ]
        let fleet = Self.session(controls)
        let text = fleet.render(log: [], size: Size(width: 160, height: 30)).lines.joined(separator: "\n")
        #expect(text.contains("3 instances, 2 live"))
        #expect(text.contains("10.0 req/s"))
        #expect(text.contains("pod-11 pid 11"))
        let second = try #require(text.split(separator: "\n").first { $0.contains("pod-12 pid 12") })
        #expect(second.contains("10.0.0.12:8000 /run/b.sock"), "the address it serves on, then its control target: \(second)")
        #expect(text.contains("unreachable since \(Format.timeOfDay(0)): connection refused"))
        let walker = try #require(text.split(separator: "\n").first { $0.contains("walker") && $0.contains("ready") })
        #expect(walker.contains("2/2") && walker.hasSuffix("ready  ready  ?"), "\(walker)")
        let dancer = try #require(text.split(separator: "\n").first { $0.contains("dancer") })
        #expect(dancer.contains("1/1") && dancer.contains("ready  -      ?"), "\(dancer)")
    }

    @Test("Tab, then d asks; y starts a rolling drain that drains each instance in turn, skipping one without the model")
    func rollingDrain() async throws {
        let controls = [
            Self.instance("a", pid: 1, models: [Self.model("walker")]),
            Self.instance("b", pid: 2, models: [Self.model("dancer")]),
            Self.instance("c", pid: 3, models: [Self.model("walker")]),
        ]
        var fleet = Self.session(controls)
        #expect(fleet.handle(.character("d")) == nil)
        #expect(fleet.message?.isError == true)
        #expect(fleet.handle(.tab) == nil)
        #expect(fleet.handle(.character("d")) == nil)
        #expect(fleet.mode == .confirmRollingDrain("walker"))
        #expect(fleet.render(log: [], size: Size(width: 100, height: 30)).lines.joined().contains("Drain walker on every instance?"))
        let request = fleet.handle(.character("y"))
        #expect(request == .rollingDrain(model: "walker"))
        let work = try #require(fleet.work(for: .rollingDrain(model: "walker")))
        let outcome = await work()
        #expect(outcome == .init(text: "walker drained on 2 of 3 instances (not served on pod-2 pid 2)", isError: false))
        #expect(controls.map(\.calls) == [[.drain("walker")], [], [.drain("walker")]])
        #expect(fleet.rollingDrainStatus == nil)
    }

    @Test("a rolling drain stops at the first instance that refuses, leaving the rest untouched")
    func rollingDrainStops() async {
        let controls = [
            Self.instance("a", pid: 1, models: [Self.model("walker")]),
            Self.instance("b", pid: 2, models: [Self.model("walker")], failing: "403: this needs the operate level"),
            Self.instance("c", pid: 3, models: [Self.model("walker")]),
        ]
        let fleet = Self.session(controls)
        let outcome = await fleet.work(for: .rollingDrain(model: "walker"))?()
        #expect(outcome?.isError == true)
        #expect(outcome?.text.contains("2/3 pod-2 pid 2: 403: this needs the operate level; stopped (1 drained)") == true)
        #expect(controls.map(\.calls) == [[.drain("walker")], [.drain("walker")], []])
    }

    @Test("Enter opens the selected instance's own screen, where d drains on that instance only; Esc comes back")
    func openInstance() async throws {
        let controls = [
            Self.instance("a", pid: 1, models: [Self.model("walker")]),
            Self.instance("b", pid: 2, models: [Self.model("walker")]),
        ]
        var fleet = Self.session(controls)
        fleet.handle(.character("j"))
        fleet.handle(.enter)
        #expect(fleet.opened != nil)
        #expect(fleet.render(log: [], size: Size(width: 100, height: 30)).lines[0].contains("pod-2 pid 2"))
        fleet.handle(.character("d"))
        let answer = fleet.handle(.character("y"))
        let request = try #require(answer)
        if let message = await fleet.work(for: request)?() { fleet.report(message) }
        #expect(controls.map(\.calls) == [[], [.drain("walker")]])
        fleet.handle(.escape)
        #expect(fleet.opened == nil)
        #expect(fleet.render(log: [], size: Size(width: 100, height: 30)).lines[0].contains("MotionMCP fleet"))
    }

    @Test("q leaves at once and asks no server to do anything; read-only refuses the rolling drain")
    func quitAndReadOnly() {
        var fleet = Self.session([Self.instance("a", pid: 1, models: [Self.model("walker")])])
        #expect(fleet.handle(.character("q")) == .quit)
        #expect(fleet.work(for: .quit) == nil)
        var watcher = Self.session([Self.instance("a", pid: 1, models: [Self.model("walker")])], readOnly: true)
        watcher.handle(.tab)
        #expect(watcher.handle(.character("d")) == nil)
        #expect(watcher.mode == .normal)
        #expect(watcher.message?.text.hasPrefix("read-only") == true)
    }

    @Test("--once for a fleet prints the totals, a line per instance (with the address it serves on) and the models × instances table as plain text")
    func onceReport() {
        let view = FleetView(
            [
                Self.instance("a", pid: 1, models: [Self.model("walker", rate: 2)]),
                Self.instance("b", pid: 2, models: [Self.model("walker", rate: 3)]),
            ].map(FleetInstance.init))
        let report = OnceReport.render(view)
        let lines = report.split(separator: "\n")
        #expect(lines.first == "MotionMCP fleet  2 instances, 2 live  5.0 req/s  p95 -  0 in flight  0 errors")
        #expect(lines.contains { $0.hasPrefix("#1") && $0.contains("pod-1 pid 1") && $0.contains(" live ") && $0.hasSuffix(" 10.0.0.1:8000  a") })
        #expect(lines.contains { $0.hasPrefix("walker") && $0.contains("2/2") && $0.hasSuffix("ready  ready") })
        #expect(!report.contains("\u{1B}"))
    }
}
