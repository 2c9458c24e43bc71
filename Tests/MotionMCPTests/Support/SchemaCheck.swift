import HTTPTypes

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// Checks values and answers against the OpenAPI document the server serves: the JSON Schema
/// keywords that document uses (a keyword it does not know is reported as a problem, so that a
/// schema it cannot judge never passes), and an answer's status, media type and headers.
struct SchemaCheck {
    /// The whole OpenAPI document, for `$ref`s.
    let document: JSONValue

    /// Keywords that only annotate a schema.
    private static let annotations: Set<String> = ["description", "default", "discriminator", "format", "title", "examples"]

    /// The problems of `value` against `schema`, each prefixed with where it is (a JSON pointer);
    /// empty when the value conforms.
    func problems(_ value: JSONValue, _ schema: JSONValue, at path: String = "") -> [String] {
        guard let keywords = schema.objectValue else { return schema == false ? ["\(path): no value is allowed"] : [] }
        var found: [String] = []
        for (keyword, argument) in keywords.entries {
            if Self.annotations.contains(keyword) { continue }
            found += problems(value, keyword: keyword, argument, in: keywords, at: path)
        }
        return found
    }

    private func problems(_ value: JSONValue, keyword: String, _ argument: JSONValue, in schema: JSONObject, at path: String)
        -> [String]
    {
        let fail = { (reason: String) in ["\(path): \(reason)"] }
        switch keyword {
        case "$ref":
            guard let target = argument.stringValue.flatMap(resolve) else { return fail("unresolvable $ref \(argument)") }
            return problems(value, target, at: path)
        case "type":
            let types = argument.arrayValue?.compactMap(\.stringValue) ?? [argument.stringValue ?? ""]
            return types.contains { has(value, type: $0) } ? [] : fail("\(value.typeName) is not of type \(types)")
        case "const":
            return equal(value, argument) ? [] : fail("\(value) is not \(argument)")
        case "enum":
            return (argument.arrayValue ?? []).contains { equal(value, $0) } ? [] : fail("\(value) is not one of \(argument)")
        case "properties":
            guard let object = value.objectValue, let properties = argument.objectValue else { return [] }
            return properties.entries.flatMap { name, property in
                object[name].map { problems($0, property, at: path + "/" + name) } ?? []
            }
        case "required":
            guard let object = value.objectValue else { return [] }
            let missing = (argument.arrayValue ?? []).compactMap(\.stringValue).filter { !object.contains($0) }
            return missing.isEmpty ? [] : fail("missing \(missing)")
        case "additionalProperties":
            guard let object = value.objectValue else { return [] }
            let declared = Set(schema["properties"]?.objectValue?.keys ?? [])
            return object.entries.filter { !declared.contains($0.key) }.flatMap { problems($0.value, argument, at: path + "/" + $0.key) }
        case "minProperties":
            guard let object = value.objectValue else { return [] }
            return object.count >= bound(argument) ? [] : fail("fewer than \(argument) members")
        case "items":
            guard let elements = value.arrayValue else { return [] }
            return elements.enumerated().flatMap { problems($1, argument, at: path + "/\($0)") }
        case "minItems", "maxItems":
            guard let elements = value.arrayValue else { return [] }
            let within = keyword == "minItems" ? elements.count >= bound(argument) : elements.count <= bound(argument)
            return within ? [] : fail("\(elements.count) items against \(keyword) \(argument)")
        case "uniqueItems":
            guard let elements = value.arrayValue, argument == true else { return [] }
            return Set(elements).count == elements.count ? [] : fail("items repeat")
        case "contains":
            guard let elements = value.arrayValue else { return [] }
            return elements.contains { problems($0, argument).isEmpty } ? [] : fail("no item matches \(argument)")
        case "minLength", "maxLength":
            guard let text = value.stringValue else { return [] }
            let count = text.unicodeScalars.count
            let within = keyword == "minLength" ? count >= bound(argument) : count <= bound(argument)
            return within ? [] : fail("\(count) characters against \(keyword) \(argument)")
        case "pattern":
            guard let text = value.stringValue else { return [] }
            guard let pattern = argument.stringValue, let regex = try? Regex(pattern) else { return fail("bad pattern \(argument)") }
            return text.firstMatch(of: regex) != nil ? [] : fail("\(text) does not match \(pattern)")
        case "minimum", "maximum", "exclusiveMinimum":
            guard let number = value.numberValue, let limit = argument.numberValue else { return [] }
            let within = keyword == "minimum" ? number >= limit : keyword == "maximum" ? number <= limit : number > limit
            return within ? [] : fail("\(number) against \(keyword) \(limit)")
        case "oneOf", "anyOf":
            let matches = (argument.arrayValue ?? []).filter { problems(value, $0).isEmpty }.count
            let within = keyword == "oneOf" ? matches == 1 : matches >= 1
            return within ? [] : fail("\(matches) of the \(keyword) alternatives match")
        default:
            return fail("the check does not know the keyword \(keyword)")
        }
    }

    /// The schema a `#/…` reference points at.
    private func resolve(_ reference: String) -> JSONValue? {
        guard reference.hasPrefix("#/") else { return nil }
        return reference.dropFirst(2).split(separator: "/").reduce(document) { value, key in value?.objectValue?[String(key)] }
    }

    private func has(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("integer", .int), ("integer", .bigInt), ("number", .int), ("number", .bigInt), ("number", .double): true
        case ("integer", .double(let number)): number.rounded() == number
        default: false
        }
    }

    /// JSON equality, numbers compared by value (`1` equals `1.0`).
    private func equal(_ left: JSONValue, _ right: JSONValue) -> Bool {
        if let left = left.numberValue, let right = right.numberValue { return left == right }
        return left == right
    }

    private func bound(_ argument: JSONValue) -> Int { Int(argument.numberValue ?? 0) }
}

extension SchemaCheck {
    /// The problems of an answer to the operation at `path` and `method` of the document: its
    /// status must be documented, its media type among the status's, every required header
    /// present, every documented header's value valid, and a JSON body (`application/json` or
    /// `model/gltf+json`) valid against the media type's schema.
    func problems(answer status: Int, headers: HTTPFields, body: [UInt8], path: String, method: String) -> [String] {
        guard let operation = document.objectValue?["paths"]?.objectValue?[path]?.objectValue?[method] else {
            return ["\(method) \(path) is not documented"]
        }
        guard let response = operation.objectValue?["responses"]?.objectValue?[String(status)]?.objectValue else {
            return ["\(method) \(path): status \(status) is not documented"]
        }
        var found: [String] = []
        for (name, header) in response["headers"]?.objectValue?.entries ?? [] {
            guard let value = headers[HTTPField.Name(name)!] else {
                if header.objectValue?["required"] == true { found.append("\(status): header \(name) is missing") }
                continue
            }
            let schema = header.objectValue?["schema"] ?? [:]
            let typed: JSONValue = schema.objectValue?["type"] == "integer" ? Int64(value).map(JSONValue.int) ?? .string(value) : .string(value)
            found += problems(typed, schema, at: "\(status) header \(name)")
        }
        let contentType = headers[.contentType].map { String($0.prefix { $0 != ";" }) }
        let content = response["content"]?.objectValue
        guard let contentType, !body.isEmpty else {
            return content == nil ? found : found + ["\(status): no body, but the document gives it one"]
        }
        guard let media = content?[contentType] else {
            return found + ["\(status): media type \(contentType) is not documented"]
        }
        if contentType == "application/json" || contentType == "model/gltf+json", let schema = media.objectValue?["schema"] {
            do {
                found += problems(try JSONParser.parse(body), schema, at: "\(status) body")
            } catch {
                found.append("\(status): the body is not JSON: \(error)")
            }
        }
        return found
    }
}
