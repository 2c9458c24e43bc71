import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// The OpenAPI document served at `/openapi.json`.
@Suite(.keepsServerLogs) struct OpenAPIDocumentTests {
    /// The rendered document, parsed back.
    private func document(
        title: String = "MMCP", description: String = "d", prefix: String = "", operational: Bool = false,
        extensions: ProtocolExtensions = ProtocolExtensions()
    ) throws -> JSONValue {
        try JSONParser.parse(
            OpenAPIDocument.render(
                title: title, description: description, pathPrefix: prefix, operational: operational, extensions: extensions))
    }

    /// Every extension on.
    private static let everything = ProtocolExtensions(
        asyncJobs: true, idempotency: true, binaryGLTF: true, requestIDs: true, retryAfter: true, batchWindow: .milliseconds(5))

    /// The operations of a document: path, method and the operation object.
    private func operations(_ root: JSONValue) -> [(path: String, method: String, operation: JSONValue)] {
        (lookup(root, "paths")?.objectValue?.entries ?? []).flatMap { path, item in
            (item.objectValue?.entries ?? []).filter { $0.key != "parameters" }.map { (path, $0.key, $0.value) }
        }
    }

    /// The names of an operation's parameters that are `in` there.
    private func parameters(_ operation: JSONValue?, in location: String) -> [String] {
        (lookup(operation, "parameters")?.arrayValue ?? []).filter { lookup($0, "in") == .string(location) }
            .compactMap { lookup($0, "name")?.stringValue }
    }

    /// The value at `path` (object keys) below `value`.
    private func lookup(_ value: JSONValue?, _ path: String...) -> JSONValue? {
        path.reduce(value) { current, key in current?.objectValue?[key] }
    }

    /// Every `$ref` target and discriminator mapping target inside `value`.
    private func referenceTargets(in value: JSONValue) -> [String] {
        switch value {
        case .array(let elements):
            return elements.flatMap(referenceTargets(in:))
        case .object(let object):
            var found: [String] = []
            for (key, member) in object.entries {
                if key == "$ref", let target = member.stringValue { found.append(target) }
                if key == "discriminator", let mapping = member.objectValue?["mapping"]?.objectValue {
                    found += mapping.entries.compactMap(\.value.stringValue)
                }
                found += referenceTargets(in: member)
            }
            return found
        default:
            return []
        }
    }

    @Test("the document is JSON declaring OpenAPI 3.1.0 and protocol version 1.4")
    func versions() throws {
        let root = try document()
        #expect(lookup(root, "openapi") == "3.1.0")
        #expect(lookup(root, "info", "version") == "1.4")
    }

    @Test("the title and description are written into info")
    func info() throws {
        let root = try document(title: "Motion \"Lab\"", description: "Bewegung — ünïcode\nline two")
        #expect(lookup(root, "info", "title") == "Motion \"Lab\"")
        #expect(lookup(root, "info", "description") == "Bewegung — ünïcode\nline two")
    }

    @Test("both routes are described under the mount prefix", arguments: ["", "/motion"])
    func paths(prefix: String) throws {
        let paths = try #require(lookup(try document(prefix: prefix), "paths")?.objectValue)
        #expect(paths.keys == [prefix + "/capabilities", prefix + "/generate"])
        #expect(lookup(paths[prefix + "/capabilities"], "get", "operationId") == "get_capabilities_capabilities_get")
        #expect(lookup(paths[prefix + "/generate"], "post", "operationId") == "post_generate_generate_post")
    }

    @Test("every reference resolves to a component schema, every extension off and on", arguments: [false, true])
    func references(extended: Bool) throws {
        let root = try document(extensions: extended ? Self.everything : ProtocolExtensions())
        let schemas = try #require(lookup(root, "components", "schemas")?.objectValue)
        let resolvable = Set(schemas.keys.map { "#/components/schemas/" + $0 })
        let targets = referenceTargets(in: root)
        #expect(!targets.isEmpty)
        #expect(targets.filter { !resolvable.contains($0) } == [])
    }

    @Test("the generate request schema lists exactly the fields of a generate request")
    func generateRequestFields() throws {
        let request = lookup(try document(), "components", "schemas", "GenerateRequest")
        let properties = try #require(lookup(request, "properties")?.objectValue)
        #expect(
            properties.keys == [
                "protocol_version", "model", "skeleton", "segments", "constraints", "duration_frames", "timing",
                "options",
            ])
        #expect(lookup(request, "required") == .strings(["protocol_version", "model", "skeleton"]))
        #expect(lookup(request, "additionalProperties") == false)
    }

    @Test("every error code's status is documented with the error envelope")
    func errorStatuses() throws {
        let responses = lookup(try document(), "paths", "/generate", "post", "responses")
        for code in ErrorCode.all {
            let response = lookup(responses, String(code.status))
            #expect(
                lookup(response, "content", "application/json", "schema", "$ref")
                    == "#/components/schemas/ErrorEnvelope", "\(code)")
            #expect(lookup(response, "description")?.stringValue?.contains("`\(code.rawValue)`") == true, "\(code)")
        }
    }

    @Test("with every extension off, nothing an extension adds is described, and the batch window alone changes no byte")
    func extensionsOff() throws {
        let plain = OpenAPIDocument.render(title: "MMCP", description: "d", pathPrefix: "", operational: true)
        let windowed = OpenAPIDocument.render(
            title: "MMCP", description: "d", pathPrefix: "", operational: true,
            extensions: ProtocolExtensions(batchWindow: .milliseconds(5)))
        #expect(plain == windowed)
        let text = String(decoding: plain, as: UTF8.self)
        for added in [
            "\"202\"", "\"409\"", "jobs/{id}", "gltf-binary", "gltf_2.0_binary", "Idempotency", "X-Request-ID", "Location",
            "Retry-After", "Vary", "\"parameters\"", "\"headers\"", "JobTicket",
        ] {
            #expect(!text.contains(added), "\(added)")
        }
    }

    @Test(
        "async jobs: /generate answers 202 with the ticket, Location and Retry-After, and the job path takes GET and DELETE",
        arguments: ["", "/motion"])
    func asyncJobs(prefix: String) throws {
        let root = try document(prefix: prefix, extensions: ProtocolExtensions(asyncJobs: true))
        let paths = try #require(lookup(root, "paths")?.objectValue)
        #expect(paths.keys == [prefix + "/capabilities", prefix + "/generate", prefix + "/generate/jobs/{id}"])
        let accepted = lookup(paths[prefix + "/generate"], "post", "responses", "202")
        #expect(lookup(accepted, "content", "application/json", "schema", "$ref") == "#/components/schemas/JobTicket")
        #expect(lookup(accepted, "headers", "Location", "required") == true)
        #expect(lookup(accepted, "headers", "Retry-After", "schema", "type") == "integer")
        #expect(lookup(accepted, "links", "PollJob", "operationId") == "get_job_generate_jobs__id__get")
        #expect(lookup(root, "components", "schemas", "JobTicket", "required") == .strings(["job_id", "submitted_at"]))
        let job = paths[prefix + "/generate/jobs/{id}"]
        #expect(parameters(job, in: "path") == ["id"])
        #expect(lookup(job, "get", "operationId") == "get_job_generate_jobs__id__get")
        let poll = try #require(lookup(job, "get", "responses")?.objectValue)
        #expect(lookup(poll["200"], "content", "model/gltf+json", "schema", "$ref") == "#/components/schemas/GltfDocument")
        #expect(lookup(poll["202"], "headers", "Location", "required") == true)
        #expect(lookup(poll["404"], "content", "application/json", "schema", "$ref") == "#/components/schemas/Detail")
        #expect(ErrorCode.all.allSatisfy { poll.contains(String($0.status)) })
        #expect(lookup(job, "delete", "responses")?.objectValue?.keys == ["204", "404"])
        #expect(lookup(poll["404"], "description")?.stringValue?.contains("kept 300 s") == true)
        // A 503 of the server's own (a full job store) carries Retry-After.
        #expect(lookup(paths[prefix + "/generate"], "post", "responses", "503", "headers", "Retry-After") != nil)
        #expect(
            lookup(root, "components", "schemas", "ModelCapabilities", "properties", "supports_async", "description")?.stringValue?
                .contains("202") == true)
    }

    @Test("binary glTF: /capabilities may list gltf_2.0_binary, /generate answers model/gltf-binary, takes Accept and says Vary")
    func binaryGLTF() throws {
        let root = try document(extensions: ProtocolExtensions(asyncJobs: true, binaryGLTF: true))
        #expect(
            lookup(root, "components", "schemas", "Capabilities", "properties", "response_formats", "items", "enum")
                == .strings(["gltf_2.0_json", "gltf_2.0_binary"]))
        let generate = lookup(root, "paths", "/generate", "post")
        #expect(lookup(generate, "responses", "200", "content", "model/gltf-binary") != nil)
        #expect(parameters(generate, in: "header") == ["Accept"])
        let responses = try #require(lookup(generate, "responses")?.objectValue)
        for (status, response) in responses.entries {
            #expect(lookup(response, "headers", "Vary", "schema", "const") == "Accept", "\(status)")
        }
        // A job polled later keeps the format it was submitted with.
        #expect(lookup(root, "paths", "/generate/jobs/{id}", "get", "responses", "200", "content", "model/gltf-binary") != nil)
        #expect(lookup(root, "paths", "/generate/jobs/{id}", "get", "responses", "200", "headers", "Vary") == nil)
    }

    @Test("Idempotency-Key: /generate takes the header, answers 409 on a conflict and may say Idempotency-Status")
    func idempotency() throws {
        let generate = lookup(try document(extensions: ProtocolExtensions(idempotency: true)), "paths", "/generate", "post")
        let key = try #require(lookup(generate, "parameters")?.arrayValue?.first)
        #expect(lookup(key, "name") == "Idempotency-Key")
        #expect(lookup(key, "schema", "maxLength") == 255)
        #expect(lookup(generate, "responses", "409", "content", "application/json", "schema", "$ref") == "#/components/schemas/ErrorEnvelope")
        #expect(lookup(generate, "responses", "409", "description")?.stringValue?.contains("`invalid_request`") == true)
        #expect(lookup(generate, "responses", "200", "headers", "Idempotency-Status", "schema", "const") == "declined")
        #expect(lookup(generate, "responses", "202") == nil)
        #expect(lookup(generate, "description")?.stringValue?.contains("for 300 s") == true)
    }

    @Test("the served document states the job retention and the idempotency time to live the server keeps, raised to their minimums")
    func servedTimes() async throws {
        let extensions = ProtocolExtensions(
            asyncJobs: true, jobRetention: .seconds(900), idempotency: true, idempotencyTimeToLive: .seconds(10))
        let app = try buildApp(NullBackbone(), options: MMCPOptions(extensions: extensions))
        let text = try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { String(buffer: $0.body) }
        }
        #expect(text.contains("finished jobs are kept 900 s"))
        #expect(text.contains("without calling the model for 60 s"))
    }

    @Test("X-Request-ID: every operation takes it and every response carries it")
    func requestIDs() throws {
        let root = try document(operational: true, extensions: ProtocolExtensions(asyncJobs: true, requestIDs: true))
        let all = operations(root)
        #expect(all.count == 7)
        for (path, method, operation) in all {
            #expect(parameters(operation, in: "header") == ["X-Request-ID"], "\(method) \(path)")
            for (status, response) in lookup(operation, "responses")?.objectValue?.entries ?? [] {
                #expect(lookup(response, "headers", "X-Request-ID", "required") == true, "\(method) \(path) \(status)")
            }
        }
    }

    @Test("Retry-After: the 429 and 503 of /generate and of a job's poll carry it, and no other status does")
    func retryAfter() throws {
        let root = try document(extensions: ProtocolExtensions(asyncJobs: true, retryAfter: true))
        for path in ["/generate", "/generate/jobs/{id}"] {
            let method = path == "/generate" ? "post" : "get"
            for (status, response) in lookup(root, "paths", path, method, "responses")?.objectValue?.entries ?? [] {
                let carries = lookup(response, "headers", "Retry-After") != nil
                #expect(carries == ["202", "429", "503"].contains(status), "\(path) \(status)")
            }
        }
        let sync = try document(extensions: ProtocolExtensions(retryAfter: true))
        #expect(lookup(sync, "paths", "/generate", "post", "responses", "429", "headers", "Retry-After", "schema", "type") == "integer")
    }
}
