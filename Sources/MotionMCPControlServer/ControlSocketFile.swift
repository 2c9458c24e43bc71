import Foundation
import MotionMCP
import MotionMCPControl
import MotionMCPProtocol

/// The control socket's file: checked before binding (a stale one left by a dead process is
/// replaced, a live one is an error), published with its mode and group without a moment at the
/// process's umask, and removed at exit.
///
/// The listener binds inside a fresh folder only this process can enter, the mode and group are
/// set there, and the socket is then renamed into place; a client can never find it at the final
/// path with looser permissions.
struct ControlSocketFile: Sendable {
    /// Where clients find the socket.
    let path: String
    /// Where the listener binds before the rename.
    let bindPath: String
    private let mode: UInt16
    private let groupID: gid_t?

    /// Checks `path` and makes the folders: its parent (mode 0700 when made here) and the private
    /// folder the listener binds in.
    init(path: String, mode: UInt16, group: String?) throws(ControlConfigurationError) {
        self.path = path
        self.mode = mode
        if let group {
            guard let entry = getgrnam(group) else { throw ControlConfigurationError("--control-group: no group '\(group)'") }
            groupID = entry.pointee.gr_gid
        } else {
            groupID = nil
        }
        let parent = (path as NSString).deletingLastPathComponent
        // One folder per socket (mkdtemp): the admin and the read-only socket may share a parent.
        let template = (parent.isEmpty ? "." : parent) + "/.mmcp-bind-XXXXXX"
        guard template.utf8.count + 2 <= 107, path.utf8.count <= 107 else {
            throw ControlConfigurationError("the control socket path '\(path)' is too long for a Unix socket")
        }
        if !parent.isEmpty, FileManager.default.fileExists(atPath: parent) {
            try Self.checkParent(parent)
        } else if !parent.isEmpty {
            do {
                try FileManager.default.createDirectory(
                    atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: groupID == nil ? 0o700 : 0o750])
            } catch {
                throw ControlConfigurationError("cannot make the control socket's folder '\(parent)': \(error.localizedDescription)")
            }
            if let groupID { _ = chown(parent, getuid(), groupID) }
        }
        try Self.clearStale(path)
        var name = Array(template.utf8CString)
        guard mkdtemp(&name) != nil else {
            throw ControlConfigurationError("cannot make '\(template)' to bind the control socket in: \(String(cString: strerror(errno)))")
        }
        let folder = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        bindPath = folder + "/s"
        // A group the server's user may not give files to fails here, at start-up, not after binding.
        if let groupID, let group, chown(folder, getuid(), groupID) != 0 {
            let reason = String(cString: strerror(errno))
            rmdir(folder)
            throw ControlConfigurationError(
                "--control-group '\(group)': cannot give the socket to it (\(reason)); the server's user must be a member")
        }
    }

    /// Refuses a parent folder that someone else could use to swap the socket: it must belong to
    /// this user or root, and others may not write in it unless it is sticky (as `/tmp` is,
    /// where nobody may rename or remove another user's file).
    private static func checkParent(_ parent: String) throws(ControlConfigurationError) {
        var status = stat()
        guard stat(parent, &status) == 0 else {
            throw ControlConfigurationError("cannot read the control socket's folder '\(parent)': \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw ControlConfigurationError("the control socket's folder '\(parent)' is not a folder")
        }
        guard status.st_uid == getuid() || status.st_uid == 0 else {
            throw ControlConfigurationError(
                "the control socket's folder '\(parent)' belongs to uid \(status.st_uid), not to this user or root; choose another --control path")
        }
        let sticky = status.st_mode & S_ISVTX != 0
        guard status.st_mode & 0o022 == 0 || sticky else {
            throw ControlConfigurationError(
                "others may write in the control socket's folder '\(parent)' (mode \(String(status.st_mode & 0o777, radix: 8))); chmod go-w it or choose another --control path"
            )
        }
    }

    /// Sets the bound socket's mode and group and renames it to ``path``.
    func publish() throws(ControlConfigurationError) {
        defer { rmdir((bindPath as NSString).deletingLastPathComponent) }
        guard chmod(bindPath, mode_t(mode)) == 0, groupID.map({ chown(bindPath, getuid(), $0) == 0 }) ?? true,
            rename(bindPath, path) == 0
        else {
            throw ControlConfigurationError("cannot publish the control socket at '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the socket (at exit) and the bind folder, if still there.
    func remove() {
        unlink(path)
        unlink(bindPath)
        rmdir((bindPath as NSString).deletingLastPathComponent)
    }

    /// Removes `path` if it is a socket nobody listens on; refuses a file that is not a socket and
    /// a socket a live process answers on.
    private static func clearStale(_ path: String) throws(ControlConfigurationError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw ControlConfigurationError("'\(path)' exists and is not a socket; remove it or choose another --control path")
        }
        switch SocketProbe.probe(path) {
        case .listening(let pid):
            let owner = pid.map { "process \($0)" } ?? "another process"
            throw ControlConfigurationError(
                "the control socket '\(path)' is in use by \(owner), a running server; stop it or choose another --control path")
        case .stale:
            unlink(path)
        case .unknown(let reason):
            throw ControlConfigurationError(
                "cannot tell whether a server still listens on '\(path)' (\(reason)); remove it or choose another --control path")
        }
    }
}
