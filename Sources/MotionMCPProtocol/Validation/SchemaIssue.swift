/// One step of a path into the request: an object member or an array position.
public enum LocationElement: Sendable, Hashable {
    case key(String)
    case index(Int)

    /// The step as it appears in an issue's `loc` array.
    public var json: JSONValue {
        switch self {
        case .key(let name): .string(name)
        case .index(let position): .integer(position)
        }
    }
}

/// One problem the request schema found (docs/protocol.md §3.8), in the validator vocabulary the
/// reference uses: `missing`, `extra_forbidden`, `int_parsing`, `value_error`, `invalid_skeleton`, ….
public struct SchemaIssue: Sendable, Equatable {
    /// The kind of problem.
    public var type: String
    /// Where it is: keys and positions from the top of the request.
    public var loc: [LocationElement]
    /// A human-readable explanation.
    public var msg: String
    /// Machine-readable context (bounds, expected values, the reason of a whole-object check).
    public var ctx: JSONObject?

    /// An issue at `loc`.
    public init(type: String, loc: [LocationElement], msg: String, ctx: JSONObject? = nil) {
        self.type = type
        self.loc = loc
        self.msg = msg
        self.ctx = ctx
    }

    /// `{"type","loc","msg"[,"ctx"]}`: never the offending input, so a bad multi-megabyte field
    /// cannot inflate the error response.
    public var json: JSONValue {
        var object = JSONObject([
            ("type", .string(type)), ("loc", .array(loc.map(\.json))), ("msg", .string(msg)),
        ])
        if let ctx { object["ctx"] = .object(ctx) }
        return .object(object)
    }

    /// Whether the issue is a skeleton topology error, which turns the whole answer into
    /// `400 invalid_skeleton` (§3.9).
    public var isTopology: Bool { type == SchemaProblem.topologyType }
}

/// Every issue a request's schema validation produced, in the order the reference lists them.
public struct SchemaIssueList: Error, Sendable, Equatable {
    /// The issues; never empty.
    public var issues: [SchemaIssue]

    /// The issues as the protocol reports them: only the topology entries as `400 invalid_skeleton`
    /// when there are any, else all of them as `422 schema_validation`.
    public var protocolError: ProtocolError {
        let topology = issues.filter(\.isTopology)
        if let first = topology.first {
            return .invalidSkeleton(first.msg, issues: topology.map(\.json))
        }
        return .schemaValidation(issues: issues.map(\.json))
    }
}

/// What is wrong with one value, before it is placed at a location (an `Error` only so it can be
/// the failure of a `Result`).
struct SchemaProblem: Error, Sendable, Equatable {
    var type: String
    var msg: String
    var ctx: JSONObject?

    static let topologyType = "invalid_skeleton"

    static let missing = SchemaProblem(type: "missing", msg: "Field required")
    static let extraForbidden = SchemaProblem(type: "extra_forbidden", msg: "Extra inputs are not permitted")
    static let stringType = SchemaProblem(type: "string_type", msg: "Input should be a valid string")
    static let intType = SchemaProblem(type: "int_type", msg: "Input should be a valid integer")
    static let intParsing = SchemaProblem(
        type: "int_parsing", msg: "Input should be a valid integer, unable to parse string as an integer")
    static let intFromFloat = SchemaProblem(
        type: "int_from_float", msg: "Input should be a valid integer, got a number with a fractional part")
    /// An integer the port cannot hold: beyond the signed 64-bit range (the reference's own word for
    /// integers too large to read).
    static let intTooLarge = SchemaProblem(
        type: "int_parsing_size", msg: "Input should be an integer that fits in 64 bits")
    static let floatType = SchemaProblem(type: "float_type", msg: "Input should be a valid number")
    static let floatParsing = SchemaProblem(
        type: "float_parsing", msg: "Input should be a valid number, unable to parse string as a number")
    static let finiteNumber = SchemaProblem(type: "finite_number", msg: "Input should be a finite number")
    static let boolType = SchemaProblem(type: "bool_type", msg: "Input should be a valid boolean")
    static let boolParsing = SchemaProblem(
        type: "bool_parsing", msg: "Input should be a valid boolean, unable to interpret input")
    static let listType = SchemaProblem(type: "list_type", msg: "Input should be a valid list")
    static let tupleType = SchemaProblem(type: "tuple_type", msg: "Input should be a valid tuple")
    static let dictType = SchemaProblem(type: "dict_type", msg: "Input should be a valid dictionary")
    static let modelAttributesType = SchemaProblem(
        type: "model_attributes_type", msg: "Input should be a valid dictionary or object to extract fields from")

    /// A value that should have been an object of the named schema class.
    static func modelType(_ className: String) -> SchemaProblem {
        SchemaProblem(
            type: "model_type", msg: "Input should be a valid dictionary or instance of \(className)",
            ctx: ["class_name": .string(className)])
    }

    /// A value that is not one of the allowed literals; `allowed` are listed in order.
    static func literal(_ allowed: [String]) -> SchemaProblem {
        let quoted = allowed.map { "'\($0)'" }
        let expected =
            quoted.count <= 1
            ? quoted.joined() : quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "")
        return SchemaProblem(
            type: "literal_error", msg: "Input should be \(expected)", ctx: ["expected": .string(expected)])
    }

    /// A number not strictly above `bound`; `bound` is written as the field's own type writes it.
    static func greaterThan(_ bound: JSONValue, _ text: String) -> SchemaProblem {
        SchemaProblem(type: "greater_than", msg: "Input should be greater than \(text)", ctx: ["gt": bound])
    }

    /// A number below `bound`.
    static func greaterThanEqual(_ bound: JSONValue, _ text: String) -> SchemaProblem {
        SchemaProblem(
            type: "greater_than_equal", msg: "Input should be greater than or equal to \(text)", ctx: ["ge": bound])
    }

    /// A number above `bound`.
    static func lessThanEqual(_ bound: JSONValue, _ text: String) -> SchemaProblem {
        SchemaProblem(
            type: "less_than_equal", msg: "Input should be less than or equal to \(text)", ctx: ["le": bound])
    }

    /// A string with fewer than `minimum` code points.
    static func stringTooShort(_ minimum: Int) -> SchemaProblem {
        SchemaProblem(
            type: "string_too_short",
            msg: "String should have at least \(minimum) character\(minimum == 1 ? "" : "s")",
            ctx: ["min_length": .integer(minimum)])
    }

    /// A string with more than `maximum` code points.
    static func stringTooLong(_ maximum: Int) -> SchemaProblem {
        SchemaProblem(
            type: "string_too_long", msg: "String should have at most \(maximum) characters",
            ctx: ["max_length": .integer(maximum)])
    }

    /// A string that does not match `pattern`.
    static func patternMismatch(_ pattern: String) -> SchemaProblem {
        SchemaProblem(
            type: "string_pattern_mismatch", msg: "String should match pattern '\(pattern)'",
            ctx: ["pattern": .string(pattern)])
    }

    /// A collection (`List`, `Dictionary`) with fewer than `minimum` items.
    static func tooShort(_ fieldType: String, minimum: Int, actual: Int) -> SchemaProblem {
        SchemaProblem(
            type: "too_short",
            msg: "\(fieldType) should have at least \(minimum) item\(minimum == 1 ? "" : "s") after validation, not \(actual)",
            ctx: [
                "field_type": .string(fieldType), "min_length": .integer(minimum), "actual_length": .integer(actual),
            ])
    }

    /// A fixed-length array with more than `maximum` items.
    static func tupleTooLong(maximum: Int, actual: Int) -> SchemaProblem {
        SchemaProblem(
            type: "too_long",
            msg: "Tuple should have at most \(maximum) items after validation, not \(actual)",
            ctx: ["field_type": "Tuple", "max_length": .integer(maximum), "actual_length": .integer(actual)])
    }

    /// An object without the discriminator member.
    static let unionTagNotFound = SchemaProblem(
        type: "union_tag_not_found", msg: "Unable to extract tag using discriminator 'type'",
        ctx: ["discriminator": "'type'"])

    /// A discriminator value that names none of `expected`; `tag` is the value as text.
    static func unionTagInvalid(_ tag: String, expected: [String]) -> SchemaProblem {
        let tags = expected.map { "'\($0)'" }.joined(separator: ", ")
        return SchemaProblem(
            type: "union_tag_invalid",
            msg: "Input tag '\(tag)' found using 'type' does not match any of the expected tags: \(tags)",
            ctx: ["discriminator": "'type'", "tag": .string(tag), "expected_tags": .string(tags)])
    }

    /// A whole-object or cross-field rule that failed, with its reason.
    static func valueError(_ reason: String) -> SchemaProblem {
        SchemaProblem(type: "value_error", msg: "Value error, \(reason)", ctx: ["error": .string(reason)])
    }

    /// A skeleton whose joints do not form one tree listed parents first (no `ctx`).
    static func topology(_ reason: String) -> SchemaProblem {
        SchemaProblem(type: topologyType, msg: reason)
    }
}
