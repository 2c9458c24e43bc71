import Foundation
import MotionMCPTestSupport
import Testing

/// What a model author does with the package: a package of their own, outside this one, that
/// depends on it and gets the whole `mmcp-console` command line over their backbone in a few lines.
@Suite("A model author's own console binary")
struct AuthorPackageTests {
    static let manifest = """
        // swift-tools-version:6.2
        import PackageDescription

        let package = Package(
            name: "walker-console",
            platforms: [.macOS(.v15)],
            dependencies: [.package(path: "REPOSITORY")],
            targets: [
                .executableTarget(
                    name: "walker-console",
                    dependencies: [
                        .product(name: "MotionMCP", package: "IDENTITY"),
                        .product(name: "MotionMCPCommandLine", package: "IDENTITY"),
                    ])
            ]
        )
        """

    static let main = """
        import MotionMCP
        import MotionMCPCommandLine

        /// An author's model: here it moves as the stand-in does, under its own id.
        struct Walker: Backbone {
            private let motion = NullBackbone(modelID: "walker")
            func capabilities() -> ModelSpec { motion.capabilities() }
            func generate(_ request: GenerateRequest) async throws -> MotionResult { try await motion.generate(request) }
        }

        await MMCPCommand.main(backbones: [Walker()])
        """

    static let serverManifest = """
        // swift-tools-version:6.2
        import PackageDescription

        let package = Package(
            name: "walker-server",
            platforms: [.macOS(.v15)],
            dependencies: [.package(path: "REPOSITORY")],
            targets: [
                .executableTarget(name: "walker-server", dependencies: [.product(name: "MotionMCP", package: "IDENTITY")])
            ]
        )
        """

    static let serverMain = """
        import Foundation
        import MotionMCP

        struct Walker: Backbone {
            private let motion = NullBackbone(modelID: "walker")
            func capabilities() -> ModelSpec { motion.capabilities() }
            func generate(_ request: GenerateRequest) async throws -> MotionResult { try await motion.generate(request) }
        }

        let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8000
        try await serve(Walker(), options: MMCPOptions(host: "127.0.0.1", port: port))
        """

    /// The targets whose build folders must not appear when only `MotionMCP` is built: TLS
    /// (BoringSSL and its Swift wrapper) and the HTTP client.
    static let operatorOnlyTargets = ["CNIOBoringSSL", "NIOSSL", "AsyncHTTPClient", "HummingbirdTLS", "MotionMCPGateway", "MotionMCPControlServer"]

    @Test("a package outside this one that only calls serve() compiles no TLS and no HTTP client, and it serves")
    func servingAuthorCompilesNoTLS() async throws {
        // Its own folder, kept between runs: a console package built in the same folder would
        // leave TLS's build folders behind.
        let folder = TestPaths.repository.appendingPathComponent(".build/author-server")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Sources/walker-server"), withIntermediateDirectories: true)
        try Self.serverManifest.replacingOccurrences(of: "REPOSITORY", with: TestPaths.repository.path)
            .replacingOccurrences(of: "IDENTITY", with: TestPaths.repository.lastPathComponent.lowercased())
            .write(to: folder.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try Self.serverMain.write(to: folder.appendingPathComponent("Sources/walker-server/main.swift"), atomically: true, encoding: .utf8)
        let build = try await runToEnd(
            "/usr/bin/env", ["nice", "-n", "19", "swift", "build", "--package-path", folder.path], timeout: .seconds(1500))
        try #require(build.status == 0, "swift build failed:\n\((build.output + build.errors).suffix(4000))")

        // SwiftPM makes a folder for every target of the graph; a target compiled has objects in it.
        let products = folder.appendingPathComponent(".build/debug")
        func objects(of target: String) -> Int {
            let files = FileManager.default.enumerator(atPath: products.appendingPathComponent("\(target).build").path)
            return (files?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".o") }.count
        }
        for target in Self.operatorOnlyTargets {
            #expect(objects(of: target) == 0, "\(target) was compiled for a serve()-only package")
        }
        #expect(objects(of: "MotionMCP") > 0)

        let port = try freePort()
        let server = Process()
        server.executableURL = products.appendingPathComponent("walker-server")
        server.arguments = ["\(port)"]
        server.standardError = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        var listed: [String] = []
        _ = try await waitUntil(attempts: 100, every: .milliseconds(100)) {
            listed = (try? await RawHTTPClient(port: port).capabilityIDs()) ?? []
            return !listed.isEmpty
        }
        #expect(listed == ["walker"])
    }

    @Test("a package outside this one builds a console over its own backbone with MMCPCommand.main, and it serves, prints --once and attaches")
    func authorsConsole() async throws {
        // Under this package's own .build (ignored by git), kept between runs: the first build
        // compiles every dependency again (about 6 minutes on 2 cores), later ones only what changed.
        let folder = TestPaths.repository.appendingPathComponent(".build/author-package")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("Sources/walker-console"), withIntermediateDirectories: true)
        // A path dependency is known by its folder's name (here the checkout's, wherever it is).
        try Self.manifest.replacingOccurrences(of: "REPOSITORY", with: TestPaths.repository.path)
            .replacingOccurrences(of: "IDENTITY", with: TestPaths.repository.lastPathComponent.lowercased())
            .write(to: folder.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try Self.main.write(to: folder.appendingPathComponent("Sources/walker-console/main.swift"), atomically: true, encoding: .utf8)

        // At the lowest priority: when it compiles the dependencies again, the other tests' servers,
        // running beside it, still get the processor first.
        let build = try await runToEnd(
            "/usr/bin/env", ["nice", "-n", "19", "swift", "build", "--package-path", folder.path], timeout: .seconds(1500))
        try #require(build.status == 0, "swift build failed:\n\((build.output + build.errors).suffix(4000))")
        let binary = folder.appendingPathComponent(".build/debug/walker-console").path

        let once = try await runToEnd(binary, ["--once"])
        #expect(once.status == 0, "\(once.errors)")
        #expect(once.output.split(separator: "\n").contains { $0.hasPrefix("walker") && $0.contains("ready") }, "\(once.output)")
        #expect(!once.output.contains("null "), "the author's model replaces the default stand-in")

        let socket = TestEnvironment.uniqueControlSocket()
        let port = try freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["--headless", "--host", "127.0.0.1", "--port", "\(port)", "--control", socket, "--null", "spare"]
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        var attached = FinishedProcess(status: -1, output: "", errors: "")
        _ = try await waitUntil(attempts: 100, every: .milliseconds(100)) {
            attached = try await runToEnd(binary, ["attach", socket, "--once"])
            return attached.status == 0
        }
        #expect(attached.output.split(separator: "\n").contains { $0.hasPrefix("walker") && $0.contains("ready") }, "\(attached.output)")
        #expect(attached.output.split(separator: "\n").contains { $0.hasPrefix("spare") }, "\(attached.output)")
    }
}
