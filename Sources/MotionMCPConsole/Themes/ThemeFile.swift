/// The subset of TOML theme files are written in, parsed by hand:
///
/// ```toml
/// # a comment
/// name = "dark"            # optional; the file's stem otherwise
///
/// [state.draining]         # a semantic style
/// fg = "yellow"            # default, a colour name, or 0-255
/// bg = "default"
/// attrs = ["bold"]         # bold, dim, underline, reverse, italic
/// ```
///
/// One `key = value` per line; values are double-quoted strings (`\"` and `\\` escapes),
/// integers, or one-line arrays of strings. Anything else is an error naming the line.
enum ThemeFile {
    /// Parses `text`, the contents of a file whose stem is `stem`.
    static func parse(_ text: String, stem: String) throws(ThemeError) -> Theme {
        var name = stem
        var styles: [StyleName: Style] = [:]
        var section: StyleName?
        var keysSeen: Set<String> = []

        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            func fail(_ message: String) -> ThemeError { ThemeError(line: lineNumber, message: message) }

            var scanner = LineScanner(Substring(rawLine))
            scanner.skipSpaces()
            if scanner.atEndOrComment { continue }

            if scanner.take("[") {
                let header = scanner.takeBareKey()
                guard !header.isEmpty, scanner.take("]") else { throw fail("expected [style.name]") }
                scanner.skipSpaces()
                guard scanner.atEndOrComment else { throw fail("unexpected text after [\(header)]") }
                let style = StyleName(header)
                guard StyleName.isKnown(style) else { throw fail("unknown style '\(header)'") }
                guard styles[style] == nil else { throw fail("style '\(header)' is defined twice") }
                styles[style] = Style()
                section = style
                keysSeen = []
                continue
            }

            let key = scanner.takeBareKey()
            scanner.skipSpaces()
            guard !key.isEmpty, scanner.take("=") else { throw fail("expected key = value") }
            scanner.skipSpaces()
            let value: ThemeValue
            do { value = try scanner.takeValue() } catch { throw fail(error.message) }
            scanner.skipSpaces()
            guard scanner.atEndOrComment else { throw fail("unexpected text after the value of '\(key)'") }
            guard keysSeen.insert(key).inserted else { throw fail("'\(key)' is set twice") }

            guard let section else {
                guard key == "name" else { throw fail("unknown key '\(key)' (only 'name' goes before the first [style])") }
                guard case .string(let text) = value, !text.isEmpty else { throw fail("name must be a non-empty string") }
                name = text
                continue
            }
            do {
                try apply(key: key, value: value, to: &styles[section, default: Style()])
            } catch { throw fail("[\(section)] \(error.message)") }
        }
        return Theme(name: name, styles: styles)
    }

    /// Sets one property of a style from its `key = value` line.
    private static func apply(key: String, value: ThemeValue, to style: inout Style) throws(ThemeError) {
        switch key {
        case "fg", "bg":
            let color: ThemeColor?
            switch value {
            case .string(let text): color = ThemeColor(themeValue: text)
            case .integer(let index): color = ThemeColor(themeValue: String(index))
            case .array: color = nil
            }
            guard let color else {
                throw ThemeError(message: "\(key) must be \"default\", a colour name (\(ThemeColor.names.joined(separator: ", "))) or 0-255")
            }
            if key == "fg" { style.foreground = color } else { style.background = color }
        case "attrs":
            let names: [String]
            switch value {
            case .string(let text): names = [text]
            case .array(let items): names = items
            case .integer: throw ThemeError(message: "attrs must be a string or an array of strings")
            }
            var attributes: TextAttributes = []
            for name in names {
                guard let attribute = TextAttributes.byName[name.lowercased()] else {
                    throw ThemeError(message: "unknown attribute '\(name)' (bold, dim, underline, reverse, italic)")
                }
                attributes.insert(attribute)
            }
            style.attributes = attributes
        default:
            throw ThemeError(message: "unknown key '\(key)' (fg, bg, attrs)")
        }
    }
}

/// Why a theme file was refused, with the line when one is to blame.
public struct ThemeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line, when the problem is on one.
    public var line: Int?
    /// What is wrong.
    public var message: String

    /// An error about `line` (or the whole file).
    public init(line: Int? = nil, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}

/// A value on the right of `=`.
enum ThemeValue: Equatable {
    case string(String)
    case integer(Int)
    case array([String])
}

/// Reads one line of a theme file from left to right.
private struct LineScanner {
    var rest: Substring

    init(_ line: Substring) { rest = line.last == "\r" ? line.dropLast() : line }

    var atEndOrComment: Bool { rest.isEmpty || rest.first == "#" }

    mutating func skipSpaces() {
        rest = rest.drop { $0 == " " || $0 == "\t" }
    }

    mutating func take(_ character: Character) -> Bool {
        guard rest.first == character else { return false }
        rest.removeFirst()
        return true
    }

    /// A bare key: letters, digits, `_`, `-` and the dots of a dotted style name.
    mutating func takeBareKey() -> String {
        let key = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
        rest.removeFirst(key.count)
        return String(key)
    }

    mutating func takeValue() throws(ThemeError) -> ThemeValue {
        if rest.first == "\"" { return .string(try takeString()) }
        if take("[") {
            var items: [String] = []
            skipSpaces()
            while !take("]") {
                guard rest.first == "\"" else { throw ThemeError(message: "an array holds only \"strings\" and ends on its line with ]") }
                items.append(try takeString())
                skipSpaces()
                if !take(",") {
                    guard take("]") else { throw ThemeError(message: "expected , or ] in the array") }
                    break
                }
                skipSpaces()
            }
            return .array(items)
        }
        let digits = rest.prefix { $0.isNumber || $0 == "-" || $0 == "+" }
        guard !digits.isEmpty, let number = Int(digits) else {
            throw ThemeError(message: "expected a \"string\", an integer or an array")
        }
        rest.removeFirst(digits.count)
        return .integer(number)
    }

    private mutating func takeString() throws(ThemeError) -> String {
        rest.removeFirst() // the opening quote
        var text = ""
        while let character = rest.first {
            rest.removeFirst()
            switch character {
            case "\"":
                return text
            case "\\":
                guard let escaped = rest.first, escaped == "\"" || escaped == "\\" else {
                    throw ThemeError(message: "only \\\" and \\\\ escapes are supported")
                }
                rest.removeFirst()
                text.append(escaped)
            default:
                text.append(character)
            }
        }
        throw ThemeError(message: "unterminated string")
    }
}
