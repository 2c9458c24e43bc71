import Foundation
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPAttach
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// `HostileInputTests` against real `mmcp-console` processes: hostile ids and spec values at the
/// control API, an upstream listing hostile ids to a real gateway, and the command line's faults,
/// each one clear line (issue 19).
@Suite("Hostile ids, values and environments, in real processes", .keepsServerLogs)
struct HostileInputProcessTests {
    /// A log line as the standard-error handler starts one: `2026-12-07T19:26:58+0000 info mmcp: `.
    static func isLogLine(_ line: Substring) -> Bool {
        line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} [a-z]+ mmcp: "#, options: .regularExpression) != nil
    }

    /// An id that would write a line of its own into an unescaped log.
    static let forging = "evil\n2026-12-07T00:00:00+0000 critical mmcp: FORGED LOG LINE"

    @Test("an id or spec value that breaks the rules is refused by POST /v1/models with the reason, nothing is published, and no log line is forged")
    func hotAddRefusals() async throws {
        let scratch = try ControlAPITests.Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let refusals: [(body: String, reason: String)] = [
            (#"{"id":"evil\n2026-12-07T00:00:00+0000 critical mmcp: FORGED LOG LINE"}"#, "U+000A"),
            (#"{"id":"a\u0000b"}"#, "U+0000"), (#"{"id":"\u001b[2Jwiped"}"#, "U+001B"),
            (#"{"id":"\#(String(repeating: "x", count: 200_000))"}"#, "longer than 128"),
            (#"{"id":"walker","spec":{"fps":1e308}}"#, "'fps'"),
            (#"{"id":"walker","spec":{"limits":{"max_request_bytes":-1}}}"#, "max_request_bytes"),
            (#"{"id":"walker","spec":{"limits":{"max_batch_size":0}}}"#, "max_batch_size"),
        ]
        for (body, reason) in refusals {
            let refused = try await ControlAPITests.control(scratch.socket, "POST", "/v1/models", body: body)
            #expect(refused.status == 400, "\(body.prefix(80)): \(refused.text.prefix(300))")
            let message = try ControlAPITests.object(refused)["message"]?.stringValue ?? ""
            #expect(message.contains(reason), "\(message)")
            #expect(message.count < 400)
        }
        #expect(try await RawHTTPClient(port: server.port).capabilityIDs() == ["null"])
        let log = try String(contentsOf: server.log, encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(lines.allSatisfy(Self.isLogLine), "\(log)")
        #expect(log.contains(#"subject=evil\n2026-12-07T00:00:00+0000 critical mmcp: FORGED LOG LINE"#), "\(log)")
        #expect(!log.contains("\u{1B}") && !log.contains("\u{0}"))
    }

    @Test("a model whose id holds a slash and a space is drained through its percent-encoded path, as attach sends it; bad encoding is 400")
    func drainPercentEncoded() async throws {
        let scratch = try ControlAPITests.Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer(["--null", "null", "--null", "org/walker v2", "--null", "50%"])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        #expect(try await RawHTTPClient(port: server.port).capabilityIDs() == ["null", "org/walker v2", "50%"])
        let drained = try await ControlAPITests.control(scratch.socket, "POST", "/v1/models/org%2Fwalker%20v2/drain")
        #expect(drained.status == 202, "\(drained.text)")
        #expect(try ControlAPITests.object(drained)["draining"] == .string("org/walker v2"))
        try await waitUntil { try await RawHTTPClient(port: server.port).capabilityIDs() == ["null", "50%"] }
        let badEncoding = try await ControlAPITests.control(scratch.socket, "POST", "/v1/models/50%zz/drain")
        #expect(badEncoding.status == 400, "\(badEncoding.text)")
        let attached = try AttachedServer(target: .socket(path: scratch.socket))
        do {
            try await attached.drain("50%")
        } catch {
            Issue.record("drain through AttachedServer: \(error)")
        }
        await attached.close()
        try await waitUntil { try await RawHTTPClient(port: server.port).capabilityIDs() == ["null"] }
    }

    /// An upstream whose `/capabilities` publishes `ids` (registered under plain keys), and `good`.
    static func hostileUpstream(_ ids: [String]) throws -> MMCPServer {
        let hostile = ids.enumerated().map { index, id in
            var spec = NullBackbone().spec
            spec.id = id
            return RegisteredModel(key: "plain\(index)", backbone: NullBackbone(modelID: "plain\(index)", spec: spec))
        }
        let good = RegisteredModel(key: "good", backbone: NullBackbone(modelID: "good"))
        return MMCPServer(registry: try ModelRegistry(hostile + [good]), options: MMCPOptions.loopback)
    }

    @Test("an upstream listing a forging, a NUL-holding and a 200,000-character id: those are not served, and each is one escaped, bounded log line")
    func hostileUpstreamListing() async throws {
        let huge = String(repeating: "y", count: 200_000)
        let upstream = try Self.hostileUpstream([Self.forging, "nul\u{0}id", huge])
        try await buildApp(upstream).test(.live) { client in
            let upstreamPort = try #require(client.port)
            let published = try await RawHTTPClient(port: upstreamPort).capabilityIDs()
            try #require(published.first == Self.forging, "the upstream must publish the hostile ids")
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).log")
            defer { try? FileManager.default.removeItem(at: log) }
            let gateway = try ServerProcess(port: try freePort(), arguments: ["--upstream", "http://127.0.0.1:\(upstreamPort)"], log: log)
            defer { gateway.kill() }
            guard try await gateway.waitUntilReady() else {
                Issue.record("the gateway did not come up: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
                return
            }
            #expect(try await RawHTTPClient(port: gateway.port).capabilityIDs() == ["good"])
            var text = ""
            guard
                try await waitUntil({
                    text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                    return text.components(separatedBy: "upstream model not used").count - 1 == 3
                })
            else { return }
            let lines = text.split(separator: "\n")
            #expect(lines.allSatisfy(Self.isLogLine), "\(text.prefix(3000))")
            #expect(!lines.contains { $0.hasPrefix("2026-12-07T00:00:00+0000 critical") }, "a forged line: \(text.prefix(3000))")
            #expect(lines.contains { $0.contains(#"model=evil\n2026-12-07T00:00:00+0000 critical mmcp: FORGED LOG LINE"#) })
            #expect(lines.contains { $0.contains(#"model=nul\u{0}id"#) })
            #expect(lines.allSatisfy { $0.count < 2000 }, "the 200,000-character id is cut short")
            #expect(!text.contains("\u{0}"))
        }
    }

    @Test("an upstream added as ID=URL that lists no model ID logs a warning once it answers")
    func addedUpstreamWithoutTheModel() async throws {
        let upstream = try MMCPServer.onLoopback([NullBackbone(modelID: "walker")])
        try await buildApp(upstream).test(.live) { client in
            let upstreamPort = try #require(client.port)
            let scratch = try ControlAPITests.Scratch()
            defer { scratch.remove() }
            let gateway = try scratch.startServer(["--upstream", "http://127.0.0.1:\(upstreamPort)"])
            defer { gateway.kill() }
            guard try await scratch.isServing(gateway) else { return }
            let added = try await ControlAPITests.control(
                scratch.socket, "POST", "/v1/upstreams", body: #"{"url":"other=http://127.0.0.1:\#(upstreamPort)"}"#)
            #expect(added.status == 202, "\(added.text)")
            var text = ""
            guard
                try await waitUntil({
                    text = (try? String(contentsOf: gateway.log, encoding: .utf8)) ?? ""
                    return text.contains("the upstream lists no model with this id")
                })
            else { return }
            let warning = try #require(text.split(separator: "\n").first { $0.contains("the upstream lists no model with this id") })
            #expect(warning.contains(" warning mmcp: ") && warning.contains("model=other"), "\(warning)")
            #expect(try await RawHTTPClient(port: gateway.port).capabilityIDs() == ["walker"])
        }
    }

    // MARK: The command line

    @Test("a port already in use is one line naming the address, exit status 2, and nothing says serving")
    func portInUse() async throws {
        let listener = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socket in
                Glibc.bind(listener, socket, length) == 0 && listen(listener, 1) == 0 && getsockname(listener, socket, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let result = try await CommandLineTests().run(["--headless", "--host", "127.0.0.1", "--port", "\(port)"])
        #expect(result.status == 2)
        #expect(result.standardError == "mmcp-console: cannot listen on 127.0.0.1:\(port): address already in use\n", "\(result.standardError)")
    }

    @Test("attach with no terminal is one line and exit status 2, without crashing; --once and --json still work")
    func attachWithoutTerminal() async throws {
        let scratch = try ControlAPITests.Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        // Standard output is not a terminal here (CommandLineTests.run sends it to /dev/null).
        let result = try await CommandLineTests().run(["attach", scratch.socket])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError == "mmcp-console: the console needs a terminal on stdin and stdout (try --once or --json)\n")
        let binary = TestPaths.mmcpConsole.path
        let once = try await runToEnd(binary, ["attach", scratch.socket, "--once"], environment: TestEnvironment.server())
        #expect(once.status == 0, "\(once.errors)")
        #expect(once.output.contains("null"))
        let json = try await runToEnd(binary, ["attach", scratch.socket, "--json"], environment: TestEnvironment.server())
        #expect(json.status == 0, "\(json.errors)")
        #expect(try ControlWire.decodeSnapshot(try JSONParser.parse(json.output)).models.map(\.key) == ["null"])
    }

    @Test("attach --once names each dead target on standard error: exit 1 when some are dead, 2 when all are")
    func attachDeadTargets() async throws {
        let scratch = try ControlAPITests.Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer()
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let binary = TestPaths.mmcpConsole.path
        let missing = scratch.file("missing.sock")
        let some = try await runToEnd(
            binary, ["attach", "--once", scratch.socket, missing, "dns:nonexistent.invalid:9300"], environment: TestEnvironment.server())
        #expect(some.status == 1, "\(some.errors)")
        let lines = some.errors.split(separator: "\n")
        #expect(lines.count == 2, "\(some.errors)")
        #expect(lines.contains { $0.hasPrefix("mmcp-console: dns:nonexistent.invalid:9300: ") }, "\(some.errors)")
        #expect(lines.contains { $0.hasPrefix("mmcp-console: \(missing): ") }, "\(some.errors)")
        #expect(some.output.contains("live"), "the live instance is still reported: \(some.output)")
        let all = try await runToEnd(binary, ["attach", "--once", missing, scratch.file("gone.sock")], environment: TestEnvironment.server())
        #expect(all.status == 2, "\(all.errors)")
        #expect(all.errors.split(separator: "\n").count == 2, "\(all.errors)")
    }
}
