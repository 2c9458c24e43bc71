import Testing

@testable import MotionMCP

/// The OpenAPI document served at `/openapi.json`.
@Suite struct OpenAPIDocumentTests {
    /// The rendered document, parsed back.
    private func document(title: String = "MMCP", description: String = "d", prefix: String = "") throws -> JSONValue {
        try JSONParser.parse(OpenAPIDocument.render(title: title, description: description, pathPrefix: prefix))
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

    @Test("every reference resolves to a component schema")
    func references() throws {
        let root = try document()
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
}
