import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tmux server of its own (its own socket), running one command in a pane of a fixed size:
/// keys are typed with `send-keys` and the screen read with `capture-pane`, as a person would.
package struct Tmux {
    package let socket = "mmcp-test-\(UUID().uuidString.prefix(8))"

    package init() {}

    /// Starts `command` (a shell command line) in a 100×30 pane unless told otherwise.
    package func start(_ command: String, width: Int = 100, height: Int = 30) async throws {
        // The tmux server this starts outlives the call and would hold a captured stdout open forever.
        try await run(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-s", "main", command], capturing: false)
    }

    /// Types keys (tmux key names such as `Enter`, or literal text).
    package func send(_ keys: String...) async throws {
        try await run(["send-keys", "-t", "main"] + keys)
    }

    /// The visible screen, as text.
    package func capture() async throws -> String {
        try await run(["capture-pane", "-p", "-t", "main"])
    }

    /// Polls the screen until `predicate` holds or `timeout` passes; returns the last screen.
    @discardableResult
    package func waitFor(timeout: Double = 15, _ predicate: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = try await capture()
        while !predicate(screen), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            screen = try await capture()
        }
        return screen
    }

    /// Ends everything the session started: the pane's processes (the shell and the binary under
    /// test, one process group), then the tmux server itself. `kill-server` alone was seen to leave
    /// the server and the pane running.
    package func kill() {
        let pane = (try? Self.run(socket: socket, ["display-message", "-p", "-t", "main", "#{pane_pid}"])).flatMap(Self.pid)
        let server = (try? Self.run(socket: socket, ["display-message", "-p", "-t", "main", "#{pid}"])).flatMap(Self.pid)
        if let pane { Glibc.kill(-pane, SIGKILL) }
        _ = try? Self.run(socket: socket, ["kill-server"])
        if let server { Glibc.kill(server, SIGKILL) }
    }

    private static func pid(_ text: String) -> pid_t? {
        pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs tmux off the cooperative pool: waiting for a child process must not hold one of its threads.
    @discardableResult
    private func run(_ arguments: [String], capturing: Bool = true) async throws -> String {
        let socket = self.socket
        return try await offPool { try Self.run(socket: socket, arguments, capturing: capturing) }
    }

    /// tmux through `posix_spawn` and `waitpid`: Foundation's `Process` does not notice the tmux
    /// client's exit once it has forked its server, and would wait forever.
    @discardableResult
    private static func run(socket: String, _ arguments: [String], capturing: Bool = true) throws -> String {
        var pipe: [Int32] = [-1, -1]
        guard Glibc.pipe(&pipe) == 0 else { throw ClientError("pipe() failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if capturing {
            posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        posix_spawn_file_actions_addclose(&actions, pipe[1])
        let argv = (["tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, "tmux", &actions, nil, argv, environ)
        close(pipe[1])
        defer { close(pipe[0]) }
        guard spawned == 0 else { throw ClientError("cannot run tmux: is it installed?") }
        var output: [UInt8] = []
        if capturing {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(pipe[0], &chunk, chunk.count)
                if count <= 0 { break }
                output.append(contentsOf: chunk[0..<count])
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status == 0 else { throw ClientError("tmux \(arguments.first ?? "") failed") }
        return String(decoding: output, as: UTF8.self)
    }
}
