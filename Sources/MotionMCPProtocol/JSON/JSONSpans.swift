/// Where the elements of one array sit in a JSON document's bytes, so they can be passed on as
/// they were written (an upstream's `/capabilities` entries, a batch's results) without parsing
/// and writing them again.
///
/// The scanner checks structure only (brackets, strings, escapes); the document is trusted to
/// be JSON in every other respect, which the server that wrote it promises.
public enum JSONSpans {
    /// The byte ranges of the elements of the array under `key` in the top-level object of
    /// `bytes`, in order; throws when the document is not an object holding such an array.
    public static func elements(ofArrayAt key: String, in bytes: [UInt8]) throws(JSONSpanError) -> [Range<Int>] {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        try scanner.expect(UInt8(ascii: "{"))
        let wanted = Array(key.utf8)
        while true {
            scanner.skipWhitespace()
            if scanner.peek == UInt8(ascii: "}") { throw JSONSpanError("no '\(key)' array in the document") }
            let name = try scanner.string()
            scanner.skipWhitespace()
            try scanner.expect(UInt8(ascii: ":"))
            scanner.skipWhitespace()
            if Array(bytes[name]) == wanted {
                return try scanner.arrayElements()
            }
            try scanner.skipValue()
            scanner.skipWhitespace()
            try scanner.expect(UInt8(ascii: ","))
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(JSONSpanError) {
            guard peek == byte else { throw JSONSpanError("expected '\(Character(Unicode.Scalar(byte)))' at byte \(position)") }
            position += 1
        }

        /// A string's content range (between its quotes); the position ends after it.
        mutating func string() throws(JSONSpanError) -> Range<Int> {
            try expect(UInt8(ascii: "\""))
            let start = position
            while let byte = peek {
                position += 1
                if byte == UInt8(ascii: "\\") {
                    position += 1
                } else if byte == UInt8(ascii: "\"") {
                    return start..<(position - 1)
                }
            }
            throw JSONSpanError("a string does not end")
        }

        mutating func arrayElements() throws(JSONSpanError) -> [Range<Int>] {
            try expect(UInt8(ascii: "["))
            var elements: [Range<Int>] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") { return elements }
            while true {
                skipWhitespace()
                let start = position
                try skipValue()
                elements.append(start..<position)
                skipWhitespace()
                if peek == UInt8(ascii: "]") { return elements }
                try expect(UInt8(ascii: ","))
            }
        }

        /// Moves past one value: a string, or an object or array to its matching bracket, or a
        /// number or literal to the next delimiter.
        mutating func skipValue() throws(JSONSpanError) {
            switch peek {
            case UInt8(ascii: "\"")?:
                _ = try string()
            case UInt8(ascii: "{")?, UInt8(ascii: "[")?:
                var depth = 0
                while let byte = peek {
                    switch byte {
                    case UInt8(ascii: "\""):
                        _ = try string()
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                    default:
                        break
                    }
                    position += 1
                    if depth == 0 { return }
                }
                throw JSONSpanError("an object or array does not end")
            case nil:
                throw JSONSpanError("the document ends where a value should be")
            default:
                let start = position
                while let byte = peek, byte != UInt8(ascii: ","), byte != UInt8(ascii: "}"), byte != UInt8(ascii: "]"),
                    byte != 0x20, byte != 0x0A, byte != 0x0D, byte != 0x09
                {
                    position += 1
                }
                if position == start { throw JSONSpanError("no value at byte \(start)") }
            }
        }
    }
}

/// A document is not shaped as ``JSONSpans`` expects.
public struct JSONSpanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was found instead.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
