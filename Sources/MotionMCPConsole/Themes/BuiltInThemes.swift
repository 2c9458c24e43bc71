extension Theme {
    /// The theme used when no theme file can be: the same looks as `themes/dark.toml` (a test
    /// keeps the two equal), so a missing or broken themes folder still gives a usable console.
    public static let builtInDefault = Theme(
        name: "default",
        styles: [
            .header: Style(foreground: .palette(0), background: .palette(6), attributes: [.bold]),
            .tableHeader: Style(foreground: .palette(11), attributes: [.bold, .underline]),
            .tableSelected: Style(foreground: .palette(0), background: .palette(14)),
            .state("settingUp"): Style(foreground: .palette(6)),
            .state("ready"): Style(foreground: .palette(10), attributes: [.bold]),
            .state("draining"): Style(foreground: .palette(11), attributes: [.bold]),
            .state("tearingDown"): Style(foreground: .palette(5)),
            .state("removed"): Style(foreground: .palette(8)),
            .state("failed"): Style(foreground: .palette(9), attributes: [.bold]),
            .state("unreachable"): Style(foreground: .palette(9), attributes: [.bold]),
            .sparkline: Style(foreground: .palette(14)),
            .paneTitle: Style(foreground: .palette(15), background: .palette(4), attributes: [.bold]),
            .detailLabel: Style(foreground: .palette(6)),
            .chartBar: Style(foreground: .palette(12)),
            .status: Style(foreground: .palette(0), background: .palette(7)),
            .messageInfo: Style(foreground: .palette(10)),
            .messageError: Style(foreground: .palette(9), attributes: [.bold]),
            .dialog: Style(foreground: .palette(15), background: .palette(4)),
            .dialogTitle: Style(foreground: .palette(15), background: .palette(4), attributes: [.bold]),
            .dialogDanger: Style(foreground: .palette(15), background: .palette(1), attributes: [.bold]),
            .dialogDefault: Style(foreground: .palette(0), background: .palette(7), attributes: [.bold]),
            .helpKey: Style(foreground: .palette(11), background: .palette(4), attributes: [.bold]),
            .helpDisabled: Style(foreground: .palette(8), background: .palette(4)),
            .prompt: Style(foreground: .palette(15), attributes: [.bold]),
            .log("trace"): Style(foreground: .palette(8)),
            .log("debug"): Style(foreground: .palette(8)),
            .log("notice"): Style(foreground: .palette(6)),
            .log("warning"): Style(foreground: .palette(11)),
            .log("error"): Style(foreground: .palette(9)),
            .log("critical"): Style(foreground: .palette(9), attributes: [.bold, .reverse]),
            .log("output"): Style(foreground: .palette(5)),
        ]
    )

    /// The colourless theme `NO_COLOR` falls back to when `themes/mono.toml` cannot be read: the
    /// same looks as that file, attributes only.
    public static let builtInMonochrome = Theme(
        name: "mono",
        styles: [
            .header: Style(attributes: [.reverse, .bold]),
            .tableHeader: Style(attributes: [.bold, .underline]),
            .tableSelected: Style(attributes: [.reverse]),
            .state("ready"): Style(attributes: [.bold]),
            .state("draining"): Style(attributes: [.bold, .underline]),
            .state("removed"): Style(attributes: [.dim]),
            .state("failed"): Style(attributes: [.bold, .reverse]),
            .state("unreachable"): Style(attributes: [.bold, .reverse]),
            .paneTitle: Style(attributes: [.reverse]),
            .status: Style(attributes: [.reverse]),
            .messageError: Style(attributes: [.bold]),
            .dialog: Style(attributes: [.reverse]),
            .dialogTitle: Style(attributes: [.reverse, .bold]),
            .dialogDanger: Style(attributes: [.reverse, .bold]),
            .dialogDefault: Style(attributes: [.bold, .underline]),
            .helpKey: Style(attributes: [.reverse, .bold]),
            .helpDisabled: Style(attributes: [.reverse, .dim]),
            .prompt: Style(attributes: [.bold]),
            .log("trace"): Style(attributes: [.dim]),
            .log("debug"): Style(attributes: [.dim]),
            .log("warning"): Style(attributes: [.bold]),
            .log("error"): Style(attributes: [.bold]),
            .log("critical"): Style(attributes: [.bold, .reverse]),
        ]
    )
}
