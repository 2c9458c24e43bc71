/// The latency distribution as horizontal bars, one per bucket: `≤ 25ms ████▌ 120`.
struct LatencyBars {
    /// Eighths of a cell, for the bar's ragged end.
    static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    let buckets: [(upperBound: Duration, count: Int)]

    /// The buckets from the first to the last that holds a request, adjacent pairs merged until
    /// they fit in `rows`.
    func visibleBuckets(rows: Int) -> [(upperBound: Duration, count: Int)] {
        guard rows > 0, let first = buckets.firstIndex(where: { $0.count > 0 }),
            let last = buckets.lastIndex(where: { $0.count > 0 })
        else { return [] }
        var shown = Array(buckets[first...last])
        while shown.count > rows {
            shown = stride(from: 0, to: shown.count, by: 2).map { index in
                let pair = shown[index..<min(index + 2, shown.count)]
                return (pair.last!.upperBound, pair.reduce(0) { $0 + $1.count })
            }
        }
        return shown
    }

    /// Draws a title line and the bars into `rect`.
    func draw(in rect: Rect, on screen: inout Screen) {
        guard rect.height > 0, rect.width > 12 else { return }
        screen.write("latency distribution", x: rect.x, y: rect.y, style: .detailLabel, maxWidth: rect.width)
        let shown = visibleBuckets(rows: rect.height - 1)
        guard !shown.isEmpty else {
            if rect.height > 1 { screen.write("no requests yet", x: rect.x, y: rect.y + 1, style: .normal, maxWidth: rect.width) }
            return
        }
        let peak = shown.map(\.count).max() ?? 1
        let labelWidth = 8
        let countWidth = max(shown.map { Format.count($0.count).count }.max() ?? 1, 1)
        let barWidth = max(1, rect.width - labelWidth - countWidth - 2)
        for (index, bucket) in shown.enumerated() {
            let y = rect.y + 1 + index
            let label = ("≤" + Format.latency(bucket.upperBound)).padded(toWidth: labelWidth - 1, alignRight: true)
            screen.write(label, x: rect.x, y: y, style: .detailLabel)
            let bar = Self.bar(bucket.count, of: peak, width: barWidth)
            screen.write(bar, x: rect.x + labelWidth, y: y, style: .chartBar)
            screen.write(
                Format.count(bucket.count), x: rect.x + labelWidth + DisplayWidth.of(bar) + 1, y: y, style: .normal,
                maxWidth: countWidth)
        }
    }

    /// A bar of `value / peak` of `width` cells, in eighths; a non-zero value shows at least ▏.
    static func bar(_ value: Int, of peak: Int, width: Int) -> String {
        guard value > 0, peak > 0 else { return "" }
        let eighthsTotal = max(1, Int((Double(value) / Double(peak) * Double(width * 8)).rounded()))
        let full = String(repeating: "█", count: eighthsTotal / 8)
        let rest = eighthsTotal % 8
        return rest == 0 ? full : full + String(eighths[rest - 1])
    }
}
