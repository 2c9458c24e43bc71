/// Why a body is not a JSON document, worded like the reference's parser so messages read the same.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error class the reference names (`JSONDecodeError`, `UnicodeDecodeError`, `RecursionError`).
    public var kind: String
    /// The parser's explanation, with the position where it applies.
    public var reason: String

    public var description: String { "\(kind): \(reason)" }
}

/// A non-recursive JSON parser over UTF-8 bytes, reading what the reference's parser reads.
///
/// Like the reference, it accepts the tokens `NaN`, `Infinity` and `-Infinity` and turns numbers
/// that overflow a double into ±infinity, so a non-finite number reaches validation with its
/// location and is refused there (docs/protocol.md §3.0.4). Nesting is limited (the reference stops near
/// 1000 levels); the parser keeps its own stack, so even 50 000 levels cannot exhaust the thread's
/// stack.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 1000

    /// Parses a whole document; a UTF-8 byte-order mark is skipped, anything after the value is an error.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var parser = Parser(bytes: buffer)
            return try parser.parseDocument()
        }
    }

    /// Parses a document held in a string.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// What an open container is; its contents live in the parser's own stacks so that appending
/// never copies them.
private enum Container {
    case array
    case object(pendingKey: String)
}

private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var start = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        start = index
        try validateUTF8()
        let value = try parseValue()
        skipWhitespace()
        if index != bytes.count { throw failure("Extra data", at: index) }
        return value
    }

    // MARK: values

    /// Room made for a container's first members: a request is mostly joints of five members
    /// and vectors of three or four numbers, which growing from empty allocated two or three times.
    private static let initialCapacity = 6

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        // Open containers, innermost last; their elements and members grow in place in `arrays`
        // and `objects` (one entry per open array or object).
        var stack: [Container] = []
        var arrays: [[JSONValue]] = []
        var objects: [JSONObject] = []
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw failure("Expecting value", at: index) }
            var value: JSONValue
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    value = .object(JSONObject())
                } else {
                    guard stack.count < JSONParser.maximumDepth else { throw tooDeep() }
                    let key = try parseKey()
                    stack.append(.object(pendingKey: key))
                    objects.append(JSONObject(reservingCapacity: Self.initialCapacity))
                    continue
                }
            case UInt8(ascii: "["):
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    guard stack.count < JSONParser.maximumDepth else { throw tooDeep() }
                    stack.append(.array)
                    var elements: [JSONValue] = []
                    elements.reserveCapacity(Self.initialCapacity)
                    arrays.append(elements)
                    continue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            case UInt8(ascii: "N"):
                try expectLiteral("NaN")
                value = .double(.nan)
            case UInt8(ascii: "I"):
                try expectLiteral("Infinity")
                value = .double(.infinity)
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
                index += 1
                try expectLiteral("Infinity")
                value = .double(-.infinity)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
            default:
                throw failure("Expecting value", at: index)
            }

            // Fold the finished value into its containers until one of them wants more.
            while true {
                guard let top = stack.last else { return value }
                skipWhitespace()
                switch top {
                case .array:
                    arrays[arrays.count - 1].append(value)
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                        index += 1
                        stack.removeLast()
                        value = .array(arrays.removeLast())
                        continue
                    } else {
                        throw failure("Expecting ',' delimiter", at: index)
                    }
                case .object(let key):
                    objects[objects.count - 1][key] = value
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                        stack[stack.count - 1] = .object(pendingKey: try parseKey())
                    } else if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                        index += 1
                        stack.removeLast()
                        value = .object(objects.removeLast())
                        continue
                    } else {
                        throw failure("Expecting ',' delimiter", at: index)
                    }
                }
                break
            }
        }
    }

    /// Reads `"key" :` and leaves the index at the member's value.
    mutating func parseKey() throws(JSONParseError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw failure("Expecting property name enclosed in double quotes", at: index)
        }
        let key = try parseString()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
            throw failure("Expecting ':' delimiter", at: index)
        }
        index += 1
        return key
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("Expecting value", at: index) }
        let matches = literal.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[index + $0] == expected[$0] }
        }
        guard matches else { throw failure("Expecting value", at: index) }
        index += count
    }

    // MARK: strings

    mutating func parseString() throws(JSONParseError) -> String {
        let quote = index
        index += 1
        let contentStart = index
        // Fast path: no escapes, so the bytes (already validated as UTF-8) are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[contentStart..<index]), as: UTF8.self)
                index += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("Invalid control character at", at: index) }
            index += 1
        }
        var scalars = Array(bytes[contentStart..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &scalars)
            case 0..<0x20:
                throw failure("Invalid control character at", at: index)
            default:
                scalars.append(byte)
                index += 1
            }
        }
        throw failure("Unterminated string starting at", at: quote)
    }

    mutating func parseEscape(into output: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = index
        index += 1
        guard index < bytes.count else { throw failure("Unterminated string starting at", at: escapeStart) }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): output.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4(escapeStart: escapeStart)
            if (0xD800..<0xDC00).contains(scalar), index + 6 <= bytes.count,
                bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            {
                let save = index
                index += 2
                let low = try parseHex4(escapeStart: save)
                if (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    index = save
                }
            }
            // A lone surrogate has no Unicode scalar; it becomes U+FFFD.
            let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            output.append(contentsOf: Array(String(Character(character)).utf8))
        default:
            throw failure("Invalid \\escape", at: escapeStart)
        }
    }

    mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("Invalid \\uXXXX escape", at: escapeStart) }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("Invalid \\uXXXX escape", at: escapeStart)
            }
            value = value << 4 | digit
        }
        index += 4
        return value
    }

    // MARK: numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let numberStart = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("Expecting value", at: numberStart) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        var isInteger = true
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "."), isDigit(bytes[index + 1]) {
            isInteger = false
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            var probe = index + 1
            if probe < bytes.count, bytes[probe] == UInt8(ascii: "+") || bytes[probe] == UInt8(ascii: "-") { probe += 1 }
            if probe < bytes.count, isDigit(bytes[probe]) {
                isInteger = false
                index = probe
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            }
        }
        let literal = UnsafeBufferPointer(rebasing: bytes[numberStart..<index])
        if isInteger {
            if let value = parseInt64(literal) { return .int(value) }
            return .bigInt(String(decoding: literal, as: UTF8.self))
        }
        guard let value = parseDouble(literal) else { throw failure("Expecting value", at: numberStart) }
        return .double(value)
    }

    func parseInt64(_ literal: UnsafeBufferPointer<UInt8>) -> Int64? {
        var negative = false
        var digits = literal[...]
        if digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        }
        guard digits.count <= 19 else { return nil }
        var magnitude: UInt64 = 0
        for byte in digits {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
        }
        if negative {
            if magnitude <= UInt64(Int64.max) { return -Int64(magnitude) }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// Exact decimal-to-double conversion: an exact fast path when the digits and the power of ten
    /// are both representable (Clinger), else the C library's correctly rounded conversion.
    func parseDouble(_ literal: UnsafeBufferPointer<UInt8>) -> Double? {
        var mantissa: UInt64 = 0
        var digitCount = 0
        var exponent = 0
        var negative = false
        var position = 0
        if literal[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var significant = false
        while position < literal.count, isDigit(literal[position]) {
            let digit = UInt64(literal[position] - UInt8(ascii: "0"))
            if significant || digit != 0 {
                significant = true
                mantissa = mantissa &* 10 &+ digit
                digitCount += 1
            }
            position += 1
        }
        if position < literal.count, literal[position] == UInt8(ascii: ".") {
            position += 1
            while position < literal.count, isDigit(literal[position]) {
                let digit = UInt64(literal[position] - UInt8(ascii: "0"))
                if significant || digit != 0 {
                    significant = true
                    mantissa = mantissa &* 10 &+ digit
                    digitCount += 1
                }
                exponent -= 1
                position += 1
            }
        }
        if position < literal.count {
            position += 1 // e or E
            var exponentNegative = false
            if literal[position] == UInt8(ascii: "+") || literal[position] == UInt8(ascii: "-") {
                exponentNegative = literal[position] == UInt8(ascii: "-")
                position += 1
            }
            var explicit = 0
            while position < literal.count {
                explicit = min(explicit * 10 + Int(literal[position] - UInt8(ascii: "0")), 100_000)
                position += 1
            }
            exponent += exponentNegative ? -explicit : explicit
        }
        if digitCount <= 15, abs(exponent) <= 22 {
            var value = Double(mantissa)
            value = exponent < 0 ? value / exactPowersOfTen[-exponent] : value * exactPowersOfTen[exponent]
            return negative ? -value : value
        }
        let text = String(decoding: literal, as: UTF8.self)
        return Double(text)
    }

    // MARK: helpers

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Checks the whole body once, so string slices can be taken without re-validation.
    func validateUTF8() throws(JSONParseError) {
        var position = start
        while position < bytes.count {
            let lead = bytes[position]
            if lead < 0x80 {
                position += 1
                continue
            }
            let length: Int
            let minimum: UInt32
            var scalar: UInt32
            switch lead {
            case 0xC2...0xDF: (length, minimum, scalar) = (2, 0x80, UInt32(lead & 0x1F))
            case 0xE0...0xEF: (length, minimum, scalar) = (3, 0x800, UInt32(lead & 0x0F))
            case 0xF0...0xF4: (length, minimum, scalar) = (4, 0x10000, UInt32(lead & 0x07))
            default: throw decodeFailure(lead, at: position, why: "invalid start byte")
            }
            guard position + length <= bytes.count else {
                throw decodeFailure(lead, at: position, why: "unexpected end of data")
            }
            for offset in 1..<length {
                let continuation = bytes[position + offset]
                guard continuation & 0xC0 == 0x80 else {
                    throw decodeFailure(lead, at: position, why: "invalid continuation byte")
                }
                scalar = scalar << 6 | UInt32(continuation & 0x3F)
            }
            // Encoded surrogates are tolerated as the reference's decoder does ("surrogatepass");
            // they decode to U+FFFD when the string is built.
            guard scalar >= minimum, scalar <= 0x10FFFF else {
                throw decodeFailure(lead, at: position, why: "invalid continuation byte")
            }
            position += length
        }
    }

    func decodeFailure(_ byte: UInt8, at position: Int, why: String) -> JSONParseError {
        let hex = String(byte, radix: 16)
        return JSONParseError(
            kind: "UnicodeDecodeError",
            reason: "'utf-8' codec can't decode byte 0x\(hex.count == 1 ? "0" + hex : hex) in position \(position): \(why)"
        )
    }

    func tooDeep() -> JSONParseError {
        JSONParseError(kind: "RecursionError", reason: "maximum recursion depth exceeded while decoding a JSON array from a unicode string")
    }

    /// A parse error positioned as the reference reports it: line, column and character offset.
    func failure(_ message: String, at position: Int) -> JSONParseError {
        var line = 1
        var lineStart = start
        var characters = 0
        var cursor = start
        while cursor < min(position, bytes.count) {
            let byte = bytes[cursor]
            if byte & 0xC0 != 0x80 { characters += 1 }
            if byte == 0x0A {
                line += 1
                lineStart = cursor + 1
            }
            cursor += 1
        }
        var column = 1
        cursor = lineStart
        while cursor < min(position, bytes.count) {
            if bytes[cursor] & 0xC0 != 0x80 { column += 1 }
            cursor += 1
        }
        return JSONParseError(
            kind: "JSONDecodeError",
            reason: "\(message): line \(line) column \(column) (char \(characters))"
        )
    }
}

private let exactPowersOfTen: [Double] = (0...22).map { exponent in
    var value = 1.0
    for _ in 0..<exponent { value *= 10 }
    return value
}
