// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "motionmcp-swift",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MotionMCP", targets: ["MotionMCP"]),
        .library(name: "MotionMCPProtocol", targets: ["MotionMCPProtocol"]),
        .library(name: "MotionMCPControl", targets: ["MotionMCPControl"]),
        .library(name: "MotionMCPControlServer", targets: ["MotionMCPControlServer"]),
        .library(name: "MotionMCPGateway", targets: ["MotionMCPGateway"]),
        .library(name: "MotionMCPAttach", targets: ["MotionMCPAttach"]),
        .library(name: "MotionMCPConsole", targets: ["MotionMCPConsole"]),
        .library(name: "ConsoleTerminal", targets: ["ConsoleTerminal"]),
        .library(name: "MotionMCPCommandLine", targets: ["MotionMCPCommandLine"]),
        .executable(name: "mmcp-console", targets: ["mmcp-console"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The wire protocol: JSON, request validation, the error envelope, glTF encoding and the
        // travel trajectory. Knows nothing of HTTP.
        .target(name: "MotionMCPProtocol"),
        // What operator tools and servers share: ServerControl, the runtime snapshot, the latency
        // histogram, the control API's wire format and access levels. No NIO, no Hummingbird.
        .target(name: "MotionMCPControl", dependencies: ["MotionMCPProtocol"]),
        // The server SDK a model author needs: Backbone, NullBackbone, the model registry, model
        // calls, buildApp()/serve(), the MMCP routes, OpenAPI and the protocol extensions, and a
        // seam for models served elsewhere (RemoteModel, ModelProvider). No TLS, no HTTP client.
        .target(
            name: "MotionMCP",
            dependencies: [
                "MotionMCPProtocol",
                "MotionMCPControl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The control API a console attaches to: its routes and access levels, the Unix socket
        // and the TCP listener with its TLS. A ServerCompanion of MotionMCP.
        .target(
            name: "MotionMCPControlServer",
            dependencies: [
                "MotionMCPProtocol",
                "MotionMCP",
                "MotionMCPControl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Outgoing HTTP: one configured HTTPClient factory, the wording of transport errors, one
        // reader of the protocol's error envelope. Used by the gateway and by attach.
        .target(
            name: "MotionMCPHTTPClient",
            dependencies: [
                "MotionMCPProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The gateway: upstream MMCP servers' models served as RemoteModels, their probes,
        // ejections, retries and the relay of their answers.
        .target(
            name: "MotionMCPGateway",
            dependencies: [
                "MotionMCPProtocol",
                "MotionMCP",
                "MotionMCPControl",
                "MotionMCPHTTPClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Attaching to running servers: a ServerControl over another server's control API (Unix
        // socket, HTTP or HTTPS with a token), and the targets a fleet is found by (dns:NAME:PORT).
        .target(
            name: "MotionMCPAttach",
            dependencies: [
                "MotionMCPProtocol",
                "MotionMCPControl",
                "MotionMCPHTTPClient",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The system ncursesw library, and a shim for the macros and globals Swift cannot import.
        .systemLibrary(name: "CNCurses", providers: [.apt(["libncurses-dev"])]),
        // The operations console without a terminal: state, key table, rendering into an
        // in-memory screen, themes, the log ring, the --once report. No curses calls, no server.
        .target(
            name: "MotionMCPConsole",
            dependencies: ["MotionMCPProtocol", "MotionMCPControl", .product(name: "Logging", package: "swift-log")]
        ),
        // The console on a real terminal: the only code that calls curses, on one thread.
        .target(name: "ConsoleTerminal", dependencies: ["CNCurses", "MotionMCPConsole", "MotionMCPControl"]),
        // The command line: flags, assembling the services, running them (`MMCPCommand.main`),
        // for mmcp-console and for a model author's own console binary.
        .target(
            name: "MotionMCPCommandLine",
            dependencies: [
                "MotionMCP",
                "MotionMCPControl",
                "MotionMCPControlServer",
                "MotionMCPGateway",
                "MotionMCPAttach",
                "MotionMCPConsole",
                "ConsoleTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // mmcp-console: the command line over NullBackbones.
        .executableTarget(name: "mmcp-console", dependencies: ["MotionMCPCommandLine"]),
        .testTarget(
            name: "MotionMCPProtocolTests",
            dependencies: ["MotionMCPProtocol"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "MotionMCPConsoleTests", dependencies: ["MotionMCPConsole", "MotionMCPControl", "MotionMCP"]),
        // What both layers of the server tests use: raw HTTP clients, the kept server logs, waiting
        // without sleeping, the small requests, `mmcp-console` as a process. Public and package API
        // only (no @testable import), so it builds in any configuration; compiled once for both.
        .target(
            name: "MotionMCPTestSupport",
            dependencies: [
                "MotionMCP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/MotionMCPTestSupport"
        ),
        // The fast layer: servers in this process (buildApp, HummingbirdTesting's .live and
        // .router), stores, handlers, the gateway over in-process upstreams, the conformance
        // fixtures and the fuzz test. Starts no process.
        .testTarget(
            name: "MotionMCPTests",
            dependencies: [
                "MotionMCP",
                "MotionMCPControl",
                "MotionMCPControlServer",
                "MotionMCPGateway",
                "MotionMCPAttach",
                "MotionMCPTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // The process layer: the real `mmcp-console` binary (headless servers, the control API,
        // attach, gateways, signals), in tmux, behind nginx, and a model author's package built
        // outside this one. Takes minutes.
        .testTarget(
            name: "MotionMCPProcessTests",
            dependencies: [
                "MotionMCP",
                "MotionMCPControl",
                "MotionMCPControlServer",
                "MotionMCPGateway",
                "MotionMCPAttach",
                "MotionMCPTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
