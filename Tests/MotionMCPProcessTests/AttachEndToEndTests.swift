import Foundation
import MotionMCPTestSupport
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// `mmcp-console attach` in a real terminal (tmux) against real headless servers it did not
/// start, reached through their control sockets, as an operator on a deployment host would.
@Suite("The console attached to running servers", .serialized, .keepsServerLogs)
struct AttachEndToEndTests {
    /// A headless server with its own control socket, ready.
    static func server(_ arguments: [String] = [], controlSocket: String = TestEnvironment.uniqueControlSocket()) async throws -> ServerProcess {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("attach-\(UUID().uuidString).log")
        let server = try ServerProcess(port: try freePort(), arguments: arguments, log: log, controlSocket: controlSocket)
        #expect(try await server.waitUntilReady(), "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        return server
    }

    /// Starts `mmcp-console attach` with `targets` in tmux; the shell prints the exit status after.
    static func attach(_ targets: [String], tmux: Tmux, width: Int = 120, height: Int = 32) async throws {
        let binary = TestPaths.mmcpConsole.path
        try await tmux.start(
            "SWIFT_BACKTRACE=interactive=no \(binary) attach \(targets.joined(separator: " ")); echo EXITED $?; sleep 60", width: width,
            height: height)
    }

    /// `POST /generate` for `model` on `port`; the status, or -1 when no answer came back.
    static func generate(port: Int, model: String = "null") async -> Int {
        guard let response = try? await RawHTTPClient(port: port).generate(model: model) else { return -1 }
        // A refusal must be the protocol's clean one (503 while draining, unknown_model once the
        // model is gone); anything else counts as lost.
        if response.status == 503, !response.text.contains(#""code":"model_unavailable""#) { return -503 }
        if response.status == 400, !response.text.contains(#""code":"unknown_model""#) { return -400 }
        return response.status
    }

    /// Clients posting to `ports` in turn until `stop` is raised, counting every status.
    final class Load: Sendable {
        private let statuses = Mutex<[Int: Int]>([:])
        let stop = StopFlag()

        /// Every status seen and how often (-1: no answer; -503: a 503 that is not the protocol's).
        var counts: [Int: Int] { statuses.withLock { $0 } }

        func run(ports: [Int], model: String, workers: Int) async {
            await withDiscardingTaskGroup { group in
                for worker in 0..<workers {
                    group.addTask {
                        var turn = worker
                        while !self.stop.isRaised {
                            let status = await AttachEndToEndTests.generate(port: ports[turn % ports.count], model: model)
                            self.statuses.withLock { $0[status, default: 0] += 1 }
                            turn += 1
                        }
                    }
                }
            }
        }
    }

    @Test(
        "an attached console shows a headless server's traffic, drains a model under load (every request answered 200, or refused cleanly), and q leaves the server serving"
    )
    func drainFromAttachedConsole() async throws {
        let server = try await Self.server(["--latency", "200", "--null", "null", "--null", "spare"])
        defer { server.kill() }
        let tmux = Tmux()
        defer { tmux.kill() }
        try await Self.attach([server.controlSocket], tmux: tmux)
        let first = try await tmux.waitFor { $0.contains("pid \(server.processIdentifier)") && $0.contains("2/2 ready") }
        #expect(first.contains("pid \(server.processIdentifier)"), "\(first)")
        let load = Load()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await load.run(ports: [server.port], model: "null", workers: 6) }
            defer { load.stop.raise() }
            let busy = try await tmux.waitFor { screen in
                screen.split(separator: "\n").contains { $0.contains("null") && $0.contains("ready") && !$0.contains(" 0.0 ") }
            }
            #expect(busy.split(separator: "\n").contains { $0.contains("null") && $0.contains("ready") && !$0.contains(" 0.0 ") }, "\(busy)")
            try await tmux.send("d")
            try await tmux.waitFor { $0.contains("Drain null?") }
            try await tmux.send("y")
            #expect(
                try await waitUntil(attempts: 100, every: .milliseconds(100)) {
                    try await RawHTTPClient(port: server.port).capabilityIDs() == ["spare"]
                })
            load.stop.raise()
            try await group.waitForAll()
        }
        let counts = load.counts
        #expect(Set(counts.keys).isSubset(of: [200, 503, 400]), "\(counts)")
        #expect(counts[200, default: 0] > 0, "\(counts)")
        try await tmux.send("q")
        let after = try await tmux.waitFor { $0.contains("EXITED") }
        #expect(after.contains("EXITED 0"), "\(after)")
        #expect(server.isRunning)
        #expect(await Self.generate(port: server.port, model: "spare") == 200)
    }

    @Test("a server killed while attached shows as unreachable within 3 s, and the console comes back by itself within 5 s of its restart")
    func unreachableAndBack() async throws {
        let socket = TestEnvironment.uniqueControlSocket()
        let first = try await Self.server(controlSocket: socket)
        defer { first.kill() }
        let tmux = Tmux()
        defer { tmux.kill() }
        try await Self.attach([socket], tmux: tmux)
        try await tmux.waitFor { $0.contains("pid \(first.processIdentifier)") }
        // SIGKILL: no drain, and the socket file stays behind, as after a crash.
        first.kill()
        let down = try await tmux.waitFor(timeout: 3) { $0.contains("unreachable since") }
        #expect(down.contains("unreachable since"), "\(down)")
        let second = try await Self.server(controlSocket: socket)
        defer { second.kill() }
        let back = try await tmux.waitFor(timeout: 5) { $0.contains("pid \(second.processIdentifier)") && !$0.contains("unreachable") }
        #expect(back.contains("pid \(second.processIdentifier)") && !back.contains("unreachable"), "\(back)")
    }

    @Test("a fleet of three: the screen lists every instance, its req/s is the instances' sum, and a rolling drain under load loses no request")
    func fleet() async throws {
        var servers: [ServerProcess] = []
        defer { for server in servers { server.kill() } }
        for _ in 0..<3 { servers.append(try await Self.server(["--latency", "100", "--null", "null", "--null", "spare"])) }
        let tmux = Tmux()
        defer { tmux.kill() }
        try await Self.attach(servers.map(\.controlSocket), tmux: tmux, width: 140, height: 36)
        let listed = try await tmux.waitFor { screen in servers.allSatisfy { screen.contains("pid \($0.processIdentifier)") } }
        for server in servers { #expect(listed.contains("pid \(server.processIdentifier)"), "\(listed)") }
        #expect(listed.contains("3 instances, 3 live"), "\(listed)")

        let load = Load()
        let spare = Load()
        let ports = servers.map(\.port)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await load.run(ports: ports, model: "null", workers: 6) }
            group.addTask { await spare.run(ports: ports, model: "spare", workers: 2) }
            defer {
                load.stop.raise()
                spare.stop.raise()
            }
            // The header's rate against the instance lines' rates, read off one screen.
            let busy = try await tmux.waitFor { screen in
                servers.allSatisfy { server in Self.instanceRate(in: screen, pid: server.processIdentifier).map { $0 > 0 } ?? false }
            }
            let header = try #require(Self.headerRate(in: busy), "\(busy)")
            let sum = servers.compactMap { Self.instanceRate(in: busy, pid: $0.processIdentifier) }.reduce(0, +)
            #expect(abs(header - sum) <= 0.1 * sum, "header \(header), instances \(sum)\n\(busy)")

            try await tmux.send("Tab", "d")
            try await tmux.waitFor { $0.contains("Drain null on every instance?") }
            try await tmux.send("y")
            let done = try await tmux.waitFor(timeout: 60) { $0.contains("null drained on 3 of 3 instances") }
            #expect(done.contains("null drained on 3 of 3 instances"), "\(done)")
            for server in servers { #expect(try await RawHTTPClient(port: server.port).capabilityIDs() == ["spare"]) }
            load.stop.raise()
            spare.stop.raise()
            try await group.waitForAll()
        }
        // Nothing in flight was lost: every answer is a 200, a clean 503 while draining, or (once
        // the model is gone from an instance) the protocol's unknown_model; no request went unanswered.
        let counts = load.counts
        #expect(Set(counts.keys).isSubset(of: [200, 503, 400]), "\(counts)")
        #expect(counts[200, default: 0] > 0, "\(counts)")
        #expect(spare.counts.keys.sorted() == [200], "the other model is untouched: \(spare.counts)")
    }

    @Test(
        "servers on two ports start side by side with their default control sockets, and attach --once with no target reports one alone, then both as a fleet with the address each serves on, skipping a stale socket",
        .enabled(if: RuntimeFolder.isUsable, "as root, needs the user nobody and the group nogroup"))
    func attachFindsEveryServer() async throws {
        let runtime = try RuntimeFolder()
        defer { runtime.remove() }
        var servers: [ServerProcess] = []
        defer { for server in servers { server.kill() } }
        func start() async throws -> ServerProcess {
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("attach-\(UUID().uuidString).log")
            let server = try ServerProcess(port: try freePort(), log: log, runtime: runtime)
            servers.append(server)
            let socket = server.controlSocket
            // The socket is renamed into place once it listens.
            let ready = try await server.waitUntilReady()
            let published = try await waitUntil(attempts: 400, every: .milliseconds(25)) { FileManager.default.fileExists(atPath: socket) }
            #expect(ready && published, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            return server
        }
        let first = try await start()
        let (executable, arguments) = runtime.command(["attach", "--once"])
        let alone = try await runToEnd(executable.path, arguments, environment: runtime.environment)
        #expect(alone.status == 0, "\(alone.errors)")
        #expect(alone.output.hasPrefix("listen 127.0.0.1:\(first.port) "), "one server: its own report\n\(alone.output)")

        let second = try await start()
        // What a server killed with SIGKILL leaves behind: a socket nobody listens on.
        let stale = try UnixListener(path: runtime.defaultSocket(port: 1), listening: false)
        defer { stale.close() }
        chown(stale.path, runtime.userID, runtime.groupID)
        let both = try await runToEnd(executable.path, arguments, environment: runtime.environment)
        #expect(both.status == 0, "\(both.errors)")
        #expect(both.errors.isEmpty, "the stale socket is skipped, not reported: \(both.errors)")
        #expect(both.output.hasPrefix("MotionMCP fleet  2 instances, 2 live"), "\(both.output)")
        let lines = both.output.split(separator: "\n")
        for server in [first, second] {
            let line = lines.first { $0.contains("pid \(server.processIdentifier) ") }
            #expect(line?.contains(" live ") == true, "\(both.output)")
            #expect(line?.contains(" 127.0.0.1:\(server.port) ") == true, "the address it serves on: \(both.output)")
            #expect(line?.hasSuffix(" \(server.controlSocket)") == true, "then its control socket: \(both.output)")
        }
    }

    @Test(
        "attach with no target and no server running (a stale socket only) is one line saying where it looked, and exit status 2",
        .enabled(if: RuntimeFolder.isUsable, "as root, needs the user nobody and the group nogroup"))
    func attachFindsNoServer() async throws {
        let runtime = try RuntimeFolder()
        defer { runtime.remove() }
        try FileManager.default.createDirectory(atPath: runtime.socketFolder, withIntermediateDirectories: false)
        chown(runtime.socketFolder, runtime.userID, runtime.groupID)
        let stale = try UnixListener(path: runtime.defaultSocket(port: 8000), listening: false)
        defer { stale.close() }
        chown(stale.path, runtime.userID, runtime.groupID)
        for mode in [["--once"], ["--json"], []] {
            let (executable, arguments) = runtime.command(["attach"] + mode)
            let result = try await runToEnd(executable.path, arguments, environment: runtime.environment)
            #expect(result.status == 2, "\(mode): \(result.errors)")
            #expect(
                result.errors
                    == "mmcp-console: no running server found: no control-PORT.sock answers in \(runtime.socketFolder) (name a TARGET to attach elsewhere)\n",
                "\(mode)")
            #expect(result.output.isEmpty, "\(mode): \(result.output)")
        }
    }

    /// The fleet header's `N req/s`.
    static func headerRate(in screen: String) -> Double? {
        guard let line = screen.split(separator: "\n").first(where: { $0.contains("MotionMCP fleet") }) else { return nil }
        let words = line.split(separator: " ")
        guard let index = words.firstIndex(of: "req/s"), index > 0 else { return nil }
        return Double(words[index - 1])
    }

    /// The REQ/S column of the instance line of `pid` (the sixth column: `#n host pid P target up models rate`).
    static func instanceRate(in screen: String, pid: Int32) -> Double? {
        guard let line = screen.split(separator: "\n").first(where: { $0.contains("pid \(pid) ") }) else { return nil }
        let words = line.split(separator: " ")
        guard let models = words.firstIndex(where: { $0.contains("/") && $0.first?.isNumber == true }), models + 1 < words.count else {
            return nil
        }
        return Double(words[models + 1])
    }
}
