/// One character cell: what is drawn there and in which semantic style.
public struct Cell: Sendable, Hashable {
    /// The character; a space for an empty cell.
    public var character: Character
    /// What the cell means; the theme decides how it looks.
    public var style: StyleName
    /// Whether this cell is the right half of a wide character drawn in the cell to its left
    /// (the terminal fills it; nothing is drawn here).
    public var isContinuation: Bool

    /// A cell holding `character` in `style`.
    public init(_ character: Character, style: StyleName, isContinuation: Bool = false) {
        self.character = character
        self.style = style
        self.isContinuation = isContinuation
    }
}

/// An in-memory terminal screen: rows of styled cells. The console renders into one; the terminal
/// layer copies it to curses, and tests read it back as text and styles.
public struct Screen: Sendable, Hashable {
    /// The screen's size.
    public let size: Size
    /// The cells, row by row.
    public private(set) var rows: [[Cell]]

    /// A blank screen of `size`, every cell a space in `style`.
    public init(size: Size, style: StyleName = .normal) {
        self.size = Size(width: max(0, size.width), height: max(0, size.height))
        rows = Array(
            repeating: Array(repeating: Cell(" ", style: style), count: self.size.width),
            count: self.size.height
        )
    }

    /// The cell at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> Cell { rows[y][x] }

    /// The whole screen as a rectangle.
    public var bounds: Rect { Rect(x: 0, y: 0, width: size.width, height: size.height) }

    /// Row `y` as text (wide characters once, trailing spaces kept).
    public func text(row y: Int) -> String {
        String(rows[y].filter { !$0.isContinuation }.map(\.character))
    }

    /// Every row as text, trailing spaces trimmed: what a screenshot would show.
    public var lines: [String] {
        (0..<size.height).map { y in
            var line = text(row: y)
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// Where `text` first appears, scanning rows top to bottom; `nil` when it does not.
    public func position(of text: String) -> (x: Int, y: Int)? {
        for y in 0..<size.height {
            let cells = rows[y].filter { !$0.isContinuation }
            let line = String(cells.map(\.character))
            guard let range = line.range(of: text) else { continue }
            // Map the character offset back to a column, counting wide characters twice.
            let offset = line.distance(from: line.startIndex, to: range.lowerBound)
            let x = cells.prefix(offset).reduce(0) { $0 + max(1, DisplayWidth.of($1.character)) }
            return (x, y)
        }
        return nil
    }

    /// Paints every cell of `rect` (clipped to the screen) as a space in `style`.
    public mutating func fill(_ rect: Rect, style: StyleName) {
        for y in max(0, rect.y)..<min(size.height, rect.maxY) {
            for x in max(0, rect.x)..<min(size.width, rect.maxX) {
                rows[y][x] = Cell(" ", style: style)
            }
        }
    }

    /// Changes the style of every cell of `rect` without changing the characters.
    public mutating func restyle(_ rect: Rect, style: StyleName) {
        for y in max(0, rect.y)..<min(size.height, rect.maxY) {
            for x in max(0, rect.x)..<min(size.width, rect.maxX) {
                rows[y][x].style = style
            }
        }
    }

    /// Writes `text` from column `x` of row `y` in `style`, cut at `x + maxWidth` and at the
    /// screen's edge. Control characters become spaces, so nothing written here can move the
    /// terminal's cursor. Returns the columns written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: StyleName, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < size.height, x >= 0 else { return 0 }
        let limit = min(size.width, x + (maxWidth ?? size.width))
        var column = x
        for character in text {
            let width = DisplayWidth.of(character)
            let drawn: Character = width == 0 ? " " : character
            let columns = max(1, width)
            guard column + columns <= limit else { break }
            put(Cell(drawn, style: style), at: column, y)
            if columns == 2 { put(Cell(" ", style: style, isContinuation: true), at: column + 1, y) }
            column += columns
        }
        return column - x
    }

    /// Sets one cell, blanking the other half of any wide character it overwrites.
    private mutating func put(_ cell: Cell, at x: Int, _ y: Int) {
        let old = rows[y][x]
        if old.isContinuation, x > 0, !cell.isContinuation {
            rows[y][x - 1] = Cell(" ", style: rows[y][x - 1].style)
        }
        if !old.isContinuation, x + 1 < size.width, rows[y][x + 1].isContinuation {
            rows[y][x + 1] = Cell(" ", style: rows[y][x + 1].style)
        }
        rows[y][x] = cell
    }
}
