import MotionMCPControl
import MotionMCPProtocol

/// A semantic style: what a cell means (`state.draining`, `table.header`), not how it looks. A
/// theme maps these names to colours and attributes; a name the theme does not define falls back
/// to its parent (`state.draining` → `state` → `normal`).
public struct StyleName: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The dotted name, as theme files spell it.
    public var rawValue: String

    /// The style called `rawValue`.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    /// The name with its last component dropped; `normal` has no parent.
    public var parent: StyleName? {
        if self == .normal { return nil }
        guard let dot = rawValue.lastIndex(of: ".") else { return .normal }
        return StyleName(String(rawValue[..<dot]))
    }
}

extension StyleName {
    /// Plain text; every other style falls back to it.
    public static let normal: StyleName = "normal"
    /// The top line: address, uptime, rates.
    public static let header: StyleName = "header"
    /// The table's column titles.
    public static let tableHeader: StyleName = "table.header"
    /// The selected model's row.
    public static let tableSelected: StyleName = "table.selected"
    /// The request-rate sparkline.
    public static let sparkline: StyleName = "sparkline"
    /// A pane's title line.
    public static let paneTitle: StyleName = "pane.title"
    /// A label in the detail pane (`latency`, `errors`, `drain`).
    public static let detailLabel: StyleName = "detail.label"
    /// The bars of the latency distribution.
    public static let chartBar: StyleName = "chart.bar"
    /// The bottom line's key hints.
    public static let status: StyleName = "status"
    /// A message answering the operator's last action.
    public static let messageInfo: StyleName = "message.info"
    /// A message saying the last action failed or was refused.
    public static let messageError: StyleName = "message.error"
    /// A dialog's body.
    public static let dialog: StyleName = "dialog"
    /// A dialog's title.
    public static let dialogTitle: StyleName = "dialog.title"
    /// A dialog asking to confirm something destructive (drain, quit).
    public static let dialogDanger: StyleName = "dialog.danger"
    /// The button Enter chooses.
    public static let dialogDefault: StyleName = "dialog.default"
    /// A key in the help overlay.
    public static let helpKey: StyleName = "help.key"
    /// A key the help overlay lists as disabled (read-only).
    public static let helpDisabled: StyleName = "help.disabled"
    /// The text being typed on the command line or at a prompt.
    public static let prompt: StyleName = "prompt"

    /// The style of a model state's name (`state.ready`, `state.draining`, …).
    public static func state(_ name: String) -> StyleName { StyleName("state." + name) }
    /// The style of a log line of this level (`log.info`, `log.error`, …).
    public static func log(_ level: String) -> StyleName { StyleName("log." + level) }
}

extension StyleName {
    /// The model states the console colours, by their protocol names.
    static let stateNames = ModelState.allNames + [ModelSnapshot.unreachable]
    /// The log levels the console colours: swift-log's, and `output` for captured stdout/stderr.
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical", "output"]

    /// Every style the console draws with (the terminal prepares a look for each).
    public static let all: [StyleName] =
        [
            .normal, .header, .tableHeader, .tableSelected, .sparkline, .paneTitle, .detailLabel, .chartBar,
            .status, .messageInfo, .messageError, .dialog, .dialogTitle, .dialogDanger, .dialogDefault,
            .helpKey, .helpDisabled, .prompt,
        ] + stateNames.map(StyleName.state) + logLevels.map(StyleName.log)

    /// Whether a theme may define this style: one the console draws with, or a parent of one
    /// (`state` styles every state the theme does not name).
    static func isKnown(_ name: StyleName) -> Bool {
        all.contains { candidate in
            var current: StyleName? = candidate
            while let step = current {
                if step == name { return true }
                current = step.parent
            }
            return false
        }
    }
}
