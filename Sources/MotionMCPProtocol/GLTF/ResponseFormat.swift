/// The two ways a `/generate` answer can carry its glTF document (docs/extensions.md §2): the JSON text
/// the reference writes, or the same document in a binary glTF (GLB) container.
///
/// ``negotiate(accept:)`` picks one from a request's `Accept` header. It knows nothing of HTTP
/// beyond that header's text, so the server decides where it applies (single-request 200s and the
/// jobs made from them; never batches, errors or `/capabilities`).
public enum ResponseFormat: Sendable, Hashable, CaseIterable {
    /// glTF 2.0 JSON with its buffer embedded as a `data:` URI: the reference's only format.
    case json
    /// glTF 2.0 binary (GLB): the same document with the buffer in a BIN chunk (``GLBContainer``).
    case binary

    /// The `Content-Type` of an answer in this format, without parameters.
    public var contentType: String {
        switch self {
        case .json: "model/gltf+json"
        case .binary: "model/gltf-binary"
        }
    }

    /// The name `/capabilities` lists in `response_formats` when the server offers this format.
    public var capabilityName: String {
        switch self {
        case .json: "gltf_2.0_json"
        case .binary: "gltf_2.0_binary"
        }
    }

    /// The format to answer with for a request whose `Accept` header is `accept` (docs/extensions.md §2.1).
    ///
    /// The header is read as comma-separated media ranges, each with an optional weight `q`
    /// (default 1, a number in 0...1; media types compare case-insensitively). A range whose `q` is
    /// malformed or out of range is skipped, and so is one that is not `type/subtype`, `type/*` or
    /// `*/*`. Each of `model/gltf+json`, `application/json` and `model/gltf-binary` takes the weight
    /// of its most specific matching range (`type/sub` over `type/*` over `*/*`; among equally
    /// specific ranges the highest weight), or 0 when none matches. The answer is binary only when
    /// the binary weight is above 0 and above both JSON weights; everything else — ties, no header,
    /// an empty or unreadable one, nothing acceptable — is JSON. The result is never "not
    /// acceptable": a server that offers GLB must still answer every client, and JSON is what every
    /// client reads.
    public static func negotiate(accept: String?) -> ResponseFormat {
        guard var header = accept else { return .json }
        let weights = header.withUTF8 { AcceptedWeights(parsing: $0) }
        let jsonWeight = max(weights.gltfJSON.weight, weights.applicationJSON.weight)
        let binaryWeight = weights.gltfBinary.weight
        return binaryWeight > 0 && binaryWeight > jsonWeight ? .binary : .json
    }
}

/// How well one media range matched one of the types we answer with; more specific ranges win.
private struct RangeMatch {
    /// 0 for no match, 1 for `*/*`, 2 for `type/*`, 3 for `type/subtype`.
    var specificity = 0
    /// The matching range's weight; 0 while nothing matched.
    var weight = 0.0

    /// Keeps `candidate` if it is more specific, or as specific and weighted higher.
    mutating func consider(_ candidate: RangeMatch) {
        if candidate.specificity > specificity
            || (candidate.specificity == specificity && candidate.weight > weight)
        {
            self = candidate
        }
    }
}

/// The weights an `Accept` header gives the three media types negotiation looks at.
private struct AcceptedWeights {
    /// `model/gltf+json`'s best range.
    var gltfJSON = RangeMatch()
    /// `application/json`'s best range, which also asks for the JSON answer.
    var applicationJSON = RangeMatch()
    /// `model/gltf-binary`'s best range.
    var gltfBinary = RangeMatch()

    /// Reads the header's bytes in one pass, without copying them.
    init(parsing header: UnsafeBufferPointer<UInt8>) {
        var rangeStart = 0
        while rangeStart <= header.count {
            let rangeEnd = Self.end(of: UInt8(ascii: ","), in: header, from: rangeStart)
            readRange(header, rangeStart..<rangeEnd)
            rangeStart = rangeEnd + 1
        }
    }

    /// Reads one media range with its parameters and records what it matches.
    private mutating func readRange(_ header: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        let typeEnd = Self.end(of: UInt8(ascii: ";"), in: header, from: range.lowerBound, limit: range.upperBound)
        let mediaRange = Self.trimmed(header, range.lowerBound..<typeEnd)
        // RFC 9110 §5.6.1: empty list elements (", ,") are allowed and mean nothing.
        guard !mediaRange.isEmpty else { return }
        guard let slash = mediaRange.first(where: { header[$0] == UInt8(ascii: "/") }),
            let type = Self.token(header, mediaRange.lowerBound..<slash),
            let subtype = Self.token(header, slash + 1..<mediaRange.upperBound)
        else { return }

        var weight = 1.0
        var parameterStart = typeEnd + 1
        while parameterStart <= range.upperBound {
            let parameterEnd = Self.end(of: UInt8(ascii: ";"), in: header, from: parameterStart, limit: range.upperBound)
            let parameter = Self.trimmed(header, parameterStart..<parameterEnd)
            parameterStart = parameterEnd + 1
            guard let equals = parameter.first(where: { header[$0] == UInt8(ascii: "=") }) else { continue }
            let name = Self.trimmed(header, parameter.lowerBound..<equals)
            guard Self.bytes(header, name, equalIgnoringCase: "q") else { continue }
            guard let value = Self.weight(header, Self.trimmed(header, equals + 1..<parameter.upperBound)) else {
                return // §2.1: a range with a malformed q is skipped.
            }
            weight = value
            // RFC 9110 §12.5.1: whatever follows the weight are accept extensions, not media type parameters.
            break
        }

        let isAnyType = Self.bytes(header, type, equalIgnoringCase: "*")
        let isAnySubtype = Self.bytes(header, subtype, equalIgnoringCase: "*")
        // `*/json` names no media range; it matches nothing.
        guard !isAnyType || isAnySubtype else { return }
        func specificity(type expectedType: StaticString, subtype expectedSubtype: StaticString) -> Int {
            if isAnyType { return 1 }
            guard Self.bytes(header, type, equalIgnoringCase: expectedType) else { return 0 }
            if isAnySubtype { return 2 }
            return Self.bytes(header, subtype, equalIgnoringCase: expectedSubtype) ? 3 : 0
        }
        let gltfJSONSpecificity = specificity(type: "model", subtype: "gltf+json")
        if gltfJSONSpecificity > 0 { gltfJSON.consider(RangeMatch(specificity: gltfJSONSpecificity, weight: weight)) }
        let applicationJSONSpecificity = specificity(type: "application", subtype: "json")
        if applicationJSONSpecificity > 0 {
            applicationJSON.consider(RangeMatch(specificity: applicationJSONSpecificity, weight: weight))
        }
        let gltfBinarySpecificity = specificity(type: "model", subtype: "gltf-binary")
        if gltfBinarySpecificity > 0 { gltfBinary.consider(RangeMatch(specificity: gltfBinarySpecificity, weight: weight)) }
    }

    /// The index of the first `separator` at or after `start` and before `limit` that is not inside
    /// a quoted string, or `limit` when there is none. A quoted parameter value may hold commas and
    /// semicolons (`foo="a,b"`), which must not split the header.
    private static func end(
        of separator: UInt8, in header: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int? = nil
    ) -> Int {
        let limit = limit ?? header.count
        var index = start
        var inQuotes = false
        while index < limit {
            let byte = header[index]
            if inQuotes {
                if byte == UInt8(ascii: "\\") {
                    index += 1 // the escaped byte is skipped whatever it is
                } else if byte == UInt8(ascii: "\"") {
                    inQuotes = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inQuotes = true
            } else if byte == separator {
                return index
            }
            index += 1
        }
        return limit
    }

    /// `range` without leading and trailing spaces and tabs (RFC 9110's optional whitespace).
    private static func trimmed(_ header: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, header[lower] == UInt8(ascii: " ") || header[lower] == UInt8(ascii: "\t") { lower += 1 }
        while upper > lower, header[upper - 1] == UInt8(ascii: " ") || header[upper - 1] == UInt8(ascii: "\t") { upper -= 1 }
        return lower..<upper
    }

    /// `range` if it is a non-empty RFC 9110 token (a type or subtype), else `nil`.
    private static func token(_ header: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        guard !range.isEmpty else { return nil }
        for index in range {
            switch header[index] {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                continue
            default:
                return nil
            }
        }
        return range
    }

    /// Whether the bytes in `range` spell `expected` (lowercase ASCII), ignoring ASCII case.
    private static func bytes(_ header: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, equalIgnoringCase expected: StaticString) -> Bool {
        guard range.count == expected.utf8CodeUnitCount else { return false }
        let expectedBytes = UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
        for offset in 0..<range.count {
            var byte = header[range.lowerBound + offset]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte += 32 }
            if byte != expectedBytes[offset] { return false }
        }
        return true
    }

    /// The weight a `q` value spells: digits with an optional fraction (`1`, `0.9`, `0.125`, `1.`,
    /// `.5`), at least one digit, between 0 and 1; `nil` for anything else (a sign, an exponent,
    /// quotes, `nan`, `2`), which makes the range malformed.
    private static func weight(_ header: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
        var digits = 0
        var sawPoint = false
        for index in range {
            let byte = header[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        // The text is now plain decimal, which the standard library converts with correct rounding.
        guard let value = Double(String(decoding: UnsafeBufferPointer(rebasing: header[range]), as: UTF8.self)),
            value >= 0, value <= 1
        else { return nil }
        return value
    }
}
