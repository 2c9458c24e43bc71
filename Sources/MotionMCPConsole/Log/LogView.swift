import Foundation

/// The event log pane: the newest lines of the log ring, newest at the bottom.
enum LogView {
    /// Draws a title row and as many of the last `lines` as fit below it.
    static func draw(_ lines: [LogLine], in rect: Rect, on screen: inout Screen) {
        guard !rect.isEmpty else { return }
        let (titleRow, body) = rect.splitTop(1)
        screen.fill(titleRow, style: .paneTitle)
        screen.write(" Events", x: titleRow.x, y: titleRow.y, style: .paneTitle, maxWidth: titleRow.width)
        for (index, line) in lines.suffix(body.height).enumerated() {
            let text = clockTime(line.time) + " " + levelTag(line.level) + " " + line.text
            screen.write(text, x: body.x + 1, y: body.y + index, style: .log(line.level), maxWidth: body.width - 1)
        }
    }

    /// A five-letter tag per level, so messages line up.
    static func levelTag(_ level: String) -> String {
        switch level {
        case "warning": "warn "
        case "critical": "crit "
        case "notice": "note "
        case "output": "out  "
        default: level.padded(toWidth: 5)
        }
    }

    /// `HH:MM:SS` in the local time zone.
    static func clockTime(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return two(parts.tm_hour) + ":" + two(parts.tm_min) + ":" + two(parts.tm_sec)
    }
}
