import MotionMCP

/// The top line: where the server listens, how long it has run, its traffic and models.
enum HeaderView {
    /// The header's fields, most important first (the line is cut at the right edge).
    static func fields(of snapshot: RuntimeSnapshot) -> [String] {
        [
            "MotionMCP",
            snapshot.listenAddress,
            "up " + Format.clock(snapshot.uptime),
            Format.rate(snapshot.totalRate) + " req/s",
            "OpenAPI " + (snapshot.openAPIEnabled ? "on" : "off"),
            "\(snapshot.readyCount)/\(snapshot.models.count) ready",
        ]
    }

    /// Draws the header across `rect`'s first row, with `READ-ONLY` at the right when it applies.
    static func draw(_ snapshot: RuntimeSnapshot, readOnly: Bool, in rect: Rect, on screen: inout Screen) {
        guard !rect.isEmpty else { return }
        screen.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), style: .header)
        let badge = readOnly ? " READ-ONLY " : ""
        let room = rect.width - badge.count
        screen.write(" " + fields(of: snapshot).joined(separator: "  "), x: rect.x, y: rect.y, style: .header, maxWidth: room)
        if readOnly, room > 0 {
            screen.write(badge, x: rect.x + room, y: rect.y, style: .header)
        }
    }
}
