@testable import MotionMCP
@testable import MotionMCPGateway

extension MMCPServer {
    /// A server over `local` models (none by default) that also fronts the upstreams of `gateway`,
    /// as `mmcp-console --upstream` assembles one.
    static func fronting(_ gateway: GatewayOptions, local: [RegisteredModel] = [], options: MMCPOptions) throws -> MMCPServer {
        let registry = try ModelRegistry(local, logger: options.serverLogger)
        return MMCPServer(
            registry: registry, options: options,
            providers: [Gateway(registry: registry, options: gateway, clock: options.clock, logger: options.serverLogger)])
    }
}
