import Foundation
import HTTPTypes
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// One request/response pair recorded from the reference server by `scripts/make-fixtures`.
struct ConformanceFixture: Sendable, CustomTestStringConvertible {
    let id: String
    let title: String
    let models: [JSONObject]
    let method: HTTPRequest.Method
    let path: String
    let requestHeaders: [(String, String)]
    let requestBody: [UInt8]?
    let status: Int
    let contentType: String
    let responseHeaders: [(String, String)]
    let responseBody: [UInt8]

    var testDescription: String { id }

    /// Every fixture of every file, in file order.
    static let all: [ConformanceFixture] = {
        do {
            return try load()
        } catch {
            fatalError("cannot load the conformance fixtures: \(error)")
        }
    }()

    static func load() throws -> [ConformanceFixture] {
        guard let directory = Bundle.module.url(forResource: "conformance", withExtension: nil, subdirectory: "Fixtures") else {
            throw FixtureError("no Fixtures/conformance in the test bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try files.flatMap { file in
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            guard case .array(let cases) = try JSONParser.parse(Array(data)) else { throw FixtureError("\(file) is not a list") }
            return try cases.map { try ConformanceFixture($0) }
        }
    }

    init(_ value: JSONValue) throws {
        guard let object = value.objectValue, let request = object["request"]?.objectValue,
            let response = object["response"]?.objectValue
        else { throw FixtureError("malformed fixture") }
        id = object["id"]?.stringValue ?? "?"
        title = object["title"]?.stringValue ?? ""
        models = object["models"]?.arrayValue?.compactMap(\.objectValue) ?? []
        method = HTTPRequest.Method(request["method"]?.stringValue ?? "GET") ?? .get
        path = request["path"]?.stringValue ?? "/"
        requestHeaders = Self.headers(request["headers"])
        requestBody = try Self.body(request)
        status = Int(response["status"]?.numberValue ?? 0)
        contentType = response["content_type"]?.stringValue ?? ""
        responseHeaders = Self.headers(response["headers"])
        responseBody = try Self.body(response) ?? []
    }

    private static func headers(_ value: JSONValue?) -> [(String, String)] {
        (value?.arrayValue ?? []).compactMap { pair in
            guard let pair = pair.arrayValue, pair.count == 2, let name = pair[0].stringValue, let value = pair[1].stringValue else {
                return nil
            }
            return (name, value)
        }
    }

    private static func body(_ object: JSONObject) throws -> [UInt8]? {
        if let text = object["body"]?.stringValue { return Array(text.utf8) }
        if let encoded = object["body_base64"]?.stringValue {
            guard let data = Data(base64Encoded: encoded) else { throw FixtureError("bad base64 body") }
            return Array(data)
        }
        return nil
    }

    /// The server the fixture was recorded against.
    func makeServer(options: MMCPOptions = MMCPOptions()) throws -> MMCPServer {
        let registered = try models.map { model in
            RegisteredModel(key: model["key"]?.stringValue ?? "", backbone: try FixtureBackbone(fixture: model))
        }
        return MMCPServer(registry: try ModelRegistry(registered), options: options)
    }
}
