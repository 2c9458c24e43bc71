public import MotionMCPProtocol

/// Reading the protocol's error envelope (`{"error": {"code", "message", "details"}}`) out of an
/// answer another MMCP server gave.
public enum ErrorEnvelope {
    /// The error `bytes` carry, as this server would raise it; an answer of `status` without an
    /// envelope is an `internal_error` that says so.
    public static func error(in bytes: [UInt8], status: Int) -> ProtocolError {
        let error = (try? JSONParser.parse(bytes))?.objectValue?["error"]?.objectValue
        guard let code = error?["code"]?.stringValue.flatMap(ErrorCode.init(rawValue:)) else {
            return .internalError("the upstream answered \(status) without an error envelope")
        }
        return ProtocolError(code, error?["message"]?.stringValue ?? "", details: error?["details"]?.objectValue ?? JSONObject())
    }

    /// The `error.code` of an envelope, `nil` when `bytes` are not one.
    public static func code(in bytes: [UInt8]) -> String? {
        (try? JSONParser.parse(bytes))?.objectValue?["error"]?.objectValue?["code"]?.stringValue
    }
}
