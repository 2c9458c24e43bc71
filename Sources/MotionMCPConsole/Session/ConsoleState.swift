/// Everything about the console that is not the server's: what is selected, filtered, sorted,
/// which theme, which dialog is open, and the message line. A value: the renderer draws it, the
/// session changes it in response to keys.
public struct ConsoleState: Sendable, Equatable {
    /// What the console is doing with the keyboard.
    public enum Mode: Sendable, Equatable {
        /// Keys go through the key table.
        case normal
        /// The `?` overlay is open; any key closes it.
        case help
        /// A yes/no dialog is open; its default is No.
        case confirm(Confirmation)
        /// A one-line text prompt is open.
        case prompt(Prompt)
        /// The `:` command line is open, holding what has been typed.
        case commandLine(String)
        /// The operator confirmed quitting; every model is being drained.
        case quitting
    }

    /// Something destructive the operator is asked to confirm.
    public enum Confirmation: Sendable, Equatable {
        /// Drain the model with this key.
        case drain(String)
        /// Drain every model and exit.
        case quit
        /// Shut the server down (`:shutdown`): attached, the server's graceful shutdown.
        case shutdown
    }

    /// A text prompt and what has been typed into it.
    public struct Prompt: Sendable, Equatable {
        /// What the prompt asks for.
        public enum Kind: Sendable, Equatable {
            /// The id of a NullBackbone to hot-add.
            case addModelID
            /// The filter (typed live into ``ConsoleState/filter``); Esc restores `previous`.
            case filter(previous: String)
        }

        /// What is asked for.
        public var kind: Kind
        /// What has been typed so far.
        public var text: String
    }

    /// A line answering the operator's last action.
    public struct Message: Sendable, Equatable {
        /// What to say.
        public var text: String
        /// Whether it reports a refusal or a failure (styled `message.error`).
        public var isError: Bool
    }

    /// The selected model's registry key; `nil` when the table is empty.
    public var selectedKey: String?
    /// The selected row's position, so the selection stays in place when its model goes away.
    public var selectedRow = 0
    /// Only models whose id contains this (case-insensitively) are listed.
    public var filter = ""
    /// The table's order.
    public var sort = SortColumn.registration
    /// The theme in use, an index into the session's catalog.
    public var themeIndex = 0
    /// What keys do now.
    public var mode = Mode.normal
    /// The message line, until the next key.
    public var message: Message?
    /// Whether commands that change the server are refused.
    public var readOnly: Bool

    /// The state a console starts in.
    public init(readOnly: Bool = false) {
        self.readOnly = readOnly
    }
}

/// The column the model table is sorted by; `s` steps through them in this order.
public enum SortColumn: Sendable, CaseIterable, Equatable {
    case registration, id, state, rate, p95, errors

    /// The column after this one, wrapping round.
    public var next: SortColumn {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }

    /// How the message line names the order.
    public var name: String {
        switch self {
        case .registration: "registration order"
        case .id: "id"
        case .state: "state"
        case .rate: "req/s"
        case .p95: "p95 latency"
        case .errors: "errors"
        }
    }
}
