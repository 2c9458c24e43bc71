/// Writes compact JSON straight into one byte buffer, formatted exactly as the reference writes it
/// (docs/response.md §6.4): no whitespace, non-ASCII text literal, `/` not escaped, floats in the
/// shortest round-trip form with a `.0` on integral values.
public struct JSONWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]
    /// When set, every non-ASCII character is written as `\uXXXX` (the form the reference measures
    /// batch items in, docs/protocol.md §6.2).
    public var escapesNonASCII: Bool

    /// An empty writer with room reserved for `capacity` bytes.
    public init(capacity: Int = 1024, escapesNonASCII: Bool = false) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.escapesNonASCII = escapesNonASCII
    }

    /// Appends raw ASCII text (punctuation, keys known to need no escaping).
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends one raw byte.
    public mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// Appends bytes that already are JSON (an encoded document inside a larger one).
    public mutating func append(_ json: [UInt8]) { bytes.append(contentsOf: json) }

    /// Appends `"key":`.
    public mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends a string literal with the reference's escaping.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        if escapesNonASCII {
            for unit in value.utf16 { appendEscaped(unit: unit) }
        } else {
            var value = value
            value.withUTF8 { utf8 in
                var runStart = 0
                for position in 0..<utf8.count {
                    let byte = utf8[position]
                    guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<position]))
                    appendEscaped(unit: UInt16(byte))
                    runStart = position + 1
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(unit: UInt16) {
        switch unit {
        case 0x22: raw("\\\"")
        case 0x5C: raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        case 0x08: raw("\\b")
        case 0x0C: raw("\\f")
        case 0x20..<0x7F: bytes.append(UInt8(unit))
        default:
            raw("\\u")
            for shift in stride(from: 12, through: 0, by: -4) {
                bytes.append(hexDigits[Int((unit >> UInt16(shift)) & 0xF)])
            }
        }
    }

    /// Appends an integer.
    public mutating func integer(_ value: some BinaryInteger) {
        // Machine-sized integers (every index and count of a glTF document) are written digit by
        // digit; `String(value)` costs a visible share of a small response's encoding.
        guard let small = Int64(exactly: value) else {
            bytes.append(contentsOf: String(value).utf8)
            return
        }
        if small < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = small.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes; a UInt64 has at most 20 digits
        withUnsafeMutableBytes(of: &digits) { (buffer: UnsafeMutableRawBufferPointer) in
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Appends `true` or `false`.
    public mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    /// Appends `[…]` with each of `values` written by `element`, comma-separated.
    public mutating func array<Values: Sequence>(_ values: Values, _ element: (inout JSONWriter, Values.Element) -> Void) {
        byte(UInt8(ascii: "["))
        var first = true
        for value in values {
            if !first { byte(UInt8(ascii: ",")) }
            first = false
            element(&self, value)
        }
        byte(UInt8(ascii: "]"))
    }

    /// Appends an array of strings.
    public mutating func strings(_ values: [String]) { array(values) { $0.string($1) } }

    /// Appends `[a,b,c…]` of integers.
    public mutating func integers(_ values: [Int]) { array(values) { $0.integer($1) } }

    /// Appends `[a,b,c…]` of doubles.
    public mutating func doubles<V: SIMD>(_ vector: V) where V.Scalar == Double {
        array(vector.indices) { $0.double(vector[$1]) }
    }

    /// Appends raw bytes with one copy (a slice of a raw buffer goes through the generic,
    /// element-by-element path).
    private mutating func append(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw.assumingMemoryBound(to: UInt8.self))
    }

    /// Appends a float the way the reference prints one: the shortest text that reads back as the
    /// same double, positional with a fraction for decimal exponents -4...15, else `1e-05` style.
    /// JSON has no non-finite numbers: callers check ``JSONValue/isFinite`` first, and a
    /// non-finite value that slips through is written as `null` so the output stays valid JSON.
    public mutating func double(_ value: Double) {
        guard value.isFinite else {
            raw("null")
            return
        }
        if !writeShortDecimal(value) { writeShortestDigits(value) }
    }

    /// The common case without the shortest-digits search: a value of magnitude 1e-4 up to 1e9
    /// that is the double nearest to a decimal with at most six places (zeros, the rounded
    /// trajectory numbers, most rest poses). Any decimal of at most 15 significant digits has a
    /// double of its own, so that decimal, written without trailing zeros, is the shortest text
    /// that reads back as the value: what ``writeShortestDigits(_:)`` would write. Returns false,
    /// writing nothing, for any other value.
    mutating func writeShortDecimal(_ value: Double) -> Bool {
        let magnitude = value.magnitude
        guard (magnitude >= 1e-4 && magnitude < 1e9) || magnitude == 0 else { return false }
        // Below 1e9 the product is within 0.12 of the integer it should be; the division, being
        // correctly rounded, gives the double nearest to `micros`/10⁶, which must be the value.
        let scaled = (magnitude * 1e6).rounded()
        guard scaled / 1e6 == magnitude else { return false }
        var micros = UInt64(scaled)
        // Built right to left in a fixed buffer and appended once (`-`, ≤ 9 integer digits, `.`,
        // ≤ 6 fraction digits): appending byte by byte cost more than the digits themselves.
        var text: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &text) { buffer in
            var start = buffer.count
            func put(_ character: UInt8) {
                start -= 1
                buffer[start] = character
            }
            var fractionDigits = 6
            while fractionDigits > 1 && micros % 10 == 0 {
                micros /= 10
                fractionDigits -= 1
            }
            for _ in 0..<fractionDigits {
                put(UInt8(ascii: "0") + UInt8(micros % 10))
                micros /= 10
            }
            put(UInt8(ascii: "."))
            repeat {
                put(UInt8(ascii: "0") + UInt8(micros % 10))
                micros /= 10
            } while micros > 0
            if value.sign == .minus { put(UInt8(ascii: "-")) }
            append(UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
        return true
    }

    /// Any finite value, through the standard library's shortest round-trip digits.
    mutating func writeShortestDigits(_ value: Double) {
        var text = value.description
        // Swift switches to exponent form at 2^53 where the reference waits for 1e16: only the
        // decimal exponent 15 needs rewriting.
        let exponent15 = text.withUTF8 { utf8 in
            if utf8.count >= 4 && utf8[(utf8.count - 4)...].elementsEqual("e+15".utf8) { return true }
            bytes.append(contentsOf: utf8)
            return false
        }
        if exponent15 { bytes.append(contentsOf: positional(fromExponentForm: text).utf8) }
    }

    private func positional(fromExponentForm text: String) -> String {
        let mantissa = text.dropLast(4)
        let negative = mantissa.hasPrefix("-")
        let digits = mantissa.filter { $0.isNumber }
        let padded = digits + String(repeating: "0", count: max(0, 16 - digits.count))
        return (negative ? "-" : "") + padded + ".0"
    }

    /// Appends any JSON value.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): flag ? raw("true") : raw("false")
        case .int(let number): integer(number)
        case .bigInt(let text): bytes.append(contentsOf: text.utf8)
        case .double(let number): double(number)
        case .string(let text): string(text)
        case .array(let elements):
            array(elements) { $0.value($1) }
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (position, entry) in object.entries.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                string(entry.key)
                bytes.append(UInt8(ascii: ":"))
                self.value(entry.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Appends standard padded base64 of `data` (RFC 4648, no line breaks).
    public mutating func base64(_ data: UnsafeRawBufferPointer) {
        let count = data.count
        guard count > 0 else { return }
        let encodedCount = (count + 2) / 3 * 4
        let start = bytes.count
        // Grown once and filled through a pointer: appending byte by byte cost a capacity and
        // uniqueness check per character.
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "="), count: encodedCount))
        bytes.withUnsafeMutableBufferPointer { buffer in
            base64Alphabet.withUnsafeBufferPointer { alphabet in
                base64Pairs.withUnsafeBufferPointer { pairs in
                    let output = UnsafeMutableRawPointer(buffer.baseAddress!)
                    var out = start
                    var position = 0
                    // Two characters per lookup: three input bytes are two 12-bit halves.
                    while position + 3 <= count {
                        let chunk = Int(data[position]) << 16 | Int(data[position + 1]) << 8 | Int(data[position + 2])
                        output.storeBytes(of: pairs[chunk >> 12], toByteOffset: out, as: UInt16.self)
                        output.storeBytes(of: pairs[chunk & 0xFFF], toByteOffset: out + 2, as: UInt16.self)
                        position += 3
                        out += 4
                    }
                    // The padding `=` is already in place.
                    if position < count {
                        let second = position + 1 < count ? UInt32(data[position + 1]) << 8 : 0
                        let chunk = UInt32(data[position]) << 16 | second
                        buffer[out] = alphabet[Int(chunk >> 18)]
                        buffer[out + 1] = alphabet[Int(chunk >> 12 & 0x3F)]
                        if position + 1 < count { buffer[out + 2] = alphabet[Int(chunk >> 6 & 0x3F)] }
                    }
                }
            }
        }
    }
}

extension JSONValue {
    /// The compact JSON text of the value, as the reference serialises it.
    public var serialized: [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    /// Whether every number inside is finite (only a finite document can be written).
    public var isFinite: Bool {
        switch self {
        case .double(let number): return number.isFinite
        case .array(let elements): return elements.allSatisfy(\.isFinite)
        case .object(let object): return object.entries.allSatisfy { $0.value.isFinite }
        default: return true
        }
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
private let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

/// The two characters of every 12-bit value, first character first in memory.
private let base64Pairs: [UInt16] = (0..<4096).map { value in
    (UInt16(base64Alphabet[value >> 6]) | UInt16(base64Alphabet[value & 0x3F]) << 8).littleEndian
}
