import Foundation
import MotionMCPProtocol
import Synchronization

/// A real `mmcp-console --headless` process on a loopback port, for tests that stop and restart
/// servers: started, waited for until `/readyz` answers 200, stopped with SIGTERM and waited for,
/// every wait bounded.
package final class ServerProcess: Sendable {
    /// The port it listens on.
    package let port: Int
    /// Where its standard error goes (kept for a failing test to show; ``ServerLog`` shows it
    /// when the test fails).
    package let log: URL
    /// Its control API's socket.
    package let controlSocket: String
    private let process: Process

    /// Starts `mmcp-console --headless --host 127.0.0.1 --port <port>` followed by `arguments`,
    /// with standard error into `log` and its control API at `controlSocket`.
    package convenience init(port: Int, arguments: [String], log: URL, controlSocket: String = TestEnvironment.uniqueControlSocket()) throws {
        try self.init(
            port: port, arguments: arguments, log: log, controlSocket: controlSocket,
            environment: TestEnvironment.server(controlSocket: controlSocket), command: { (TestPaths.mmcpConsole, $0) })
    }

    /// Starts one in `runtime`, with no control socket named: it takes its port's default one
    /// in ``RuntimeFolder/socketFolder``.
    package convenience init(port: Int, arguments: [String] = [], log: URL, runtime: RuntimeFolder) throws {
        try self.init(
            port: port, arguments: arguments, log: log, controlSocket: runtime.defaultSocket(port: port), environment: runtime.environment,
            command: runtime.command)
    }

    private init(
        port: Int, arguments: [String], log: URL, controlSocket: String, environment: [String: String],
        command: ([String]) -> (executable: URL, arguments: [String])
    ) throws {
        self.port = port
        self.log = log
        self.controlSocket = controlSocket
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        let (executable, arguments) = command(["--headless", "--host", "127.0.0.1", "--port", "\(port)"] + arguments)
        process.executableURL = executable
        process.environment = environment
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        self.process = process
        ServerLog.current?.include(log)
    }

    package var processIdentifier: Int32 { process.processIdentifier }
    package var isRunning: Bool { process.isRunning }
    /// The exit status, once it has exited.
    package var terminationStatus: Int32 { process.terminationStatus }

    /// Waits until `/readyz` answers 200, for at most `timeout` (generous: the whole suite in
    /// parallel can keep two cores busy for seconds); returns whether it did.
    package func waitUntilReady(timeout: Duration = .seconds(30)) async throws -> Bool {
        let client = RawHTTPClient(port: port)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline, process.isRunning {
            let status = try? await offPool { try client.send(Array("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).status }
            if status == 200 { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The requests in flight on all its models now, as its control API's snapshot says; nil when
    /// the control API does not answer 200.
    package func requestsInFlight() async throws -> Int? {
        let response = try await offPool { [controlSocket] in try UnixHTTPClient(path: controlSocket).send("GET", "/v1/snapshot") }
        guard response.status == 200 else { return nil }
        let models = try JSONParser.parse(response.body).objectValue?["models"]?.arrayValue ?? []
        return models.compactMap { $0.objectValue?["in_flight"]?.numberValue }.reduce(0) { $0 + Int($1) }
    }

    /// Sends SIGTERM.
    package func terminate() { _ = Glibc.kill(process.processIdentifier, SIGTERM) }

    /// Waits until the process has exited, for at most `timeout`; returns whether it did.
    package func waitForExit(timeout: Duration = .seconds(15)) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return !process.isRunning
    }

    /// Kills it if it still runs (for a test's cleanup, whatever happened), and removes the
    /// control socket SIGKILL leaves behind.
    package func kill() {
        if process.isRunning {
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            unlink(controlSocket)
        }
    }
}

/// A flag one task raises and others read, for workers that run until told to stop.
package final class StopFlag: Sendable {
    private let raised = Atomic(false)
    package init() {}
    package func raise() { raised.store(true, ordering: .relaxed) }
    package var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// The environment of a server or console a test starts: this process's, with a control socket
/// of its own (`MMCP_CONTROL_SOCKET`), so servers started side by side never meet at the default path.
package enum TestEnvironment {
    /// A control socket path no other test uses (the folder is made by the server, mode 0700).
    package static func uniqueControlSocket() -> String {
        "/tmp/mmcp-tests/\(UUID().uuidString.prefix(13)).sock"
    }

    /// The environment with `MMCP_CONTROL_SOCKET` set to `controlSocket`.
    package static func server(controlSocket: String = uniqueControlSocket()) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(["MMCP_CONTROL_SOCKET": controlSocket]) { $1 }
    }
}

/// A runtime folder of one test's own (`XDG_RUNTIME_DIR`, with no `MMCP_CONTROL_SOCKET`): servers
/// started in it take their default control sockets in its `mmcp` folder, and `attach` with no
/// target looks there, never in the user's real folder. Root's default folder is `/run/mmcp`
/// whatever the environment, so as root every process runs as `nobody` (through setpriv), who
/// owns the folder.
package struct RuntimeFolder {
    package let path: String
    /// The user the processes run as.
    package let userID: uid_t
    package let groupID: gid_t

    /// Whether the processes can run as a user whose default folder the environment chooses.
    package static var isUsable: Bool { getuid() != 0 || (getpwnam("nobody") != nil && getgrnam("nogroup") != nil) }

    package init() throws {
        path = "/tmp/mmcp-rt-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        if getuid() == 0, let nobody = getpwnam("nobody"), let nogroup = getgrnam("nogroup") {
            (userID, groupID) = (nobody.pointee.pw_uid, nogroup.pointee.gr_gid)
        } else {
            (userID, groupID) = (getuid(), getgid())
        }
        chown(path, userID, groupID)
        chmod(path, 0o700)
    }

    /// Where the servers' default control sockets are.
    package var socketFolder: String { path + "/mmcp" }

    /// The default control socket of a server on `port`.
    package func defaultSocket(port: Int) -> String { "\(socketFolder)/control-\(port).sock" }

    /// This process's environment with `XDG_RUNTIME_DIR` here and no `MMCP_CONTROL_SOCKET`.
    package var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MMCP_CONTROL_SOCKET"] = nil
        environment["XDG_RUNTIME_DIR"] = path
        return environment
    }

    /// What runs `mmcp-console` with `arguments` as the folder's user.
    package func command(_ arguments: [String]) -> (executable: URL, arguments: [String]) {
        guard userID != getuid() else { return (TestPaths.mmcpConsole, arguments) }
        return (
            URL(fileURLWithPath: "/usr/bin/env"),
            ["setpriv", "--reuid=\(userID)", "--regid=\(groupID)", "--clear-groups", TestPaths.mmcpConsole.path] + arguments
        )
    }

    /// Removes the folder and everything in it.
    package func remove() { try? FileManager.default.removeItem(atPath: path) }
}
