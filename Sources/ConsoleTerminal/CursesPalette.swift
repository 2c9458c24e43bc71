import CNCurses
import MotionMCPConsole

/// A theme turned into curses attributes and colour pairs. Pairs are allocated per distinct
/// (foreground, background) combination when the theme is applied, never while drawing.
struct CursesPalette {
    /// What one semantic style draws with.
    struct Look {
        var attributes: attr_t
        var pair: Int16
    }

    private var looks: [StyleName: Look] = [:]
    private let theme: Theme
    private let colors: Int32
    /// Whether colour -1 means the terminal's own (`use_default_colors` worked).
    private let hasDefaultColors: Bool

    /// Applies `theme` to the terminal: defines its colour pairs (when the terminal has colours)
    /// and resolves every style the console draws with.
    init(theme: Theme, hasDefaultColors: Bool) {
        self.theme = theme
        self.hasDefaultColors = hasDefaultColors
        colors = has_colors() ? mmcp_colors() : 0
        var pairs: [ColorKey: Int16] = [:]
        for name in Set(StyleName.all).union(theme.styles.keys) {
            looks[name] = resolve(theme.style(for: name), pairs: &pairs)
        }
    }

    /// The look of `name`; styles the console never declared get the theme's fallback attributes.
    func look(_ name: StyleName) -> Look {
        looks[name] ?? Look(attributes: attributes(of: theme.style(for: name)), pair: 0)
    }

    private struct ColorKey: Hashable {
        var foreground: Int16
        var background: Int16
    }

    private func resolve(_ style: Style, pairs: inout [ColorKey: Int16]) -> Look {
        var attributes = attributes(of: style)
        guard colors > 0 else { return Look(attributes: attributes, pair: 0) }
        var (foreground, brighten) = index(of: style.foreground)
        var (background, _) = index(of: style.background)
        // Without default colours, "the terminal's own" has to be guessed: white on black.
        if !hasDefaultColors {
            if foreground == -1 { foreground = 7 }
            if background == -1 { background = 0 }
        }
        // An 8-colour terminal shows "bright" foregrounds as bold, as terminals traditionally do.
        if brighten { attributes |= mmcp_attr_bold() }
        let key = ColorKey(foreground: foreground, background: background)
        if key.foreground == -1 && key.background == -1 { return Look(attributes: attributes, pair: 0) }
        if let pair = pairs[key] { return Look(attributes: attributes, pair: pair) }
        let pair = Int16(pairs.count + 1)
        guard Int32(pair) < mmcp_color_pairs() else { return Look(attributes: attributes, pair: 0) }
        init_pair(pair, key.foreground, key.background)
        pairs[key] = pair
        return Look(attributes: attributes, pair: pair)
    }

    /// The curses colour number for `color` on this terminal (-1: the terminal's own), and whether
    /// a bright colour had to be approximated by its basic one.
    private func index(of color: ThemeColor) -> (Int16, Bool) {
        switch color {
        case .terminalDefault:
            return (-1, false)
        case .palette(let value) where Int32(value) < colors:
            return (Int16(value), false)
        case .palette(let value) where value >= 8 && value < 16:
            return (Int16(value - 8), true)
        case .palette:
            return (-1, false)
        }
    }

    private func attributes(of style: Style) -> attr_t {
        var result = mmcp_attr_normal()
        if style.attributes.contains(.bold) { result |= mmcp_attr_bold() }
        if style.attributes.contains(.dim) { result |= mmcp_attr_dim() }
        if style.attributes.contains(.underline) { result |= mmcp_attr_underline() }
        if style.attributes.contains(.reverse) { result |= mmcp_attr_reverse() }
        if style.attributes.contains(.italic) { result |= mmcp_attr_italic() }
        return result
    }
}
