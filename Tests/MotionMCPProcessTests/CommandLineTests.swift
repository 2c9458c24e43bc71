import Foundation
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// `mmcp-console` as a user runs it: the real binary, its exit status and its output.
@Suite("The mmcp-console command line", .keepsServerLogs)
struct CommandLineTests {
    struct Run {
        var status: Int32
        var standardError: String
    }

    func run(_ arguments: [String]) async throws -> Run {
        try await offPool { try Self.runBlocking(arguments) }
    }

    static func runBlocking(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = TestPaths.mmcpConsole
        process.environment = TestEnvironment.server()
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, standardError: String(decoding: output, as: UTF8.self))
    }

    func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString).json").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "bad flags and bad spec files get one line naming the problem and exit status 2",
        arguments: [
            (["--headless", "--port", "abc"], "port"),
            (["--headless", "--bogus"], "bogus"),
            (["--headless", "--log-level", "loud"], "log-level"),
            (["--headless", "--null", "x=/nonexistent/spec.json"], "cannot read spec file '/nonexistent/spec.json'"),
            (["--headless", "--null", "a", "--null", "a"], "duplicate model id 'a'"),
            (["--headless", "--null", "a\u{1B}[2Jb"], "holds U+001B"),
            (["--headless", "--null", "two\nlines"], #"model id 'two\nlines' holds U+000A"#),
        ])
    func usageErrors(arguments: [String], mention: String) async throws {
        let result = try await run(arguments)
        #expect(result.status == 2)
        #expect(result.standardError.contains(mention))
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }

    @Test(
        "a spec file that is not JSON, or has an unknown field, is refused with exit status 2",
        arguments: [
            ("{not json", "is not valid JSON"), (#"{"supports_loop":true,"wings":2}"#, "unknown model spec field 'wings'"),
            (#"[1]"#, "must hold a JSON object"), (#"{"fps":"fast"}"#, "'fps' must be a number"),
        ])
    func badSpecFiles(contents: String, mention: String) async throws {
        let path = try temporaryFile(contents)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await run(["--headless", "--null", "walker=\(path)"])
        #expect(result.status == 2)
        #expect(result.standardError.contains(mention), "\(result.standardError)")
    }

    @Test("--help prints the usage and exits 0")
    func help() async throws {
        #expect(try await run(["--help"]).status == 0)
    }

    @Test("a stand-in model from a spec file is served, logged to standard error, and SIGTERM stops the server with status 0")
    func servesStandInAndStopsOnSIGTERM() async throws {
        let path = try temporaryFile(#"{"supports_loop":true,"supported_segments":["text","pose"],"limits":{"max_num_samples":4}}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let port = try freePort()
        let process = Process()
        process.executableURL = TestPaths.mmcpConsole
        process.environment = TestEnvironment.server()
        process.arguments = ["--headless", "--host", "127.0.0.1", "--port", "\(port)", "--null", "walker=\(path)", "--null", "null"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let client = RawHTTPClient(port: port)
        var capabilities: RawHTTPClient.Response?
        guard
            try await waitUntil(
                attempts: 100, every: .milliseconds(100),
                {
                    capabilities = try? await offPool { try client.send(Array("GET /capabilities HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) }
                    return capabilities != nil
                })
        else { return }
        let body = try #require(capabilities).body
        let models = try #require(try JSONParser.parse(body).objectValue?["models"]?.arrayValue)
        #expect(models.compactMap { $0.objectValue?["id"]?.stringValue } == ["walker", "null"])
        let walker = try #require(models.first?.objectValue)
        #expect(walker["supports_loop"] == .bool(true))
        #expect(walker["supported_segments"] == .strings(["text", "pose"]))
        #expect(walker["limits"]?.objectValue?["max_num_samples"] == .int(4))
        process.terminate()
        let log = try await offPool { () -> String in
            let output = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: output, as: UTF8.self)
        }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        // One line per event, level, label and metadata before the message, as swift-log's stream handler writes them.
        let lines = log.split(separator: "\n")
        #expect(lines.contains { $0.contains(" info mmcp: model=walker [MotionMCP] model ready") })
        #expect(
            lines.contains {
                $0.contains(#" info mmcp: address=127.0.0.1:\#(port) control=["unix:"#)
                    && $0.contains(#" (admin)"] models=["walker", "null"] [MotionMCPCommandLine] serving"#)
            }, "\(log)")
    }

    @Test(
        "any huge duration flag starts the server (no overflow on conversion) and it serves",
        arguments: [
            "--drain-timeout", "--shutdown-grace", "--generate-timeout", "--body-timeout", "--idle-timeout", "--latency",
        ])
    func hugeDurations(flag: String) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let server = try ServerProcess(port: try freePort(), arguments: [flag, "1e300"], log: log)
        defer { server.kill() }
        #expect(try await server.waitUntilReady(), "\(flag) 1e300: the server did not come up")
    }

    @Test("a drain that times out ends the process with status 3 and says so in one line")
    func drainTimeoutExitsThree() async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("drain-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let server = try ServerProcess(port: try freePort(), arguments: ["--latency", "5000", "--drain-timeout", "0.2"], log: log)
        defer { server.kill() }
        guard try await server.waitUntilReady() else { return }
        let body = TestRequests.base
        let request = "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        async let answer = offPool { try RawHTTPClient(port: server.port).send(Array(request.utf8)) }
        #expect(try await waitUntil { try await server.requestsInFlight() == 1 })
        server.terminate()
        #expect(try await answer.status == 503)
        #expect(try await server.waitForExit())
        #expect(server.terminationStatus == 3)
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.hasSuffix("mmcp-console: a drain timed out; requests still running were cancelled\n"), "\(text.suffix(300))")
    }
}
