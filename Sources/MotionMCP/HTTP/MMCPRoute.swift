import HTTPTypes

/// A route an MMCP server answers and the methods it takes. The one list of them,
/// ``MMCPRoute/all``, decides the handlers, the `405` with `Allow` on every other method, and
/// which paths spelled with a trailing slash are redirected.
struct MMCPRoute: Sendable {
    /// What a route is, named by its path relative to where the server is mounted.
    enum Endpoint: String, Sendable {
        case capabilities, generate, docs, redoc, healthz, readyz, metrics
        case openAPIDocument = "openapi.json"
        case oauth2Redirect = "docs/oauth2-redirect"
        case job = "generate/jobs/{id}"
    }

    /// Which part of the server a route belongs to; a part not served answers 404 on its routes.
    enum Part: Sendable {
        /// `/capabilities` and `/generate`: always served.
        case protocolRoutes
        /// The OpenAPI document and pages: while switched on.
        case documentation
        /// `/healthz`, `/readyz`, `/metrics`: once added with ``MMCPServer/addOperationalRoutes(to:)``.
        case operational
        /// `/generate/jobs/{id}`: while async jobs are on (docs/extensions.md §1.8).
        case jobs
    }

    /// The route.
    let endpoint: Endpoint
    /// The methods it takes, in the order `Allow` lists them.
    let methods: [HTTPRequest.Method]
    /// The part of the server it belongs to.
    let part: Part

    /// The path, relative to where the server is mounted.
    var path: String { endpoint.rawValue }

    /// The `Allow` header of a `405` on this route.
    var allow: String { methods.map(\.rawValue).joined(separator: ", ") }

    /// Every route, in the order the reference declares its own.
    static let all: [MMCPRoute] = [
        MMCPRoute(endpoint: .capabilities, methods: [.get], part: .protocolRoutes),
        MMCPRoute(endpoint: .generate, methods: [.post], part: .protocolRoutes),
        MMCPRoute(endpoint: .openAPIDocument, methods: [.get, .head], part: .documentation),
        MMCPRoute(endpoint: .docs, methods: [.get, .head], part: .documentation),
        MMCPRoute(endpoint: .oauth2Redirect, methods: [.get, .head], part: .documentation),
        MMCPRoute(endpoint: .redoc, methods: [.get, .head], part: .documentation),
        MMCPRoute(endpoint: .healthz, methods: [.get], part: .operational),
        MMCPRoute(endpoint: .readyz, methods: [.get], part: .operational),
        MMCPRoute(endpoint: .metrics, methods: [.get], part: .operational),
        MMCPRoute(endpoint: .job, methods: [.get, .delete], part: .jobs),
    ]

    /// The methods a route answers with `405` when it does not take them (as the reference does
    /// for any method; these are the ones a router can be given).
    static let answeredMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options, .trace]
}
