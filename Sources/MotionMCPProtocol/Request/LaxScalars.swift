/// The reference's lax scalar coercions (docs/protocol.md §3.0.3), which this port matches on purpose:
/// integer fields take integral floats, numeric strings and booleans; float fields take integers,
/// numeric strings and booleans; boolean fields take 0/1 and a few words. Strings are never made
/// from numbers.
///
/// One departure, deliberate: an integer beyond the signed 64-bit range is refused
/// (`int_parsing_size`) where the reference keeps it. (Non-finite floats are the fields' business:
/// see ``SchemaDecoder/double(_:greaterThan:atLeast:finite:)``.)
enum LaxScalar {
    /// An integer: JSON integers, integral floats, booleans, and strings of digits (surrounding
    /// Unicode whitespace, single underscores between digits and a `.000` tail allowed).
    static func integer(_ value: JSONValue) -> Result<Int, SchemaProblem> {
        switch value {
        case .int(let number):
            return Int(exactly: number).map(Result.success) ?? .failure(.intTooLarge)
        case .bigInt:
            return .failure(.intTooLarge)
        case .double(let number):
            return integer(fromFloat: number)
        case .bool(let flag):
            return .success(flag ? 1 : 0)
        case .string(let text):
            return integer(fromText: text)
        case .null, .array, .object:
            return .failure(.intType)
        }
    }

    /// A float: JSON numbers, booleans, and numeric strings (Rust's float syntax, with surrounding
    /// whitespace or single underscores). The result may be non-finite (`NaN`, `"inf"`, `1e400`);
    /// the field decides how to refuse it.
    static func double(_ value: JSONValue) -> Result<Double, SchemaProblem> {
        switch value {
        case .int(let number):
            return .success(Double(number))
        case .bigInt(let text):
            // The reference cannot make a float of an integer beyond the double range either.
            guard let number = Double(text), number.isFinite else { return .failure(.floatType) }
            return .success(number)
        case .double(let number):
            return .success(number)
        case .bool(let flag):
            return .success(flag ? 1 : 0)
        case .string(let text):
            return double(fromText: text).map(Result.success) ?? .failure(.floatParsing)
        case .null, .array, .object:
            return .failure(.floatType)
        }
    }

    /// A boolean: JSON booleans, the numbers 0 and 1, and the words true/false, yes/no, on/off,
    /// y/n, t/f, 1/0 in any case.
    static func bool(_ value: JSONValue) -> Result<Bool, SchemaProblem> {
        switch value {
        case .bool(let flag):
            return .success(flag)
        case .int(let number):
            switch number {
            case 0: return .success(false)
            case 1: return .success(true)
            default: return .failure(.boolParsing)
            }
        case .double(let number):
            if number == 0 { return .success(false) }
            if number == 1 { return .success(true) }
            // Other integral floats read as integers first, and fail as integers do.
            return isIntegral64(number) ? .failure(.boolParsing) : .failure(.boolType)
        case .string(let text):
            let word = asciiLowercased(text.utf8)
            if trueWords.contains(where: { $0.utf8.elementsEqual(word) }) { return .success(true) }
            if falseWords.contains(where: { $0.utf8.elementsEqual(word) }) { return .success(false) }
            return .failure(.boolParsing)
        case .bigInt, .null, .array, .object:
            return .failure(.boolType)
        }
    }

    private static let trueWords = ["true", "yes", "on", "y", "t", "1"]
    private static let falseWords = ["false", "no", "off", "n", "f", "0"]

    private static func asciiLowercased(_ bytes: some Collection<UInt8>) -> [UInt8] {
        bytes.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 0x20 : $0 }
    }

    /// Integral floats strictly inside ±2⁶³ are integers; the reference refuses both ends.
    private static func isIntegral64(_ number: Double) -> Bool {
        number.rounded(.towardZero) == number && number > -0x1p63 && number < 0x1p63
    }

    private static func integer(fromFloat number: Double) -> Result<Int, SchemaProblem> {
        guard number.isFinite else { return .failure(.finiteNumber) }
        guard number.rounded(.towardZero) == number else { return .failure(.intFromFloat) }
        guard isIntegral64(number) else { return .failure(.intTooLarge) }
        return .success(Int(number))
    }

    /// The reference refuses digit strings longer than this before reading them.
    private static let longestIntegerText = 4300

    private static func integer(fromText text: String) -> Result<Int, SchemaProblem> {
        let trimmed = trimmingWhitespace(text).utf8
        guard trimmed.count <= longestIntegerText else { return .failure(.intTooLarge) }
        switch signedDigits(trimmed[...]) {
        case .value(let number): return .success(number)
        case .overflow: return .failure(.intTooLarge)
        case .invalid: break
        }
        // "10.00" reads as 10: a fraction of zeros only (at least one) may follow.
        guard let dot = trimmed.firstIndex(of: UInt8(ascii: ".")) else { return .failure(.intParsing) }
        let fraction = trimmed[trimmed.index(after: dot)...]
        guard !fraction.isEmpty, fraction.allSatisfy({ $0 == UInt8(ascii: "0") }) else {
            return .failure(.intParsing)
        }
        switch signedDigits(trimmed[..<dot]) {
        case .value(let number): return .success(number)
        case .overflow: return .failure(.intTooLarge)
        case .invalid: return .failure(.intParsing)
        }
    }

    private enum DigitsOutcome {
        case value(Int)
        case overflow
        case invalid
    }

    /// `[+-]? digit+ ('_' digit+)*` in ASCII digits.
    private static func signedDigits(_ bytes: Substring.UTF8View.SubSequence) -> DigitsOutcome {
        var rest = bytes[...]
        var negative = false
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        var magnitude: UInt64 = 0
        var overflow = false
        var previousWasDigit = false
        for byte in rest {
            if byte == UInt8(ascii: "_") {
                guard previousWasDigit else { return .invalid }
                previousWasDigit = false
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return .invalid }
            let (times10, carry1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            overflow = overflow || carry1 || carry2
            magnitude = sum
            previousWasDigit = true
        }
        guard previousWasDigit else { return .invalid }
        if overflow { return .overflow }
        if negative {
            guard magnitude <= UInt64(1) << 63 else { return .overflow }
            return .value(Int(truncatingIfNeeded: 0 &- magnitude))
        }
        return magnitude <= UInt64(Int.max) ? .value(Int(magnitude)) : .overflow
    }

    /// A float from text: Rust's syntax after trimming whitespace, else the untrimmed text with
    /// its underscores removed (when none leads, trails or doubles).
    private static func double(fromText text: String) -> Double? {
        if let number = rustFloat(trimmingWhitespace(text)) { return number }
        let utf8 = text.utf8
        guard utf8.first != UInt8(ascii: "_"), utf8.last != UInt8(ascii: "_"), !text.contains("__") else {
            return nil
        }
        return rustFloat(Substring(text.filter { $0 != "_" }))
    }

    /// `[+-]? (inf | infinity | nan | digits [. digits?] [exp] | . digits [exp])`, the names in
    /// any case, `exp` = `[eE] [+-]? digits`.
    private static func rustFloat(_ text: Substring) -> Double? {
        let bytes = text.utf8
        var rest = bytes[...]
        var negative = false
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        let lowered = asciiLowercased(rest)
        if lowered.elementsEqual("inf".utf8) || lowered.elementsEqual("infinity".utf8) {
            return negative ? -.infinity : .infinity
        }
        if lowered.elementsEqual("nan".utf8) { return .nan }
        guard isDecimalFloat(rest) else { return nil }
        return Double(text)
    }

    private static func isDecimalFloat(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        var index = bytes.startIndex
        func digits() -> Int {
            var count = 0
            while index < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                count += 1
                index = bytes.index(after: index)
            }
            return count
        }
        var mantissaDigits = digits()
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            index = bytes.index(after: index)
            mantissaDigits += digits()
        }
        guard mantissaDigits > 0 else { return false }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index = bytes.index(after: index)
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index = bytes.index(after: index)
            }
            guard digits() > 0 else { return false }
        }
        return index == bytes.endIndex
    }

    /// `text` without leading and trailing Unicode `White_Space` (what Rust's `str::trim` removes).
    private static func trimmingWhitespace(_ text: String) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return text[text.endIndex...] }
        return text[first...last]
    }
}
