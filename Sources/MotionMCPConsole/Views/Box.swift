/// A framed box for dialogs and the help overlay.
enum Box {
    /// Fills `rect` in `style` and frames it, with `title` in the top edge; returns the inside.
    @discardableResult
    static func draw(_ rect: Rect, title: String, style: StyleName, titleStyle: StyleName, on screen: inout Screen) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        screen.fill(rect, style: style)
        let horizontal = String(repeating: "─", count: rect.width - 2)
        screen.write("┌" + horizontal + "┐", x: rect.x, y: rect.y, style: style)
        screen.write("└" + horizontal + "┘", x: rect.x, y: rect.maxY - 1, style: style)
        for y in rect.y + 1..<rect.maxY - 1 {
            screen.write("│", x: rect.x, y: y, style: style)
            screen.write("│", x: rect.maxX - 1, y: y, style: style)
        }
        if !title.isEmpty {
            screen.write(" " + title + " ", x: rect.x + 2, y: rect.y, style: titleStyle, maxWidth: rect.width - 4)
        }
        return Rect(x: rect.x + 2, y: rect.y + 1, width: rect.width - 4, height: rect.height - 2)
    }
}
