/// Text from outside (a model id, an upstream's answer, a request's field) made safe to write into
/// a log line or onto a terminal. Every log handler of this package runs messages and metadata
/// values through it.
public enum LogText {
    /// `text` with every control character written as an escape (`\n`, `\r`, `\t`, `\u{1B}`…),
    /// and the line and paragraph separators too, so it can never start a line of its own in a
    /// log or move a terminal's cursor. Everything else is kept as it is.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return result
    }

    /// C0 controls, DEL, C1 controls, and U+2028/U+2029 (which some viewers take as line breaks).
    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
