import ArgumentParser
import ConsoleTerminal
import Foundation
import Hummingbird
import Logging
import MotionMCP
import MotionMCPConsole
import MotionMCPControl
import MotionMCPControlServer
import MotionMCPGateway
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The whole `mmcp-console` command line over a model author's own backbones: `serve` (the
/// default: the server with the operations console in front, `--headless`, `--once`) and
/// `attach` (the console over servers running elsewhere).
///
/// ```swift
/// import MotionMCP
/// import MotionMCPCommandLine
///
/// await MMCPCommand.main(backbones: [Walker()])
/// ```
///
/// `walker-console` then serves `walker` on 0.0.0.0:8000 with the console in front, its control
/// API on the default socket, and every flag of `mmcp-console` (`--null` adds stand-in models
/// beside yours); `walker-console attach` watches it from another terminal.
public enum MMCPCommand {
    /// Parses the process's arguments (or `arguments`) and runs; never returns. A usage error or a
    /// bad spec file is one line on standard error and exit status 2, a drain that timed out
    /// (whichever way it started) exit status 3, a failure while serving exit status 1.
    ///
    /// - Parameters:
    ///   - backbones: the models `serve` serves, keyed by their ids; with none, one NullBackbone
    ///     `null` unless `--null` names others.
    ///   - runsConcurrencyOnEventLoops: run Swift concurrency's jobs on the server's NIO event
    ///     loops (small `/generate` ~13 % less CPU per request, docs/performance.md). Only for
    ///     backbones that never block a thread: a blocking `generate` then stalls every connection
    ///     of its event loop. `mmcp-console` turns it on (it serves only NullBackbones).
    public static func main(
        backbones: [any Backbone] = [], arguments: [String]? = nil, runsConcurrencyOnEventLoops: Bool = false
    ) async -> Never {
        if runsConcurrencyOnEventLoops { NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() }
        var command: any ParsableCommand
        do {
            command = try MMCPConsole.parseAsRoot(arguments)
        } catch {
            if MMCPConsole.exitCode(for: error) == .success { MMCPConsole.exit(withError: error) }
            fail(MMCPConsole.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments")
        }
        do {
            if let serve = command as? Serve {
                try await serve.run(backbones: backbones)
            } else if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            fail(error.message)
        } catch let error as ControlConfigurationError {
            fail(error.message)
        } catch let error as DrainTimedOut {
            fail(error.description, status: 3)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            // `mmcp-console --help` reaches here: the root command's run() asks for its help.
            if MMCPConsole.exitCode(for: error) == .success { MMCPConsole.exit(withError: error) }
            fail("\(error)", status: 1)
        }
        Foundation.exit(0)
    }

    /// The command's name in usage and error lines: the binary's own (`mmcp-console`, or a
    /// model author's `walker-console`).
    static let name = CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "mmcp-console"

    /// One line on standard error, and exit with `status`.
    static func fail(_ message: String, status: Int32 = 2) -> Never {
        warn(message)
        Foundation.exit(status)
    }

    /// One line on standard error, `name: message`, its control characters escaped (a message may
    /// quote a flag, a file or a server's answer).
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("\(name): \(LogText.escaped(message))\n".utf8))
    }
}

/// `mmcp-console`: runs an MMCP server with its console (`serve`, the default), or attaches the
/// console to servers running elsewhere (`attach`).
struct MMCPConsole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: MMCPCommand.name,
        abstract: "Run an MMCP motion-generation server, or attach its console to running ones.",
        version: MMCPVersion.sdk,
        subcommands: [Serve.self, Attach.self],
        defaultSubcommand: Serve.self)
}

/// `mmcp-console [serve]`: runs an MMCP server (by default one NullBackbone on 0.0.0.0:8000) with
/// the console in front, or headless, and its control API on a Unix socket.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an MMCP motion-generation server (the default command).",
        discussion:
            "With --headless the server runs in the foreground and logs to standard error; SIGINT or SIGTERM stops it gracefully. Its control API listens on a Unix socket (--control) for `mmcp-console attach`."
    )

    @OptionGroup var serve: ServeOptions
    @OptionGroup var control: ControlFlags

    @Flag(help: "Run the server without the terminal console (also when standard input or output is not a terminal).")
    var headless = false

    @Flag(help: "Set the models up, print one plain-text snapshot of the table, and exit.")
    var once = false

    @OptionGroup var consoleFlags: ConsoleFlags

    func run() async throws {
        try await run(backbones: [])
    }

    /// Serves `backbones` (an author's own models) beside the `--null` ones.
    func run(backbones authored: [any Backbone]) async throws {
        if once { return try await printOnce(authored) }
        let interactive = !headless && isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        let ring = LogRing()
        if interactive {
            // Nothing may print to the terminal behind the console's back: every log line goes to the ring.
            let level = serve.logLevel.level
            LoggingSystem.bootstrap { RingLogHandler(label: $0, ring: ring, logLevel: level) }
        } else {
            LoggingSystem.bootstrap { StandardErrorLogHandler(label: $0) }
        }
        var logger = Logger(label: "mmcp")
        logger.logLevel = serve.logLevel.level
        let server = try serve.makeServer(authored, logger: logger, control: try control.options())
        try await Self.checkListening(host: serve.host, port: serve.port)
        logger = server.options.serverLogger
        // A control API that cannot start is one line and exit 2 (`MMCPCommand.main`), before "serving".
        let assembly = try ServerAssembly(server, setUp: .inBackground)
        let runtime = assembly.runtime
        logger.info(
            "serving",
            metadata: [
                "models": "\(server.registry.models.map(\.key))", "address": "\(serve.host):\(serve.port)",
                "control": "\(assembly.companions.isEmpty ? ["off"] : assembly.companionAddresses)",
            ])
        let front: ServiceGroupConfiguration.ServiceConfiguration
        var signals: [UnixSignal] = [.sigterm, .sigint]
        if interactive {
            let themes = consoleFlags.themes()
            let console = TerminalConsole(
                control: runtime, logRing: ring, themes: themes, themeName: consoleFlags.theme, readOnly: consoleFlags.readOnly)
            front = .init(service: ConsoleService(console: console), successTerminationBehavior: .gracefullyShutdownGroup)
            // The console watches SIGINT and SIGTERM itself while it owns the terminal; it ends, and
            // the group's shutdown sequence drains what is left.
            signals = []
        } else {
            front = .init(service: StatusLog(control: runtime, logger: logger))
        }
        try await assembly.serviceGroup(front: front, signals: signals, logger: logger).run()
        if server.registry.anyDrainTimedOut { throw DrainTimedOut() }
    }

    /// Binds `host:port` as the server will (`SO_REUSEADDR`, so a port in `TIME_WAIT` is free) and
    /// lets go at once: a port in use, an address this host does not have or a port it may not
    /// bind is one line, `cannot listen on HOST:PORT: address already in use`, and exit status 2,
    /// before anything says "serving" or sets a model up.
    static func checkListening(host: String, port: Int) async throws {
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
        } catch let error as IOError {
            throw ValidationError("cannot listen on \(host):\(port): \(String(cString: strerror(error.errnoCode)).lowercased())")
        } catch {
            throw ValidationError("cannot listen on \(host):\(port): \(error)")
        }
        try await channel.close()
    }

    /// `--once`: the models set up, the table printed, the models torn down; nothing listens.
    private func printOnce(_ authored: [any Backbone]) async throws {
        var logger = Logger(label: "mmcp")
        logger.logLevel = .warning
        let server = try serve.makeServer(authored, logger: logger, control: nil)
        try? await server.setUp()
        let runtime = MMCPRuntime(server: server, listenAddress: "\(serve.host):\(serve.port)")
        print(OnceReport.render(runtime.snapshot()), terminator: "")
        await server.tearDown()
    }
}

/// A drain ran into its timeout and stopped requests still running; the process exits with status 3.
struct DrainTimedOut: Error, CustomStringConvertible {
    var description: String { "a drain timed out; requests still running were cancelled" }
}
