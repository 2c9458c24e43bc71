import ArgumentParser
import ConsoleTerminal
import Foundation
import Logging
import MotionMCP
import MotionMCPAttach
import MotionMCPConsole

/// `mmcp-console attach [TARGET...]`: the console over a server running elsewhere, through its
/// control API; quitting leaves the server running.
struct Attach: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attach the console to running servers through their control API.",
        discussion: """
            TARGET is a control socket path, http://HOST:PORT or https://HOST:PORT (with --token-file), or \
            dns:NAME:PORT (dns+https:NAME:PORT for TLS): every address NAME resolves to. With no TARGET: every \
            server of this user on this host, by the control-PORT.sock that answers in \(ControlSockets.folder()) \
            ($MMCP_CONTROL_SOCKET alone when set). q leaves the server running; :shutdown stops it gracefully.
            """)

    @Argument(help: ArgumentHelp("Where the servers' control APIs are.", valueName: "TARGET"))
    var targets: [String] = []

    @Option(help: ArgumentHelp("A file holding the bearer token for http(s):// targets.", valueName: "FILE"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("The CA certificate (PEM) that signed the servers' TLS certificates.", valueName: "FILE"))
    var caFile: String?

    @Flag(help: "Print one plain-text snapshot of the target(s) and exit.")
    var once = false

    @Flag(help: "Print one snapshot of the target(s) as JSON and exit.")
    var json = false

    @OptionGroup var consoleFlags: ConsoleFlags

    func run() async throws {
        let parsed = try (targets.isEmpty ? Self.runningServers() : targets).map { text in
            do throws(AttachTargetError) {
                return try AttachTarget(parsing: text)
            } catch {
                throw ValidationError(error.message)
            }
        }
        let token = try tokenFile.map(Self.readToken)
        // Before any HTTP client exists: a client must be shut down before it is dropped, and a
        // console with no terminal has nothing to draw on.
        guard once || json || (isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1) else {
            throw ValidationError("the console needs a terminal on stdin and stdout (try --once or --json)")
        }
        let isFleet = parsed.count > 1 || parsed.contains { if case .dns = $0 { true } else { false } }
        let ring = LogRing()
        let caFile = self.caFile
        // One way to reach every target, whatever the mode: a dns: name's addresses are resolved
        // (and, interactive, resolved again every 30 s) by the directory.
        let directory = FleetDirectory(targets: parsed) { target, resolvedFromName throws(AttachTargetError) in
            try AttachedServer(target: target, token: token, caFile: caFile, resolvedFromName: resolvedFromName) { record in
                // A fleet's instances share the events pane: say whose each line is.
                let text = isFleet ? "[\(target)] \(record.text)" : record.text
                ring.append(LogLine(time: Date(timeIntervalSince1970: record.at), level: record.level, text: text))
            }
        }
        if let failure = directory.update() {
            for server in directory.servers { await server.close() }
            throw ValidationError(failure.message)
        }
        if once || json {
            let servers = directory.servers
            guard !servers.isEmpty else { throw ValidationError("\(parsed.map(\.description).joined(separator: ", ")) resolves to no address") }
            return try await printOnce(servers, unresolved: directory.unresolvedNames, asFleet: isFleet)
        }
        LoggingSystem.bootstrap { RingLogHandler(label: $0, ring: ring, logLevel: .info) }
        // A name with no address has no row on the fleet screen: the events pane says so.
        for name in directory.unresolvedNames {
            ring.append(LogLine(time: Date(), level: "warning", text: "\(name): resolves to no address (resolved again every 30 s)"))
        }
        let themes = consoleFlags.themes()
        let readOnly = consoleFlags.readOnly
        let theme = consoleFlags.theme
        let console: TerminalConsole
        if isFleet {
            console = TerminalConsole(logRing: ring) {
                FleetSession(members: { directory.members }, catalog: themes, themeName: theme, readOnly: readOnly)
            }
        } else {
            console = TerminalConsole(control: directory.servers[0], logRing: ring, themes: themes, themeName: theme, readOnly: readOnly)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await directory.run() }
            defer { group.cancelAll() }
            _ = try await console.run()
        }
    }

    /// With no target: the control sockets of every server this user runs on this host (one is
    /// attached to alone, several as a fleet); none is one line and exit status 2.
    private static func runningServers() throws -> [String] {
        let sockets = ControlSockets.running()
        guard !sockets.isEmpty else {
            throw ValidationError(
                "no running server found: no control-PORT.sock answers in \(ControlSockets.folder()) (name a TARGET to attach elsewhere)"
            )
        }
        return sockets
    }

    /// `--once` and `--json`: one snapshot of each target. One target that fails is one line on
    /// standard error and exit status 1. A fleet's report lists every instance; each dead target
    /// (no answer, or a `dns:` name with no address, `unresolved`) is also named on standard error,
    /// one line each, and the exit status is 1 when some are dead, 2 when all are.
    private func printOnce(_ servers: [AttachedServer], unresolved: [AttachTarget], asFleet: Bool) async throws {
        var results: [(target: String, result: Result<RuntimeSnapshot, any Error>)] = []
        for server in servers {
            do {
                results.append((server.target, .success(try await server.fetchSnapshot())))
            } catch {
                results.append((server.target, .failure(error)))
            }
            await server.close()
        }
        guard asFleet else {
            switch results[0].result {
            case .success(let snapshot):
                if json {
                    print(Self.text(ControlWire.encode(snapshot)))
                } else {
                    print(OnceReport.render(snapshot), terminator: "")
                }
                return
            case .failure(let error):
                MMCPCommand.fail("\(results[0].target): \(error)", status: 1)
            }
        }
        let instances = results.map { target, result in
            switch result {
            case .success(let snapshot):
                FleetInstance(target: target, reachability: .live, snapshot: snapshot)
            case .failure(let error):
                FleetInstance(
                    target: target, reachability: .unreachable(since: Date().timeIntervalSince1970, reason: "\(error)"),
                    snapshot: nil)
            }
        }
        if json {
            // One entry per instance: its target, and its snapshot or why there is none.
            print(
                Self.text(
                    .array(
                        results.map { target, result in
                            switch result {
                            case .success(let snapshot): ["target": .string(target), "snapshot": ControlWire.encode(snapshot)]
                            case .failure(let error): ["target": .string(target), "error": .string("\(error)")]
                            }
                        })))
        } else {
            print(OnceReport.render(FleetView(instances)), terminator: "")
        }
        for name in unresolved { MMCPCommand.warn("\(name): resolves to no address") }
        for case (let target, .failure(let error)) in results { MMCPCommand.warn("\(target): \(error)") }
        let dead = unresolved.count + instances.filter { !$0.isLive }.count
        if dead > 0 { throw ExitCode(dead == unresolved.count + instances.count ? 2 : 1) }
    }

    private static func text(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The bare token in `path`, without surrounding white space.
    private static func readToken(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read --token-file '\(path)'") }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("--token-file '\(path)' is empty") }
        return token
    }
}
