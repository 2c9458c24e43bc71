/// The version this server reports about itself.
public enum MMCPVersion {
    /// The MotionMCP for Swift SDK's version, shown in the control API's snapshot and by `--version`.
    public static let sdk = "0.2.0"
}
