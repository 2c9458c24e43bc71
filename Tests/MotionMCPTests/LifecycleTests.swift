import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// Records what the backbones were asked to do, in order.
final class Journal: Sendable {
    private let entries = Mutex<[String]>([])
    func record(_ entry: String) { entries.withLock { $0.append(entry) } }
    var events: [String] { entries.withLock { $0 } }
}

/// A NullBackbone that writes its setup and teardown into a journal, and can refuse to start.
struct RecordingBackbone: Backbone {
    let id: String
    let journal: Journal
    var failsSetup = false

    var modelID: String? { id }
    func capabilities() -> ModelSpec { NullBackbone(modelID: id).spec }
    func generate(_ request: GenerateRequest) async throws -> MotionResult {
        journal.record("generate \(id)")
        return try NullBackbone.restPose(for: request)
    }
    func setup() async throws {
        journal.record("setup \(id)")
        if failsSetup { throw RuntimeError(message: "no weights for \(id)") }
    }
    func teardown() async throws { journal.record("teardown \(id)") }
}

@Suite("Registration and lifecycle", .keepsServerLogs)
struct LifecycleTests {
    @Test("two backbones with the same id are refused before anything runs")
    func duplicateIDs() {
        #expect(throws: RegistrationError("duplicate model id 'null'")) {
            try MMCPServer([NullBackbone(), NullBackbone()])
        }
    }

    @Test("an empty list of backbones is refused")
    func noBackbones() {
        #expect(throws: RegistrationError("at least one backbone is required")) { try MMCPServer([]) }
    }

    @Test("a backbone is keyed by its model id, else by its spec's id")
    func keys() throws {
        struct Anonymous: Backbone {
            func capabilities() -> ModelSpec { NullBackbone(modelID: "from-spec").spec }
            func generate(_ request: GenerateRequest) async throws -> MotionResult { try NullBackbone.restPose(for: request) }
        }
        let server = try MMCPServer([NullBackbone(modelID: "a"), Anonymous()])
        #expect(server.registry.models.map(\.key) == ["a", "from-spec"])
    }

    @Test("explicit ids are used as given and keep their order")
    func explicitIDs() throws {
        let server = try MMCPServer(["fast": NullBackbone(), "best": NullBackbone()])
        #expect(server.registry.models.map(\.key) == ["fast", "best"])
    }

    @Test("setups run in registration order at start-up and teardowns in the same order at shutdown")
    func hookOrder() async throws {
        let journal = Journal()
        let backbones: [any Backbone] = ["a", "b", "c"].map { RecordingBackbone(id: $0, journal: journal) }
        let app = try buildApp(MMCPModels(backbones))
        try await app.test(.router) { client in
            #expect(journal.events == ["setup a", "setup b", "setup c"])
            try await client.execute(uri: "/capabilities", method: .get) { #expect($0.status == .ok) }
        }
        #expect(journal.events == ["setup a", "setup b", "setup c", "teardown a", "teardown b", "teardown c"])
    }

    @Test("a failing setup stops start-up, names the model, and no teardown runs")
    func failingSetup() async throws {
        let journal = Journal()
        let backbones: [any Backbone] = [
            RecordingBackbone(id: "a", journal: journal), RecordingBackbone(id: "b", journal: journal, failsSetup: true),
            RecordingBackbone(id: "c", journal: journal),
        ]
        let app = try buildApp(MMCPModels(backbones))
        await #expect(throws: ModelSetupError.self) {
            try await app.test(.router) { _ in }
        }
        #expect(journal.events == ["setup a", "setup b"])
    }
}

@Suite("Framework routes", .keepsServerLogs)
struct FrameworkRouteTests {
    @Test("a known route with a trailing slash is redirected to the route without it")
    func trailingSlash() async throws {
        let app = try buildApp(NullBackbone())
        try await app.test(.router) { client in
            try await client.execute(uri: "/capabilities/?x=1", method: .get) { response in
                #expect(response.status == .temporaryRedirect)
                #expect(response.headers[.location] == "http://localhost/capabilities?x=1")
            }
            try await client.execute(uri: "/nope/", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test("buildApp keeps the caller's middleware and routes: CORS headers on MMCP routes, and /healthz")
    func customMiddlewareAndRoutes() async throws {
        let router = Router()
        router.add(middleware: CORSMiddleware(allowOrigin: .all))
        router.get("healthz") { _, _ in "ok" }
        let app = try buildApp(NullBackbone(), options: MMCPOptions(title: "Studio"), router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect(String(buffer: $0.body) == "ok") }
            try await client.execute(uri: "/capabilities", method: .get, headers: [.origin: "https://tool.example"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
            }
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""title":"Studio""#))
            }
        }
    }

    @Test("HEAD on /capabilities is 405 with Allow: GET")
    func headCapabilities() async throws {
        let app = try buildApp(NullBackbone())
        try await app.test(.router) { client in
            try await client.execute(uri: "/capabilities", method: .head) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
            }
        }
    }

    @Test("every method a route does not take is 405 with its Allow, TRACE included, on the MMCP, documentation and operational routes")
    func methodNotAllowedEverywhere() async throws {
        let app = try buildApp(NullBackbone(), options: MMCPOptions(operationalEndpoints: true))
        let allows = [
            "/capabilities": "GET", "/generate": "POST", "/openapi.json": "GET, HEAD", "/docs": "GET, HEAD", "/redoc": "GET, HEAD",
            "/docs/oauth2-redirect": "GET, HEAD", "/healthz": "GET", "/readyz": "GET", "/metrics": "GET",
        ]
        try await app.test(.router) { client in
            for (path, allow) in allows {
                for method in [HTTPRequest.Method.trace, .put, .delete, .patch, .options] {
                    try await client.execute(uri: path, method: method) { response in
                        #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                        #expect(response.headers[.allow] == allow, "\(method) \(path)")
                        #expect(String(buffer: response.body) == #"{"detail":"Method Not Allowed"}"#)
                    }
                }
            }
        }
    }

    @Test("HEAD on the documentation routes answers 200 with no body, as the reference does")
    func headDocumentation() async throws {
        let app = try buildApp(NullBackbone())
        try await app.test(.router) { client in
            for path in ["/openapi.json", "/docs", "/redoc"] {
                try await client.execute(uri: path, method: .head) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.body.readableBytes == 0)
                }
            }
        }
    }

    @Test("one route list decides the redirects: /readyz/ and /docs/ redirect while served, not once switched off")
    func redirectsFollowTheRouteList() async throws {
        let server = try MMCPServer(NullBackbone(), options: MMCPOptions(operationalEndpoints: true))
        try await buildApp(server).test(.router) { client in
            for path in ["/readyz/", "/metrics/", "/healthz/", "/docs/", "/docs/oauth2-redirect/"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .temporaryRedirect, "\(path)") }
            }
            server.isOpenAPIEnabled = false
            for path in ["/docs/", "/openapi.json/"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .notFound, "\(path)") }
            }
            try await client.execute(uri: "/docs", method: .trace) { response in
                #expect(response.status == .notFound, "a route switched off takes no method")
                #expect(String(buffer: response.body) == #"{"detail":"Not Found"}"#)
            }
        }
        let plain = try buildApp(NullBackbone())
        try await plain.test(.router) { client in
            try await client.execute(uri: "/readyz/", method: .get) { #expect($0.status == .notFound, "not served, not redirected") }
        }
    }

    @Test("mounted without buildApp, the server's own refusals still render {\"detail\": …}")
    func mountedRefusalsRenderThemselves() async throws {
        let server = try MMCPServer(NullBackbone(), options: MMCPOptions(openAPI: false))
        let router = Router()
        server.addRoutes(to: router.group("motion"))
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/motion/docs", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body) == #"{"detail":"Not Found"}"#)
            }
            try await client.execute(uri: "/motion/capabilities", method: .trace) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
                #expect(String(buffer: response.body) == #"{"detail":"Method Not Allowed"}"#)
            }
        }
    }

    @Test("with OpenAPI off, the document and both pages answer 404; switched on, 200")
    func openAPISwitch() async throws {
        let server = try MMCPServer(NullBackbone(), options: MMCPOptions(openAPI: false))
        try await buildApp(server).test(.router) { client in
            for path in ["/openapi.json", "/docs", "/redoc"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .notFound) }
            }
            server.isOpenAPIEnabled = true
            for path in ["/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"] {
                try await client.execute(uri: path, method: .get) { #expect($0.status == .ok) }
            }
        }
    }

    @Test("mounted under /motion, the routes and the pages live under the prefix")
    func mounted() async throws {
        let server = try MMCPServer(NullBackbone())
        let router = Router()
        server.addRoutes(to: router.group("motion"))
        var app = Application(router: router)
        app.addMMCP(server)
        try await app.test(.router) { client in
            try await client.execute(uri: "/motion/capabilities", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/capabilities", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/motion/docs", method: .get) { response in
                #expect(String(buffer: response.body).contains("'/motion/openapi.json'"))
            }
            try await client.execute(uri: "/motion/openapi.json", method: .get) { response in
                #expect(String(buffer: response.body).contains(#""/motion/generate""#))
            }
        }
    }
}
