import HummingbirdCore
import HummingbirdTLS
import MotionMCP
import MotionMCPControl
import MotionMCPProtocol
import NIOSSL

extension HTTPServerBuilder {
    /// The MMCP port's guarded HTTP/1.1 (`policy`'s idle and header timeouts), over TLS with
    /// `tls`: a handshake that never ends is bounded by the header timeout too. TLS goes first in
    /// the pipeline, so the guard's handlers after it see the plain bytes and the handshake's end.
    static func guardedHTTP1(_ policy: ConnectionPolicy, tls: TLSConfiguration?) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            let http = GuardedHTTP1Channel(responder: responder, policy: policy, handshake: tls != nil)
            guard let tls else { return http }
            return try TLSChannel(http, tlsConfiguration: tls)
        }
    }
}
