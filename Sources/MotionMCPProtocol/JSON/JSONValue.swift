/// A parsed JSON document that keeps what the protocol needs and `JSONDecoder` loses:
/// key order, integer literals apart from float literals, and booleans apart from numbers.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer literal (no fraction, no exponent) that fits in 64 bits.
    case int(Int64)
    /// An integer literal too large for 64 bits, kept as its literal text so it can be echoed exactly.
    case bigInt(String)
    /// A literal with a fraction or an exponent.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The value as a double when it is a number (booleans are not numbers).
    public var numberValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .bigInt(let text): return Double(text)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The object, when the value is one.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The array, when the value is one.
    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    /// The string, when the value is one.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The name the protocol's messages use for the value's type (Python's names, as the reference prints them).
    public var typeName: String {
        switch self {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }
}

/// A JSON object: its members in document order. A repeated key keeps the position of its first
/// occurrence and the value of its last, as the reference's parser does. Keys are compared by
/// Unicode scalars, without normalisation (`"é"` and `"e\u{301}"` are two keys, as they are to the
/// reference).
public struct JSONObject: Sendable, Hashable {
    /// The members in order.
    public private(set) var entries: [(key: String, value: JSONValue)]
    /// Positions by key, kept once the object is large enough for linear lookups to cost.
    private var positions: [ExactName: Int]?

    /// Objects with more members than this keep an index of their keys.
    private static let indexThreshold = 16

    /// An empty object.
    public init() { entries = [] }

    /// An empty object with room for `capacity` members.
    init(reservingCapacity capacity: Int) {
        entries = []
        entries.reserveCapacity(capacity)
    }

    /// An object with these members; later duplicates replace earlier values in place.
    public init(_ members: [(String, JSONValue)]) {
        entries = []
        entries.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    /// The member names in order.
    public var keys: [String] { entries.map(\.key) }

    /// The number of members.
    public var count: Int { entries.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { entries.isEmpty }

    private func position(of key: String) -> Int? {
        if let positions { return positions[ExactName(key)] }
        return entries.firstIndex { $0.key.isExactly(key) }
    }

    /// Reads or replaces a member; setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let index = position(of: key) {
                if let newValue {
                    entries[index].value = newValue
                } else {
                    entries.remove(at: index)
                    positions = nil
                    rebuildIndex()
                }
            } else if let newValue {
                entries.append((key, newValue))
                if positions != nil {
                    positions?[ExactName(key)] = entries.count - 1
                } else {
                    rebuildIndex()
                }
            }
        }
    }

    private mutating func rebuildIndex() {
        guard entries.count > Self.indexThreshold else { return }
        var index: [ExactName: Int] = [:]
        index.reserveCapacity(entries.count)
        for (position, entry) in entries.enumerated() { index[ExactName(entry.key)] = position }
        positions = index
    }

    /// Whether the object has a member with this name.
    public func contains(_ key: String) -> Bool { position(of: key) != nil }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key.isExactly($1.key) && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for entry in entries {
            hasher.combine(ExactName(entry.key))
            hasher.combine(entry.value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    /// An array of strings.
    public static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
    /// An integer.
    public static func integer(_ value: Int) -> JSONValue { .int(Int64(value)) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}
