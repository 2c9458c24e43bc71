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

/// The conformance cases of docs/protocol.md §10 and docs/response.md §10/§13, replayed against our server and
/// compared with what the reference answered (fixtures made by `scripts/make-fixtures`).
///
/// Compared: status, content type, the protocol headers, and the body — byte for byte for
/// successes (capabilities, glTF, batches); for errors the code and the details (for schema errors,
/// the `type` and `loc` of every entry). Messages are not part of the contract and are not compared.
@Suite("Conformance with the reference server", .keepsServerLogs)
struct ConformanceTests {
    @Test("the server answers every recorded case as the reference does", arguments: ConformanceFixture.all)
    func matchesReference(_ fixture: ConformanceFixture) async throws {
        let server = try fixture.makeServer()
        let app = buildApp(server)
        try await app.test(.router) { client in
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
                    // The reference answers a plain-text 500; the protocol promises the envelope.
                    #expect(response.status.code == 500)
                    #expect(try Self.errorCode(body) == "internal_error")
                    return
                }
                #expect(response.status.code == fixture.status, "\(fixture.title)")
                #expect(response.headers[.contentType] == fixture.contentType)
                for (name, value) in fixture.responseHeaders {
                    #expect(response.headers[HTTPField.Name(name)!] == value, "header \(name)")
                }
                try Self.expectSameBody(body, fixture.responseBody, status: fixture.status)
            }
        }
    }

    static func errorCode(_ body: [UInt8]) throws -> String? {
        try JSONParser.parse(body).objectValue?["error"]?.objectValue?["code"]?.stringValue
    }

    static func expectSameBody(_ actual: [UInt8], _ expected: [UInt8], status: Int) throws {
        if status == 200 {
            let actualValue = try JSONParser.parse(actual)
            let expectedValue = try JSONParser.parse(expected)
            if let results = expectedValue.objectValue?["results"]?.arrayValue {
                let actualResults = try #require(actualValue.objectValue?["results"]?.arrayValue)
                try #require(actualResults.count == results.count)
                for (mine, theirs) in zip(actualResults, results) {
                    if let error = theirs.objectValue?["error"] {
                        expectSameError(mine.objectValue?["error"], error)
                    } else {
                        #expect(mine == theirs)
                    }
                }
            } else {
                #expect(String(decoding: actual, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            }
            return
        }
        guard let expectedError = (try? JSONParser.parse(expected))?.objectValue?["error"] else {
            #expect(actual == expected)
            return
        }
        expectSameError(try JSONParser.parse(actual).objectValue?["error"], expectedError)
    }

    /// Same code and details; schema errors by the `type` and `loc` of each entry.
    static func expectSameError(_ actual: JSONValue?, _ expected: JSONValue) {
        let mine = actual?.objectValue
        let theirs = expected.objectValue
        #expect(mine?["code"] == theirs?["code"])
        guard theirs?["code"]?.stringValue == "schema_validation" || theirs?["code"]?.stringValue == "invalid_skeleton",
            let expectedErrors = theirs?["details"]?.objectValue?["errors"]?.arrayValue
        else {
            #expect(mine?["details"] == theirs?["details"])
            return
        }
        let actualErrors = mine?["details"]?.objectValue?["errors"]?.arrayValue ?? []
        let shape: (JSONValue) -> [JSONValue?] = { [$0.objectValue?["type"], $0.objectValue?["loc"]] }
        #expect(actualErrors.map(shape) == expectedErrors.map(shape))
    }
}
