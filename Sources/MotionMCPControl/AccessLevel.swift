/// What a caller of the control API may do, after HAProxy's `level user|operator|admin`. Each
/// level may do everything the ones below it may.
public enum AccessLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// Read: `GET /v1/snapshot`, `GET /v1/events`.
    case read
    /// Operate: also drain a model and switch the API docs.
    case operate
    /// Administer: also add models and shut the server down.
    case admin

    /// The level's name, as token files and messages write it.
    public var description: String {
        switch self {
        case .read: "read"
        case .operate: "operate"
        case .admin: "admin"
        }
    }

    /// The level named `name` (`read`, `operate`, `admin`).
    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = level
    }

    public static func < (lhs: AccessLevel, rhs: AccessLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
