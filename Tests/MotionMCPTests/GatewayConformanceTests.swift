import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import MotionMCP

/// The conformance fixtures replayed through a gateway: each fixture's models served by an
/// upstream server, a second server fronting it with `--upstream` and no model of its own, and
/// the fixture's request sent to the second over a real connection. A client must not be able to
/// tell the two apart: every answer is compared with the reference's recording as
/// ``ConformanceTests`` compares a direct answer.
///
/// Two kinds of fixture cannot pass through any gateway and are left out: those whose models are
/// registered under ids other than their specs' (a client, and so a gateway, learns a model's id
/// from `/capabilities`, where the reference shows the spec's id), and a method no HTTP parser
/// takes over a real connection (`FOO`, answered in process only).
@Suite("Conformance through the gateway")
struct GatewayConformanceTests {
    static let fixtures = ConformanceFixture.all.filter { fixture in
        let methods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .delete, .patch, .options]
        let keyedBySpecID = fixture.models.allSatisfy { model in
            model["key"]?.stringValue == (model["spec"]?.objectValue?["id"]?.stringValue ?? NullBackbone().spec.id)
        }
        return methods.contains(fixture.method) && keyedBySpecID
    }

    @Test("a fixture of every file passes through the gateway")
    func everyFileIsCovered() {
        #expect(Set(Self.fixtures.map { $0.id.split(separator: "-").first }).count > 10)
        #expect(Self.fixtures.count > ConformanceFixture.all.count * 9 / 10)
    }

    @Test("the gateway answers every recorded case as the reference does", arguments: Self.fixtures)
    func matchesReferenceThroughGateway(_ fixture: ConformanceFixture) async throws {
        let upstream = buildApp(try fixture.makeServer(options: LiveServerTests.loopback))
        try await upstream.test(.live) { upstreamClient in
            let port = try #require(upstreamClient.port)
            let address = try UpstreamAddress(parsing: "http://127.0.0.1:\(port)")
            var options = LiveServerTests.loopback
            options.gateway = GatewayOptions(upstreams: [address])
            let gateway = MMCPServer(registry: try ModelRegistry([]), options: options)
            try await buildApp(gateway).test(.live) { client in
                var headers = HTTPFields()
                for (name, value) in fixture.requestHeaders {
                    if let field = HTTPField.Name(name) { headers[field] = value }
                }
                if let body = fixture.requestBody { headers[.contentLength] = String(body.count) }
                try await client.execute(
                    uri: fixture.path, method: fixture.method, headers: headers,
                    body: fixture.requestBody.map { ByteBuffer(bytes: $0) }
                ) { response in
                    let body = Array(response.body.readableBytesView)
                    if fixture.status == 500, fixture.contentType.hasPrefix("text/plain") {
                        #expect(response.status.code == 500)
                        #expect(try ConformanceTests.errorCode(body) == "internal_error")
                        return
                    }
                    #expect(response.status.code == fixture.status, "\(fixture.title)")
                    #expect(response.headers[.contentType] == fixture.contentType)
                    for (name, value) in fixture.responseHeaders {
                        #expect(response.headers[HTTPField.Name(name)!] == value, "header \(name)")
                    }
                    try ConformanceTests.expectSameBody(body, fixture.responseBody, status: fixture.status)
                }
            }
        }
    }
}
