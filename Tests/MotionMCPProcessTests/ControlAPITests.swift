import Foundation
import MotionMCPTestSupport
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// The control API of real `mmcp-console --headless` processes: its socket file, its routes and
/// their answers, the read-only socket, the event stream, tokens over TCP, TLS, and the start-up
/// refusals. Every test starts its own servers in a folder of its own and kills them whatever
/// happens.
@Suite("The control API", .keepsServerLogs)
struct ControlAPITests {
    // MARK: The socket file

    @Test("the socket is made mode 0600 and removed, with nothing else left, when the server exits on SIGTERM")
    func socketModeAndRemoval() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        var status = stat()
        #expect(lstat(scratch.socket, &status) == 0)
        #expect(status.st_mode & S_IFMT == S_IFSOCK)
        #expect(String(status.st_mode & 0o7777, radix: 8) == "600")
        #expect(status.st_uid == getuid())
        server.terminate()
        #expect(try await server.waitForExit())
        #expect(server.terminationStatus == 0)
        #expect(!Scratch.exists(scratch.socket))
        #expect(scratch.leftovers().isEmpty, "\(scratch.leftovers())")
    }

    @Test("a stale socket left by a dead process is replaced, and the server starts and answers on it")
    func staleSocketIsReplaced() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Scratch.makeStaleSocket(at: scratch.socket)
        var status = stat()
        #expect(lstat(scratch.socket, &status) == 0 && status.st_mode & S_IFMT == S_IFSOCK, "no stale socket was made")
        #expect(throws: ClientError.self) { try UnixHTTPClient(path: scratch.socket).send("GET", "/v1/snapshot") }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let snapshot = try Self.object(try await Self.control(scratch.socket, "GET", "/v1/snapshot"))
        #expect(snapshot["instance"]?.objectValue?["pid"] == .integer(Int(server.processIdentifier)))
    }

    @Test("a socket another running server answers on makes a second start fail with status 2 and one line naming it and that server's pid")
    func liveSocketRefusesSecondServer() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let first = try scratch.startServer()
        defer { first.kill() }
        guard try await scratch.isServing(first) else { return }
        let second = try await runToEnd(
            TestPaths.mmcpConsole.path,
            ["--headless", "--host", "127.0.0.1", "--port", "\(try freePort())", "--control", scratch.socket], environment: TestEnvironment.server())
        #expect(second.status == 2)
        let lines = second.errors.split(separator: "\n")
        #expect(lines.count == 1, "\(second.errors)")
        #expect(second.errors.contains("'\(scratch.socket)'"), "\(second.errors)")
        #expect(second.errors.contains("process \(first.processIdentifier)"), "\(second.errors)")
        // The first server keeps its socket.
        let snapshot = try Self.object(try await Self.control(scratch.socket, "GET", "/v1/snapshot"))
        #expect(snapshot["instance"]?.objectValue?["pid"] == .integer(Int(first.processIdentifier)))
    }

    @Test(
        "a user the socket's mode 0600 leaves out cannot connect: attach exits 1 with one line saying permission denied",
        .enabled(if: getuid() == 0, "needs root, to run attach as nobody through setpriv"),
        .enabled(if: getpwnam("nobody") != nil && getgrnam("nogroup") != nil, "needs the user nobody and the group nogroup"))
    func unprivilegedUserIsRefused() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        // The folder is 0755 (see Scratch), so only the socket's own mode can refuse.
        let attach = try await runToEnd(
            "/usr/bin/env",
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", TestPaths.mmcpConsole.path, "attach", scratch.socket, "--once"],
            environment: TestEnvironment.server())
        #expect(attach.status == 1, "\(attach.errors)")
        let lines = attach.errors.split(separator: "\n")
        #expect(lines.count == 1, "\(attach.errors)")
        // From mmcp-console itself, not from setpriv failing to run it.
        #expect(attach.errors.hasPrefix("mmcp-console: "), "\(attach.errors)")
        #expect(attach.errors.lowercased().contains("permission denied"), "\(attach.errors)")
        #expect(attach.output.isEmpty, "\(attach.output)")
    }

    // MARK: Routes on the admin socket

    @Test("GET /v1/snapshot names the process, its address and its ready model, and counts answered requests in the latency histogram")
    func snapshotDescribesTheServer() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        for _ in 0..<3 { #expect(try await RawHTTPClient(port: server.port).generate().status == 200) }
        var snapshot = JSONObject()
        guard
            try await waitUntil({
                snapshot = try Self.object(try await Self.control(scratch.socket, "GET", "/v1/snapshot"))
                return Self.model("null", in: snapshot)?["requests"] == .integer(3)
            })
        else { return }
        let instance = try #require(snapshot["instance"]?.objectValue)
        #expect(instance["pid"] == .integer(Int(server.processIdentifier)))
        #expect(instance["listen_address"] == .string("127.0.0.1:\(server.port)"))
        #expect(snapshot["models"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } == ["null"])
        let model = try #require(Self.model("null", in: snapshot))
        #expect(model["state"] == .string("ready"))
        let histogram = try #require(model["latency_histogram"]?.objectValue)
        let counts = try #require(histogram["cumulative_counts"]?.arrayValue).compactMap { $0.numberValue.map(Int.init) }
        let bounds = try #require(histogram["upper_bounds_us"]?.arrayValue)
        #expect(counts.count == bounds.count + 1)
        #expect(counts.last == 3)
        #expect(counts == counts.sorted())
        // What the server sends is what an attached console reads.
        let decoded = try ControlWire.decodeSnapshot(.object(snapshot))
        #expect(decoded.instance.processID == Int(server.processIdentifier))
        #expect(decoded.models.first?.latencyHistogram.total == 3)
        #expect(decoded.models.first?.latencyP50 != nil)
        // The percentiles sent are the ones the histogram sent with them gives.
        for (field, percent) in [("p50_ms", 50.0), ("p95_ms", 95), ("p99_ms", 99)] {
            let fromHistogram = decoded.models.first?.latencyHistogram.percentile(percent).map { $0 / .milliseconds(1) }
            #expect(model[field]?.numberValue == fromHistogram, "\(field)")
        }
    }

    @Test("draining a model answers 202 and it leaves /capabilities; an unknown model is 404 unknown_model")
    func drainAndUnknownModel() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer(["--null", "null", "--null", "walker"])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        #expect(try await RawHTTPClient(port: server.port).capabilityIDs() == ["null", "walker"])
        let drain = try await Self.control(scratch.socket, "POST", "/v1/models/null/drain")
        #expect(drain.status == 202)
        #expect(try Self.object(drain)["draining"] == .string("null"))
        try await waitUntil { try await RawHTTPClient(port: server.port).capabilityIDs() == ["walker"] }
        let unknown = try await Self.control(scratch.socket, "POST", "/v1/models/ghost/drain")
        #expect(unknown.status == 404)
        let body = try Self.object(unknown)
        #expect(body["error"] == .string("unknown_model"))
        #expect(body["message"]?.stringValue?.contains("ghost") == true, "\(unknown.text)")
    }

    @Test("draining a model that is already draining is 409 not_ready, and its request in flight still gets 200")
    func drainWhileDrainingConflicts() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer(["--latency", "5000"])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let port = server.port
        let inFlight = Task { try await RawHTTPClient(port: port).generate() }
        defer { inFlight.cancel() }
        guard
            try await waitUntil(
                attempts: 2000, every: .milliseconds(10),
                { try await Self.modelField("in_flight", of: "null", at: scratch.socket) == .integer(1) })
        else { return }
        #expect(try await Self.control(scratch.socket, "POST", "/v1/models/null/drain").status == 202)
        guard try await waitUntil({ try await Self.modelField("state", of: "null", at: scratch.socket) == .string("draining") }) else { return }
        let again = try await Self.control(scratch.socket, "POST", "/v1/models/null/drain")
        #expect(again.status == 409)
        let body = try Self.object(again)
        #expect(body["error"] == .string("not_ready"))
        #expect(body["message"]?.stringValue?.contains("draining") == true, "\(again.text)")
        #expect(try await inFlight.value.status == 200)
    }

    @Test("PUT /v1/openapi refuses a bad body with 400 and changes nothing; {\"enabled\":false} answers 200 and /docs is gone from the public port")
    func openAPISwitch() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        #expect(try await RawHTTPClient(port: server.port).get("/docs").status == 200)
        for body in [#"{"enabled":"no"}"#, "[false]", "not json", #"{}"#] {
            let refused = try await Self.control(scratch.socket, "PUT", "/v1/openapi", body: body)
            #expect(refused.status == 400, "\(body)")
            #expect(try Self.object(refused)["error"] == .string("bad_request"), "\(body)")
        }
        #expect(try await RawHTTPClient(port: server.port).get("/docs").status == 200)
        let switched = try await Self.control(scratch.socket, "PUT", "/v1/openapi", body: #"{"enabled":false}"#)
        #expect(switched.status == 200)
        #expect(try Self.object(switched)["openapi_enabled"] == .bool(false))
        #expect(try await RawHTTPClient(port: server.port).get("/docs").status == 404)
        let snapshot = try Self.object(try await Self.control(scratch.socket, "GET", "/v1/snapshot"))
        #expect(snapshot["openapi_enabled"] == .bool(false))
    }

    @Test("a wrong method is 405 with the route's Allow, and an unknown route is 404 as JSON")
    func wrongMethodAndUnknownRoute() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        for (method, path, allowed) in [
            ("DELETE", "/v1/snapshot", "GET"), ("POST", "/v1/events", "GET"), ("GET", "/v1/models/null/drain", "POST"),
            ("POST", "/v1/openapi", "PUT"), ("PUT", "/v1/models", "POST"), ("GET", "/v1/shutdown", "POST"),
        ] {
            let response = try await Self.control(scratch.socket, method, path)
            #expect(response.status == 405, "\(method) \(path)")
            #expect(response.headers["allow"] == allowed, "\(method) \(path)")
            #expect(try Self.object(response)["error"] == .string("method_not_allowed"), "\(method) \(path)")
        }
        for path in ["/v1/nothing", "/v2/snapshot", "/"] {
            let response = try await Self.control(scratch.socket, "GET", path)
            #expect(response.status == 404, "\(path)")
            #expect(response.headers["content-type"] == "application/json", "\(path)")
            #expect(try Self.object(response)["error"] == .string("not_found"), "\(path)")
        }
        // None of them did anything: the model is still there and the server still runs.
        #expect(try await RawHTTPClient(port: server.port).capabilityIDs() == ["null"])
        #expect(server.isRunning)
    }

    @Test("POST /v1/models answers 201 and the model becomes ready, with its spec, in /capabilities; a duplicate id or a bad body is 400")
    func addModel() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let added = try await Self.control(scratch.socket, "POST", "/v1/models", body: #"{"id":"walker","spec":{"supports_loop":true}}"#)
        #expect(added.status == 201)
        #expect(try Self.object(added)["added"] == .string("walker"))
        guard try await waitUntil({ try await Self.modelField("state", of: "walker", at: scratch.socket) == .string("ready") }) else { return }
        #expect(try await RawHTTPClient(port: server.port).capabilityIDs() == ["null", "walker"])
        let capabilities = try JSONParser.parse(try await RawHTTPClient(port: server.port).get("/capabilities").body)
        let walker = capabilities.objectValue?["models"]?.arrayValue?.last?.objectValue
        #expect(walker?["supports_loop"] == .bool(true))
        #expect(try await RawHTTPClient(port: server.port).generate(model: "walker").status == 200)
        for body in [#"{"id":"walker"}"#, #"{"id":""}"#, #"{"spec":{}}"#, #"{"id":"dancer","spec":[1]}"#, "[]"] {
            let refused = try await Self.control(scratch.socket, "POST", "/v1/models", body: body)
            #expect(refused.status == 400, "\(body): \(refused.text)")
            #expect(try Self.object(refused)["error"] == .string("bad_request"), "\(body)")
        }
        #expect(try await RawHTTPClient(port: server.port).capabilityIDs() == ["null", "walker"])
    }

    @Test("POST /v1/shutdown answers 202, the process exits with status 0 and its socket is gone")
    func shutdownOverTheSocket() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let answer = try await Self.control(scratch.socket, "POST", "/v1/shutdown")
        #expect(answer.status == 202)
        #expect(try Self.object(answer)["shutting_down"] == .bool(true))
        #expect(try await server.waitForExit())
        #expect(server.terminationStatus == 0)
        #expect(!Scratch.exists(scratch.socket))
        #expect(scratch.leftovers().isEmpty, "\(scratch.leftovers())")
    }

    // MARK: The read-only socket and the event stream

    @Test(
        "the read-only socket, beside the admin one in the same folder, reads the snapshot but refuses a drain with 403, and the model stays served")
    func readOnlySocket() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let readOnly = scratch.file("watch.sock")
        let server = try scratch.startServer(["--control-read-only", readOnly])
        defer { server.kill() }
        guard try await scratch.isServing(server), try await waitUntil({ Scratch.exists(readOnly) }) else { return }
        var status = stat()
        #expect(lstat(readOnly, &status) == 0 && String(status.st_mode & 0o777, radix: 8) == "600")
        let snapshot = try await Self.control(readOnly, "GET", "/v1/snapshot")
        #expect(snapshot.status == 200)
        #expect(try Self.object(snapshot)["instance"]?.objectValue?["pid"] == .integer(Int(server.processIdentifier)))
        for (method, path, body) in [
            ("POST", "/v1/models/null/drain", nil), ("POST", "/v1/models", #"{"id":"walker"}"#), ("POST", "/v1/shutdown", nil),
        ] {
            let refused = try await Self.control(readOnly, method, path, body: body)
            #expect(refused.status == 403, "\(path)")
            #expect(try Self.object(refused)["error"] == .string("forbidden"), "\(path)")
        }
        #expect(try await Self.modelField("state", of: "null", at: scratch.socket) == .string("ready"))
        #expect(try await RawHTTPClient(port: server.port).capabilityIDs() == ["null"])
        #expect(try await RawHTTPClient(port: server.port).generate().status == 200)
        #expect(server.isRunning)
    }

    @Test("GET /v1/events streams a snapshot every second and the log lines of an action taken on another connection")
    func eventStream() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let lines = LineRecorder()
        let stop = StopFlag()
        defer { stop.raise() }
        let socket = scratch.socket
        let stream = Task {
            try await offPool {
                try UnixHTTPClient(path: socket).streamLines("/v1/events", limit: .seconds(20)) { line in
                    lines.append(line)
                    return !stop.isRaised
                }
            }
        }
        // The stream subscribes to the log before it sends its first snapshot.
        guard try await waitUntil({ !lines.events(ofType: "snapshot").isEmpty }) else { return }
        #expect(try await Self.control(scratch.socket, "POST", "/v1/models", body: #"{"id":"walker"}"#).status == 201)
        try await waitUntil {
            lines.events(ofType: "log").contains {
                $0["message"] == .string("model added") && $0["metadata"]?.objectValue?["model"] == .string("walker")
            }
        }
        // Three snapshots, the last taken after the model was added.
        try await waitUntil(attempts: 200, every: .milliseconds(50)) {
            let snapshots = lines.events(ofType: "snapshot")
            return snapshots.count >= 3 && Self.model("walker", in: snapshots.last?["snapshot"]?.objectValue ?? JSONObject()) != nil
        }
        stop.raise()
        #expect(try await stream.value == 200)
        let snapshots = try lines.events(ofType: "snapshot").map { try ControlWire.decodeSnapshot($0["snapshot"] ?? .null) }
        #expect(snapshots.allSatisfy { $0.instance.processID == Int(server.processIdentifier) })
        #expect(zip(snapshots, snapshots.dropFirst()).allSatisfy { $0.uptime < $1.uptime })
        #expect(snapshots.last?.models.map(\.key) == ["null", "walker"])
        #expect(lines.all.allSatisfy { line in ["snapshot", "log"].contains(Self.event(line)?["type"]?.stringValue ?? "") }, "\(lines.all)")
    }

    // MARK: Over TCP

    @Test("over TCP no token or an unknown one is 401 with WWW-Authenticate, and a foreign Host or any Origin is 403 even with the admin token")
    func tcpAuthentication() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tokens = try scratch.writeTokens()
        let controlPort = try freePort()
        let server = try scratch.startServer(["--control-listen", "127.0.0.1:\(controlPort)", "--control-token-file", tokens.file])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let tcp = TCPControl(port: controlPort)
        for authorization in [nil, "Bearer \(UUID().uuidString)", "Bearer ", "Basic \(tokens.admin)"] {
            let refused = try await tcp.send("GET", "/v1/snapshot", authorization: authorization)
            #expect(refused.status == 401, "\(authorization ?? "none")")
            #expect(refused.headers["www-authenticate"] == "Bearer", "\(authorization ?? "none")")
            #expect(try Self.object(refused)["error"] == .string("unauthorized"))
        }
        let foreign = try await tcp.send("GET", "/v1/snapshot", authorization: "Bearer \(tokens.admin)", host: "evil.example")
        #expect(foreign.status == 403)
        #expect(try Self.object(foreign)["message"]?.stringValue?.contains("evil.example") == true, "\(foreign.text)")
        let browser = try await tcp.send(
            "GET", "/v1/snapshot", authorization: "Bearer \(tokens.admin)", extra: ["Origin: http://127.0.0.1:\(controlPort)"])
        #expect(browser.status == 403)
        #expect(try Self.object(browser)["message"]?.stringValue?.contains("Origin") == true, "\(browser.text)")
        for host in ["127.0.0.1:\(controlPort)", "localhost:\(controlPort)", "localhost"] {
            let admitted = try await tcp.send("GET", "/v1/snapshot", authorization: "Bearer \(tokens.admin)", host: host)
            #expect(admitted.status == 200, "\(host)")
            #expect(try Self.object(admitted)["instance"]?.objectValue?["pid"] == .integer(Int(server.processIdentifier)))
        }
    }

    @Test(
        "over TCP each token acts at its level: read watches but cannot drain, operate drains but cannot add, admin adds; each action is logged with its caller"
    )
    func tcpLevels() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tokens = try scratch.writeTokens()
        let controlPort = try freePort()
        let server = try scratch.startServer(
            ["--null", "null", "--null", "walker", "--control-listen", "127.0.0.1:\(controlPort)", "--control-token-file", tokens.file])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let tcp = TCPControl(port: controlPort)
        #expect(try await tcp.send("GET", "/v1/snapshot", authorization: "Bearer \(tokens.read)").status == 200)
        let readDrain = try await tcp.send("POST", "/v1/models/null/drain", authorization: "Bearer \(tokens.read)")
        #expect(readDrain.status == 403)
        #expect(try Self.object(readDrain)["message"]?.stringValue?.contains("token watcher") == true, "\(readDrain.text)")
        let operateAdd = try await tcp.send("POST", "/v1/models", authorization: "Bearer \(tokens.operate)", body: #"{"id":"dancer"}"#)
        #expect(operateAdd.status == 403)
        #expect(try await RawHTTPClient(port: server.port).capabilityIDs() == ["null", "walker"])
        #expect(try await tcp.send("POST", "/v1/models/null/drain", authorization: "Bearer \(tokens.operate)").status == 202)
        #expect(try await tcp.send("POST", "/v1/models", authorization: "Bearer \(tokens.admin)", body: #"{"id":"dancer"}"#).status == 201)
        try await waitUntil { try await RawHTTPClient(port: server.port).capabilityIDs() == ["walker", "dancer"] }
        let log = try String(contentsOf: server.log, encoding: .utf8).split(separator: "\n")
        #expect(log.contains { $0.contains("caller=token ops") && $0.contains("subject=null") && $0.contains("control: drain") }, "\(log)")
        #expect(log.contains { $0.contains("caller=token root") && $0.contains("subject=dancer") && $0.contains("control: add") }, "\(log)")
    }

    /// A way `mmcp-console` refuses to start its control API.
    enum Refusal: String, CaseIterable, CustomTestStringConvertible {
        case groupReadableTokenFile, wildcardWithoutTLS, listenWithoutTokenFile

        var testDescription: String { rawValue }

        /// The control flags, given the scratch folder, its token file and a free port.
        func arguments(socket: String, tokenFile: String, port: Int) -> [String] {
            switch self {
            case .groupReadableTokenFile:
                ["--control", socket, "--control-listen", "127.0.0.1:\(port)", "--control-token-file", tokenFile]
            case .wildcardWithoutTLS: ["--control", socket, "--control-listen", "0.0.0.0:\(port)", "--control-token-file", tokenFile]
            case .listenWithoutTokenFile: ["--control", socket, "--control-listen", "127.0.0.1:\(port)"]
            }
        }

        /// What the one line says.
        var mention: String {
            switch self {
            case .groupReadableTokenFile: "chmod 600"
            case .wildcardWithoutTLS: "is not a loopback address"
            case .listenWithoutTokenFile: "--control-listen needs --control-token-file"
            }
        }
    }

    @Test(
        "a control API that cannot start safely is refused with status 2 and one line, leaving nothing in the socket's folder",
        arguments: Refusal.allCases)
    func startUpRefusals(refusal: Refusal) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tokens = try scratch.writeTokens()
        if refusal == .groupReadableTokenFile { chmod(tokens.file, 0o640) }
        let result = try await runToEnd(
            TestPaths.mmcpConsole.path,
            ["--headless", "--host", "127.0.0.1", "--port", "\(try freePort())"]
                + refusal.arguments(socket: scratch.socket, tokenFile: tokens.file, port: try freePort()), environment: TestEnvironment.server())
        #expect(result.status == 2, "\(result.errors)")
        #expect(result.errors.split(separator: "\n").count == 1, "\(result.errors)")
        #expect(result.errors.contains(refusal.mention), "\(result.errors)")
        #expect(!Scratch.exists(scratch.socket))
        #expect(scratch.leftovers().isEmpty, "\(scratch.leftovers())")
    }

    // MARK: TLS

    @Test(
        "over TLS, attach with the private CA prints the JSON snapshot and exits 0; without the CA it exits 1 with one line about the certificate",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs openssl to make the certificates"))
    func attachOverTLS() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try await scratch.makeCertificates()
        let tokens = try scratch.writeTokens()
        let controlPort = try freePort()
        let server = try scratch.startServer([
            "--control-listen", "0.0.0.0:\(controlPort)", "--control-tls-cert", scratch.file("server.pem"), "--control-tls-key",
            scratch.file("server.key"), "--control-token-file", tokens.file,
        ])
        defer { server.kill() }
        guard try await scratch.isServing(server),
            try await waitUntil({
                (try? String(contentsOf: server.log, encoding: .utf8))?.contains("address=https://0.0.0.0:\(controlPort)") == true
            })
        else { return }
        // localhost, not 127.0.0.1: a listener on 0.0.0.0 admits as Host only localhost, 0.0.0.0 and
        // --control-allow-host names, so https://127.0.0.1 is refused with 403.
        let target = "https://localhost:\(controlPort)"
        let binary = TestPaths.mmcpConsole.path
        let attached = try await runToEnd(
            binary, ["attach", target, "--ca-file", scratch.file("ca.pem"), "--token-file", tokens.adminFile, "--json"],
            environment: TestEnvironment.server())
        #expect(attached.status == 0, "\(attached.errors)")
        let snapshot = try ControlWire.decodeSnapshot(try JSONParser.parse(attached.output))
        #expect(snapshot.instance.processID == Int(server.processIdentifier))
        #expect(snapshot.models.map(\.key) == ["null"])
        let untrusted = try await runToEnd(
            binary, ["attach", target, "--token-file", tokens.adminFile, "--json"], environment: TestEnvironment.server())
        #expect(untrusted.status == 1)
        #expect(untrusted.errors.split(separator: "\n").count == 1, "\(untrusted.errors)")
        #expect(untrusted.errors.contains("TLS") && untrusted.errors.lowercased().contains("certificate"), "\(untrusted.errors)")
        #expect(untrusted.output.isEmpty)
        let anonymous = try await runToEnd(
            binary, ["attach", target, "--ca-file", scratch.file("ca.pem"), "--once"], environment: TestEnvironment.server())
        #expect(anonymous.status == 1)
        #expect(anonymous.errors.contains("401"), "\(anonymous.errors)")
    }
}

// MARK: - Helpers

extension ControlAPITests {
    /// A folder of one test's own under /tmp (short, for socket paths), mode 0755 so that only a
    /// socket's own mode keeps other users out; holds the control socket, the server's log and any
    /// files the test writes, and goes with everything in it.
    struct Scratch {
        let path: String

        init() throws {
            path = "/tmp/mmcp-ctl-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            chmod(path, 0o755)
        }

        /// The admin control socket.
        var socket: String { file("control.sock") }

        /// The path of `name` in the folder.
        func file(_ name: String) -> String { "\(path)/\(name)" }

        /// Starts a headless server with its admin socket at ``socket``, its log in the folder and
        /// `arguments` after the usual ones; kill it in a `defer`.
        func startServer(_ arguments: [String] = []) throws -> ServerProcess {
            try ServerProcess(
                port: try freePort(), arguments: arguments, log: URL(fileURLWithPath: file("server-\(UUID().uuidString.prefix(8)).log")),
                controlSocket: socket)
        }

        /// Waits until `server` answers `/readyz` and its admin socket answers a snapshot; records an
        /// issue with its log when it does not.
        func isServing(_ server: ServerProcess) async throws -> Bool {
            let socket = self.socket
            guard try await server.waitUntilReady(),
                try await waitUntil(
                    attempts: 400, every: .milliseconds(25), { (try? await ControlAPITests.control(socket, "GET", "/v1/snapshot"))?.status == 200 })
            else {
                Issue.record("the server did not come up: \((try? String(contentsOf: server.log, encoding: .utf8)) ?? "")")
                return false
            }
            return true
        }

        /// What a server may have left in the folder: sockets and bind folders.
        func leftovers() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".sock") || $0.hasPrefix(".mmcp-bind") }
        }

        /// Tokens for `--control-token-file`: one per level, the file mode 0600, and the admin's
        /// token alone in a file for `attach --token-file`.
        func writeTokens() throws -> (file: String, read: String, operate: String, admin: String, adminFile: String) {
            let (read, operate, admin) = (UUID().uuidString, UUID().uuidString, UUID().uuidString)
            let tokens = file("tokens")
            try "# level name token\nread watcher \(read)\n\noperate ops \(operate)\nadmin root \(admin)\n".write(
                toFile: tokens, atomically: false, encoding: .utf8)
            chmod(tokens, 0o600)
            let adminFile = file("admin.token")
            try "\(admin)\n".write(toFile: adminFile, atomically: false, encoding: .utf8)
            return (tokens, read, operate, admin, adminFile)
        }

        /// A private CA (`ca.pem`) and a server certificate it signed (`server.pem`, `server.key`)
        /// for 127.0.0.1 and localhost, made with openssl.
        func makeCertificates() async throws {
            try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: file("server.ext"), atomically: false, encoding: .utf8)
            let steps = [
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", file("ca.key"), "-out",
                    file("ca.pem"),
                    "-days", "2", "-subj", "/CN=mmcp test CA",
                ],
                [
                    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", file("server.key"), "-out",
                    file("server.csr"),
                    "-subj", "/CN=localhost",
                ],
                [
                    "x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial", "-out",
                    file("server.pem"), "-days", "2", "-extfile", file("server.ext"),
                ],
            ]
            for step in steps {
                let result = try await runToEnd("/usr/bin/openssl", step, environment: TestEnvironment.server())
                try #require(result.status == 0, "openssl \(step.joined(separator: " ")): \(result.errors)")
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }

        /// Whether anything (a socket too) is at `path`.
        static func exists(_ path: String) -> Bool {
            var status = stat()
            return lstat(path, &status) == 0
        }

        /// Leaves a socket file at `path` that nothing listens on, as a process killed before it
        /// could remove its socket does.
        static func makeStaleSocket(at path: String) throws {
            var address = try UnixHTTPClient.address(of: path)
            let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(descriptor) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard bound == 0 else { throw ClientError("bind(\(path)) failed: \(String(cString: strerror(errno)))") }
        }
    }

    /// The TCP control API on loopback, with the headers a test chooses.
    struct TCPControl {
        let port: Int

        /// Sends `method path` with `Authorization: authorization` (none when `nil`), `Host: host`
        /// (the listen address by default), `extra` headers and a JSON `body`.
        func send(
            _ method: String, _ path: String, authorization: String?, host: String? = nil, extra: [String] = [], body: String? = nil
        ) async throws -> RawHTTPClient.Response {
            var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\nConnection: close\r\n"
            if let authorization { head += "Authorization: \(authorization)\r\n" }
            for header in extra { head += header + "\r\n" }
            head += "Content-Length: \(body?.utf8.count ?? 0)\r\n\r\n" + (body ?? "")
            let client = RawHTTPClient(port: port)
            let request = Array(head.utf8)
            return try await offPool { try client.send(request) }
        }
    }

    /// Lines of a stream, as they arrive, read from any thread.
    final class LineRecorder: Sendable {
        private let lines = Mutex<[String]>([])

        func append(_ line: String) { lines.withLock { $0.append(line) } }

        var all: [String] { lines.withLock { $0 } }

        /// The lines that are JSON objects of `type`, parsed.
        func events(ofType type: String) -> [JSONObject] {
            all.compactMap(ControlAPITests.event).filter { $0["type"] == .string(type) }
        }
    }

    /// How a command that ran to its end ended.
    /// One request over the control socket at `socket`.
    static func control(_ socket: String, _ method: String, _ path: String, body: String? = nil) async throws -> RawHTTPClient.Response {
        try await offPool { try UnixHTTPClient(path: socket).send(method, path, body: body) }
    }

    /// `field` of model `id` in a snapshot taken over the control socket at `socket`.
    static func modelField(_ field: String, of id: String, at socket: String) async throws -> JSONValue? {
        model(id, in: try object(try await control(socket, "GET", "/v1/snapshot")))?[field]
    }

    /// The entry of model `id` in a snapshot.
    static func model(_ id: String, in snapshot: JSONObject) -> JSONObject? {
        snapshot["models"]?.arrayValue?.compactMap(\.objectValue).first { $0["id"] == .string(id) }
    }

    /// The body of `response` as a JSON object.
    static func object(_ response: RawHTTPClient.Response) throws -> JSONObject {
        try #require(try JSONParser.parse(response.body).objectValue, "not a JSON object: \(response.status) \(response.text)")
    }

    /// An event stream line as a JSON object, if it is one.
    static func event(_ line: String) -> JSONObject? {
        (try? JSONParser.parse(line))?.objectValue
    }
}
