import Hummingbird
import HummingbirdTesting

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// Runs `body` against `backbone` served in process (no socket) with `extensions` switched on.
func withInProcessServer(
    _ backbone: some Backbone, extensions: ProtocolExtensions,
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    try await buildApp(backbone, options: MMCPOptions(extensions: extensions)).test(.router) { client in try await body(client) }
}
