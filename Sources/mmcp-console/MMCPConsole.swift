import ArgumentParser
import Foundation
import Logging
import Hummingbird
import MotionMCP
import ServiceLifecycle

/// `mmcp-console`: runs an MMCP server (by default one NullBackbone on 0.0.0.0:8000).
@main
struct MMCPConsole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmcp-console",
        abstract: "Run an MMCP motion-generation server.",
        discussion: "With --headless the server runs in the foreground and logs to standard error; SIGINT or SIGTERM stops it gracefully.")

    @OptionGroup var serve: ServeOptions

    @Flag(help: "Run the server without the terminal console.")
    var headless = false

    func run() async throws {
        var logger = Logger(label: "mmcp")
        logger.logLevel = serve.logLevel.level
        let server = try serve.makeServer(logger: logger)
        let runtime = MMCPRuntime(server: server, listenAddress: "\(serve.host):\(serve.port)")
        let app = buildApp(runtime, configuration: ApplicationConfiguration(address: .hostname(serve.host, port: serve.port)))
        let shutdown = ShutdownSequence(server: server, grace: .seconds(serve.shutdownGrace))
        let status = StatusLog(control: runtime, logger: logger)
        logger.info("serving", metadata: ["models": "\(server.registry.models.map(\.key))", "address": "\(serve.host):\(serve.port)"])
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [app, runtime, shutdown, status], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        if shutdown.drainTimedOut {
            throw ExitCode(3)
        }
    }

    /// Parses the command line and runs; a usage error or a bad spec file is one line on standard
    /// error and exit status 2, a failure while serving exit status 1.
    static func main() async {
        let command: MMCPConsole
        do {
            command = try parse()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            fail(message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments")
        }
        do {
            try await command.run()
        } catch let error as ValidationError {
            fail(error.message)
        } catch let error as RegistrationError {
            fail(error.description)
        } catch let code as ExitCode {
            FileHandle.standardError.write(Data("mmcp-console: a drain timed out; requests still running were cancelled\n".utf8))
            Foundation.exit(code.rawValue)
        } catch {
            fail("\(error)", status: 1)
        }
    }

    private static func fail(_ message: String, status: Int32 = 2) -> Never {
        FileHandle.standardError.write(Data("mmcp-console: \(message)\n".utf8))
        Foundation.exit(status)
    }
}
