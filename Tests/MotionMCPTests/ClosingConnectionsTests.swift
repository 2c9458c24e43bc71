import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// `Connection: close` while shutting down, in process.
@Suite("Answers during a shutdown", .keepsServerLogs)
struct ClosingConnectionsTests {
    @Test("while the server shuts down every answer says Connection: close, errors thrown past the routes too; before, none does")
    func connectionCloseWhileShuttingDown() async throws {
        let server = try MMCPServer(NullBackbone())
        let router = Router()
        router.add(middleware: ClosingConnectionsMiddleware(server: server))
        router.get("ok") { _, _ in "ok" }
        router.get("fails") { _, _ -> String in throw HTTPError(.badRequest) }
        let app = Application(router: router)
        try await app.test(.router) { client in
            for shuttingDown in [false, true] {
                server.isShuttingDown = shuttingDown
                try await client.execute(uri: "/ok", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.connection] == (shuttingDown ? "close" : nil))
                }
                try await client.execute(uri: "/fails", method: .get) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.headers[.connection] == (shuttingDown ? "close" : nil))
                }
            }
        }
    }
}
