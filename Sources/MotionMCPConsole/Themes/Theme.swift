/// A terminal colour as a theme names it.
public enum ThemeColor: Sendable, Hashable, CustomStringConvertible {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// A palette entry: 0–7 the basic colours, 8–15 their bright forms, up to 255 on 256-colour
    /// terminals (the terminal layer falls back when it has fewer).
    case palette(Int)

    /// The sixteen colours themes may name, by palette index.
    static let names: [String] = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright-black", "bright-red", "bright-green", "bright-yellow",
        "bright-blue", "bright-magenta", "bright-cyan", "bright-white",
    ]

    /// A colour from a theme file: `default`, a name from ``names`` (`grey`/`gray` for
    /// bright-black), or a palette index 0–255.
    init?(themeValue: String) {
        let value = themeValue.lowercased()
        if value == "default" {
            self = .terminalDefault
        } else if let index = Self.names.firstIndex(of: value) {
            self = .palette(index)
        } else if value == "grey" || value == "gray" {
            self = .palette(8)
        } else if let index = Int(value), (0...255).contains(index) {
            self = .palette(index)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .terminalDefault: "default"
        case .palette(let index): index < Self.names.count ? Self.names[index] : String(index)
        }
    }
}

/// Text attributes a style may add to its colours.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Heavier text (on 8-colour terminals also how bright colours show).
    public static let bold = TextAttributes(rawValue: 1 << 0)
    /// Fainter text.
    public static let dim = TextAttributes(rawValue: 1 << 1)
    /// Underlined text.
    public static let underline = TextAttributes(rawValue: 1 << 2)
    /// Foreground and background swapped: the monochrome way to highlight.
    public static let reverse = TextAttributes(rawValue: 1 << 3)
    /// Slanted text, where the terminal has it.
    public static let italic = TextAttributes(rawValue: 1 << 4)

    /// The attributes by the names theme files use.
    static let byName: [String: TextAttributes] = [
        "bold": .bold, "dim": .dim, "underline": .underline, "reverse": .reverse, "italic": .italic,
    ]
}

/// How one semantic style looks: foreground, background, attributes.
public struct Style: Sendable, Hashable {
    /// The text colour.
    public var foreground: ThemeColor
    /// The cell colour.
    public var background: ThemeColor
    /// Bold, reverse and the like.
    public var attributes: TextAttributes

    /// A style; unspecified parts are the terminal's own.
    public init(
        foreground: ThemeColor = .terminalDefault, background: ThemeColor = .terminalDefault,
        attributes: TextAttributes = []
    ) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }
}

/// A named mapping from semantic styles to looks, loaded from a file in `themes/`.
public struct Theme: Sendable, Hashable {
    /// The name the operator selects it by (`--theme`, `:theme`), normally the file's stem.
    public var name: String
    /// The styles the theme defines; others fall back along ``StyleName/parent``.
    public var styles: [StyleName: Style]

    /// A theme called `name` defining `styles`.
    public init(name: String, styles: [StyleName: Style]) {
        self.name = name
        self.styles = styles
    }

    /// How `name` looks: its own definition, else its nearest defined parent's, else plain.
    public func style(for name: StyleName) -> Style {
        var current: StyleName? = name
        while let candidate = current {
            if let style = styles[candidate] { return style }
            current = candidate.parent
        }
        return Style()
    }

    /// The same theme with every colour replaced by the terminal's own, attributes kept: what
    /// `NO_COLOR` asks for.
    public func withoutColor() -> Theme {
        Theme(name: name, styles: styles.mapValues { Style(attributes: $0.attributes) })
    }
}
