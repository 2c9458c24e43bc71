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
            dns:NAME:PORT (dns+https:NAME:PORT for TLS): every address NAME resolves to. With no TARGET: \
            \(ControlOptions.defaultSocketPath()). q leaves the server running; :shutdown stops it gracefully.
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

    @Option(help: "The console's colour theme: a file name in the themes folder without .toml (dark, light, mono).")
    var theme: String?

    @Option(help: "The folder of theme files.")
    var themesDirectory = "themes"

    @Flag(help: "Refuse every console command that changes the server.")
    var readOnly = false

    func run() async throws {
        let parsed = try (targets.isEmpty ? [ControlOptions.defaultSocketPath()] : targets).map { text in
            do throws(AttachTargetError) {
                return try AttachTarget(parsing: text)
            } catch {
                throw ValidationError(error.message)
            }
        }
        let token = try tokenFile.map(Self.readToken)
        let addresses = parsed.flatMap { target -> [AttachTarget] in
            guard case .dns(let name, let port, let secure) = target else { return [target] }
            return AttachTarget.addresses(of: name, port: port, secure: secure)
        }
        guard !addresses.isEmpty else { throw ValidationError("\(parsed.map { $0.description }.joined(separator: ", ")) resolves to no address") }
        if once || json { return try await printOnce(addresses, token: token) }
        guard addresses.count == 1 else {
            throw ValidationError(
                "\(addresses.count) targets: the fleet screen is not built yet; attach to one, or use --once or --json for several")
        }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw ValidationError("the console needs a terminal on stdin and stdout (try --once or --json)")
        }
        let ring = LogRing()
        LoggingSystem.bootstrap { RingLogHandler(label: $0, ring: ring, logLevel: .info) }
        let server = try attached(addresses[0], token: token) { record in
            ring.append(LogLine(time: Date(timeIntervalSince1970: record.at), level: record.level, text: record.text))
        }
        let themes = ThemeCatalog.load(directory: themesDirectory, environment: ProcessInfo.processInfo.environment)
        let console = TerminalConsole(control: server, logRing: ring, themes: themes, themeName: theme, readOnly: readOnly)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await server.run() }
            defer { group.cancelAll() }
            _ = try await console.run()
        }
    }

    /// `--once` and `--json`: one snapshot of each target, or the first failure as one line (exit 1).
    private func printOnce(_ targets: [AttachTarget], token: String?) async throws {
        var snapshots: [(AttachTarget, RuntimeSnapshot)] = []
        for target in targets {
            let server = try attached(target, token: token)
            let result: Result<RuntimeSnapshot, any Error>
            do {
                result = .success(try await server.fetchSnapshot())
            } catch {
                result = .failure(error)
            }
            await server.close()
            switch result {
            case .success(let snapshot): snapshots.append((target, snapshot))
            case .failure(let error): MMCPConsole.fail("\(target): \(error)", status: 1)
            }
        }
        if json {
            var writer = JSONWriter()
            let encoded = snapshots.map { ControlWire.encode($0.1) }
            writer.value(encoded.count == 1 ? encoded[0] : .array(encoded))
            print(String(decoding: writer.bytes, as: UTF8.self))
        } else {
            for (index, (target, snapshot)) in snapshots.enumerated() {
                if snapshots.count > 1 { print((index > 0 ? "\n" : "") + "# \(target)") }
                print(OnceReport.render(snapshot), terminator: "")
            }
        }
    }

    private func attached(
        _ target: AttachTarget, token: String?, receiveLog: @escaping @Sendable (AttachedServer.LogRecord) -> Void = { _ in }
    ) throws -> AttachedServer {
        do throws(AttachTargetError) {
            return try AttachedServer(target: target, token: token, caFile: caFile, receiveLog: receiveLog)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The bare token in `path`, without surrounding white space.
    private static func readToken(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read --token-file '\(path)'") }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("--token-file '\(path)' is empty") }
        return token
    }
}
