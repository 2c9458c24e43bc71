import Foundation
import MotionMCPTestSupport
import Testing

/// `HardeningTests` on a real `mmcp-console`: what `--idle-timeout` does to a connection.
@Suite("Limits on what a client can hold, in a real server", .keepsServerLogs)
struct HardeningProcessTests {
    @Test("the real server closes a connection that stays idle past --idle-timeout")
    func idleConnection() async throws {
        let port = try freePort()
        let process = Process()
        process.executableURL = TestPaths.mmcpConsole
        process.environment = TestEnvironment.server()
        process.arguments = ["--headless", "--host", "127.0.0.1", "--port", "\(port)", "--idle-timeout", "0.3"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate() }
        let client = RawHTTPClient(port: port)
        guard
            try await waitUntil(
                attempts: 100, every: .milliseconds(100),
                {
                    (try? await offPool { try client.send(Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) })?.status == 200
                })
        else { return }
        // 0.3 s idle timeout; the bound is generous so that a loaded machine does not fail the test.
        let closed = try await offPool { try client.secondsUntilClosed(limit: 20) }
        #expect(closed < 20)
    }
}
