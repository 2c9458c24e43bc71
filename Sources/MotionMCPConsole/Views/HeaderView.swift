import Foundation
import MotionMCPControl
import MotionMCPProtocol

/// The top line: where the server listens, how long it has run, its traffic and models; attached,
/// which instance it is, and when it stopped answering.
enum HeaderView {
    /// The header's fields, most important first (the line is cut at the right edge).
    static func fields(of snapshot: RuntimeSnapshot, link: ControlLink = .inProcess) -> [String] {
        var fields = ["MotionMCP"]
        if case .attached(let target, let reachability) = link {
            switch reachability {
            case .connecting: fields.append("connecting to \(target)…")
            case .live: break
            case .unreachable(let since, let reason): fields.append("unreachable since \(Format.timeOfDay(since)): \(reason)")
            }
            if snapshot.instance.isKnown {
                fields.append("\(snapshot.instance.hostName) pid \(snapshot.instance.processID)")
            }
        }
        if snapshot.isShuttingDown { fields.append("SHUTTING DOWN") }
        return fields + [
            snapshot.listenAddress,
            "up " + Format.clock(snapshot.uptime),
            Format.rate(snapshot.totalRate) + " req/s",
            "OpenAPI " + (snapshot.openAPIEnabled ? "on" : "off"),
            "\(snapshot.readyCount)/\(snapshot.models.count) ready",
        ]
    }

    /// Draws the header across `rect`'s first row, with `READ-ONLY` at the right when it applies;
    /// an attached server that does not answer turns it into an error line.
    static func draw(_ snapshot: RuntimeSnapshot, link: ControlLink, readOnly: Bool, in rect: Rect, on screen: inout Screen) {
        guard !rect.isEmpty else { return }
        var style = StyleName.header
        if case .attached(_, .unreachable) = link { style = .messageError }
        screen.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), style: style)
        let badge = readOnly ? " READ-ONLY " : ""
        let room = rect.width - badge.count
        screen.write(" " + fields(of: snapshot, link: link).joined(separator: "  "), x: rect.x, y: rect.y, style: style, maxWidth: room)
        if readOnly, room > 0 {
            screen.write(badge, x: rect.x + room, y: rect.y, style: style)
        }
    }
}
