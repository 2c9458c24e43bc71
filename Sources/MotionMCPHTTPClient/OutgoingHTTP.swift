public import AsyncHTTPClient
public import NIOCore
public import NIOSSL

/// The one way this package makes an `HTTPClient`, for the gateway's upstreams and for attaching
/// to control APIs: no redirects followed (an upstream or a control API that redirects is
/// misconfigured, and following one is a way into another host), bodies passed on as they came
/// (no decompression), a refused connection failing at once instead of being retried until the
/// request's deadline.
///
/// Whoever makes a client shuts it down (`shutdown()`) before releasing it, on every path.
public enum OutgoingHTTP {
    /// A client connecting within `connectTimeout`, trusting `tls` (the system's roots when `nil`),
    /// keeping idle pooled connections for `poolIdleTimeout`, with at most
    /// `connectionsPerHost` connections to one host at once.
    public static func makeClient(
        connectTimeout: Duration, tls: TLSConfiguration? = nil, poolIdleTimeout: Duration = .seconds(60),
        connectionsPerHost: Int = 8
    ) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = TimeAmount(connectTimeout)
        configuration.tlsConfiguration = tls
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.idleTimeout = TimeAmount(poolIdleTimeout)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
