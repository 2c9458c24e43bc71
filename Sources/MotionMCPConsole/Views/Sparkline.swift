/// A one-line bar chart of a series, in the block characters ▁▂▃▄▅▆▇█.
enum Sparkline {
    /// The eight bar heights, lowest first.
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// `values` (oldest first) drawn in `width` columns, right-aligned so the newest value is at the
    /// right edge. With more values than columns each column shows the largest value of its
    /// share, so a short burst is not averaged away. Zero is a space; the largest value is a full
    /// bar; any non-zero value at least the lowest bar.
    static func render(_ values: [Int], width: Int) -> String {
        guard width > 0 else { return "" }
        let columns = downsample(values, to: width)
        let peak = columns.max() ?? 0
        let drawn = columns.map { value -> Character in
            guard value > 0, peak > 0 else { return " " }
            // Integer ceiling of value / peak × 8: floating point would round 7/8 × 8 up to 8.
            let level = (value * bars.count + peak - 1) / peak
            return bars[min(bars.count, max(1, level)) - 1]
        }
        return String(repeating: " ", count: width - drawn.count) + String(drawn)
    }

    /// At most `width` values: the maximum of each of `width` equal shares of `values`.
    private static func downsample(_ values: [Int], to width: Int) -> [Int] {
        guard values.count > width else { return values }
        return (0..<width).map { column in
            let start = column * values.count / width
            let end = (column + 1) * values.count / width
            return values[start..<max(end, start + 1)].max() ?? 0
        }
    }
}
