import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Why an outgoing HTTP call failed, in one short line for logs, snapshots and the console: the
/// same words whether the gateway calls an upstream or a console calls a server's control API.
public enum TransportFailure {
    /// `error`, as thrown by async-http-client or NIO, in a few words (`connection refused`,
    /// `no answer in time`, `TLS: …`); anything else as it describes itself.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connection timed out"
            case .remoteConnectionClosed: return "the server closed the connection"
            case .deadlineExceeded, .readTimeout: return "no answer in time"
            case .cancelled: return "cancelled"
            default: return "\(error)"
            }
        }
        if error is NIOConnectionError { return "connection refused" }
        if error is CancellationError { return "cancelled" }
        if let error = error as? NIOSSLError { return "TLS: \(error)" }
        if let error = error as? BoringSSLError { return "TLS: \(error)" }
        if let error = error as? IOError {
            // The system's words for the error ("connection reset by peer"), not NIO's description,
            // which names the system call that failed ("read(descriptor:pointer:size:)").
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }
}
