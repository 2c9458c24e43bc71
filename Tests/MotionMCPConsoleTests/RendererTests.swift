import Foundation
import Testing

@testable import MotionMCP
@testable import MotionMCPConsole
@testable import MotionMCPControl

@Suite("Rendering the console into an in-memory screen")
struct RendererTests {
    let log = [
        LogLine(time: Date(), level: "info", text: "model walker ready"),
        LogLine(time: Date(), level: "error", text: "setup of broken failed: no weights"),
    ]

    @Test("the header shows the address, uptime, total rate, OpenAPI and ready/total at 80×24")
    func header() {
        let (session, _) = Fixtures.session()
        let screen = session.screen(80, 24, log: log)
        let header = screen.lines[0]
        #expect(header.contains("127.0.0.1:8000"))
        #expect(header.contains("up 1h02m03s"))
        #expect(header.contains("8.0 req/s"))
        #expect(header.contains("OpenAPI on"))
        #expect(header.contains("1/3 ready"))
        #expect(screen[0, 0].style == .header)
    }

    @Test("every model gets a row whose state is coloured by its state style")
    func stateStyles() {
        let (session, _) = Fixtures.session()
        let screen = session.screen(80, 24)
        #expect(screen.style(of: "draining") == .state("draining"))
        #expect(screen.style(of: "failed") == .state("failed"))
        #expect(Theme.builtInDefault.style(for: .state("draining")).foreground == .palette(11))
    }

    @Test("the selected row is marked and highlighted across its width")
    func selectedRow() throws {
        let (session, _) = Fixtures.session()
        let screen = session.screen(80, 24)
        let y = try #require(screen.row(containing: "walker ready"))
        #expect(screen.lines[y].hasPrefix("▸walker"))
        #expect((0..<80).allSatisfy { screen[$0, y].style == .tableSelected })
        let other = try #require(screen.row(containing: "dancer"))
        #expect(screen[1, other].style == .normal)
    }

    @Test("the sparkline draws the last 60 s of request rate, newest at the right")
    func sparkline() throws {
        let (session, _) = Fixtures.session()
        // From 140 columns the sparkline has a cell per second.
        let screen = session.screen(140, 40)
        let (x, y) = try #require(screen.position(of: "▁▂▃▄▅▆▇█"))
        #expect(screen[x, y].style == .tableSelected) // walker is selected
        #expect(screen.lines[y].contains(String(repeating: " ", count: 52) + "▁▂▃▄▅▆▇█"))
        // At 80 columns the 60 seconds share fewer cells, each showing its busiest second.
        #expect(session.screen(80, 24).lines[2].contains("   ▃█ "))
        #expect(Sparkline.render(Fixtures.ramp, width: 10) == "        ▂█")
        #expect(Sparkline.render([0, 0, 0], width: 3) == "   ")
    }

    @Test("the sparkline of an unselected row uses the sparkline style")
    func sparklineStyle() async throws {
        var (session, _) = Fixtures.session()
        await session.press(.character("j"))
        let screen = session.screen(140, 40)
        let (x, y) = try #require(screen.position(of: "▁▂▃▄▅▆▇█"))
        #expect(screen[x, y].style == .sparkline)
    }

    @Test("the detail pane of a draining model shows in-flight left and time waited, at 80×24 and 120×40")
    func drainProgress() async {
        var (session, _) = Fixtures.session()
        await session.press(.character("j"))
        for (width, height) in [(80, 24), (120, 40)] {
            let screen = session.screen(width, height)
            #expect(screen.text.contains("Model dancer · draining"))
            #expect(screen.text.contains("drain   3 in flight left · waited 2.5s of 30s"))
            #expect(screen.style(of: "3 in flight left") == .state("draining"))
        }
    }

    @Test("the detail pane shows capabilities, errors by code and the latency distribution")
    func detail() {
        let (session, _) = Fixtures.session()
        let screen = session.screen(120, 40)
        #expect(screen.text.contains("30 fps · 3 joints"))
        #expect(screen.text.contains("invalid_request 3"))
        #expect(screen.text.contains("latency distribution"))
        #expect(screen.text.contains("≤25ms"))
        #expect(screen.style(of: "██") == .chartBar)
    }

    @Test("the detail pane shows a model's async jobs, its batch sizes, and each upstream replica: where, its state, its traffic and its last probe")
    func detailReplicas() throws {
        var snapshot = Fixtures.server
        snapshot.models[0].replicas = [
            ReplicaSnapshot(
                address: "http://gpu-1:8000", state: .up, lastProbe: ProbeReport(at: 0, passed: true, failure: nil), inFlight: 2,
                requests: 40, ejections: 1, retries: 3),
            ReplicaSnapshot(
                address: "http://gpu-2:8000", state: .down, lastProbe: ProbeReport(at: 0, passed: false, failure: "connection refused"),
                inFlight: 0, requests: 7, ejections: 2, retries: 0),
        ]
        snapshot.models[0].jobs = JobCounts(queued: 1, running: 2, finished: 30)
        snapshot.models[0].batchSizes = [16: 2, 1: 4]
        let screen = Fixtures.session(snapshot).0.screen(140, 40)
        #expect(screen.text.contains("jobs    1 queued · 2 running · 30 finished"))
        #expect(screen.text.contains("batches size 1: 4 · size 16: 2"))
        #expect(screen.text.contains("replica http://gpu-1:8000 up · 2 in flight · probe ok "))
        #expect(screen.text.contains("replica http://gpu-2:8000 down · 0 in flight · probe failed "))
        #expect(screen.style(of: "http://gpu-1:8000 up") == .state("ready"))
        #expect(screen.style(of: "http://gpu-2:8000 down") == .state("failed"))
        let line = DetailView.replicaSummary(try #require(snapshot.models[0].replicas?[1]))
        #expect(line.hasSuffix(": connection refused · 7 total · 2 ejections · 0 retries"))
    }

    @Test("the event log pane shows the newest lines styled by level")
    func eventLog() {
        let (session, _) = Fixtures.session()
        let screen = session.screen(80, 24, log: log)
        #expect(screen.text.contains("info  model walker ready"))
        #expect(screen.style(of: "setup of broken failed") == .log("error"))
        let many = (1...100).map { LogLine(time: Date(), level: "info", text: "line \($0)") }
        let crowded = session.screen(80, 24, log: many).text
        #expect(crowded.contains("line 100"))
        #expect(!crowded.contains("line 1\n"))
    }

    @Test("at 80×24 every column from id to setup time fits")
    func columnsAt80() {
        let (session, _) = Fixtures.session()
        let titles = session.screen(80, 24).lines[1]
        for title in ["ID", "STATE", "REQ/S", "LAST 60 S", "P50", "P95", "P99", "INFL", "ERR", "SETUP"] {
            #expect(titles.contains(title), "missing \(title)")
        }
        #expect(DisplayWidth.of(titles) <= 80)
    }

    @Test("a narrow screen drops the least important columns and a tiny one asks for room")
    func small() {
        let (session, _) = Fixtures.session()
        let narrow = session.screen(50, 12)
        #expect(narrow.lines[1].contains("STATE"))
        #expect(!narrow.lines[1].contains("SETUP"))
        #expect(narrow.lines.allSatisfy { DisplayWidth.of($0) <= 50 })
        // Columns go by importance: at 40 the sparkline goes before p95 and errors.
        let titles = session.screen(40, 12).lines[1]
        #expect(titles.contains("P95") && titles.contains("ERR") && !titles.contains("LAST 60 S"))
        #expect(session.screen(10, 2).lines[0].hasPrefix("MotionMCP"))
        #expect(session.screen(0, 0).lines.isEmpty)
    }

    @Test("many models scroll so the selected one stays visible")
    func scrolling() async {
        let models = (1...30).map { Fixtures.model("m\($0)") }
        var (session, _) = Fixtures.session(Fixtures.snapshot("x", uptime: .zero, openAPIEnabled: false, models: models))
        await session.press(.end)
        let screen = session.screen(80, 24)
        #expect(screen.lines.contains { $0.hasPrefix("▸m30") })
        #expect(!screen.lines.contains { $0.hasPrefix(" m1 ") })
    }

    @Test("the status line lists key hints and the theme, and READ-ONLY shows in the header")
    func statusAndReadOnly() {
        let (session, _) = Fixtures.session(readOnly: true)
        let screen = session.screen(80, 24)
        #expect(screen.lines[0].hasSuffix("READ-ONLY"))
        #expect(screen.lines[23].hasPrefix(" ? help  q quit  j/k select  / filter"))
        #expect(!screen.lines[23].contains("d drain"))
        #expect(screen.lines[23].hasSuffix("theme default"))
    }

    @Test("log text cannot move the cursor: control characters become spaces")
    func controlCharacters() {
        let (session, _) = Fixtures.session()
        let screen = session.screen(80, 24, log: [LogLine(time: Date(), level: "info", text: "a\u{1B}[2Jb\tc")])
        #expect(screen.text.contains("a [2Jb c"))
    }

    @Test("wide characters take two cells and are cut whole at the edge")
    func wideCharacters() {
        var screen = Screen(size: Size(width: 5, height: 1))
        screen.write("漢字x", x: 0, y: 0, style: .normal)
        #expect(screen.lines == ["漢字x"])
        #expect(screen[1, 0].isContinuation)
        screen.write("ab", x: 1, y: 0, style: .normal)
        #expect(screen.lines == [" ab x"])
        var narrow = Screen(size: Size(width: 3, height: 1))
        narrow.write("a漢字", x: 0, y: 0, style: .normal)
        #expect(narrow.lines == ["a漢"])
    }
}

/// A gateway model none of whose replicas takes requests reads `unreachable`, as `/readyz` says.
@Suite("Unreachable gateway models on every screen")
struct UnreachableModelTests {
    /// The fixture server and `remote`, served by two upstreams, one down and one draining: ready,
    /// but nothing answers.
    static var snapshot: RuntimeSnapshot {
        var snapshot = Fixtures.server
        var remote = Fixtures.model("remote")
        remote.replicas = [
            ReplicaSnapshot(address: "http://gpu-1:8000", state: .down, lastProbe: nil, inFlight: 0, requests: 4, ejections: 0, retries: 0),
            ReplicaSnapshot(address: "http://gpu-2:8000", state: .draining, lastProbe: nil, inFlight: 0, requests: 1, ejections: 0, retries: 0),
        ]
        snapshot.models.append(remote)
        return snapshot
    }

    @Test("a ready model with no replica up or ejected is unreachable; one up or ejected replica keeps it ready; a local model is never unreachable")
    func readiness() {
        var model = Self.snapshot.models[3]
        #expect(model.state == .ready)
        #expect(model.readinessName == "unreachable")
        model.replicas?[1].state = .ejected
        #expect(model.readinessName == "ready", "the gateway still uses an ejected replica when it has nothing else")
        model.replicas?[1].state = .up
        #expect(model.readinessName == "ready")
        #expect(Fixtures.walker.readinessName == "ready")
        #expect(Self.snapshot.readyCount == 1)
    }

    @Test("the table row, the detail pane's title, the header's ready count and the --once report say unreachable")
    func consoleScreens() {
        let screen = Fixtures.session(Self.snapshot).0.screen(140, 40)
        let row = screen.lines[screen.row(containing: "remote") ?? 0]
        #expect(row.contains("unreachable"), "\(screen.text)")
        #expect(screen.style(of: "unreachable") == .state("unreachable"))
        #expect(screen.text.contains("1/4 ready"))
        var session = Fixtures.session(Self.snapshot).0
        session.state.selectedKey = "remote"
        #expect(session.screen(140, 40).text.contains("Model remote · unreachable"), "\(session.screen(140, 40).text)")
        let report = OnceReport.render(Self.snapshot)
        #expect(report.split(separator: "\n").contains { $0.hasPrefix("remote") && $0.contains("unreachable") }, "\(report)")
    }

    @Test("the fleet counts it as not ready and shows it as UNRCH on its instance")
    func fleet() throws {
        let view = FleetView([
            FleetInstance(target: "a", reachability: .live, snapshot: Self.snapshot),
            FleetInstance(target: "b", reachability: .live, snapshot: Fixtures.server),
        ])
        let remote = try #require(view.models.first { $0.key == "remote" })
        #expect(remote.states == ["unreachable", nil])
        #expect(remote.readyCount == 0)
        #expect(FleetRenderer.modelLine(remote, in: view).suffix(2) == ["UNRCH", "-"])
    }
}
