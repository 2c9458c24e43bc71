/// Reads the request schema out of a JSON value, pydantic-style: every independent problem is
/// collected with its location, and a whole-object check runs only once its fields are valid.
///
/// The decoder keeps the current location as a stack, so reading a value costs no allocation; a
/// location array is built only when an issue is recorded.
struct SchemaDecoder {
    /// Everything found so far, in the order the reference lists it.
    private(set) var issues: [SchemaIssue] = []
    /// Non-finite numbers in fields where the reference accepts them: refused too (§3.0.4), but
    /// only once everything the reference checks has passed, so that every other answer stays the
    /// reference's (a topology error still wins, an unknown model is still `unknown_model`).
    private(set) var nonFiniteIssues: [SchemaIssue] = []
    private var path: [LocationElement] = []

    init() {
        path.reserveCapacity(16)
    }

    /// Records `problem` at the current location, or one step below it.
    mutating func record(_ problem: SchemaProblem, at step: LocationElement? = nil) {
        issues.append(issue(problem, at: step))
    }

    /// Records a non-finite number the reference would have accepted here (see ``nonFiniteIssues``);
    /// it does not stop the checks of the objects around it.
    mutating func recordAcceptedNonFinite() {
        nonFiniteIssues.append(issue(.finiteNumber, at: nil))
    }

    private func issue(_ problem: SchemaProblem, at step: LocationElement?) -> SchemaIssue {
        var loc = path
        if let step { loc.append(step) }
        return SchemaIssue(type: problem.type, loc: loc, msg: problem.msg, ctx: problem.ctx)
    }

    /// Runs `body` one step below the current location.
    @discardableResult
    mutating func within<T>(_ step: LocationElement, _ body: (inout SchemaDecoder) -> T) -> T {
        path.append(step)
        defer { path.removeLast() }
        return body(&self)
    }

    /// A mark to ask later whether anything was recorded since (see ``isClean(since:)``).
    var mark: Int { issues.count }

    /// Whether nothing was recorded since `mark`: the condition for a whole-object check and for
    /// building the object.
    func isClean(since mark: Int) -> Bool { issues.count == mark }
}

/// An object's members sorted into the fields a schema class declares and the rest.
struct ObjectFields {
    /// The declared field names, in the schema's order.
    let declared: [String]
    private var values: [JSONValue?]
    /// Members the schema does not declare, in document order.
    private(set) var extras: [String] = []

    /// Sorts `object`'s members, comparing names byte for byte (no Unicode normalisation, as the
    /// reference compares them).
    init(_ object: JSONObject, declared: [String]) {
        self.declared = declared
        values = Array(repeating: nil, count: declared.count)
        for (key, value) in object.entries {
            if let slot = Self.slot(of: key, in: declared) {
                values[slot] = value
            } else {
                extras.append(key)
            }
        }
    }

    /// The member for a declared field; `nil` when absent.
    subscript(name: String) -> JSONValue? {
        guard let slot = Self.slot(of: name, in: declared) else {
            preconditionFailure("field \(name) is not declared by this schema")
        }
        return values[slot]
    }

    private static func slot(of key: String, in declared: [String]) -> Int? {
        declared.firstIndex { $0.isExactly(key) }
    }
}

extension SchemaDecoder {
    /// Reads the object of a schema class: `model_type` when `value` is not an object, else the
    /// fields by `read`, then `extra_forbidden` for every undeclared member, then — only if all of
    /// that was clean — the whole-object rules of `check`. Returns `nil` when anything was wrong.
    mutating func object<T>(
        _ value: JSONValue, className: String, fields declared: [String],
        _ read: (inout SchemaDecoder, ObjectFields) -> T?,
        check: (inout SchemaDecoder, T) -> Void = { _, _ in }
    ) -> T? {
        guard case .object(let object) = value else {
            record(.modelType(className))
            return nil
        }
        return members(of: object, fields: declared, read, check: check)
    }

    /// Reads an object already known to be one (a union member, picked by its tag); see
    /// ``object(_:className:fields:_:check:)``.
    mutating func members<T>(
        of object: JSONObject, fields declared: [String], _ read: (inout SchemaDecoder, ObjectFields) -> T?,
        check: (inout SchemaDecoder, T) -> Void = { _, _ in }
    ) -> T? {
        let start = mark
        let fields = ObjectFields(object, declared: declared)
        let result = read(&self, fields)
        for extra in fields.extras { record(.extraForbidden, at: .key(extra)) }
        guard isClean(since: start), let result else { return nil }
        check(&self, result)
        return isClean(since: start) ? result : nil
    }

    /// A required field: `missing` when absent, else `read` one step below.
    mutating func required<T>(
        _ fields: ObjectFields, _ name: String, _ read: (inout SchemaDecoder, JSONValue) -> T?
    ) -> T? {
        guard let value = fields[name] else {
            record(.missing, at: .key(name))
            return nil
        }
        return within(.key(name)) { read(&$0, value) }
    }

    /// A field that takes `absent` when missing; `null` goes to `read` (and is refused there).
    mutating func defaulted<T>(
        _ fields: ObjectFields, _ name: String, _ absent: T, _ read: (inout SchemaDecoder, JSONValue) -> T?
    ) -> T? {
        guard let value = fields[name] else { return absent }
        return within(.key(name)) { read(&$0, value) }
    }

    /// A `T | null` field: `absent` when missing, `nil` for `null`, else `read`.
    mutating func nullable<T>(
        _ fields: ObjectFields, _ name: String, absent: T? = nil,
        _ read: (inout SchemaDecoder, JSONValue) -> T?
    ) -> T? {
        guard let value = fields[name] else { return absent }
        if case .null = value { return nil }
        return within(.key(name)) { read(&$0, value) }
    }
}

extension SchemaDecoder {
    /// A member of a union discriminated by its `type` member: `model_attributes_type` when not an
    /// object, `union_tag_not_found` without `type`, `union_tag_invalid` when `type` is none of
    /// `tags`; else `read` with the tag, one step below the current location under the tag's name.
    mutating func tagged<T>(
        _ value: JSONValue, tags: [String], _ read: (inout SchemaDecoder, String, JSONObject) -> T?
    ) -> T? {
        guard case .object(let object) = value else {
            record(.modelAttributesType)
            return nil
        }
        guard let tag = object.entries.first(where: { $0.key.isExactly("type") })?.value else {
            record(.unionTagNotFound)
            return nil
        }
        guard case .string(let name) = tag, let known = tags.first(where: { $0.isExactly(name) }) else {
            record(.unionTagInvalid(PythonText.str(tag), expected: tags))
            return nil
        }
        return within(.key(known)) { read(&$0, known, object) }
    }
}
