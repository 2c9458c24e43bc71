import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import NIOCore
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// The conformance fixtures replayed through a gateway: the fixtures' models served by an
/// upstream server, a second server fronting it with an upstream and no model of its own, and
/// each fixture's request sent to the second over a real connection. A client must not be able
/// to tell the two apart: every answer is compared with the reference's recording as
/// ``ConformanceTests`` compares a direct answer.
///
/// Fixtures recorded against the same models share one upstream and one gateway. Two kinds of
/// fixture cannot pass through any gateway and are left out: those whose models are registered
/// under ids other than their specs' (a client, and so a gateway, learns a model's id from
/// `/capabilities`, where the reference shows the spec's id), and a method no HTTP parser takes
/// over a real connection (`FOO`, answered in process only).
@Suite("Conformance through the gateway", .keepsServerLogs)
struct GatewayConformanceTests {
    /// The fixtures a gateway can pass, grouped by the models they were recorded against.
    static let groups: [FixtureGroup] = {
        let methods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .delete, .patch, .options]
        var groups: [FixtureGroup] = []
        for fixture in ConformanceFixture.all {
            let keyedBySpecID = fixture.models.allSatisfy { model in
                model["key"]?.stringValue == (model["spec"]?.objectValue?["id"]?.stringValue ?? NullBackbone().spec.id)
            }
            guard methods.contains(fixture.method), keyedBySpecID else { continue }
            if let index = groups.firstIndex(where: { $0.models == fixture.models }) {
                groups[index].fixtures.append(fixture)
            } else {
                groups.append(FixtureGroup(models: fixture.models, fixtures: [fixture]))
            }
        }
        return groups
    }()

    struct FixtureGroup: Sendable, CustomTestStringConvertible {
        var models: [JSONObject]
        var fixtures: [ConformanceFixture]
        var testDescription: String { "\(fixtures.count) fixtures from \(fixtures[0].id)" }
    }

    @Test("nearly every fixture passes through the gateway")
    func nearlyEveryFixtureIsReplayed() {
        #expect(Self.groups.map(\.fixtures.count).reduce(0, +) > ConformanceFixture.all.count * 9 / 10)
    }

    @Test("the gateway answers every recorded case as the reference does", arguments: Self.groups)
    func matchesReferenceThroughGateway(_ group: FixtureGroup) async throws {
        let upstream = buildApp(try group.fixtures[0].makeServer(options: MMCPOptions.loopback))
        try await upstream.test(.live) { upstreamClient in
            let port = try #require(upstreamClient.port)
            var options = MMCPOptions.loopback
            let gateway = try MMCPServer.fronting(
                GatewayOptions(
                    upstreams: [try UpstreamAddress(parsing: "http://127.0.0.1:\(port)")], probeInterval: .milliseconds(100)), options: options)
            let expected = Set(group.models.compactMap { $0["key"]?.stringValue })
            try await buildApp(gateway).test(.live) { client in
                // A probe that timed out on a busy machine is repeated; the models join then.
                #expect(try await waitUntil(attempts: 2000, every: .milliseconds(10)) { Set(gateway.registry.models.map(\.key)) == expected })
                for fixture in group.fixtures {
                    try await replay(fixture, through: client)
                }
            }
        }
    }

    private func replay(_ fixture: ConformanceFixture, through client: some TestClientProtocol) async throws {
        var headers = HTTPFields()
        for (name, value) in fixture.requestHeaders {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        if let body = fixture.requestBody { headers[.contentLength] = String(body.count) }
        try await client.execute(
            uri: fixture.path, method: fixture.method, headers: headers, body: fixture.requestBody.map { ByteBuffer(bytes: $0) }
        ) { response in
            let body = Array(response.body.readableBytesView)
            if fixture.status == 500, fixture.contentType.hasPrefix("text/plain") {
                #expect(response.status.code == 500, "\(fixture.id)")
                #expect(try ConformanceTests.errorCode(body) == "internal_error", "\(fixture.id)")
                return
            }
            #expect(response.status.code == fixture.status, "\(fixture.id): \(fixture.title)")
            #expect(response.headers[.contentType] == fixture.contentType, "\(fixture.id)")
            for (name, value) in fixture.responseHeaders {
                #expect(response.headers[HTTPField.Name(name)!] == value, "\(fixture.id): header \(name)")
            }
            try ConformanceTests.expectSameBody(body, fixture.responseBody, status: fixture.status)
        }
    }
}
