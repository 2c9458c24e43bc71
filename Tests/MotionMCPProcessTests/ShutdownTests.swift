import Foundation
import MotionMCPTestSupport
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// What a load saw: status codes by count, and transport failures.
final class LoadTally: Sendable {
    private let counts = Mutex<[Int: Int]>([:])
    private let failures = Mutex<[String]>([])
    func record(_ status: Int) { counts.withLock { $0[status, default: 0] += 1 } }
    func fail(_ reason: String) { failures.withLock { $0.append(reason) } }
    var statuses: [Int: Int] { counts.withLock { $0 } }
    var errors: [String] { failures.withLock { $0 } }
}

/// SIGTERM under load, on the real binary: nothing in flight is lost.
@Suite("Shutdown that loses nothing")
struct ShutdownTests {
    @Test("SIGTERM in the middle of a load: every request gets 200 or a clean 503, each teardown runs once, exit 0")
    func sigtermUnderLoad() async throws {
        let port = try freePort()
        let process = Process()
        process.executableURL = TestPaths.mmcpConsole
        process.environment = TestEnvironment.server()
        process.arguments = [
            "--headless", "--host", "127.0.0.1", "--port", "\(port)", "--null", "null", "--null", "walker",
            "--latency", "150", "--shutdown-grace", "0.3", "--drain-timeout", "10",
        ]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let client = RawHTTPClient(port: port)
        let ready = "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
        guard
            try await waitUntil(
                attempts: 100, every: .milliseconds(100),
                {
                    (try? await offPool { try client.send(Array(ready.utf8)) })?.status == 200
                })
        else { return }

        let tally = LoadTally()
        let body = TestRequests.base
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                let model = worker % 2 == 0 ? "null" : "walker"
                let payload = body.replacingOccurrences(of: #""model":"null""#, with: #""model":"\#(model)""#)
                let request = "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: \(payload.utf8.count)\r\n\r\n" + payload
                group.addTask {
                    try await offPool {
                        // Bounded: at most 200 requests or 20 s per worker; a worker stops at its first 503.
                        let deadline = Date().addingTimeInterval(20)
                        for _ in 0..<200 where Date() < deadline {
                            do {
                                let response = try client.send(Array(request.utf8))
                                tally.record(response.status)
                                if response.status == 503 {
                                    if !response.text.contains(#""code":"model_unavailable""#) {
                                        tally.fail("503 without envelope: \(response.text)")
                                    }
                                    return
                                }
                            } catch {
                                tally.fail("\(error)")
                                return
                            }
                        }
                    }
                }
            }
            // SIGTERM once the load is under way.
            _ = try await waitUntil(attempts: 400, every: .milliseconds(50)) { (tally.statuses[200] ?? 0) >= 8 }
            kill(process.processIdentifier, SIGTERM)
            try await group.waitForAll()
        }
        try await offPool { process.waitUntilExit() }
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        #expect(tally.errors.isEmpty, "\(tally.errors)")
        #expect(Set(tally.statuses.keys).isSubset(of: [200, 503]), "\(tally.statuses)")
        #expect((tally.statuses[200] ?? 0) > 0)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        for model in ["null", "walker"] {
            let teardowns = log.components(separatedBy: "\n").filter { $0.contains("model=\(model) ") && $0.contains("model removed") }
            #expect(teardowns.count == 1, "teardown of \(model): \(teardowns)")
        }
    }
}
