/// The rule every model id is held to where it enters a server: a hot-added model (the console's
/// `:add`, `POST /v1/models`), a `--null ID` flag, an upstream's `/capabilities` entry, and the
/// registry itself.
///
/// The reference asks only for a non-empty string. An id is also shown in the console, written in
/// log lines and metric labels, and put in control API paths, so here it is also bounded and
/// printable: 1 to ``maxLength`` Unicode scalars, each a letter, mark, number, punctuation or
/// symbol, or a space between two of them. Control characters (newline, ESC, NUL…), format
/// characters (bidirectional overrides), line separators and unassigned or private-use scalars are
/// refused, so no id can forge a log line or scramble a screen.
public enum ModelID {
    /// The longest id, in Unicode scalars.
    public static let maxLength = 128

    /// Why `id` is not a valid model id, or `nil` when it is. The message quotes the id escaped
    /// (``LogText/escaped(_:)``) and cut short, so it is safe to log and to show.
    public static func problem(_ id: String) -> String? {
        let scalars = id.unicodeScalars
        guard !scalars.isEmpty else { return "a model id must not be empty" }
        guard scalars.count <= maxLength else {
            return "model id '\(LogText.escaped(String(id.unicodeScalars.prefix(32))))…' is longer than \(maxLength) characters"
        }
        if scalars.first == " " || scalars.last == " " {
            return "model id '\(LogText.escaped(id))' must not start or end with a space"
        }
        if let bad = scalars.first(where: { !isAllowed($0) }) {
            let hex = String(bad.value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            return "model id '\(LogText.escaped(id))' holds \(code), which is not printable; use letters, digits, punctuation and symbols"
        }
        return nil
    }

    /// `id` as a log line or a screen may show an id that came from outside and may break the
    /// rule: escaped (``LogText/escaped(_:)``), and cut to ``maxLength`` characters with `…`.
    public static func shown(_ id: String) -> String {
        guard id.unicodeScalars.count > maxLength else { return LogText.escaped(id) }
        return LogText.escaped(String(id.unicodeScalars.prefix(maxLength))) + "…"
    }

    /// Throws a ``ModelSpecError`` naming the problem when `id` is not a valid model id.
    public static func validate(_ id: String) throws(ModelSpecError) {
        if let problem = problem(id) { throw ModelSpecError(problem) }
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark,
            .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}
