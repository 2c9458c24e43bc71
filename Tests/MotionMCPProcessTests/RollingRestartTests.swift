import Foundation
import MotionMCPTestSupport
import Synchronization
import Testing

/// The nginx configuration of docs/deployment.md, made runnable on loopback.
///
/// The test must run the configuration the docs show, not a copy that drifts from it, so it reads
/// the ```` ```nginx ```` block of docs/deployment.md and changes only what cannot work on a test
/// machine: the upstream `server` addresses become the test's instances, the `listen` line a free
/// loopback port without TLS, and the `ssl_*` lines (certificate paths) go. Every directive that
/// decides what a restart does (`proxy_next_upstream`, `max_fails`, `fail_timeout`, `keepalive`,
/// the headers) is used as written. Each replacement checks that it found what it expects (one
/// block, one upstream line per instance, one `listen`), so a change to the docs that this
/// reading no longer understands fails the test with a message instead of testing something else.
struct DocumentedNginx {
    /// The http-level part of the configuration, as the docs show it with the replacements made.
    let block: String
    /// The longest `fail_timeout` of the upstream servers (nginx's default is 10 s).
    let failTimeout: Duration

    static var documentation: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/deployment.md")
    }

    init(upstreamPorts: [Int], listenPort: Int) throws {
        let markdown = try String(contentsOf: Self.documentation, encoding: .utf8)
        let blocks = markdown.components(separatedBy: "```nginx\n").dropFirst()
        guard blocks.count == 1, let block = blocks.first?.components(separatedBy: "\n```").first else {
            throw ClientError("docs/deployment.md should hold exactly one ```nginx block, found \(blocks.count)")
        }
        var lines: [String] = []
        var upstreams = upstreamPorts.makeIterator()
        var upstreamLines = 0
        var listenLines = 0
        var failTimeout: Duration?
        for line in block.components(separatedBy: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let directive = words.first else { continue }
            if directive == "server", words.count > 1, words[1].contains(":") {
                // `server 10.0.0.11:8000 max_fails=1 fail_timeout=5s;`: the address is the instance's.
                guard let port = upstreams.next() else {
                    throw ClientError("the docs' upstream has more servers than the test's \(upstreamPorts.count) instances")
                }
                upstreamLines += 1
                let parameters = words.dropFirst(2).joined(separator: " ")
                lines.append("    server 127.0.0.1:\(port) \(parameters)")
                for parameter in words.dropFirst(2) where parameter.hasPrefix("fail_timeout=") {
                    let value = parameter.dropFirst("fail_timeout=".count).trimmingCharacters(in: CharacterSet(charactersIn: ";s"))
                    guard let seconds = Int(value) else { throw ClientError("unexpected \(parameter) in the docs") }
                    failTimeout = max(failTimeout ?? .zero, .seconds(seconds))
                }
            } else if directive == "listen" {
                listenLines += 1
                lines.append("    listen 127.0.0.1:\(listenPort);")
            } else if directive.hasPrefix("ssl_") {
                continue
            } else {
                lines.append(line)
            }
        }
        guard upstreamLines == upstreamPorts.count, listenLines == 1 else {
            throw ClientError(
                "expected \(upstreamPorts.count) upstream servers and one listen line in the docs' nginx block, found \(upstreamLines) and \(listenLines)"
            )
        }
        self.block = lines.joined(separator: "\n")
        self.failTimeout = failTimeout ?? .seconds(10)
    }

    /// A whole nginx.conf around the block: one worker in the foreground, and the pid file, the
    /// error log and every temporary folder inside `directory`, so nothing outside it is touched.
    func configuration(directory: String) -> String {
        """
        daemon off;
        worker_processes 1;
        pid \(directory)/nginx.pid;
        error_log \(directory)/error.log warn;
        events { worker_connections 1024; }
        http {
            access_log off;
            client_body_temp_path \(directory)/client_body;
            proxy_temp_path \(directory)/proxy;
            fastcgi_temp_path \(directory)/fastcgi;
            uwsgi_temp_path \(directory)/uwsgi;
            scgi_temp_path \(directory)/scgi;
        \(block)
        }

        """
    }

    /// The nginx executable on `PATH` or in /usr/sbin (root's PATH has it, other users' may not).
    static var executable: URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]
        return folders.map { URL(fileURLWithPath: $0).appendingPathComponent("nginx") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

/// What the clients behind nginx saw.
final class ProxyTally: Sendable {
    private let state = Mutex<(statuses: [Int: Int], failures: [String], completed: Int)>(([:], [], 0))
    func record(_ status: Int) {
        state.withLock {
            $0.statuses[status, default: 0] += 1
            $0.completed += 1
        }
    }
    func fail(_ reason: String) {
        state.withLock {
            if $0.failures.count < 20 { $0.failures.append(reason) }
            $0.completed += 1
        }
    }
    var statuses: [Int: Int] { state.withLock { $0.statuses } }
    var failures: [String] { state.withLock { $0.failures } }
    var completed: Int { state.withLock { $0.completed } }
}

/// A rolling restart behind nginx, with real nginx and real servers.
@Suite("A rolling restart behind nginx", .keepsServerLogs)
struct RollingRestartTests {
    @Test("two instances behind the documented nginx, each restarted with SIGTERM under load: every request is answered 200")
    func rollingRestartLosesNothing() async throws {
        let nginxPath = try #require(
            DocumentedNginx.executable,
            "nginx is not installed: this test runs it in front of two servers (apt-get install nginx-light; .ci/run does)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let ports = [try freePort(), try freePort()]
        let front = try freePort()
        let nginxConfig = try DocumentedNginx(upstreamPorts: ports, listenPort: front)
        try nginxConfig.configuration(directory: directory).write(toFile: "\(directory)/nginx.conf", atomically: true, encoding: .utf8)

        let serverArguments = ["--shutdown-grace", "1"]
        var instances = try ports.enumerated().map { index, port in
            try ServerProcess(port: port, arguments: serverArguments, log: URL(fileURLWithPath: "\(directory)/instance-\(index).log"))
        }
        let nginx = Process()
        nginx.executableURL = nginxPath
        nginx.arguments = ["-p", directory, "-c", "\(directory)/nginx.conf", "-e", "\(directory)/error.log"]
        nginx.standardOutput = FileHandle.nullDevice
        nginx.standardError = FileHandle.nullDevice
        try nginx.run()
        let stop = StopFlag()
        defer {
            stop.raise()
            for instance in instances { instance.kill() }
            if nginx.isRunning { nginx.terminate() } // SIGTERM: the master stops its worker and removes its pid file
            try? FileManager.default.removeItem(atPath: directory)
        }
        let nginxLog = { (try? String(contentsOfFile: "\(directory)/error.log", encoding: .utf8)).map { String($0.suffix(2000)) } ?? "" }
        for instance in instances {
            try #require(try await instance.waitUntilReady(), "instance on port \(instance.port) never became ready")
        }
        let proxy = RawHTTPClient(port: front)
        let health = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        var proxied = false
        for _ in 0..<200 where !proxied && nginx.isRunning {
            proxied = (try? await offPool { try proxy.send(health) })?.status == 200
            if !proxied { try await Task.sleep(for: .milliseconds(25)) }
        }
        try #require(proxied, "nginx never answered through to the instances: \(nginxLog())")

        let tally = ProxyTally()
        let body = TestRequests.base
        let request = Array("POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        var duringRestart: [Int] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Raised however this ends, before the group waits for its workers.
            defer { stop.raise() }
            for _ in 0..<8 {
                group.addTask {
                    try await offPool {
                        // Bounded in count and time, whatever the restarts do.
                        let deadline = Date().addingTimeInterval(50)
                        for _ in 0..<100_000 where !stop.isRaised && Date() < deadline {
                            do {
                                tally.record(try proxy.send(request).status)
                            } catch {
                                tally.fail("\(error)")
                            }
                        }
                    }
                }
            }
            // The restarts begin once the load is under way.
            _ = try await waitUntil(attempts: 400, every: .milliseconds(25)) { tally.completed >= 16 }
            for index in instances.indices {
                let old = instances[index]
                let before = tally.completed
                old.terminate()
                try #require(try await old.waitForExit(), "instance on port \(old.port) did not exit after SIGTERM")
                #expect(old.terminationStatus == 0)
                let new = try ServerProcess(
                    port: old.port, arguments: serverArguments, log: URL(fileURLWithPath: "\(directory)/instance-\(index)-restarted.log"))
                instances[index] = new
                try #require(try await new.waitUntilReady(), "restarted instance on port \(new.port) never became ready")
                duringRestart.append(tally.completed - before)
                // The rule the docs give: nginx may have taken the instance out of rotation while it
                // was starting, and answers 502 if it takes the next one out too before that ends.
                try await Task.sleep(for: nginxConfig.failTimeout + .milliseconds(200))
            }
            stop.raise()
            try await group.waitForAll()
        }

        #expect(tally.failures.isEmpty, "\(tally.failures)")
        #expect(tally.statuses.keys.sorted() == [200], "\(tally.statuses); nginx: \(nginxLog())")
        // Requests were under way during each restart (more than the 8 in flight when it began).
        #expect(duringRestart.count == 2 && duringRestart.allSatisfy { $0 > 8 }, "\(duringRestart)")
        for instance in instances {
            instance.terminate()
            _ = try await instance.waitForExit()
        }
        nginx.terminate()
        try await offPool { nginx.waitUntilExit() }
    }
}
