import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where the control sockets of the servers of this user on this host are, the one place a server
/// (its default `--control`) and `mmcp-console attach` (with no target) agree on it.
public enum ControlSockets {
    /// Where the control socket of a server on MMCP port `port` is when none is named:
    /// `$MMCP_CONTROL_SOCKET` when set (as `DOCKER_HOST` names Docker's), as given; else
    /// `control-PORT.sock` in ``folder(environment:userID:)``, so that servers on
    /// different ports never share a path. A server on port 0 (any free port) gets
    /// `control-0.sock`: the path is chosen before the port is.
    public static func defaultPath(
        port: Int, environment: [String: String] = ProcessInfo.processInfo.environment, userID: UInt32 = getuid()
    ) -> String {
        if let path = environment["MMCP_CONTROL_SOCKET"], !path.isEmpty { return path }
        return folder(environment: environment, userID: userID) + "/control-\(port).sock"
    }

    /// The folder of the default control sockets: `/run/mmcp` for root; else
    /// `$XDG_RUNTIME_DIR/mmcp`; else `/tmp/mmcp-UID`. A server makes it (mode 0700) when missing.
    public static func folder(
        environment: [String: String] = ProcessInfo.processInfo.environment, userID: UInt32 = getuid()
    ) -> String {
        if userID == 0 { return "/run/mmcp" }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") { return runtime + "/mmcp" }
        return "/tmp/mmcp-\(userID)"
    }

    /// The control sockets of the servers this user runs on this host, as `mmcp-console attach`
    /// with no target finds them: `$MMCP_CONTROL_SOCKET` alone when set, as given; else every
    /// `control-PORT.sock` in ``folder(environment:userID:)``, by port, that a
    /// server answers on. A socket nobody listens on any more (its server died without removing
    /// it) is skipped; one that cannot be told (permission denied) is kept, for the caller to
    /// report why.
    public static func running(
        environment: [String: String] = ProcessInfo.processInfo.environment, userID: UInt32 = getuid()
    ) -> [String] {
        if let path = environment["MMCP_CONTROL_SOCKET"], !path.isEmpty { return [path] }
        let folder = folder(environment: environment, userID: userID)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let ports = names.compactMap { name -> Int? in
            guard name.hasPrefix("control-"), name.hasSuffix(".sock"), let port = Int(name.dropFirst(8).dropLast(5)),
                (0...65535).contains(port), name == "control-\(port).sock"
            else { return nil }
            return port
        }
        return ports.sorted().map { "\(folder)/control-\($0).sock" }.filter { path in
            if case .stale = SocketProbe.probe(path) { return false }
            return true
        }
    }
}

/// Whether a process listens on a Unix socket, and which.
package enum SocketProbe {
    package enum Result {
        case listening(pid: Int32?)
        /// Nobody listens: the connection was refused.
        case stale
        /// The connection failed otherwise (permission denied…): it may still be live.
        case unknown(String)
    }

    /// Connects to the socket at `path`: does a process listen there, and which?
    package static func probe(_ path: String) -> Result {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .unknown(String(cString: strerror(errno))) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { return errno == ECONNREFUSED ? .stale : .unknown(String(cString: strerror(errno))) }
        var credentials = PeerCredentials()
        var length = socklen_t(MemoryLayout<PeerCredentials>.size)
        let known = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0
        return .listening(pid: known ? credentials.pid : nil)
    }
}

/// `struct ucred` of Linux's `SO_PEERCRED`: who is at the other end of a Unix socket.
package struct PeerCredentials: Sendable, Equatable {
    package var pid: Int32 = 0
    package var uid: UInt32 = 0
    package var gid: UInt32 = 0

    package init() {}
}
