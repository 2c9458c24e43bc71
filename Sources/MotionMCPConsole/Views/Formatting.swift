import Glibc

/// Short, fixed-looking renderings of numbers and durations for narrow columns.
enum Format {
    /// A measured duration (a setup or teardown time, a latency band's bound): `850µs`, `12ms`,
    /// `1.25s`, `2m05s`; `-` when there is none yet. Percentiles, which are only as precise as
    /// the latency bands they are read from, are shown by `LatencyHistogram.text(of:)` instead.
    static func latency(_ duration: Duration?) -> String {
        guard let duration else { return "-" }
        let seconds = duration.seconds
        if seconds < 0.001 { return "\(Int((seconds * 1_000_000).rounded()))µs" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return fixed(seconds, digits: seconds < 10 ? 2 : 1) + "s" }
        return clock(duration)
    }

    /// The local time of day of `seconds` since 1970-01-01 UTC: `14:03:27`.
    static func timeOfDay(_ seconds: Double) -> String {
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        return twoDigits(Int(parts.tm_hour)) + ":" + twoDigits(Int(parts.tm_min)) + ":" + twoDigits(Int(parts.tm_sec))
    }

    /// An uptime or a wait: `42s`, `3m07s`, `2h05m09s`, `4d03h`.
    static func clock(_ duration: Duration) -> String {
        let total = max(0, Int(duration.components.seconds))
        let (days, hours, minutes, seconds) = (total / 86_400, total / 3600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return "\(days)d" + twoDigits(hours) + "h" }
        if hours > 0 { return "\(hours)h" + twoDigits(minutes) + "m" + twoDigits(seconds) + "s" }
        if minutes > 0 { return "\(minutes)m" + twoDigits(seconds) + "s" }
        return "\(seconds)s"
    }

    /// A wait that may be short: `0.4s`, `2.5s`, then as ``clock(_:)`` from a minute on.
    static func wait(_ duration: Duration) -> String {
        duration < .seconds(60) ? fixed(duration.seconds, digits: 1) + "s" : clock(duration)
    }

    /// A request rate: `0.0`, `12.5`, `340`, `1.2k`.
    static func rate(_ value: Double) -> String {
        if value >= 10_000 { return fixed(value / 1000, digits: 0) + "k" }
        if value >= 1000 { return fixed(value / 1000, digits: 1) + "k" }
        if value >= 100 { return fixed(value, digits: 0) }
        return fixed(value, digits: 1)
    }

    /// A count: `7`, `1234`, `12.3k`, `4.5M`.
    static func count(_ value: Int) -> String {
        if value >= 1_000_000 { return fixed(Double(value) / 1_000_000, digits: 1) + "M" }
        if value >= 10_000 { return fixed(Double(value) / 1000, digits: 1) + "k" }
        return String(value)
    }

    /// `value` with exactly `digits` decimals, without Foundation's formatters.
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        let fraction = String(scaled % Int(scale))
        return sign + String(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
